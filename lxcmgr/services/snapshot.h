/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshots: DIR/snapshots/SNAP/{config,rootfs/}, built in a hidden
 * DIR/snapshots/.tmp-SNAP-XXXXXX and renamed into place. Copies are reflinks where the filesystem
 * can. For an overlay container the snapshot holds its upper directory (the base is read-only).
 * The caller holds the container lock and has checked that the container is stopped (or frozen it;
 * a btrfs container may be running: its snapshot is atomic).
 */
#pragma once

#include "store/store.h"

/* Creates snapshot snap (NULL: the first free "snapN"); *ret_name (may be NULL) owned.
 * -EEXIST (logged) when it exists. */
int lxm_snapshot_create(const struct lxm_container *c, const char *snap, char **ret_name);

/* Sorted snapshot names, NULL-terminated, owned (empty when there are none). */
int lxm_snapshot_list(const struct lxm_container *c, char ***ret);

/* Replaces the rootfs and the config by the snapshot's: the new rootfs is built aside and swapped
 * in with one rename (RENAME_EXCHANGE), then the config is replaced atomically; the config keeps
 * the container's current name. -ENOENT (logged) when there is no such snapshot. */
int lxm_snapshot_restore(const struct lxm_container *c, const char *snap);

/* Removes a snapshot (renamed to a hidden name first). -ENOENT (logged) when missing. */
int lxm_snapshot_delete(const struct lxm_container *c, const char *snap);

/* Removes hidden leftovers of killed snapshot commands (the caller holds the lock). */
void lxm_snapshot_gc(const struct lxm_container *c);
