/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "runtime/mount-util.h"
#include "util/log.h"
#include "util/openat2.h"

#define FD_PATH_MAX 32

static const char *skip_slashes(const char *p)
{
	while (*p == '/')
		p++;
	return p;
}

/* Fallback for kernels without openat2: walk component by component and refuse symlinks and
 * "..", so nothing can lead outside root_fd (the rootfs' absolute symlinks are refused too). */
static int open_walk_nofollow(int root_fd, const char *path, int extra_flags, int *ret_fd)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -EBADF;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	fd = openat(root_fd, ".", O_PATH | O_CLOEXEC | O_DIRECTORY);
	if (fd < 0)
		return negative_errno();
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (STREQ(c, "."))
			continue;
		if (STREQ(c, ".."))
			return -EXDEV;
		int nfd = openat(fd, c, O_PATH | O_CLOEXEC | O_NOFOLLOW);
		if (nfd < 0)
			return negative_errno();
		closep(&fd);
		fd = nfd;
		struct stat st;
		if (fstat(fd, &st) < 0)
			return negative_errno();
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
	}
	if (extra_flags & O_DIRECTORY) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return negative_errno();
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int lxm_open_in_root(int root_fd, const char *path, int extra_flags, int *ret_fd)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (uint64_t)(unsigned)extra_flags,
		/* RESOLVE_IN_ROOT: absolute symlinks and ".." stay inside the rootfs.
		 * RESOLVE_NO_MAGICLINKS: no /proc/PID/fd/N jumps to files the container does not own. */
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = skip_slashes(path);
	int fd;

	if (!*rel)
		rel = ".";
	fd = lxm_openat2(root_fd, rel, &how);
	if (fd >= 0) {
		*ret_fd = fd;
		return 0;
	}
	if (errno != ENOSYS)
		return negative_errno();
	return open_walk_nofollow(root_fd, rel, extra_flags, ret_fd);
}

/* Splits path into its parent (opened inside root) and last component. */
static int open_parent_in_root(int root_fd, const char *path, int *ret_fd, const char **ret_name)
{
	_cleanup_free_ char *parent = strdup(skip_slashes(path));
	char *slash;

	if (!parent)
		return -ENOMEM;
	/* Strip trailing slashes so "a/b/" names "b". */
	for (size_t n = strlen(parent); n > 0 && parent[n - 1] == '/'; n--)
		parent[n - 1] = 0;
	slash = strrchr(parent, '/');
	if (!slash) {
		*ret_name = skip_slashes(path);
		return lxm_open_in_root(root_fd, ".", O_DIRECTORY, ret_fd);
	}
	*slash = 0;
	*ret_name = skip_slashes(path) + (slash - parent) + 1;
	if (STREQ(*ret_name, "..") || STREQ(*ret_name, "."))
		return -EINVAL;
	return lxm_open_in_root(root_fd, parent, O_DIRECTORY, ret_fd);
}

int lxm_mkdir_in_root(int root_fd, const char *path, mode_t mode, int *ret_fd)
{
	_cleanup_free_ char *prefix = strdup(skip_slashes(path));
	int r;

	if (!prefix)
		return -ENOMEM;
	/* Create each missing component with mkdirat() on its resolved parent: mkdirat never follows
	 * a symlink in the last component, so a planted dangling link fails with EEXIST. */
	for (char *p = prefix;; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char saved = *p;
		*p = 0;
		if (*prefix) {
			_cleanup_close_ int fd = -EBADF;
			r = lxm_open_in_root(root_fd, prefix, O_DIRECTORY, &fd);
			if (r == -ENOENT) {
				_cleanup_close_ int parent_fd = -EBADF;
				const char *name;
				r = open_parent_in_root(root_fd, prefix, &parent_fd, &name);
				if (r < 0)
					return r;
				if (mkdirat(parent_fd, name, mode) < 0 && errno != EEXIST)
					return negative_errno();
				r = lxm_open_in_root(root_fd, prefix, O_DIRECTORY, &fd);
			}
			if (r < 0)
				return r;
		}
		*p = saved;
		if (saved == 0)
			break;
	}
	if (ret_fd)
		return lxm_open_in_root(root_fd, path, O_DIRECTORY, ret_fd);
	return 0;
}

int lxm_touch_in_root(int root_fd, const char *path, mode_t mode)
{
	_cleanup_close_ int parent_fd = -EBADF, fd = -EBADF;
	const char *name;
	int r;

	r = lxm_open_in_root(root_fd, path, 0, &fd);
	if (r == 0)
		return 0;
	if (r != -ENOENT)
		return r;
	r = open_parent_in_root(root_fd, path, &parent_fd, &name);
	if (r < 0)
		return r;
	/* O_EXCL|O_NOFOLLOW: never write through a symlink the container planted. */
	fd = openat(parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

int lxm_symlink_in_root(int root_fd, const char *target, const char *path)
{
	_cleanup_close_ int parent_fd = -EBADF;
	const char *name;
	int r;

	r = open_parent_in_root(root_fd, path, &parent_fd, &name);
	if (r < 0)
		return r;
	if (symlinkat(target, parent_fd, name) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

static void fd_path(char buf[FD_PATH_MAX], int fd)
{
	snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

int lxm_mount_in_root(int root_fd, const char *source, const char *path, const char *fstype,
		      unsigned long flags, const char *data)
{
	_cleanup_close_ int fd = -EBADF;
	char target[FD_PATH_MAX];
	int r;

	r = lxm_open_in_root(root_fd, path, 0, &fd);
	if (r < 0)
		return r;
	fd_path(target, fd);
	if (mount(source, target, fstype, flags, data) < 0)
		return negative_errno();
	return 0;
}

static unsigned long statvfs_to_ms(unsigned long f)
{
	return (f & ST_RDONLY ? MS_RDONLY : 0) | (f & ST_NOSUID ? MS_NOSUID : 0) |
	       (f & ST_NODEV ? MS_NODEV : 0) | (f & ST_NOEXEC ? MS_NOEXEC : 0) |
	       (f & ST_NOATIME ? MS_NOATIME : 0) | (f & ST_NODIRATIME ? MS_NODIRATIME : 0) |
	       (f & ST_RELATIME ? MS_RELATIME : 0);
}

int lxm_remount_in_root(int root_fd, const char *path, unsigned long set, unsigned long clear)
{
	_cleanup_close_ int fd = -EBADF;
	char target[FD_PATH_MAX];
	struct statvfs sv;
	int r;

	/* Reopen: an fd taken before the mount still points below it. */
	r = lxm_open_in_root(root_fd, path, 0, &fd);
	if (r < 0)
		return r;
	if (fstatvfs(fd, &sv) < 0)
		return negative_errno();
	fd_path(target, fd);
	/* Keep the flags the mount already has: a bind remount replaces them all, and in a user
	 * namespace dropping a locked nosuid/nodev would fail anyway. */
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | ((statvfs_to_ms(sv.f_flag) | set) & ~clear), NULL) < 0)
		return negative_errno();
	return 0;
}

int lxm_bind_in_root(int root_fd, const char *source, const char *path, unsigned long flags)
{
	const unsigned long attrs = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int r;

	r = lxm_mount_in_root(root_fd, source, path, NULL, MS_BIND | (flags & MS_REC), NULL);
	if (r < 0)
		return r;
	/* A new bind mount copies the source mount's flags (a bind of a read-only mount is
	 * read-only): set exactly what was asked for, read-only or not. */
	return lxm_remount_in_root(root_fd, path, flags & attrs, MS_RDONLY & ~flags);
}

int lxm_open_file_in_root(int root_fd, const char *path, int *ret_fd)
{
	_cleanup_close_ int pfd = -EBADF;
	char p[FD_PATH_MAX];
	struct stat st;
	int fd, r;

	r = lxm_open_in_root(root_fd, path, 0, &pfd);
	if (r < 0)
		return r;
	/* Only regular files: a FIFO or device planted by the container must not block or poke
	 * hardware when the host reads it. Reopen through the pinned O_PATH fd: no race. */
	if (fstat(pfd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
	fd_path(p, pfd);
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	*ret_fd = fd;
	return 0;
}

int lxm_mount_at(int dir_fd, const char *name, const char *source, const char *fstype, unsigned long flags,
		 const char *data)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char target[FD_PATH_MAX];

	if (fd < 0)
		return negative_errno();
	fd_path(target, fd);
	if (mount(source, target, fstype, flags, data) < 0)
		return negative_errno();
	return 0;
}

static unsigned long attr_to_ms(uint64_t a)
{
	return (a & MOUNT_ATTR_RDONLY ? MS_RDONLY : 0) | (a & MOUNT_ATTR_NOSUID ? MS_NOSUID : 0) |
	       (a & MOUNT_ATTR_NODEV ? MS_NODEV : 0) | (a & MOUNT_ATTR_NOEXEC ? MS_NOEXEC : 0);
}

/* Without open_tree/mount_setattr (before Linux 5.12): a bind mount, then a bind remount with
 * the flags the new mount has plus set minus clr. */
static int bind_at_classic(int src_dfd, const char *src, int dir_fd, const char *name, uint64_t set,
			   uint64_t clr, bool recursive)
{
	_cleanup_close_ int sfd = -EBADF, tfd = -EBADF, bound = -EBADF;
	char from[FD_PATH_MAX], to[FD_PATH_MAX];
	struct statvfs sv;

	sfd = *src ? openat(src_dfd, src, O_PATH | O_NOFOLLOW | O_CLOEXEC) : fcntl(src_dfd, F_DUPFD_CLOEXEC, 3);
	if (sfd < 0)
		return negative_errno();
	tfd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (tfd < 0)
		return negative_errno();
	fd_path(from, sfd);
	fd_path(to, tfd);
	if (mount(from, to, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
		return negative_errno();
	/* Reopen: the fd taken before the mount still names what is below it. */
	bound = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (bound < 0 || fstatvfs(bound, &sv) < 0)
		return negative_errno();
	fd_path(to, bound);
	if (mount(NULL, to, NULL, MS_REMOUNT | MS_BIND | ((statvfs_to_ms(sv.f_flag) | attr_to_ms(set)) & ~attr_to_ms(clr)),
		  NULL) < 0)
		return negative_errno();
	return 0;
}

int lxm_bind_onto(int src_dfd, const char *src, int target, int dir_fd, const char *name, uint64_t set,
		  uint64_t clr, bool recursive)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW |
			 (recursive ? AT_RECURSIVE : 0) | (*src ? 0 : AT_EMPTY_PATH);
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
	_cleanup_close_ int tree = -EBADF;

	tree = (int)syscall(SYS_open_tree, src_dfd, src, flags);
	if (tree < 0 && errno == ENOSYS)
		return bind_at_classic(src_dfd, src, dir_fd, name, set, clr, recursive);
	if (tree < 0)
		return negative_errno();
	/* On the detached copy, before anyone can see it: it is attached with its final flags. */
	if ((set || clr) && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
				    &attr, sizeof(attr)) < 0)
		return errno == ENOSYS ? bind_at_classic(src_dfd, src, dir_fd, name, set, clr, recursive)
				       : negative_errno();
	if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

int lxm_bind_at(int src_dfd, const char *src, int dir_fd, const char *name, uint64_t set, uint64_t clr,
		bool recursive)
{
	_cleanup_close_ int target = -EBADF;

	/* The target first: closing a detached copy that was never attached tears it down with a
	 * synchronous RCU grace period, so a missing target (a /proc mask this kernel lacks) must
	 * fail before the copy exists. */
	target = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return negative_errno();
	return lxm_bind_onto(src_dfd, src, target, dir_fd, name, set, clr, recursive);
}
