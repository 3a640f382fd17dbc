/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Removal of containers and of the hidden temporaries that dead creators and destroyers left. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "store/store.h"
#include "util/log.h"

#define TMP_PREFIX ".tmp-"
#define DESTROY_PREFIX ".destroy-"
#define RANDOM_SUFFIX_LEN 7 /* "-XXXXXX" from mkdtemp */

/* Extracts NAME from PREFIX NAME -XXXXXX; NULL when entry is not one of ours. */
static char *temp_owner(const char *entry, const char *prefix)
{
	size_t pl = strlen(prefix), el = strlen(entry);
	if (strncmp(entry, prefix, pl) != 0 || el <= pl + RANDOM_SUFFIX_LEN || entry[el - RANDOM_SUFFIX_LEN] != '-')
		return NULL;
	return strndup(entry + pl, el - pl - RANDOM_SUFFIX_LEN);
}

/* True when nobody works on the temporary dir any more. */
static bool temp_is_stale(const struct lxm_paths *paths, const char *dir, const char *owner)
{
	_cleanup_free_ char *lock_path = NULL, *locks = NULL, *file = NULL;
	_cleanup_close_ int fd = -EBADF;

	/* A create in progress holds a flock on the temporary itself (store.c: txn_begin()); one
	 * left by an older lxcmgr holds tmp_dir/.lock, opened without O_CREAT, which keeps us from
	 * recreating a file in a directory that is being removed. */
	if (lxm_path_join(&lock_path, dir, ".lock") < 0)
		return false;
	fd = open(lock_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd >= 0)
		return flock(fd, LOCK_EX | LOCK_NB) == 0;
	if (errno != ENOENT)
		return false;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return false; /* held: live (or gone meanwhile) */
	closep(&fd);

	/* Not flocked (a destroy's temporary, a create between mkdtemp and its flock): the owner
	 * holds the container lock all that time. */
	if (lxm_name_validate_quiet(owner) < 0)
		return false;
	if (lxm_path_join(&locks, paths->run_dir, "locks") < 0 || asprintf(&file, "%s/%s.lock", locks, owner) < 0)
		return false;
	int r = lxm_lock_file_try(file, &fd);
	if (r == -ENOENT) {
		/* Never locked since boot (the run dir is fresh): nobody can be working on it. */
		return true;
	}
	return r >= 0;
}

static int gc_dir(const struct lxm_paths *paths, const char *dir)
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
	struct dirent *de;
	while ((de = readdir(d))) {
		_cleanup_free_ char *owner = temp_owner(de->d_name, TMP_PREFIX);
		if (!owner)
			owner = temp_owner(de->d_name, DESTROY_PREFIX);
		if (!owner)
			continue;
		_cleanup_free_ char *path = NULL;
		if (lxm_path_join(&path, dir, de->d_name) < 0)
			return -ENOMEM;
		if (!temp_is_stale(paths, path, owner))
			continue;
		int r = lxm_rm_rf(path);
		if (r < 0) {
			log_warning_errno(r, "Failed to remove stale temporary '%s', ignoring: %m", path);
			continue;
		}
		log_debug("Removed stale temporary '%s'", path);
		removed++;
	}
	return removed;
}

int lxm_store_gc_staging(const struct lxm_paths *paths)
{
	_cleanup_free_ char *staging = NULL;
	int r = lxm_path_join(&staging, paths->containers_dir, LXM_STORE_STAGING_DIR);

	return r < 0 ? r : gc_dir(paths, staging);
}

int lxm_store_gc(const struct lxm_paths *paths)
{
	int r = gc_dir(paths, paths->containers_dir), k;

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
