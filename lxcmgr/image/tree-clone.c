/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Copies an unpacked template base (the overlay base in the template cache) into a new dir-storage
 * rootfs. Cheaper than unpacking the tarball again: no libarchive (and the libraries it pulls in),
 * no decompression, no per-member path checks (the base passed them when it was unpacked), about
 * half the system calls per inode. Every write is relative to a directory fd this copy created
 * itself (mkdirat + openat O_DIRECTORY|O_NOFOLLOW), or (hard links, and the directories the late
 * ones go into) to a path below the copy's root whose every component is a directory this copy
 * made; new names are created exclusively and nothing is ever followed: whatever symlinks the base
 * holds are copied as links, never resolved.
 *
 * Large files (busybox's binary) are copied on a second thread while the walk goes on, and the
 * hard links to them are made after the walk, half of them on that thread (clone-data.c says why):
 * the busybox copy went from ~4.5-5 ms to ~3.3-4 ms here.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "image/clone-data.h"
#include "image/tree-clone.h"
#include "util/log.h"

/* Deeper trees are refused (the caller unpacks the tarball instead): bounds the fds and stack. */
#define CLONE_DEPTH_MAX 128
#define DENTS_BUF (32 * 1024)

struct link_seen {
	ino_t ino;
	char *rel;     /* the first copy's path relative to the destination root */
	bool deferred; /* its data goes through the data thread: links to it wait for the end */
};

/* A hard link made after the data thread finished (clone-data.c says why). */
struct link_later {
	size_t seen; /* index in clone_ctx.seen */
	char *rel;
};

/* A directory that received deferred links: its mode and mtime are set again after them. */
struct dir_later {
	char *rel;
	mode_t mode;
	struct timespec mtime;
};

struct clone_ctx {
	dev_t dev;
	int droot;
	bool dino; /* readdir's d_ino is the inode fstatat() reports (see dino_trusted()) */
	bool dir_deferred; /* the current directory received a deferred link */
	const char *const *skip; /* paths not copied unless directories (lxm_image_tree_clone_skip()) */
	struct link_seen *seen;
	size_t n_seen, cap_seen;
	struct link_later *links;
	size_t n_links, cap_links;
	struct dir_later *dirs;
	size_t n_dirs, cap_dirs;
	struct lxm_clone_copier *copier; /* NULL until the first large file */
	char path[PATH_MAX]; /* the current directory relative to the roots ("" at the top) */
	size_t plen;
	struct lxm_clone_attrs attrs;
};

static void clone_ctx_done(struct clone_ctx *c)
{
	for (size_t i = 0; i < c->n_seen; i++)
		free(c->seen[i].rel);
	free(c->seen);
	for (size_t i = 0; i < c->n_links; i++)
		free(c->links[i].rel);
	free(c->links);
	for (size_t i = 0; i < c->n_dirs; i++)
		free(c->dirs[i].rel);
	free(c->dirs);
}

/* Room for one more element in *array (n used of *cap). */
static int grow(void **array, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t want = *cap ? *cap * 2 : 64;
	void *p = reallocarray(*array, want, size);
	if (!p)
		return -ENOMEM;
	*array = p;
	*cap = want;
	return 0;
}

/* The path of name below the current directory, relative to the roots. Joined by hand: one per
 * deferred link (busybox: ~270), where asprintf()'s format parsing was a fifth of a create's
 * instructions in user space. */
static int rel_path(const struct clone_ctx *c, const char *name, char **ret)
{
	size_t sep = c->plen ? 1 : 0, n = strlen(name);
	char *p = malloc(c->plen + sep + n + 1);

	if (!p)
		return -ENOMEM;
	memcpy(p, c->path, c->plen);
	if (sep)
		p[c->plen] = '/';
	memcpy(p + c->plen + sep, name, n + 1);
	*ret = p;
	return 0;
}

static ssize_t link_find(const struct clone_ctx *c, ino_t ino)
{
	for (size_t i = 0; i < c->n_seen; i++)
		if (c->seen[i].ino == ino)
			return (ssize_t)i;
	return -1;
}

static int link_add(struct clone_ctx *c, ino_t ino, const char *name, bool deferred)
{
	int r = grow((void **)&c->seen, c->n_seen, &c->cap_seen, sizeof(*c->seen));
	if (r < 0)
		return r;
	if ((r = rel_path(c, name, &c->seen[c->n_seen].rel)) < 0)
		return r;
	c->seen[c->n_seen].ino = ino;
	c->seen[c->n_seen++].deferred = deferred;
	return 0;
}

/* name in ddir as another name of the copy seen[i]: now, or after the data thread for a file it
 * still writes. */
static int link_to(struct clone_ctx *c, size_t i, int ddir, const char *name)
{
	if (!c->seen[i].deferred)
		return linkat(c->droot, c->seen[i].rel, ddir, name, 0) < 0 ? negative_errno() : 0;
	int r = grow((void **)&c->links, c->n_links, &c->cap_links, sizeof(*c->links));
	if (r < 0 || (r = rel_path(c, name, &c->links[c->n_links].rel)) < 0)
		return r;
	c->links[c->n_links++].seen = i;
	c->dir_deferred = true;
	return 0;
}

/* A regular file; *ret_deferred: its data and attributes went to the data thread. */
static int clone_file(struct clone_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
		      bool *ret_deferred)
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
	if (cur.st_size >= LXM_CLONE_ASYNC_MIN) {
		_cleanup_free_ char *rel = NULL;
		if ((r = rel_path(c, name, &rel)) < 0)
			return r;
		r = lxm_clone_copier_submit(&c->copier, &c->attrs, &sfd, &dfd, &cur, rel);
		if (r != 0) {
			*ret_deferred = r > 0;
			return r < 0 ? r : 0;
		}
	}
	if ((r = lxm_clone_copy_data(sfd, dfd, &cur)) < 0 || (r = lxm_clone_set_attrs(&c->attrs, sfd, dfd, &cur, name)) < 0)
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
	if (c->attrs.owner && (st->st_uid != c->attrs.uid || st->st_gid != c->attrs.gid) &&
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
	bool outer_deferred = c->dir_deferred;
	struct stat now = *st;
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
		c->dir_deferred = false;
		r = clone_dir(c, sfd, dfd, depth + 1);
		c->plen = old;
		c->path[old] = '\0';
		bool deferred = c->dir_deferred;
		c->dir_deferred = outer_deferred;
		if (r < 0)
			return r;
		if (deferred) {
			/* Links still go in: writable by us until then, mode and mtime set again after. */
			struct dir_later *d;
			if ((r = grow((void **)&c->dirs, c->n_dirs, &c->cap_dirs, sizeof(*c->dirs))) < 0)
				return r;
			d = &c->dirs[c->n_dirs];
			if ((r = rel_path(c, name, &d->rel)) < 0)
				return r;
			d->mode = st->st_mode & 07777;
			d->mtime = st->st_mtim;
			c->n_dirs++;
			now.st_mode |= 0700;
		}
	}
	return lxm_clone_set_attrs(&c->attrs, sfd, dfd, &now, name);
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
	bool deferred = false;
	struct stat st;
	ssize_t i;
	int r;

	/* Known from readdir not to be a directory (DT_UNKNOWN is copied): replaced after the copy. */
	if (c->skip && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN && skipped(c, name))
		return 0;

	/* Another name of a file copied before, known from readdir alone: linked without the
	 * fstatat() (busybox: ~270 applet names of one binary, most of the calls of a copy). */
	if (c->dino && de->d_type == DT_REG && (i = link_find(c, de->d_ino)) >= 0)
		return link_to(c, (size_t)i, ddir, name);
	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return clone_subdir(c, sdir, ddir, name, &st, depth);
	/* A hard link of a file copied before: linked to that copy, so dst keeps the base's
	 * layout and shares nothing with it. */
	if (st.st_nlink > 1 && (i = link_find(c, st.st_ino)) >= 0)
		return link_to(c, (size_t)i, ddir, name);
	r = S_ISREG(st.st_mode) ? clone_file(c, sdir, ddir, name, &st, &deferred)
				: clone_special(c, sdir, ddir, name, &st);
	if (r >= 0 && st.st_nlink > 1)
		r = link_add(c, st.st_ino, name, deferred);
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

/* Deferred links [from, to): relative to the copy's root, every component a directory this copy made. */
struct link_range {
	const struct clone_ctx *c;
	size_t from, to;
};

static int link_range_run(void *data)
{
	const struct link_range *l = data;
	const struct clone_ctx *c = l->c;

	for (size_t i = l->from; i < l->to; i++)
		if (linkat(c->droot, c->seen[c->links[i].seen].rel, c->droot, c->links[i].rel, 0) < 0)
			return log_debug_errno(negative_errno(), "Failed to link '%s': %m", c->links[i].rel);
	return 0;
}

static bool same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
	size_t la = sa ? (size_t)(sa - a) : 0, lb = sb ? (size_t)(sb - b) : 0;
	return la == lb && strncmp(a, b, la) == 0;
}

/* Where the deferred links split in two halves that share no directory (each new entry takes its
 * directory's lock), nearest the middle; 0: all in one. */
static size_t link_split(const struct clone_ctx *c)
{
	size_t mid = c->n_links / 2;

	for (size_t d = 0; d <= mid; d++) {
		if (mid + d < c->n_links && !same_dir(c->links[mid + d - 1].rel, c->links[mid + d].rel))
			return mid + d;
		if (d < mid && !same_dir(c->links[mid - d - 1].rel, c->links[mid - d].rel))
			return mid - d;
	}
	return 0;
}

/* The walk is done: the deferred links, half of them on the data thread after its files (two
 * directories fill at once: each link's lookup runs beside the other's), then the mode and mtime of
 * the directories they went into (a new entry changes a directory's mtime). r: the walk's result. */
static int clone_finish(struct clone_ctx *c, int r)
{
	struct link_range mine = { .c = c, .to = c->n_links }, theirs = { .c = c, .to = c->n_links };
	int k;

	if (r >= 0 && c->n_links >= 32 && (theirs.from = link_split(c)) > 0 &&
	    (r = lxm_clone_copier_call(c->copier, link_range_run, &theirs)) > 0)
		mine.to = theirs.from;
	if (r >= 0)
		r = link_range_run(&mine);
	/* Always joined, also after a failure: the thread holds fds and uses c. */
	k = lxm_clone_copier_finish(c->copier);
	c->copier = NULL;
	if (r >= 0)
		r = k;
	for (size_t i = 0; r >= 0 && i < c->n_dirs; i++) {
		struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, c->dirs[i].mtime };
		if (fchmodat(c->droot, c->dirs[i].rel, c->dirs[i].mode, 0) < 0 ||
		    utimensat(c->droot, c->dirs[i].rel, ts, AT_SYMLINK_NOFOLLOW) < 0)
			r = log_debug_errno(negative_errno(), "Failed to set the mode of '%s': %m", c->dirs[i].rel);
	}
	return r;
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
	c->attrs.uid = geteuid();
	c->attrs.gid = getegid();
	c->attrs.owner = c->attrs.uid == 0;
	c->dino = dino_trusted(sfd);
	c->skip = skip;
	/* Modes are set explicitly; the umask would only strip bits from the creating calls. */
	mode_t old = umask(0);
	r = clone_finish(c, clone_dir(c, sfd, dfd, 0));
	umask(old);
	clone_ctx_done(c);
	return r;
}
