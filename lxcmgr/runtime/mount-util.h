/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mounting inside a container's root filesystem without ever following the rootfs' own symlinks
 * out of it. The rootfs belongs to the container: its root user can plant "/proc -> /../../etc"
 * or "/mnt/data -> /etc" and wait for the next start to mount something over the host's files.
 * So every target is opened with openat2(RESOLVE_IN_ROOT) relative to an fd of the rootfs (the
 * kernel resolves absolute symlinks and ".." as if the rootfs were "/"), and the mount goes onto
 * that fd through /proc/self/fd/N, never onto a path the kernel would resolve again.
 * Kernels without openat2 get a component walk with O_NOFOLLOW that refuses any symlink.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Opens path (relative to the rootfs; leading '/' ignored) as O_PATH inside root_fd. */
int lxm_open_in_root(int root_fd, const char *path, int extra_flags, int *ret_fd);

/* Opens a regular file inside the rootfs for reading (anything else: -EISDIR / -EBADFD). */
int lxm_open_file_in_root(int root_fd, const char *path, int *ret_fd);

/* mkdir -p inside the rootfs (each component resolved inside it). *ret_fd (may be NULL) gets an
 * O_PATH fd of the directory. */
int lxm_mkdir_in_root(int root_fd, const char *path, mode_t mode, int *ret_fd);

/* Creates an empty regular file (for bind-mounting a file onto it) unless something exists there. */
int lxm_touch_in_root(int root_fd, const char *path, mode_t mode);

/* Creates a symlink path -> target inside the rootfs unless path exists. */
int lxm_symlink_in_root(int root_fd, const char *target, const char *path);

/* mount(source, <path inside root>, fstype, flags, data). source is a host path (or a
 * filesystem name). -ENOENT when path is missing. */
int lxm_mount_in_root(int root_fd, const char *source, const char *path, const char *fstype,
		      unsigned long flags, const char *data);

/* Bind-mounts the host path source onto path inside the rootfs (recursively with MS_REC in
 * flags), then applies MS_NOSUID/MS_NODEV/MS_NOEXEC from flags by a bind remount; read-only
 * exactly when flags has MS_RDONLY (whatever the source mount is). */
int lxm_bind_in_root(int root_fd, const char *source, const char *path, unsigned long flags);

/* Bind-remounts what is mounted at path: its current per-mount flags plus set minus clear
 * (MS_RDONLY, MS_NOSUID, ...). */
int lxm_remount_in_root(int root_fd, const char *path, unsigned long set, unsigned long clear);

/* Below a directory this start made itself (a fresh tmpfs or procfs in the child's own mount
 * namespace, before anything of the container runs), where nobody can have planted a symlink:
 * plain *at() calls relative to dir_fd instead of RESOLVE_IN_ROOT walks from the rootfs. The
 * last component is never followed. Never use them in the container's own tree. */

/* Bind-mounts src (relative to src_dfd, or src_dfd itself when src is "") onto name below
 * dir_fd, recursively when recursive, with the MOUNT_ATTR_* bits set and clr applied to the
 * copy before it is attached (the other per-mount flags stay as the source has them): one
 * open_tree + mount_setattr + move_mount instead of a bind and a remount with their path
 * walks. Falls back to mount() on kernels without the new mount API. */
int lxm_bind_at(int src_dfd, const char *src, int dir_fd, const char *name, uint64_t set, uint64_t clr,
		bool recursive);
/* lxm_bind_at() onto target, an fd (any open mode) of name below dir_fd that the caller just
 * made, e.g. the fresh file a device node or pty is bound over: saves reopening it. dir_fd and
 * name serve the fallback to mount() only. */
int lxm_bind_onto(int src_dfd, const char *src, int target, int dir_fd, const char *name, uint64_t set,
		  uint64_t clr, bool recursive);

/* mount(source, name below dir_fd, fstype, flags, data). */
int lxm_mount_at(int dir_fd, const char *name, const char *source, const char *fstype, unsigned long flags,
		 const char *data);
