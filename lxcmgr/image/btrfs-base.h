/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * btrfs bases: a template cache entry's unpacked base kept as a read-only btrfs subvolume in the
 * container store, CONTAINERS_DIR/.btrfs-bases/KEY-SHA16, so that a create with storage "btrfs"
 * from a warm cache is one snapshot of it (as Incus makes an instance from its image's volume on a
 * btrfs pool). In the store, not in the template cache: a snapshot cannot leave its filesystem, and
 * the cache may be on another one. Made once per entry version from the cache's unpacked base
 * (image/cache-base.h). A snapshot shares the base's extents but does not depend on it, so a base
 * goes with its entry version (`template refresh` or `remove`, or the next version's base being
 * made), whatever containers were made from it.
 */
#pragma once

#include "core/paths.h"
#include "image/cache.h"

/* Path of m's btrfs base (it may not exist). */
int lxm_btrfs_base_path(const struct lxm_paths *paths, const struct lxm_cache_meta *m, char **ret);

/* Makes m's btrfs base from its unpacked base in the cache, which must exist: copied into a
 * temporary subvolume, synced, made read-only and renamed, so a base under its own name is whole.
 * The key's other bases (older versions, a killed make's temporaries) are removed first. Caller
 * holds the key's lock, exclusive. */
int lxm_btrfs_base_make(const struct lxm_paths *paths, const struct lxm_cache_meta *m);

/* Replaces rootfs, an empty subvolume, by a writable snapshot of the btrfs base at base. On
 * failure rootfs is an empty subvolume again (or gone, when remaking it failed too: -errno of that). */
int lxm_btrfs_base_snapshot(const char *base, const char *rootfs);

/* Removes the key's btrfs bases other than the current entry's (all of them when the key is not
 * cached any more) and temporaries. Takes the key's lock. */
int lxm_btrfs_base_prune(const struct lxm_paths *paths, const char *key);
