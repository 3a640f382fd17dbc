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

#include <stdbool.h>

#include "core/paths.h"
#include "image/cache.h"

/* Path of m's btrfs base (it may not exist). */
int lxm_btrfs_base_path(const struct lxm_paths *paths, const struct lxm_cache_meta *m, char **ret);

/* Makes m's btrfs base from its unpacked base in the cache, which must exist: copied into a
 * temporary subvolume, published by a read-only snapshot of it under the base's name (a base
 * under its own name is whole), the temporary destroyed. The key's other bases and temporaries
 * are removed first, and so are other keys' bases that are not their key's current version (an
 * entry removed or refreshed where this store never saw it). Caller holds the key's lock,
 * exclusive. */
int lxm_btrfs_base_make(const struct lxm_paths *paths, const struct lxm_cache_meta *m);

/* Replaces rootfs, an empty subvolume, by a writable snapshot of the btrfs base at base. 0: done;
 * -errno (logged at debug): not done, and *ret_empty says whether rootfs is an empty subvolume
 * again, for the caller to fill, or gone (remaking it failed too). */
int lxm_btrfs_base_snapshot(const char *base, const char *rootfs, bool *ret_empty);

/* Removes the key's btrfs bases other than the current entry's (all of them when the key is not
 * cached any more), its temporaries and other keys' orphaned bases. Takes the key's lock. */
int lxm_btrfs_base_prune(const struct lxm_paths *paths, const char *key);
