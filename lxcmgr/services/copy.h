/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copying root filesystems and giving a copy its own identity (snapshots, copy, rename, import). */
#pragma once

#include <stdbool.h>

/* Copies the tree src into the existing (empty) directory dst: owners, modes, xattrs, hard links,
 * device nodes, sparse files; per file a reflink (FICLONE) where the filesystem can, a byte copy
 * elsewhere. Never follows symlinks, does not leave src's filesystem. */
int lxm_tree_copy(const char *src, const char *dst);

/* Config text for a copy named name: name and hostname set to name, a new random uuid when
 * new_uuid, every interface's hwaddr reset to "auto" and a literal ipv4 address reset to "auto"
 * (a copy must not share the MAC or the address of its source). *ret owned. */
int lxm_config_text_reidentify(const char *text, const char *name, bool new_uuid, char **ret);

/* Inside a copied or renamed rootfs: writes name to etc/hostname when the file exists and, when
 * new_machine_id, empties etc/machine-id (init generates a new one). Never follows a symlink
 * planted in the rootfs. */
int lxm_rootfs_reidentify(const char *rootfs, const char *name, bool new_machine_id);
