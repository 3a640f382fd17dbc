/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/btrfs-base.h"
#include "image/cache-base.h"
#include "image/rmtree.h"
#include "image/tree-clone.h"
#include "store/btrfs.h"
#include "util/log.h"

#define BASES_DIR ".btrfs-bases" /* a dot name: not a container, and no temporary gc removes */
#define TMP_TAIL ".tmp-"
#define TMP_TAIL_LEN (sizeof(TMP_TAIL "XXXXXX") - 1)

static int bases_dir(const struct lxm_paths *paths, char **ret)
{
	return lxm_path_join(ret, paths->containers_dir, BASES_DIR);
}

int lxm_btrfs_base_path(const struct lxm_paths *paths, const struct lxm_cache_meta *m, char **ret)
{
	/* Named like the cache's base (KEY-SHA16): a refreshed entry gets a new one, never a stale one. */
	if (asprintf(ret, "%s/" BASES_DIR "/%s-%.16s", paths->containers_dir, m->key, m->sha256) < 0)
		return -ENOMEM;
	return 0;
}

/* A temporary is a plain directory when its make was killed between naming and creating it. */
static int remove_path(const char *path)
{
	if (lxm_btrfs_is_subvol(path) > 0)
		return lxm_btrfs_subvol_destroy(path);
	return lxm_image_rm_rf(path);
}

/* Removes the key's bases and temporaries in dir, except the one named keep (NULL: none). */
static int remove_others(const char *dir, const char *key, const char *keep)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	while ((de = readdir(d))) {
		if (keep && STREQ(de->d_name, keep))
			continue;
		if (!lxm_cache_base_name_matches(de->d_name, key, "", 0) &&
		    !lxm_cache_base_name_matches(de->d_name, key, TMP_TAIL, TMP_TAIL_LEN))
			continue;
		_cleanup_free_ char *path = NULL;
		int k = lxm_path_join(&path, dir, de->d_name);
		if (k >= 0)
			k = remove_path(path);
		if (k < 0)
			log_debug_errno(k, "Failed to remove the btrfs base '%s/%s': %m", dir, de->d_name);
		else
			log_debug("Removed the btrfs base '%s'", path);
		if (k < 0 && r == 0)
			r = k;
	}
	return r;
}

int lxm_btrfs_base_make(const struct lxm_paths *paths, const struct lxm_cache_meta *m)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *src = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if ((r = bases_dir(paths, &dir)) < 0 || (r = lxm_btrfs_base_path(paths, m, &path)) < 0 ||
	    (r = lxm_cache_base_path(paths, m, &src)) < 0)
		return r;
	if ((r = lxm_mkdir_p(dir, 0700)) < 0)
		return log_debug_errno(r, "Failed to create '%s': %m", dir);
	(void)remove_others(dir, m->key, path + strlen(dir) + 1);
	if (asprintf(&tmp, "%s" TMP_TAIL "XXXXXX", path) < 0)
		return -ENOMEM;
	/* mkdtemp() only names it: the subvolume takes the name (under the key's lock, nobody else
	 * makes this key's temporaries; a kill in between leaves a directory remove_others() knows). */
	if (!mkdtemp(tmp) || rmdir(tmp) < 0)
		return log_debug_errno(negative_errno(), "Failed to name a temporary for '%s': %m", path);
	if ((r = lxm_btrfs_subvol_create(tmp)) < 0)
		return r;
	r = lxm_image_tree_clone(src, tmp);
	/* Every later create snapshots a base under its own name without checking it: its data must
	 * be on disk before the rename is (a btrfs commit does not write delayed allocations, so a
	 * crash could leave the renamed base with short files). Once per entry version. */
	if (r >= 0 && (fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = negative_errno();
	if (r >= 0 && syncfs(fd) < 0)
		r = log_debug_errno(negative_errno(), "Failed to sync '%s': %m", tmp);
	if (r >= 0)
		r = lxm_btrfs_subvol_set_readonly(tmp);
	if (r >= 0 && rename(tmp, path) < 0)
		r = log_debug_errno(negative_errno(), "Failed to rename '%s': %m", tmp);
	if (r < 0) {
		(void)remove_path(tmp);
		return r;
	}
	return 0;
}

int lxm_btrfs_base_snapshot(const char *base, const char *rootfs)
{
	int r = lxm_btrfs_subvol_destroy(rootfs); /* empty: the snapshot takes its name */
	if (r < 0)
		return log_debug_errno(r, "Failed to remove the empty subvolume '%s': %m", rootfs);
	r = lxm_btrfs_snapshot(base, rootfs, false);
	if (r >= 0)
		return 0;
	int k = lxm_btrfs_subvol_create(rootfs);
	return k < 0 ? k : r;
}

int lxm_btrfs_base_prune(const struct lxm_paths *paths, const char *key)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_free_ char *dir = NULL, *current = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	if ((r = bases_dir(paths, &dir)) < 0)
		return r;
	if (access(dir, F_OK) < 0)
		return 0; /* no btrfs create ever ran in this store */
	if ((r = lxm_cache_lock(paths, key, &lock)) < 0)
		return log_error_errno(r, "Failed to lock template cache entry '%s': %m", key);
	if (lxm_cache_read(paths, key, &m) >= 0 && (r = lxm_btrfs_base_path(paths, &m, &current)) < 0)
		return r;
	r = remove_others(dir, key, current ? current + strlen(dir) + 1 : NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to remove the btrfs bases of '%s' in '%s': %m", key, dir);
	return 0;
}
