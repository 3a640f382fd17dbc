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
#define SHA16 16
#define TMP_TAIL ".tmp-"
#define TMP_TAIL_LEN (sizeof(TMP_TAIL "XXXXXX") - 1)

static int bases_dir(const struct lxm_paths *paths, char **ret)
{
	return lxm_path_join(ret, paths->containers_dir, BASES_DIR);
}

/* Named like the cache's base (KEY-SHA16): a refreshed entry gets a new one, never a stale one. */
static int base_name(const struct lxm_cache_meta *m, char **ret)
{
	return asprintf(ret, "%s-%.16s", m->key, m->sha256) < 0 ? -ENOMEM : 0;
}

int lxm_btrfs_base_path(const struct lxm_paths *paths, const struct lxm_cache_meta *m, char **ret)
{
	_cleanup_free_ char *dir = NULL, *name = NULL;
	int r;

	if ((r = bases_dir(paths, &dir)) < 0 || (r = base_name(m, &name)) < 0)
		return r;
	return lxm_path_join(ret, dir, name);
}

/* A temporary is a plain directory when its make was killed between naming and creating it. */
static int remove_path(const char *path)
{
	if (lxm_btrfs_is_subvol(path) > 0)
		return lxm_btrfs_subvol_destroy(path);
	return lxm_image_rm_rf(path);
}

/* Whether another key's base (name KEY-SHA16) is not that key's current version: its entry was
 * removed or refreshed where this store never saw it (the cache emptied, another root sharing it),
 * and nothing else would remove it. Read without that key's lock, which is safe: a create uses only
 * its key's current base, and the key's meta does not change while a create holds the lock, so a
 * base found not current is not in use and never will be again. */
static bool orphan(const struct lxm_paths *paths, const char *name)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	size_t n = strlen(name);
	if (n <= SHA16 + 1)
		return false;
	_cleanup_free_ char *key = strndup(name, n - SHA16 - 1);
	if (!key || !lxm_cache_key_is_valid(key) || !lxm_cache_base_name_matches(name, key, "", 0))
		return false; /* not a base's name (another key's temporary: maybe a live make) */
	int r = lxm_cache_read(paths, key, &m);
	if (r == -ENOENT)
		return true;
	return r >= 0 && strncmp(m.sha256, name + n - SHA16, SHA16) != 0;
}

/* Removes, while key's base named keep is made (key's lock held), key's other bases and its
 * temporaries (a killed make's: no other make of key runs), and other keys' orphaned bases. */
static void sweep(const struct lxm_paths *paths, const char *dir, const char *key, const char *keep)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		bool mine = lxm_cache_base_name_matches(de->d_name, key, "", 0);
		if (mine ? STREQ(de->d_name, keep) :
			   !lxm_cache_base_name_matches(de->d_name, key, TMP_TAIL, TMP_TAIL_LEN) &&
				   !orphan(paths, de->d_name))
			continue;
		_cleanup_free_ char *path = NULL;
		int k = lxm_path_join(&path, dir, de->d_name);
		if (k >= 0)
			k = remove_path(path);
		if (k < 0)
			log_debug_errno(k, "Failed to remove the btrfs base '%s/%s': %m", dir, de->d_name);
		else
			log_debug("Removed the btrfs base '%s'", path);
	}
}

int lxm_btrfs_base_make(const struct lxm_paths *paths, const struct lxm_cache_meta *m)
{
	_cleanup_free_ char *dir = NULL, *name = NULL, *path = NULL, *src = NULL, *tmp = NULL;
	int r;

	if ((r = bases_dir(paths, &dir)) < 0 || (r = base_name(m, &name)) < 0 ||
	    (r = lxm_path_join(&path, dir, name)) < 0 || (r = lxm_cache_base_path(paths, m, &src)) < 0)
		return r;
	if ((r = lxm_mkdir_p(dir, 0700)) < 0)
		return log_debug_errno(r, "Failed to create '%s': %m", dir);
	sweep(paths, dir, m->key, name);
	if (asprintf(&tmp, "%s" TMP_TAIL "XXXXXX", path) < 0)
		return -ENOMEM;
	/* mkdtemp() only names it: the subvolume takes the name (under the key's lock, nobody else
	 * makes this key's temporaries; a kill in between leaves a directory sweep() knows). */
	if (!mkdtemp(tmp) || rmdir(tmp) < 0)
		return log_debug_errno(negative_errno(), "Failed to name a temporary for '%s': %m", path);
	if ((r = lxm_btrfs_subvol_create(tmp)) < 0)
		return r;
	r = lxm_image_tree_clone(src, tmp);
	/* Published by a read-only snapshot of the filled temporary under the base's name, in one
	 * step: before the commit that makes a snapshot, the kernel writes the source's delayed
	 * allocations and waits for them, so a base under its own name is whole after a crash too
	 * (a rename could be committed before the data: short files), and only its own subvolume is
	 * flushed (a syncfs() would flush every container's). Read-only: every container of this
	 * entry version is made from it, and nothing may change it in between. */
	if (r >= 0)
		r = lxm_btrfs_snapshot(tmp, path, true);
	int k = remove_path(tmp);
	if (k < 0)
		log_debug_errno(k, "Failed to remove '%s', the next make of the key does: %m", tmp);
	return r;
}

int lxm_btrfs_base_snapshot(const char *base, const char *rootfs, bool *ret_empty)
{
	*ret_empty = true;
	int r = lxm_btrfs_subvol_destroy(rootfs); /* empty: the snapshot takes its name */
	if (r < 0)
		return log_debug_errno(r, "Failed to remove the empty subvolume '%s': %m", rootfs);
	r = lxm_btrfs_snapshot(base, rootfs, false);
	if (r >= 0)
		return 0;
	int k = lxm_btrfs_subvol_create(rootfs);
	if (k < 0) {
		*ret_empty = false;
		log_debug_errno(k, "Failed to create the subvolume '%s' again: %m", rootfs);
	}
	return r;
}

/* Whether dir holds a base or a temporary of key. */
static bool has_bases(const char *dir, const char *key)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (lxm_cache_base_name_matches(de->d_name, key, "", 0) ||
		    lxm_cache_base_name_matches(de->d_name, key, TMP_TAIL, TMP_TAIL_LEN))
			return true;
	return false;
}

int lxm_btrfs_base_prune(const struct lxm_paths *paths, const char *key)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_free_ char *dir = NULL, *current = NULL; /* current: the name of the entry's base */
	_cleanup_close_ int lock = -EBADF;
	int r;

	if ((r = bases_dir(paths, &dir)) < 0)
		return r;
	if (!has_bases(dir, key))
		return 0; /* nothing to remove: no lock (whose file a key not cached would leave behind) */
	if ((r = lxm_cache_lock(paths, key, &lock)) < 0)
		return log_error_errno(r, "Failed to lock template cache entry '%s': %m", key);
	if (lxm_cache_read(paths, key, &m) >= 0 && (r = base_name(&m, &current)) < 0)
		return r;
	/* none current (the key is gone): every base of the key is removed */
	sweep(paths, dir, key, current ?: "");
	return 0;
}
