/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Templates build a root filesystem; see templates/CONTRACT.md. The cache keeps one tar.zst per
 * (template, release, arch, init) under PATHS->cache_dir/templates/KEY/{rootfs.tar.zst,meta}.
 */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

struct lxm_template_result;

struct lxm_template_request {
	const char *template_name; /* "busybox", "debian", ... (a script in templates_dir) */
	const char *release;       /* NULL: the template's default */
	const char *arch;          /* NULL: the host's */
	const char *init;          /* NULL: the template's default */
	const char *mirror;        /* NULL: the host's apt configuration */
	const char *name;          /* container name (hostname) */
	bool no_cache;
	bool progress;
	/* Optional: called once from a warm cache entry, with what the rootfs will be, before the
	 * rootfs is filled (create renders and syncs its config meanwhile). < 0 aborts the build. */
	int (*on_cached)(void *data, const struct lxm_template_result *what);
	void *on_cached_data;
	/* The caller runs lxm_template_configure_standard() on the rootfs right after when the
	 * template declares it: the files it replaces are then not copied from the unpacked base. */
	bool configures_standard;
	/* The statically linked lxcmgr (cli/create-route.h): only recorded defaults, a cache entry's
	 * unpacked base and the standard configure, no template script and no libarchive; -ELIBACC
	 * (not logged) where one of them would be needed, for the caller to hand over to lxcmgr-full. */
	bool cache_only;
	/* rootfs is an empty btrfs subvolume in the container store: from a cache entry it becomes a
	 * writable snapshot of the entry's btrfs base (image/btrfs-base.h), made once. */
	bool btrfs_rootfs;
};

/* What was produced, filled in from the template's output / the cache metadata. */
struct lxm_template_result {
	char *release;
	char *arch;
	char *init_system;
	bool from_cache;
	bool configure_standard; /* the template's defaults said "configure=standard" */
};

/* Fills rootfs (an existing empty directory) from the cache or by running the template (and then
 * storing the result in the cache unless no_cache). rootfs NULL: only makes sure the cache holds a
 * verified entry (building one when it does not), nothing is unpacked. */
int lxm_template_build(const struct lxm_paths *paths, const struct lxm_template_request *req,
		       const char *rootfs, struct lxm_template_result *ret);
void lxm_template_result_done(struct lxm_template_result *r);

/* Rebuilds the cache entry KEY with the template, release, arch and init recorded in its meta
 * (the old entry stays usable until the new one replaces it). -ENOENT (logged) for an unknown key. */
int lxm_template_refresh(const struct lxm_paths *paths, const char *key, bool progress);
/* Removes the cache entry KEY. -ENOENT (logged) for an unknown key. */
int lxm_template_remove(const struct lxm_paths *paths, const char *key);

/* Applies per-container settings after unpacking (hostname, /etc/hosts, empty machine-id) by
 * running the template's "configure" phase. template_name NULL (a rootfs from a user's tarball):
 * lxcmgr writes those three files itself, never following symlinks in the rootfs. */
int lxm_template_configure(const struct lxm_paths *paths, const char *template_name, const char *rootfs,
			   const char *name);


/* What template req->template_name's defaults (recorded, see template-defaults.h) resolve the
 * request to: release, arch, init (the cache key's parts) and whether it says "configure=standard"
 * (from_cache stays false). Free with lxm_template_result_done(). -errno logged. */
int lxm_template_resolve(const struct lxm_paths *paths, const struct lxm_template_request *req,
			 struct lxm_template_result *ret);

/* Whether lxm_template_build() of req (a rootfs wanted, the cache used) can be served with
 * cache_only, as far as can be told without side effects: recorded defaults saying
 * "configure=standard", a cache entry and its unpacked base. 1: yes, 0: no (not logged), -errno
 * (logged) for a template that does not exist. Nothing is run, created or locked. */
int lxm_template_warm(const struct lxm_paths *paths, const struct lxm_template_request *req);

/* The configure phase for a rootfs of template req->template_name (for req->name): done in C when
 * the template's defaults (recorded, see template-defaults.h) say "configure=standard", else by
 * running the template's "configure". */
int lxm_template_configure_auto(const struct lxm_paths *paths, const struct lxm_template_request *req,
				const char *rootfs);
