/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Copies an unpacked template base (the overlay base in the template cache) into a new dir-storage
 * rootfs. Cheaper than unpacking the tarball again: no libarchive (and the libraries it pulls in),
 * no decompression, no per-member path checks (the base passed them when it was unpacked), about
 * half the system calls per inode. Every write is relative to a directory fd this copy created
 * itself (mkdirat + openat O_DIRECTORY|O_NOFOLLOW), new names are created exclusively and nothing
 * is ever followed: whatever symlinks the base holds are copied as links, never resolved.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/tree-clone.h"
#include "util/log.h"

/* Deeper trees are refused (the caller unpacks the tarball instead): bounds the fds and stack. */
#define CLONE_DEPTH_MAX 128
#define XATTR_BUF (64 * 1024)
#define DENTS_BUF (32 * 1024)

struct link_seen {
	ino_t ino;
	char *rel; /* the first copy's path relative to the destination root */
};

struct clone_ctx {
	dev_t dev;
	int droot;
	bool owner; /* root: owners are copied */
	bool dino;  /* readdir's d_ino is the inode fstatat() reports (see dino_trusted()) */
	const char *const *skip; /* paths not copied unless directories (lxm_image_tree_clone_skip()) */
	uid_t uid;
	gid_t gid;
	struct link_seen *seen;
	size_t n_seen, cap_seen;
	char path[PATH_MAX]; /* the current directory relative to the roots ("" at the top) */
	size_t plen;
	char xnames[XATTR_BUF];
	char xvalue[XATTR_BUF];
};

static void clone_ctx_done(struct clone_ctx *c)
{
	for (size_t i = 0; i < c->n_seen; i++)
		free(c->seen[i].rel);
	free(c->seen);
}

/* The path of name below the current directory, relative to the roots. */
static int rel_path(const struct clone_ctx *c, const char *name, char **ret)
{
	if (asprintf(ret, "%s%s%s", c->path, c->plen ? "/" : "", name) < 0)
		return -ENOMEM;
	return 0;
}

static const char *link_find(const struct clone_ctx *c, ino_t ino)
{
	for (size_t i = 0; i < c->n_seen; i++)
		if (c->seen[i].ino == ino)
			return c->seen[i].rel;
	return NULL;
}

static int link_add(struct clone_ctx *c, ino_t ino, const char *name)
{
	if (c->n_seen == c->cap_seen) {
		size_t cap = c->cap_seen ? c->cap_seen * 2 : 64;
		struct link_seen *n = reallocarray(c->seen, cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->seen = n;
		c->cap_seen = cap;
	}
	int r = rel_path(c, name, &c->seen[c->n_seen].rel);
	if (r < 0)
		return r;
	c->seen[c->n_seen++].ino = ino;
	return 0;
}

/* xattrs of an open file or directory: file capabilities, POSIX ACLs (system.posix_acl_*, the
 * kernel's own encoding copied as it is), user xattrs. A name the filesystem or our privileges
 * cannot take is skipped with a warning, as extraction skips it. */
static int copy_xattrs(struct clone_ctx *c, int sfd, int dfd, const char *name)
{
	ssize_t n = flistxattr(sfd, c->xnames, sizeof(c->xnames));

	if (n < 0)
		return errno == ENOTSUP ? 0 : negative_errno();
	for (const char *x = c->xnames; x < c->xnames + n; x += strlen(x) + 1) {
		ssize_t v = fgetxattr(sfd, x, c->xvalue, sizeof(c->xvalue));
		if (v < 0)
			return negative_errno();
		if (fsetxattr(dfd, x, c->xvalue, (size_t)v, 0) < 0) {
			if (errno != EPERM && errno != ENOTSUP)
				return negative_errno();
			log_warning_errno(negative_errno(), "Cannot set xattr '%s' on '%s': %m, ignoring", x, name);
		}
	}
	return 0;
}

/* Owner, then xattrs (a chown drops security.capability), then the mode (a chown also drops
 * setuid/setgid), then the mtime (the atime is the copy's, as after extraction). */
static int set_attrs(struct clone_ctx *c, int sfd, int dfd, const struct stat *st, const char *name)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, st->st_mtim };
	int r;

	if (c->owner && (st->st_uid != c->uid || st->st_gid != c->gid) && fchown(dfd, st->st_uid, st->st_gid) < 0)
		return negative_errno();
	if ((r = copy_xattrs(c, sfd, dfd, name)) < 0)
		return r;
	if (fchmod(dfd, st->st_mode & 07777) < 0 || futimens(dfd, ts) < 0)
		return negative_errno();
	return 0;
}

static int copy_range(int sfd, int dfd, off_t off, off_t len)
{
	off_t in = off, out = off;

	while (len > 0) {
		ssize_t n = copy_file_range(sfd, &in, dfd, &out, (size_t)len, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
			char buf[64 * 1024];
			n = pread(sfd, buf, (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf), in);
			if (n > 0 && pwrite(dfd, buf, (size_t)n, out) != n)
				return errno > 0 ? -errno : -EIO;
			in += n > 0 ? n : 0, out += n > 0 ? n : 0;
		}
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO; /* the source shrank under us */
		len -= n;
	}
	return 0;
}

/* Data as it is in the base: a file with holes keeps them (extraction writes only the data the
 * archive's sparse map holds, so the base has the same holes). */
static int copy_data(int sfd, int dfd, const struct stat *st)
{
	if (st->st_size == 0)
		return 0;
	if ((off_t)st->st_blocks * 512 >= st->st_size)
		return copy_range(sfd, dfd, 0, st->st_size);
	for (off_t pos = 0; pos < st->st_size;) {
		off_t data = lseek(sfd, pos, SEEK_DATA), hole;
		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0 || (hole = lseek(sfd, data, SEEK_HOLE)) < 0)
			return negative_errno();
		int r = copy_range(sfd, dfd, data, hole - data);
		if (r < 0)
			return r;
		pos = hole;
	}
	return ftruncate(dfd, st->st_size) < 0 ? negative_errno() : 0;
}

static int clone_file(struct clone_ctx *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	_cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
	struct stat cur;
	int r;

	sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (sfd < 0)
		return negative_errno();
	/* Never copy through something swapped in since the stat (a FIFO would block, a device
	 * would be read). */
	if (fstat(sfd, &cur) < 0)
		return negative_errno();
	if (!S_ISREG(cur.st_mode) || cur.st_ino != st->st_ino)
		return -ESTALE;
	dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return negative_errno();
	if ((r = copy_data(sfd, dfd, &cur)) < 0 || (r = set_attrs(c, sfd, dfd, &cur, name)) < 0)
		return r;
	return 0;
}

/* Symlinks, device nodes, FIFOs, sockets: no data and (here) no xattrs. */
static int clone_special(struct clone_ctx *c, int sdir, int ddir, const char *name, const struct stat *st)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, st->st_mtim };

	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return negative_errno();
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return negative_errno();
	} else if (mknodat(ddir, name, st->st_mode & (S_IFMT | 0777), st->st_rdev) < 0)
		return negative_errno();
	if (c->owner && (st->st_uid != c->uid || st->st_gid != c->gid) &&
	    fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	/* A node's setuid/setgid/sticky bits (mknod takes only the permission bits with the umask). */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & 07000) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return negative_errno();
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	return 0;
}

static int clone_dir(struct clone_ctx *c, int sfd, int dfd, unsigned depth);

static int clone_subdir(struct clone_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
			unsigned depth)
{
	_cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
	size_t len = strlen(name), old = c->plen;
	int r;

	if (depth >= CLONE_DEPTH_MAX || old + 1 + len >= sizeof(c->path))
		return -ENAMETOOLONG;
	sfd = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return negative_errno();
	/* 0700 until it is filled; its own mode comes last (a 0555 directory stays writable here). */
	if (mkdirat(ddir, name, 0700) < 0)
		return negative_errno();
	dfd = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	if (st->st_dev == c->dev) { /* a mount point below the base is copied empty (as cp -x does) */
		if (old)
			c->path[c->plen++] = '/';
		memcpy(c->path + c->plen, name, len + 1);
		c->plen += len;
		r = clone_dir(c, sfd, dfd, depth + 1);
		c->plen = old;
		c->path[old] = '\0';
		if (r < 0)
			return r;
	}
	return set_attrs(c, sfd, dfd, st, name);
}

/* Whether name in the current directory is one of c->skip. */
static bool skipped(const struct clone_ctx *c, const char *name)
{
	for (const char *const *s = c->skip; s && *s; s++) {
		if (!c->plen && STREQ(*s, name))
			return true;
		if (c->plen && strncmp(*s, c->path, c->plen) == 0 && (*s)[c->plen] == '/' &&
		    STREQ(*s + c->plen + 1, name))
			return true;
	}
	return false;
}

static int clone_entry(struct clone_ctx *c, int sdir, int ddir, const struct dirent64 *de, unsigned depth)
{
	const char *name = de->d_name;
	struct stat st;
	int r;

	/* Known from readdir not to be a directory (DT_UNKNOWN is copied): replaced after the copy. */
	if (c->skip && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN && skipped(c, name))
		return 0;

	/* Another name of a file copied before, known from readdir alone: linked without the
	 * fstatat() (busybox: ~270 applet names of one binary, most of the calls of a copy). */
	if (c->dino && de->d_type == DT_REG) {
		const char *first = link_find(c, de->d_ino);
		if (first)
			return linkat(c->droot, first, ddir, name, 0) < 0 ? negative_errno() : 0;
	}
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return clone_subdir(c, sdir, ddir, name, &st, depth);
	/* A hard link of a file copied before: linked to that copy, so dst keeps the base's
	 * layout and shares nothing with it. */
	if (st.st_nlink > 1) {
		const char *first = link_find(c, st.st_ino);
		if (first)
			return linkat(c->droot, first, ddir, name, 0) < 0 ? negative_errno() : 0;
	}
	r = S_ISREG(st.st_mode) ? clone_file(c, sdir, ddir, name, &st) : clone_special(c, sdir, ddir, name, &st);
	if (r >= 0 && st.st_nlink > 1)
		r = link_add(c, st.st_ino, name);
	return r;
}

/* getdents64() straight on sfd (no DIR: no dup, fcntl and close per directory). */
static int clone_dir(struct clone_ctx *c, int sfd, int dfd, unsigned depth)
{
	_cleanup_free_ char *buf = malloc(DENTS_BUF);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = getdents64(sfd, buf, DENTS_BUF);
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			off += de->d_reclen;
			if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
				continue;
			int r = clone_entry(c, sfd, dfd, de, depth);
			if (r < 0)
				return log_debug_errno(r, "Failed to copy '%s%s%s': %m", c->path, c->plen ? "/" : "",
						       de->d_name);
		}
	}
}

/* Filesystems whose readdir reports an entry's inode number exactly as stat does (overlayfs may
 * not, without xino): only there is a d_ino matched against the hard links seen. */
static bool dino_trusted(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case EXT4_SUPER_MAGIC: /* ext2/3/4 share it */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
		return true;
	default:
		return false;
	}
}

int lxm_image_tree_clone(const char *src, const char *dst)
{
	return lxm_image_tree_clone_skip(src, dst, NULL);
}

int lxm_image_tree_clone_skip(const char *src, const char *dst, const char *const *skip)
{
	_cleanup_free_ struct clone_ctx *c = calloc(1, sizeof(*c));
	_cleanup_close_ int sfd = -EBADF, dfd = -EBADF;
	struct stat st;
	int r;

	if (!c)
		return -ENOMEM;
	sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0 || fstat(sfd, &st) < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", src);
	dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", dst);
	c->dev = st.st_dev;
	c->droot = dfd;
	c->uid = geteuid();
	c->gid = getegid();
	c->owner = c->uid == 0;
	c->dino = dino_trusted(sfd);
	c->skip = skip;
	/* Modes are set explicitly; the umask would only strip bits from the creating calls. */
	mode_t old = umask(0);
	r = clone_dir(c, sfd, dfd, 0);
	umask(old);
	clone_ctx_done(c);
	return r;
}
