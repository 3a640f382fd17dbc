/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Removal of containers and of the hidden temporaries that dead creators, destroyers and exports left. */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "store/store.h"
#include "util/log.h"

#define DESTROY_PREFIX ".destroy-"
#define RANDOM_SUFFIX_LEN 7 /* "-XXXXXX" from mkdtemp */

/* True when entry is PREFIX NAME -XXXXXX, one of ours. */
static bool is_temp(const char *entry, const char *prefix)
{
	size_t pl = strlen(prefix), el = strlen(entry);
	return strncmp(entry, prefix, pl) == 0 && el > pl + RANDOM_SUFFIX_LEN && entry[el - RANDOM_SUFFIX_LEN] == '-';
}

/*
 * How long an unflocked, empty temporary is taken for live. Every live temporary is flocked (a
 * create flocks its own after mkdtemp(), store.c: txn_begin(); a destroy flocks the container's
 * directory before renaming it, lxm_store_remove()) except in two windows of a few system calls
 * where it is still empty: a create between its mkdtemp() and its flock, a destroy's placeholder
 * between its mkdtemp() and the rename over it. A creator stopped longer than this in that window
 * finds its directory gone and fails with a clear error; a killed one's empty leftover lingers this
 * long. The mtime, which mkdtemp() sets: a rename leaves it alone (a destroy's renamed container
 * keeps its own, and is flocked), and a test can age a leftover with touch.
 */
#define UNLOCKED_GRACE_SEC 60

static bool dir_is_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	while ((de = readdir(d)))
		if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
			return false;
	return true;
}

/*
 * Claims the temporary path (a directory, or a regular file such as an archive's temporary) when
 * nobody works on it any more: 1 with its flock in *ret_fd, to be held through the removal (a
 * creator reaching its flock only now waits, then finds its temporary gone), 0 when it may be live.
 *
 * Only the temporary's own flock is looked at, never the container lock (run_dir/locks/NAME.lock):
 * taking that one, even for an instant, made a start, stop, kill or exec of NAME that came at that
 * instant fail with "busy" while a list or info ran beside it. LXC likewise detects an
 * interrupted create by querying the lock on its 'partial' marker (F_OFD_GETLK), not by taking it.
 */
static int temp_claim(const char *path, mode_t type, time_t now, int *ret_fd)
{
	_cleanup_free_ char *lock_path = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st, now_st;

	/* One left by an older lxcmgr holds tmp_dir/.lock, opened without O_CREAT, which keeps us
	 * from recreating a file in a directory that is being removed. */
	if (lxm_path_join(&lock_path, path, ".lock") < 0)
		return 0;
	fd = open(lock_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
		return 0;
	if (fd >= 0) {
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			return 0;
		*ret_fd = TAKE_FD(fd);
		return 1;
	}
	/* O_NONBLOCK: a FIFO planted under a temporary's name never blocks us (refused below). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | (type == S_IFDIR ? O_DIRECTORY : 0));
	if (fd < 0 || fstat(fd, &st) < 0 || (st.st_mode & S_IFMT) != type || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return 0; /* held: live (or gone meanwhile, or not the kind of temporary we make) */

	/* Unflocked and empty: maybe a creator within its window (above). */
	if (llabs((long long)now - (long long)st.st_mtime) < UNLOCKED_GRACE_SEC &&
	    (type == S_IFDIR ? dir_is_empty(fd) : st.st_size == 0))
		return 0;
	/* A destroy renames its flocked container over its placeholder: the name must still be what
	 * we flocked, or we would remove the tree another process works on. */
	if (lstat(path, &now_st) < 0 || now_st.st_dev != st.st_dev || now_st.st_ino != st.st_ino)
		return 0;
	*ret_fd = TAKE_FD(fd);
	return 1;
}

/* Removes path, a temporary claimed (flocked) by temp_claim(): 1 when removed, 0 when not (logged). */
static int temp_remove(const char *path, mode_t type)
{
	int r = type == S_IFDIR ? lxm_rm_rf(path) : (unlink(path) < 0 ? negative_errno() : 0);
	if (r < 0) {
		log_warning_errno(r, "Failed to remove stale temporary '%s', ignoring: %m", path);
		return 0;
	}
	log_debug("Removed stale temporary '%s'", path);
	return 1;
}

static int gc_dir(const char *dir)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct stat st;
	int removed = 0;

	/* Every temporary is a directory (mkdtemp()): a directory without subdirectories holds none,
	 * and its link count says so without a read of it (2: "." and the parent's entry; btrfs
	 * counts 1 for every directory, so there it is read). A create's gc of .staging on this
	 * host: one stat instead of open, two getdents64() and close. */
	if (stat(dir, &st) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (S_ISDIR(st.st_mode) && st.st_nlink == 2)
		return 0;
	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : negative_errno();
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_temp(de->d_name, LXM_STORE_TMP_PREFIX) && !is_temp(de->d_name, DESTROY_PREFIX))
			continue;
		_cleanup_free_ char *path = NULL;
		if (lxm_path_join(&path, dir, de->d_name) < 0)
			return -ENOMEM;
		_cleanup_close_ int claim = -EBADF;
		if (temp_claim(path, S_IFDIR, now, &claim) > 0)
			removed += temp_remove(path, S_IFDIR);
	}
	return removed;
}

/* True when entry is prefix and the six characters mkdtemp()/mkstemp() put for "XXXXXX". */
static bool is_mktemp_name(const char *entry, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (strncmp(entry, prefix, pl) != 0 || strlen(entry) != pl + 6)
		return false;
	for (const char *p = entry + pl; *p; p++)
		if (!isalnum((unsigned char)*p))
			return false;
	return true;
}

int lxm_store_gc_temps(const char *dir, const char *prefix, mode_t type)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	time_t now = time(NULL);
	struct dirent *de;
	int removed = 0;

	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int claim = -EBADF;
		struct stat st;

		if (!is_mktemp_name(de->d_name, prefix))
			continue;
		/* Only what we made: the directory may be shared (an export into /tmp), and another
		 * user's file of that name is not ours to remove, nor to open (a FIFO, a device). */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || (st.st_mode & S_IFMT) != type ||
		    st.st_uid != geteuid())
			continue;
		if (lxm_path_join(&path, dir, de->d_name) < 0)
			return -ENOMEM;
		if (temp_claim(path, type, now, &claim) > 0 && fstat(claim, &st) >= 0 && st.st_uid == geteuid())
			removed += temp_remove(path, type);
	}
	return removed;
}

int lxm_store_gc_staging(const struct lxm_paths *paths)
{
	_cleanup_free_ char *staging = NULL;
	int r = lxm_path_join(&staging, paths->containers_dir, LXM_STORE_STAGING_DIR);

	return r < 0 ? r : gc_dir(staging);
}

int lxm_store_gc(const struct lxm_paths *paths)
{
	int r = gc_dir(paths->containers_dir), k;

	if (r < 0)
		return r;
	k = lxm_store_gc_staging(paths);
	return k < 0 ? k : r + k;
}

static char *first_mount_below(const char *dir)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t n = 0, l = strlen(dir);

	while (f && getline(&line, &n, f) > 0) {
		char mnt[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (strncmp(mnt, dir, l) == 0 && mnt[l] == '/')
			return strdup(mnt);
	}
	return NULL;
}

int lxm_store_remove(const struct lxm_paths *paths, const char *name)
{
	_cleanup_free_ char *dir = NULL, *tmpl = NULL;
	struct stat st;
	int r;

	if ((r = lxm_path_join(&dir, paths->containers_dir, name)) < 0)
		return r;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return log_error_errno(-ENOENT, "Container '%s' not found", name);

	/* A bind mount left inside (a crashed start, a user's mount) may be a host directory: refuse
	 * before touching anything rather than half-deleting the container. rm_rf checks again. */
	_cleanup_free_ char *canonical = realpath(dir, NULL); /* mountinfo has canonical paths */
	_cleanup_free_ char *mnt = first_mount_below(canonical ? canonical : dir);
	if (mnt)
		return log_error_errno(-EBUSY, "Container '%s' has a mount point inside at '%s': unmount it first",
				       name, mnt);

	/* The directory's flock, taken before the rename and held through the removal, tells gc that
	 * the .destroy- temporary is live: gc looks at no container lock (temp_claim()). */
	_cleanup_close_ int hold = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hold < 0 || flock(hold, LOCK_EX) < 0)
		return log_error_errno(negative_errno(), "Failed to lock '%s': %m", dir);

	/* Reserve a unique hidden name, then rename over the empty placeholder directory. */
	if (asprintf(&tmpl, "%s/" DESTROY_PREFIX "%s-XXXXXX", paths->containers_dir, name) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmpl))
		return log_error_errno(negative_errno(), "Failed to create a temporary name in '%s': %m",
				       paths->containers_dir);
	if (rename(dir, tmpl) < 0) {
		r = negative_errno();
		(void)rmdir(tmpl);
		return log_error_errno(r, "Failed to move '%s' out of the way: %m", dir);
	}
	r = lxm_rm_rf(tmpl);
	if (r == -EBUSY)
		return log_error_errno(r, "Container '%s' is gone, but '%s' still has mount points inside; "
				       "unmount them and remove it", name, tmpl);
	if (r < 0)
		return log_error_errno(r, "Container '%s' is gone, but removing '%s' failed: %m", name, tmpl);
	return 0;
}
