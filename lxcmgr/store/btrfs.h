/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * btrfs subvolumes and snapshots through the kernel's ioctls (linux/btrfs.h): no btrfs tool is run.
 * Library-level: failures are returned (-errno) and logged at debug level only.
 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

/* 1 when path (or, when it does not exist, its nearest existing ancestor) is on btrfs, 0 when not. */
int lxm_btrfs_is_fs(const char *path);

/* 1 when dfd/name (AT_SYMLINK_NOFOLLOW; name "" for dfd itself) is the root of a btrfs subvolume,
 * 0 when not. st (may be NULL) is its lstat when already known. */
int lxm_btrfs_is_subvol_at(int dfd, const char *name, const struct stat *st);
int lxm_btrfs_is_subvol(const char *path);

/* Creates an empty subvolume at path (which must not exist; its parent is on btrfs). Mode 0755. */
int lxm_btrfs_subvol_create(const char *path);

/* Snapshots subvolume src to dst (which must not exist, on the same filesystem); read-only when asked.
 * The snapshot is atomic: a running container's tree is caught as at one instant (a power cut). */
int lxm_btrfs_snapshot(const char *src, const char *dst, bool readonly);

/* Makes the subvolume at path read-only (its root directory; nothing inside it can change after). */
int lxm_btrfs_subvol_set_readonly(const char *path);

/* Destroys the subvolume dfd/name (read-only ones too; nested subvolumes first). */
int lxm_btrfs_subvol_destroy_at(int dfd, const char *name);
int lxm_btrfs_subvol_destroy(const char *path);
