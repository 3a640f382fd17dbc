/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Storage backends of a container's root filesystem (config keys `storage`, `storage_base`):
 *   dir      DIR/rootfs is the tree (default)
 *   overlay  DIR/upper + DIR/work over the read-only storage_base (a template cache's unpacked
 *            base, or another container's rootfs for a clone); DIR/rootfs is the mount point.
 *            The overlay is mounted on the host only while a container starts (its mount
 *            namespace keeps it), or in a private mount namespace of a command that reads it.
 *   btrfs    DIR/rootfs is a btrfs subvolume; snapshots are read-only btrfs snapshots (atomic, so a
 *            running container is snapshotted without freezing it) and `copy --snapshot` is a
 *            writable snapshot that depends on nothing. Needs the container store on btrfs. Chosen
 *            by `create` when the store is on btrfs and no --storage is given.
 */
#pragma once

#include "store/store.h"

enum lxm_storage_type {
	LXM_STORAGE_DIR = 0,
	LXM_STORAGE_OVERLAY,
	LXM_STORAGE_BTRFS,
};
const char *lxm_storage_type_to_string(enum lxm_storage_type t);
int lxm_storage_type_from_string(const char *s, enum lxm_storage_type *ret);

/* The backend of c (from its config). */
enum lxm_storage_type lxm_storage_of(const struct lxm_container *c);

/* The directory holding what belongs to c alone: DIR/rootfs (dir) or DIR/upper (overlay).
 * Snapshots copy it. *ret owned. */
int lxm_storage_data_dir(const struct lxm_container *c, char **ret);

/* What `create` uses without --storage: btrfs when paths' container store is on btrfs, else dir. */
enum lxm_storage_type lxm_storage_default(const struct lxm_paths *paths);

/* Turns the empty directory rootfs (just made by lxm_store_txn_begin) into an empty btrfs
 * subvolume. -EOPNOTSUPP (logged) when it is not on btrfs. */
int lxm_storage_btrfs_rootfs(const char *rootfs);

/* Replaces the empty directory dst_rootfs by a writable btrfs snapshot of src_rootfs (a clone). */
int lxm_storage_btrfs_clone(const char *src_rootfs, const char *dst_rootfs);

/* Creates upper/ (0755) and work/ (0700) in dir (an overlay container's directory). */
int lxm_overlay_prepare(const char *dir);

/* Mounts c's overlay on c->rootfs in the current mount namespace (no-op for dir). -ENOENT
 * (logged) when the base is gone. */
int lxm_storage_activate(const struct lxm_container *c);
/* Lazily unmounts what lxm_storage_activate() mounted (no-op for dir). */
void lxm_storage_deactivate(const struct lxm_container *c);

/* For commands that read the merged tree of a stopped container (copy, export): moves the calling
 * process into a private mount namespace and activates c there, so nothing stays mounted on the
 * host whatever happens. No-op for dir. */
int lxm_storage_private_view(const struct lxm_container *c);
/* The same for a short edit of a container that is not committed yet (create): the overlay is
 * mounted "volatile", so unmounting it does not sync the whole upper filesystem (overlayfs syncs
 * it at every unmount otherwise: 8-140 ms when other writers left dirty data on it). The caller
 * makes its writes durable itself (or needs no durability). End with lxm_storage_scratch_view_end(),
 * which unmounts and removes the marker a volatile mount leaves in work/ (it would block later
 * mounts); an error from it means the container's overlay cannot be mounted again. */
int lxm_storage_scratch_view(const struct lxm_container *c);
int lxm_storage_scratch_view_end(const struct lxm_container *c);

/* Names of the containers whose storage_base lies inside container name's directory (its
 * overlay clones). *ret NULL-terminated, owned. */
int lxm_storage_dependents(const struct lxm_paths *paths, const char *name, char ***ret);

/* 0 when no clone depends on container name; -EBUSY (logged: "Container 'NAME' is the base of the
 * clones 'a', 'b': ... before WHAT") otherwise. */
int lxm_storage_check_no_dependents(const struct lxm_paths *paths, const char *name, const char *what);
