/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>

#include "store/btrfs.h"
#include "util/log.h"

/* The root directory of every btrfs subvolume has this inode number (BTRFS_FIRST_FREE_OBJECTID). */
#define BTRFS_SUBVOL_ROOT_INO 256

static int fd_is_btrfs(int fd)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return negative_errno();
	return (unsigned long)sfs.f_type == (unsigned long)BTRFS_SUPER_MAGIC;
}

int lxm_btrfs_is_fs(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	char *p;

	if (!copy)
		return -ENOMEM;
	/* A path not made yet lands on the filesystem of its nearest existing ancestor. */
	for (p = copy;; p = dirname(p)) {
		_cleanup_close_ int fd = open(p, O_PATH | O_CLOEXEC);
		if (fd >= 0)
			return fd_is_btrfs(fd);
		if (errno != ENOENT || STREQ(p, "/") || STREQ(p, "."))
			return negative_errno();
	}
}

int lxm_btrfs_is_subvol_at(int dfd, const char *name, const struct stat *st)
{
	struct stat own;
	if (!st) {
		if (fstatat(dfd, name, &own, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
			return negative_errno();
		st = &own;
	}
	if (!S_ISDIR(st->st_mode) || st->st_ino != BTRFS_SUBVOL_ROOT_INO)
		return 0;
	_cleanup_close_ int fd = openat(dfd, *name ? name : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return fd_is_btrfs(fd);
}

int lxm_btrfs_is_subvol(const char *path)
{
	return lxm_btrfs_is_subvol_at(AT_FDCWD, path, NULL);
}

/* Opens the parent directory of path; *ret_base points into *ret_copy. */
static int open_parent(const char *path, char **ret_copy, const char **ret_base)
{
	_cleanup_free_ char *d = strdup(path), *b = strdup(path);
	if (!d || !b)
		return -ENOMEM;
	int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	char *base = basename(b);
	if (strlen(base) >= BTRFS_PATH_NAME_MAX || STREQ(base, "/") || STREQ(base, ".") || STREQ(base, "..")) {
		close(fd);
		return -EINVAL;
	}
	*ret_base = base;
	*ret_copy = TAKE_PTR(b);
	return fd;
}

int lxm_btrfs_subvol_create(const char *path)
{
	struct btrfs_ioctl_vol_args args = {};
	_cleanup_free_ char *copy = NULL;
	const char *base;
	_cleanup_close_ int pfd = open_parent(path, &copy, &base);

	if (pfd < 0)
		return log_debug_errno(pfd, "Failed to open the parent of '%s': %m", path);
	snprintf(args.name, sizeof(args.name), "%s", base);
	if (ioctl(pfd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
		return log_debug_errno(negative_errno(), "Failed to create the subvolume '%s': %m", path);
	return 0;
}

int lxm_btrfs_snapshot(const char *src, const char *dst, bool readonly)
{
	struct btrfs_ioctl_vol_args_v2 args = { .flags = readonly ? BTRFS_SUBVOL_RDONLY : 0 };
	_cleanup_free_ char *copy = NULL;
	const char *base;
	_cleanup_close_ int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (sfd < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", src);
	/* The ioctl snapshots the subvolume that holds sfd: a plain directory at src (a base
	 * replaced by one, say) would hand dst that whole subvolume, the store's top level with every
	 * container in it, on kernels that do not refuse it themselves. */
	if (fstat(sfd, &st) < 0)
		return log_debug_errno(negative_errno(), "Failed to stat '%s': %m", src);
	if (st.st_ino != BTRFS_SUBVOL_ROOT_INO)
		return log_debug_errno(-EINVAL, "'%s' is not the root of a btrfs subvolume", src);
	_cleanup_close_ int pfd = open_parent(dst, &copy, &base);
	if (pfd < 0)
		return log_debug_errno(pfd, "Failed to open the parent of '%s': %m", dst);
	args.fd = sfd;
	snprintf(args.name, sizeof(args.name), "%s", base);
	if (ioctl(pfd, BTRFS_IOC_SNAP_CREATE_V2, &args) < 0)
		return log_debug_errno(negative_errno(), "Failed to snapshot '%s' to '%s': %m", src, dst);
	return 0;
}

int lxm_btrfs_subvol_set_readonly(const char *path)
{
	__u64 flags = BTRFS_SUBVOL_RDONLY;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", path);
	if (ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0)
		return log_debug_errno(negative_errno(), "Failed to make '%s' read-only: %m", path);
	return 0;
}

static int mount_id_at(int dfd, const char *name, uint64_t *ret)
{
	struct statx sx;
	if (statx(dfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH), STATX_MNT_ID, &sx) < 0)
		return negative_errno();
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	*ret = sx.stx_mnt_id;
	return 0;
}

/* Destroys the subvolumes nested in the directory fd (owned by the caller), recursively, never
 * leaving mount mnt: a bind mount left inside a container's tree may show host directories, and
 * their subvolumes are not the container's to destroy. */
static int destroy_nested(int fd, uint64_t mnt, unsigned depth)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return negative_errno();
	_cleanup_closedir_ DIR *d = fdopendir(dup_fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dup_fd);
		return negative_errno();
	}
	if (depth > 256)
		return -ELOOP;
	while ((de = readdir(d))) {
		struct stat st;
		uint64_t m;
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, "..") ||
		    fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (mount_id_at(fd, de->d_name, &m) < 0 || m != mnt) {
			r = r ? r : -EBUSY;
			continue;
		}
		int k = lxm_btrfs_is_subvol_at(fd, de->d_name, &st);
		if (k > 0)
			k = lxm_btrfs_subvol_destroy_at(fd, de->d_name);
		else if (k == 0) {
			_cleanup_close_ int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			k = sub < 0 ? negative_errno() : destroy_nested(sub, mnt, depth + 1);
		}
		if (k < 0 && r == 0)
			r = k;
	}
	return r;
}

int lxm_btrfs_subvol_destroy_at(int dfd, const char *name)
{
	struct btrfs_ioctl_vol_args args = {};

	if (strlen(name) >= sizeof(args.name) || strchr(name, '/'))
		return -EINVAL;
	snprintf(args.name, sizeof(args.name), "%s", name);
	if (ioctl(dfd, BTRFS_IOC_SNAP_DESTROY, &args) >= 0)
		return 0;
	if (errno != ENOTEMPTY)
		return log_debug_errno(negative_errno(), "Failed to destroy the subvolume '%s': %m", name);
	/* Subvolumes inside it (systemd makes some under /var/lib) must go first; a read-only snapshot is
	 * made writable so its directories can be walked and its nested entries removed. */
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	__u64 flags = 0;
	uint64_t mnt;
	int r = mount_id_at(fd, "", &mnt);
	if (r < 0)
		return log_debug_errno(r, "Failed to find the mount of '%s': %m", name);
	(void)ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags);
	r = destroy_nested(fd, mnt, 0);
	if (r < 0)
		return log_debug_errno(r, "Failed to destroy the subvolumes inside '%s': %m", name);
	if (ioctl(dfd, BTRFS_IOC_SNAP_DESTROY, &args) < 0)
		return log_debug_errno(negative_errno(), "Failed to destroy the subvolume '%s': %m", name);
	return 0;
}

int lxm_btrfs_subvol_destroy(const char *path)
{
	_cleanup_free_ char *copy = NULL;
	const char *base;
	_cleanup_close_ int pfd = open_parent(path, &copy, &base);
	if (pfd < 0)
		return pfd;
	return lxm_btrfs_subvol_destroy_at(pfd, base);
}
