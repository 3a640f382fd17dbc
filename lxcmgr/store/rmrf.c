/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rm -rf done with *at() calls: never follows a symlink, never descends into another mount. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "store/btrfs.h"
#include "store/store.h"
#include "util/log.h"

#define RM_RF_MAX_DEPTH 4096

struct rm_root {
	dev_t dev;
	uint64_t mnt_id;
	bool have_mnt_id;
	int error; /* first error seen; removal continues past it */
};

static int mount_of(int dirfd, const char *name, uint64_t *ret)
{
	struct statx sx;
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH), STATX_MNT_ID,
		  &sx) < 0)
		return negative_errno();
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	*ret = sx.stx_mnt_id;
	return 0;
}

/* True when path is where something is mounted (its mount id differs from its parent's). */
static bool is_mount_root(const char *path)
{
	_cleanup_free_ char *parent = NULL;
	uint64_t a, b;
	if (asprintf(&parent, "%s/..", path) < 0)
		return true;
	if (mount_of(AT_FDCWD, path, &a) < 0 || mount_of(AT_FDCWD, parent, &b) < 0)
		return true;
	return a != b;
}

static void note_error(struct rm_root *root, int r)
{
	if (root->error == 0)
		root->error = r;
}

/* Removes the contents of the directory dfd (owned by the caller). */
static void rm_contents(int dfd, struct rm_root *root, unsigned depth)
{
	int fd2 = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd2 < 0)
		return note_error(root, negative_errno());
	DIR *d = fdopendir(fd2);
	if (!d) {
		note_error(root, negative_errno());
		close(fd2);
		return;
	}
	_cleanup_closedir_ DIR *dir = d;

	struct dirent *de;
	while ((errno = 0, de = readdir(dir))) {
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				note_error(root, negative_errno());
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			/* Symlinks are unlinked themselves, never followed. */
			if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
				note_error(root, negative_errno());
			continue;
		}
		uint64_t mnt;
		/* A btrfs subvolume (a btrfs container's rootfs, a snapshot) has a device number of its
		 * own but the same mount: it is part of the tree and destroyed whole. */
		if (st.st_dev != root->dev && root->have_mnt_id && mount_of(dfd, de->d_name, &mnt) >= 0 &&
		    mnt == root->mnt_id && lxm_btrfs_is_subvol_at(dfd, de->d_name, &st) > 0) {
			int k = lxm_btrfs_subvol_destroy_at(dfd, de->d_name);
			if (k < 0)
				note_error(root, k);
			continue;
		}
		/* A mount inside the tree (a bind mount left by a crashed start, say) must not be emptied:
		 * it may be a host directory. Leave it and report EBUSY. */
		if (st.st_dev != root->dev ||
		    (root->have_mnt_id && mount_of(dfd, de->d_name, &mnt) >= 0 && mnt != root->mnt_id)) {
			log_debug("Not descending into mount point '%s'", de->d_name);
			note_error(root, -EBUSY);
			continue;
		}
		if (depth >= RM_RF_MAX_DEPTH) {
			note_error(root, -ELOOP);
			continue;
		}
		_cleanup_close_ int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			note_error(root, negative_errno());
			continue;
		}
		rm_contents(sub, root, depth + 1);
		if (unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			note_error(root, negative_errno());
	}
	if (errno != 0)
		note_error(root, negative_errno());
}

int lxm_rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? negative_errno() : 0;

	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();

	/* A subvolume is destroyed by one ioctl (the kernel frees its blocks in the background); a
	 * mount point is never one we may destroy (the mount id check in rm_contents covers below). */
	if (lxm_btrfs_is_subvol_at(fd, "", &st) > 0 && !is_mount_root(path) && lxm_btrfs_subvol_destroy(path) >= 0)
		return 0;

	struct rm_root root = { .dev = st.st_dev };
	root.have_mnt_id = mount_of(fd, "", &root.mnt_id) >= 0;
	rm_contents(fd, &root, 0);
	if (root.error < 0)
		return log_debug_errno(root.error, "Failed to remove everything below '%s': %m", path);
	if (rmdir(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}
