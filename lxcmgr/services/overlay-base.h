/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Read-only unpacked template bases for overlay containers: CACHE_DIR/overlay-bases/KEY-SHA16/, one
 * per cached tarball version (a refreshed template gets a new base; containers keep using theirs).
 */
#pragma once

#include "core/paths.h"

struct lxm_overlay_base {
	char *path;     /* the unpacked base directory */
	char *release;
	char *arch;
	char *init;     /* as recorded in the cache ("none": the init shim) */
	int lock_fd;    /* the key's lock, shared: held until the container naming path is committed */
};
#define LXM_OVERLAY_BASE_INIT { .lock_fd = -EBADF }
void lxm_overlay_base_done(struct lxm_overlay_base *b);

/* The base for template tmpl (release, arch, init may be NULL: any): the newest matching cache
 * entry, unpacked once (under the cache key's lock, built aside and renamed). -ENOENT when no
 * cache entry matches (not logged: the caller builds the template first). ret->lock_fd holds the
 * key's lock shared (lxm_cache_lock_shared()): the caller keeps it until its container is
 * committed or given up. */
int lxm_overlay_base_get(const struct lxm_paths *paths, const char *tmpl, const char *release, const char *arch,
			 const char *init, bool progress, struct lxm_overlay_base *ret);
/* Removes the key's bases (image/cache-base.h) that are not the current entry's (none after a
 * `template remove`; the old version's after a refresh) and that no overlay container of this
 * store stands on (those are kept and named). Takes the key's lock. A cache directory shared by
 * several roots sees only this root's containers. */
int lxm_overlay_base_prune(const struct lxm_paths *paths, const char *key);
