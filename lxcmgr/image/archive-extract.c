/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Extraction of root filesystem tarballs. libarchive's own guards (SECURE_SYMLINKS, SECURE_NODOTDOT,
 * SECURE_NOABSOLUTEPATHS) are switched on, but every member is also checked here before libarchive
 * sees it, so a gap or regression in one layer does not let a hostile archive write outside dest.
 * The checks and libarchive's writes are not atomic together: dest must be a directory no one else
 * writes to meanwhile (a fresh temporary rootfs, as the store and the cache use).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "image/archive-dl.h"
#include "image/archive.h"
#include "util/log.h"
#include "util/openat2.h"
#include "util/sha256.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free)

int lxm_archive_normalize_path(const char *name, char **ret, const char **ret_reason)
{
	_cleanup_free_ char *out = NULL;
	size_t n = 0;

	if (IS_EMPTY(name)) {
		*ret_reason = "empty name";
		return -EINVAL;
	}
	/* Attack: "/etc/passwd" as a member name writes to the host's file. */
	if (name[0] == '/') {
		*ret_reason = "absolute path";
		return -EINVAL;
	}
	out = malloc(strlen(name) + 1);
	if (!out)
		return -ENOMEM;
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* "./x", "a//b", "a/./b": no-op components. */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			/* Attack: "../evil", "dir/../../evil" climb out of dest. */
			*ret_reason = "'..' path component";
			return -EINVAL;
		} else {
			if (n > 0)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

bool lxm_archive_device_is_usual(const char *rel)
{
	static const char *const usual[] = { "dev/null", "dev/zero",    "dev/full",   "dev/random",
					     "dev/urandom", "dev/tty", "dev/console", "dev/ptmx" };

	for (size_t i = 0; i < ARRAY_SIZE(usual); i++)
		if (STREQ(rel, usual[i]))
			return true;
	return strncmp(rel, "dev/tty", 7) == 0 || strncmp(rel, "dev/pts/", 8) == 0;
}

/* Walks the existing components of dir (relative to dirfd) without following anything. */
static int walk_parent(int dirfd, const char *dir, const char **ret_reason)
{
	_cleanup_free_ char *copy = strdup(dir);
	_cleanup_close_ int fd = -EBADF;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		struct stat st;
		int cur = fd >= 0 ? fd : dirfd;

		if (fstatat(cur, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT ? 0 : negative_errno(); /* the rest gets created as directories */
		/* Attack: "a -> /etc" (or "a -> ../../..") planted earlier, then "a/passwd". */
		if (S_ISLNK(st.st_mode)) {
			*ret_reason = "parent path goes through a symlink";
			return -EINVAL;
		}
		if (!S_ISDIR(st.st_mode))
			return 0; /* libarchive replaces the non-directory in the way */
		int nfd = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return negative_errno();
		closep(&fd);
		fd = nfd;
	}
	return 0;
}

/* Directories verified by openat2() during this extraction, with the O_PATH fd it returned (the
 * last two used: a member's own and a hard link target's, "bin" and "usr/bin" in turn for a
 * busybox tree). Once verified, a path stays a chain of real directories until the end: dest has
 * no other writer (see the top), no member may replace a directory with anything else
 * (verify_final) and nothing is renamed or removed, so the check need not be repeated for the next
 * member in the same directory. The fds let hard links be made relative to them (link_member). */
struct verified_dirs {
	char *dir[2];
	int fd[2];
	unsigned long used[2]; /* least recently used is replaced: a member's parent is still in use
				* while its hard link target's parent is verified */
	unsigned long clock;
};

static void verified_dirs_done(struct verified_dirs *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(v->dir); i++) {
		free(v->dir[i]);
		if (v->dir[i])
			close(v->fd[i]);
	}
}

static int verified_find(struct verified_dirs *v, const char *dir, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(v->dir); i++)
		if (v->dir[i] && strlen(v->dir[i]) == len && memcmp(v->dir[i], dir, len) == 0) {
			v->used[i] = ++v->clock;
			return v->fd[i];
		}
	return -EBADF;
}

static void verified_add(struct verified_dirs *v, char *dir, int fd)
{
	size_t i = v->used[0] <= v->used[1] ? 0 : 1;

	if (v->dir[i]) {
		free(v->dir[i]);
		close(v->fd[i]);
	}
	v->dir[i] = dir;
	v->fd[i] = fd;
	v->used[i] = ++v->clock;
}

/* Verifies that the directory holding rel is a real directory beneath dirfd, reached without any
 * symlink. libarchive writes by path relative to the working directory, so this is what stops a
 * member from being redirected by something an earlier member planted. *ret_fd (borrowed, valid
 * until the next call) is the verified parent, dirfd itself for a member directly in dest, or
 * -EBADF when the parent does not exist yet (libarchive creates it) or was checked by hand. */
static int verify_parent(int dirfd, const char *rel, struct verified_dirs *v, int *ret_fd, const char **ret_reason)
{
	const char *slash = strrchr(rel, '/');
	_cleanup_free_ char *dir = NULL;
	int fd;

	*ret_fd = -EBADF;
	if (!slash) {
		*ret_fd = dirfd;
		return 0; /* directly in dest */
	}
	if ((fd = verified_find(v, rel, (size_t)(slash - rel))) >= 0) {
		*ret_fd = fd;
		return 0;
	}
	dir = strndup(rel, (size_t)(slash - rel));
	if (!dir)
		return -ENOMEM;

#ifdef SYS_openat2
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	fd = lxm_openat2(dirfd, dir, &how);
	if (fd >= 0) {
		verified_add(v, TAKE_PTR(dir), fd);
		*ret_fd = fd;
		return 0;
	}
	/* Attack: a symlink component (ELOOP) or an escape from dest (EXDEV). */
	if (errno == ELOOP || errno == EXDEV) {
		*ret_reason = "parent path goes through a symlink";
		return -EINVAL;
	}
	/* ENOENT (not created yet), ENOTDIR, ENOSYS (old kernel): walk by hand. */
#endif
	return walk_parent(dirfd, dir, ret_reason);
}

/* Prepares the final location of rel for a member of type ftype. */
static int verify_final(int dirfd, const char *rel, unsigned ftype, const char **ret_reason)
{
	struct stat st;

	if (fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	/* Attack: "f -> /etc/shadow" then a regular member "f": remove the symlink so the data lands
	 * in a new file inside dest instead of being written through the link. Same for a directory
	 * member, whose mode and owner would otherwise be applied to the link's target. */
	if (S_ISLNK(st.st_mode)) {
		if (unlinkat(dirfd, rel, 0) < 0)
			return negative_errno();
		return 0;
	}
	/* Attack: replacing a directory that libarchive will still chmod/utime at close (its fixup
	 * list) with a symlink or file, redirecting those deferred operations. */
	if (S_ISDIR(st.st_mode) && ftype != AE_IFDIR) {
		*ret_reason = "replaces a directory with a non-directory";
		return -EINVAL;
	}
	return 0;
}

/* Hard links: the target must be a member name inside dest, reached without symlinks, and exist.
 * *ret_fd: the target's verified parent (see verify_parent). */
static int verify_hardlink(int dirfd, struct archive_entry *e, struct verified_dirs *v, int *ret_fd,
			   const char **ret_reason)
{
	_cleanup_free_ char *target = NULL;
	struct stat st;
	int r;

	/* Attack: hard link to "/etc/passwd" or "../x", then data written into the link. */
	r = lxm_archive_normalize_path(archive_entry_hardlink(e), &target, ret_reason);
	if (r < 0)
		return r;
	if (!*target) {
		*ret_reason = "hard link to the root directory";
		return -EINVAL;
	}
	r = verify_parent(dirfd, target, v, ret_fd, ret_reason);
	if (r < 0)
		return r;
	if (fstatat(dirfd, target, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		*ret_reason = "hard link target does not exist";
		return -EINVAL;
	}
	/* Attack: hard link to a symlink that points out, with data: libarchive would open the link
	 * for writing and follow it. Only regular files may carry data through a hard link. */
	if (S_ISDIR(st.st_mode) || (!S_ISREG(st.st_mode) && archive_entry_size(e) > 0)) {
		*ret_reason = "hard link to a directory or to a non-regular file with data";
		return -EINVAL;
	}
	archive_entry_copy_hardlink(e, target);
	return 0;
}

static const char *base_name(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return slash ? slash + 1 : rel;
}

/* A hard link without data (all that our own archives and GNU tar write), made here relative to
 * the two parent fds openat2() verified, instead of by libarchive, which would walk and check both
 * paths again component by component (~20 system calls per link; a busybox tree is 266 of them).
 * Like libarchive: an existing non-directory in the way is replaced (verify_final refused a
 * directory and removed a symlink), and the link carries no metadata of its own. linkat() without
 * AT_SYMLINK_FOLLOW links a symlink target itself, never what it points to. */
static int link_member(int pfd, const char *rel, int tfd, const char *target)
{
	if (linkat(tfd, base_name(target), pfd, base_name(rel), 0) >= 0)
		return 0;
	if (errno != EEXIST || unlinkat(pfd, base_name(rel), 0) < 0)
		return negative_errno();
	return linkat(tfd, base_name(target), pfd, base_name(rel), 0) < 0 ? negative_errno() : 0;
}

/* Checks one member and rewrites its names to the normalised relative form. Returns 1 to extract,
 * 0 to skip (or done here: a hard link), -EINVAL (logged) to refuse the archive. *ret_cwd: the
 * directory libarchive is to write the member from (see extract_loop). */
static int check_entry(int dirfd, struct archive_entry *e, struct verified_dirs *v, int *ret_cwd)
{
	const char *name = archive_entry_pathname(e), *reason = NULL;
	_cleanup_free_ char *rel = NULL;
	unsigned ftype = archive_entry_filetype(e);
	int pfd = -EBADF, tfd = -EBADF;
	bool hardlink = archive_entry_hardlink(e);
	int r;

	if (!name)
		return log_error_errno(-EINVAL, "Archive member with an unreadable name, refusing archive");
	r = lxm_archive_normalize_path(name, &rel, &reason);
	if (r == -EINVAL)
		return log_error_errno(r, "Archive member '%s' refused: %s", name, reason);
	if (r < 0)
		return r;
	if (!*rel)
		return 0; /* "./": dest itself exists already, keep its owner and mode */

	r = verify_parent(dirfd, rel, v, &pfd, &reason);
	if (r >= 0 && hardlink)
		r = verify_hardlink(dirfd, e, v, &tfd, &reason);
	if (r >= 0)
		r = verify_final(dirfd, rel, ftype, &reason);
	if (r == -EINVAL)
		return log_error_errno(r, "Archive member '%s' refused: %s", name, reason);
	if (r < 0)
		return log_error_errno(r, "Failed to check archive member '%s': %m", name);
	/* Both parents still verified (the cache holds two: neither fd was replaced meanwhile). */
	if (hardlink && archive_entry_size(e) <= 0 && pfd >= 0 && tfd >= 0) {
		r = link_member(pfd, rel, tfd, archive_entry_hardlink(e));
		if (r < 0)
			return log_error_errno(r, "Failed to extract '%s': %m", rel);
		return 0;
	}

	if ((ftype == AE_IFCHR || ftype == AE_IFBLK) && !lxm_archive_device_is_usual(rel))
		log_warning("Archive member '%s' is a %s device %u:%u outside the usual set", rel,
			    ftype == AE_IFCHR ? "character" : "block", (unsigned)archive_entry_rdevmajor(e),
			    (unsigned)archive_entry_rdevminor(e));

	/* A file, symlink or node whose parent openat2() verified: written from that parent by its
	 * last component only, so libarchive's own checks (SECURE_SYMLINKS opens and stats every
	 * component of the path it is given, ~10 system calls per member of a Debian tree) look at
	 * that one component. The parent is a real directory beneath dest, pinned by its fd: a
	 * symlink planted anywhere on the way can no longer matter. Directories keep the full path
	 * from dest: libarchive applies their modes and times at the end by the name it was given
	 * (its fixup list), and so do hard links with data (their target is named from dest). */
	*ret_cwd = dirfd;
	if (ftype != AE_IFDIR && !hardlink && pfd >= 0 && pfd != dirfd) {
		*ret_cwd = pfd;
		archive_entry_copy_pathname(e, base_name(rel));
		return 1;
	}
	archive_entry_copy_pathname(e, rel);
	return 1;
}

struct progress {
	bool enabled;
	int64_t total; /* compressed size, 0 when unknown */
	int64_t last;
};

static void progress_update(struct progress *p, struct archive *a, bool done)
{
	int64_t pos = archive_filter_bytes(a, -1);

	if (!p->enabled)
		return;
	if (p->total > 0) {
		int64_t pct = done ? 100 : pos * 100 / p->total;
		if (pct == p->last && !done)
			return;
		p->last = pct;
		fprintf(stderr, "\rExtracting: %3d%%%s", (int)pct, done ? "\n" : "");
	} else {
		if (pos - p->last < (1 << 20) && !done)
			return;
		p->last = pos;
		fprintf(stderr, "\rExtracting: %lld MiB%s", (long long)(pos >> 20), done ? "\n" : "");
	}
}

/* Copies one member's data. Read errors mean a corrupt archive (-EINVAL), write errors are the disk's. */
static int copy_data(struct archive *in, struct archive *out, const char *name)
{
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int r = archive_read_data_block(in, &buf, &size, &offset);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return log_error_errno(-EINVAL, "Archive is corrupt or truncated in member '%s': %s", name,
					       archive_error_string(in));
		if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_OK) {
			int k = lxm_archive_errno(out, -EIO);
			if (k != -EIO || !archive_error_string(out))
				return log_error_errno(k, "Failed to write '%s': %m", name);
			return log_error_errno(k, "Failed to write '%s': %s", name, archive_error_string(out));
		}
	}
}

static int extract_entry(struct archive *in, struct archive *out, struct archive_entry *e, const char *name)
{
	int r;

	r = archive_write_header(out, e);
	if (r == ARCHIVE_WARN)
		log_warning("Archive member '%s': %s, ignoring", name, archive_error_string(out));
	else if (r < ARCHIVE_WARN)
		return log_error_errno(lxm_archive_errno(out, -EINVAL), "Failed to extract '%s': %s", name,
				       archive_error_string(out));
	if (archive_entry_size(e) > 0) {
		r = copy_data(in, out, name);
		if (r < 0)
			return r;
	}
	r = archive_write_finish_entry(out);
	if (r == ARCHIVE_WARN)
		log_warning("Archive member '%s': %s, ignoring", name, archive_error_string(out));
	else if (r < ARCHIVE_WARN)
		return log_error_errno(lxm_archive_errno(out, -EIO), "Failed to finish '%s': %s", name,
				       archive_error_string(out));
	return 0;
}

static int extract_loop(struct archive *in, struct archive *out, int dirfd, const char *path, struct progress *p)
{
	_cleanup_(verified_dirs_done) struct verified_dirs v = {};
	struct archive_entry *e;
	bool in_dest = true; /* the working directory is dest (else a verified parent in it) */
	int r;

	for (;;) {
		r = archive_read_next_header(in, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_RETRY)
			continue;
		if (r == ARCHIVE_WARN)
			log_debug("Archive '%s': %s", path, archive_error_string(in));
		else if (r < ARCHIVE_WARN)
			return log_error_errno(-EINVAL, "Archive '%s' is corrupt or truncated: %s", path,
					       archive_error_string(in));
		_cleanup_free_ char *name = archive_entry_pathname(e) ? strdup(archive_entry_pathname(e)) : NULL;
		int cwd = dirfd;
		r = check_entry(dirfd, e, &v, &cwd);
		if (r < 0)
			return r;
		if (r > 0) {
			/* Every time for a parent: its fd number may have been reused by the cache. */
			if ((cwd != dirfd || !in_dest) && fchdir(cwd) < 0)
				return log_error_errno(negative_errno(), "Failed to enter the directory of '%s': %m",
						       name ?: "?");
			in_dest = cwd == dirfd;
			r = extract_entry(in, out, e, name ?: "?");
			if (r < 0)
				return r;
		}
		progress_update(p, in, false);
	}
	/* Applies the deferred directory modes and times (relative to dest, by the names given). */
	if (!in_dest && fchdir(dirfd) < 0)
		return log_error_errno(negative_errno(), "Failed to return to dest: %m");
	if (archive_write_close(out) < ARCHIVE_WARN)
		return log_error_errno(lxm_archive_errno(out, -EIO), "Failed to finish extraction into dest: %s",
				       archive_error_string(out));
	progress_update(p, in, true);
	return 0;
}

static struct archive *disk_writer_new(void)
{
	struct archive *out = archive_write_disk_new();
	/* OWNER: numeric ids as stored (no archive_write_disk_set_standard_lookup(): the host's
	 *   /etc/passwd says nothing about the container's users); only as root, where chown works.
	 * PERM: modes including setuid/setgid (ping, su need them). TIME: mtimes (package managers
	 *   and make compare them). XATTR: file capabilities (security.capability) and user xattrs.
	 * ACL: POSIX ACLs some packages set.
	 * Not SPARSE: sparse files stay sparse without it (the archive's sparse map: libarchive seeks
	 *   over the holes it records, and our own archives record them); the flag would also turn
	 *   every run of zero bytes in any file into a hole, writing in 4 KiB pieces at odd offsets
	 *   (a Debian rootfs: ~40000 writes, partial pages zeroed, ~30% of the unpack time) for
	 *   0.3% less disk. Files come out as they were packed.
	 * Not FFLAGS: chattr +i/+a from an archive would make the rootfs undeletable by destroy.
	 * SECURE_*: libarchive's own checks, a second layer behind check_entry(). */
	int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |
		    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

	if (!out)
		return NULL;
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	archive_write_disk_set_options(out, flags);
	return out;
}

/* Feeds libarchive from fd and hashes every byte on the way (opts->expect_sha256). */
struct hashing_reader {
	int fd;
	int error; /* -errno of a failed read */
	struct lxm_sha256 sha;
	uint8_t buf[128 * 1024];
};

static ssize_t hashing_fill(struct hashing_reader *h)
{
	for (;;) {
		ssize_t n = read(h->fd, h->buf, sizeof(h->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return h->error = negative_errno();
		lxm_sha256_update(&h->sha, h->buf, (size_t)n);
		return n;
	}
}

static la_ssize_t hashing_read(struct archive *a, void *data, const void **ret_buf)
{
	struct hashing_reader *h = data;
	ssize_t n = hashing_fill(h);

	(void)a;
	*ret_buf = h->buf;
	return n < 0 ? -1 : n;
}

/* After the unpack: hashes what libarchive did not read (the zero blocks after the tar end, the
 * compressor's trailer) and compares. */
static int hashing_finish(struct hashing_reader *h, const char *expect, const char *path)
{
	uint8_t digest[LXM_SHA256_SIZE];
	char hex[LXM_SHA256_HEX_SIZE];
	ssize_t n;

	while ((n = hashing_fill(h)) > 0)
		;
	if (n < 0)
		return log_debug_errno((int)n, "Failed to read '%s': %m", path);
	lxm_sha256_final(&h->sha, digest);
	lxm_sha256_to_hex(digest, hex);
	if (STRNEQ(hex, expect))
		return log_debug_errno(-EBADMSG, "Archive '%s' has checksum %s, expected %s", path, hex, expect);
	return 0;
}

static int open_reader(struct archive *in, int fd, struct hashing_reader *h)
{
	if (!h)
		return archive_read_open_fd(in, fd, 128 * 1024);
	h->fd = fd;
	lxm_sha256_init(&h->sha);
	return archive_read_open(in, h, NULL, hashing_read, NULL);
}

int lxm_archive_extract(const char *archive_path, const char *dest, const struct lxm_extract_opts *opts)
{
	_cleanup_free_ struct hashing_reader *h = NULL;
	_cleanup_(archive_read_freep) struct archive *in = NULL;
	_cleanup_(archive_write_freep) struct archive *out = NULL;
	_cleanup_close_ int fd = -EBADF, dirfd = -EBADF, oldcwd = -EBADF;
	struct progress p = { .enabled = opts && opts->progress, .last = -1 };
	struct stat st;
	int r;

	if ((r = lxm_archive_load()) < 0)
		return r;
	fd = open(archive_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return log_debug_errno(negative_errno(), "Failed to open archive '%s': %m", archive_path);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		p.total = st.st_size;
	dirfd = open(dest, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", dest);

	in = archive_read_new();
	out = disk_writer_new();
	if (!in || !out)
		return -ENOMEM;
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	/* One read of the file for both the checksum and the unpack. Unpacking bytes not verified
	 * yet is safe: every member passes check_entry() as for a user's tarball (--from), and a
	 * mismatch fails the unpack before anything becomes visible (the caller discards dest). */
	if (opts && opts->expect_sha256 && !(h = calloc(1, sizeof(*h))))
		return -ENOMEM;
	if (open_reader(in, fd, h) < ARCHIVE_OK) {
		if (h && h->error < 0)
			return log_error_errno(h->error, "Failed to read archive '%s': %m", archive_path);
		return log_error_errno(-EINVAL, "Archive '%s' is not a tar archive: %s", archive_path,
				       archive_error_string(in));
	}

	/* libarchive's disk writer only takes paths relative to the working directory (no *at()
	 * API), and SECURE_NOABSOLUTEPATHS wants them relative: work from dest's fd for the duration.
	 * The CLI is single-threaded; the previous directory is restored below. */
	oldcwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldcwd < 0)
		oldcwd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (oldcwd < 0 || fchdir(dirfd) < 0)
		return log_debug_errno(negative_errno(), "Failed to enter '%s': %m", dest);

	r = extract_loop(in, out, dirfd, archive_path, &p);
	if (h) {
		/* Also after a failed unpack: a tarball that is not the one recorded explains any
		 * failure (a member refused as ENOTDIR, a write error), and the caller rebuilds a
		 * corrupt entry (-EBADMSG) rather than failing the create. */
		int k = hashing_finish(h, opts->expect_sha256, archive_path);
		if (r >= 0 || k == -EBADMSG)
			r = k < 0 ? k : r;
	}
	if (r < 0) {
		/* Its close runs the pending directory fixups by the names given, relative to dest:
		 * from dest only (a failed member may have left us in a subdirectory), else never. */
		struct archive *w = TAKE_PTR(out);
		if (fchdir(dirfd) >= 0)
			archive_write_free(w);
	}
	if (fchdir(oldcwd) < 0)
		log_warning_errno(negative_errno(), "Failed to return to the previous directory: %m, ignoring");
	if (p.enabled && r < 0)
		fputc('\n', stderr);
	return r;
}
