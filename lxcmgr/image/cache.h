/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The template cache: CACHE_DIR/templates/KEY/{rootfs.tar.zst,meta}, KEY = TEMPLATE-RELEASE-ARCH-INIT.
 * meta holds key=value lines: template, release, arch, init, created (unix seconds), size (bytes of
 * the tarball), sha256 (hex of the tarball), template_rev (image/template-rev.h, absent in entries of
 * older lxcmgr versions). CACHE_DIR/templates/KEY.lock serialises writers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/paths.h"
#include "image/template-rev.h"
#include "util/sha256.h"

struct lxm_cache_meta {
	char *key;
	char *template_name;
	char *release;
	char *arch;
	char *init;
	uint64_t created;
	uint64_t size;
	char sha256[LXM_SHA256_HEX_SIZE];
	char template_rev[LXM_TEMPLATE_REV_SIZE]; /* "" when not recorded (an older lxcmgr's entry) */
};

void lxm_cache_meta_done(struct lxm_cache_meta *m);

/* Lower-cases the parts, maps arch aliases (x86_64 -> amd64, aarch64 -> arm64, ...) and joins them.
 * The normalised parts are returned too when the ret_* are not NULL. -EINVAL for an empty part or a
 * character outside [a-z0-9._+] (the template name may also hold '-'). */
int lxm_cache_key(const char *tmpl, const char *release, const char *arch, const char *init, char **ret_key,
		  char **ret_release, char **ret_arch, char **ret_init);
/* True when key has the shape of a cache key (safe as a directory name). */
bool lxm_cache_key_is_valid(const char *key);

/* CACHE_DIR/templates (created when create is set). */
int lxm_cache_dir(const struct lxm_paths *paths, bool create, char **ret);
/* Takes the key's lock (blocking flock); *ret_fd holds it until closed. */
int lxm_cache_lock(const struct lxm_paths *paths, const char *key, int *ret_fd);
/* The same lock, shared: what a create holds while it stands on the key's unpacked base, from
 * choosing it until its container is committed, so that a prune (exclusive) of a refreshed or
 * removed key's bases never removes a base between a create's choice and its config naming it. */
int lxm_cache_lock_shared(const struct lxm_paths *paths, const char *key, int *ret_fd);
/* Removes KEY.tmp-* and KEY.build-* left by a crashed store, remove or refresh (and the bases'
 * KEY-SHA16.tmp-*, image/cache-base.h). Call right after
 * taking the key's lock (nothing of this key is being written then). */
void lxm_cache_clean_stale(const struct lxm_paths *paths, const char *key);
/* Reads KEY/meta; -ENOENT when the key is not cached, -EBADMSG when meta is unreadable. */
int lxm_cache_read(const struct lxm_paths *paths, const char *key, struct lxm_cache_meta *ret);
/* Path of the key's tarball. */
int lxm_cache_tarball(const struct lxm_paths *paths, const char *key, char **ret);
/* Path of the entry's unpacked base (CACHE_DIR/overlay-bases/KEY-SHA256PREFIX): made once by the
 * first create from the entry, dir or overlay (image/cache-base.h), the lower layer of overlay
 * containers and the source a dir create copies from. It may not exist. */
int lxm_cache_base_path(const struct lxm_paths *paths, const struct lxm_cache_meta *m, char **ret);
/* Checks size and sha256 of the tarball against meta: -EBADMSG (logged at debug) when they differ. */
int lxm_cache_verify(const struct lxm_paths *paths, const struct lxm_cache_meta *m);
/* Only the cheap half: the tarball's size against meta (a truncated file), -EBADMSG when it
 * differs. For callers that check the sha256 while reading the tarball anyway
 * (lxm_extract_opts.expect_sha256). */
int lxm_cache_verify_size(const struct lxm_paths *paths, const struct lxm_cache_meta *m);
/* Archives rootfs into the cache under m->key (replacing an older entry atomically); fills in
 * m->created, m->size and m->sha256. Caller holds the lock. */
int lxm_cache_store(const struct lxm_paths *paths, struct lxm_cache_meta *m, const char *rootfs, bool progress);
/* Removes the entry (caller holds the lock). -ENOENT when absent. */
int lxm_cache_remove(const struct lxm_paths *paths, const char *key);
/* All readable entries, sorted by key. Free with lxm_cache_list_free(). */
int lxm_cache_list(const struct lxm_paths *paths, struct lxm_cache_meta **ret, size_t *ret_n);
/* The same for the entries whose key starts with template tmpl's (a superset of those whose meta
 * names tmpl: "a" also lists "a-b"'s entries; callers match the meta). */
int lxm_cache_list_template(const struct lxm_paths *paths, const char *tmpl, struct lxm_cache_meta **ret,
			    size_t *ret_n);
void lxm_cache_list_free(struct lxm_cache_meta *l, size_t n);
