/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unpacked bases of template cache entries: CACHE_DIR/overlay-bases/KEY-SHA16/, the tarball of
 * one entry version unpacked once (the lower layer of overlay containers, the tree a dir create
 * copies in-process). Made by the first create of any storage from the entry; a refreshed entry
 * gets a new base (its sha256 differs). Disk cost: one more copy of the rootfs per entry version
 * that was ever created from, until `template remove` (or a refresh) prunes the unused ones.
 */
#pragma once

#include <stdbool.h>

#include "core/paths.h"
#include "image/cache.h"

/* Unpacks m's tarball (size and sha256 checked) into the base path (lxm_cache_base_path()): built
 * under a temporary name, flushed to disk, then renamed, so a base under its own name is always
 * whole, even after a crash or a kill. Caller holds the key's lock. -EBADMSG: the tarball is
 * corrupt (logged at debug level by the caller's choice), nothing left behind. */
int lxm_cache_base_unpack(const struct lxm_paths *paths, const struct lxm_cache_meta *m, bool progress);
/* Removes KEY-SHA16.tmp-* (a killed unpack or removal) from the bases directory. Caller holds the
 * key's lock. */
void lxm_cache_base_clean_stale(const struct lxm_paths *paths, const char *key);
/* The key's bases: their paths (NULL-terminated, free with strv_free), the newest first is not
 * promised. An absent bases directory is an empty list. */
int lxm_cache_base_list(const struct lxm_paths *paths, const char *key, char ***ret);
/* True when name is KEY-SHA16 followed by exactly tail (tail_len: its length with a mkdtemp()
 * suffix, e.g. ".tmp-XXXXXX"): another key that starts with KEY- never matches, its own '-SHA16'
 * makes the name longer. Also names the btrfs bases (image/btrfs-base.h). */
bool lxm_cache_base_name_matches(const char *name, const char *key, const char *tail, size_t tail_len);
/* Removes one base: renamed to a temporary name first (a half-removed base is never found under
 * its own name), then deleted. Caller holds the key's lock. */
int lxm_cache_base_remove(const char *path);
