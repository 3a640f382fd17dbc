/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/archive.h"
#include "image/cache-base.h"
#include "image/rmtree.h"
#include "util/log.h"
#include "util/strv.h"

#define SHA16 16

static int bases_dir(const struct lxm_paths *paths, char **ret)
{
	return lxm_path_join(ret, paths->cache_dir, "overlay-bases");
}

static bool is_hex16(const char *s)
{
	for (size_t i = 0; i < SHA16; i++)
		if (!s[i] || !strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

bool lxm_cache_base_name_matches(const char *name, const char *key, const char *tail, size_t tail_len)
{
	size_t n = strlen(key);

	return strncmp(name, key, n) == 0 && name[n] == '-' && is_hex16(name + n + 1) &&
	       strncmp(name + n + 1 + SHA16, tail, strlen(tail)) == 0 && strlen(name) == n + 1 + SHA16 + tail_len;
}

static void fsync_dir(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

int lxm_cache_base_unpack(const struct lxm_paths *paths, const struct lxm_cache_meta *m, bool progress)
{
	/* The sha256 is checked while unpacking (one read of the tarball), before the rename. */
	struct lxm_extract_opts opts = { .progress = progress, .expect_sha256 = m->sha256 };
	_cleanup_free_ char *bdir = NULL, *dir = NULL, *tarball = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	if ((r = lxm_cache_verify_size(paths, m)) < 0)
		return r;
	if ((r = lxm_cache_tarball(paths, m->key, &tarball)) < 0 || (r = bases_dir(paths, &bdir)) < 0 ||
	    (r = lxm_cache_base_path(paths, m, &dir)) < 0)
		return r;
	if ((r = lxm_mkdir_p(bdir, 0755)) < 0)
		return log_debug_errno(r, "Failed to create '%s': %m", bdir);
	if (asprintf(&tmp, "%s.tmp-XXXXXX", dir) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp))
		return log_debug_errno(negative_errno(), "Failed to create '%s': %m", tmp);
	(void)chmod(tmp, 0755);
	r = lxm_archive_extract(tarball, tmp, &opts);
	/* Every later create trusts a base under its own name as whole and never checks it again: its
	 * data must be on disk before the rename is (delayed allocation would otherwise let a crash
	 * leave the renamed tree with empty files). One syncfs, once per entry version. */
	if (r >= 0 && (fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = negative_errno();
	if (r >= 0 && syncfs(fd) < 0)
		r = log_debug_errno(negative_errno(), "Failed to sync '%s': %m", tmp);
	if (r >= 0 && rename(tmp, dir) < 0)
		r = log_debug_errno(negative_errno(), "Failed to rename '%s': %m", tmp);
	if (r < 0) {
		(void)lxm_image_rm_rf(tmp);
		return r;
	}
	fsync_dir(bdir); /* not needed for correctness: a lost rename only means unpacking again */
	return 0;
}

/* Calls fn for each entry of the bases directory whose name is KEY-SHA16 + tail. */
static int for_each(const struct lxm_paths *paths, const char *key, const char *tail, size_t tail_len,
		    int (*fn)(const char *path, void *data), void *data)
{
	_cleanup_free_ char *bdir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if ((r = bases_dir(paths, &bdir)) < 0)
		return r;
	if (!(d = opendir(bdir)))
		return errno == ENOENT ? 0 : negative_errno();
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		if (!lxm_cache_base_name_matches(de->d_name, key, tail, tail_len))
			continue;
		if ((r = lxm_path_join(&path, bdir, de->d_name)) < 0 || (r = fn(path, data)) < 0)
			return r;
	}
	return 0;
}

static int remove_stale(const char *path, void *data)
{
	(void)data;
	log_debug("Removing stale '%s'", path);
	(void)lxm_image_rm_rf(path);
	return 0;
}

void lxm_cache_base_clean_stale(const struct lxm_paths *paths, const char *key)
{
	(void)for_each(paths, key, ".tmp-", strlen(".tmp-XXXXXX"), remove_stale, NULL);
}

static int add(const char *path, void *data)
{
	return lxm_strv_append(data, NULL, path);
}

int lxm_cache_base_list(const struct lxm_paths *paths, const char *key, char ***ret)
{
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	int r;

	if (!l)
		return -ENOMEM;
	if ((r = for_each(paths, key, "", 0, add, &l)) < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}

int lxm_cache_base_remove(const char *path)
{
	_cleanup_free_ char *tmp = NULL;

	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp))
		return negative_errno();
	/* Renamed over the empty temporary in one step: the base's name is gone at once, never
	 * naming a half-removed tree (a kill here leaves KEY-SHA16.tmp-*, cleaned up later). */
	if (rename(path, tmp) < 0) {
		int r = negative_errno();
		(void)rmdir(tmp);
		return r;
	}
	return lxm_image_rm_rf(tmp);
}
