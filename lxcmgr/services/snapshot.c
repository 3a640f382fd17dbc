/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/edit.h"
#include "services/copy.h"
#include "services/snapshot.h"
#include "store/btrfs.h"
#include "store/storage.h"
#include "util/log.h"
#include "util/strv.h"

static int snap_dir(const struct lxm_container *c, const char *snap, char **ret)
{
	if (snap)
		return asprintf(ret, "%s/snapshots/%s", c->dir, snap) < 0 ? -ENOMEM : 0;
	return asprintf(ret, "%s/snapshots", c->dir) < 0 ? -ENOMEM : 0;
}

void lxm_snapshot_gc(const struct lxm_container *c)
{
	_cleanup_free_ char *dir = NULL;
	if (snap_dir(c, NULL, &dir) < 0)
		return;
	const char *dirs[] = { dir, c->dir };
	for (size_t k = 0; k < 2; k++) {
		_cleanup_closedir_ DIR *d = opendir(dirs[k]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			_cleanup_free_ char *p = NULL;
			if (strncmp(de->d_name, ".tmp-", 5) && strncmp(de->d_name, ".restore-", 9) &&
			    strncmp(de->d_name, ".delete-", 8))
				continue;
			if (asprintf(&p, "%s/%s", dirs[k], de->d_name) >= 0)
				(void)lxm_rm_rf(p);
		}
	}
}

static int copy_config(const char *from, const char *to_dir, const char *name)
{
	_cleanup_free_ char *text = NULL, *out = NULL, *to = NULL;
	int r;

	if ((r = lxm_read_file(from, &text, NULL)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", from);
	r = name ? lxm_config_edit_text(text, "name", name, &out) : 0;
	if (r < 0)
		return r;
	if (asprintf(&to, "%s/config", to_dir) < 0)
		return -ENOMEM;
	return lxm_write_file_atomic(to, out ? out : text, 0644);
}

/* mkdtemp'ed dir/PREFIXtag-XXXXXX with an empty rootfs/ inside. */
static int make_aside(const char *dir, const char *prefix, const char *tag, char **ret, char **ret_rootfs)
{
	_cleanup_free_ char *t = NULL, *rootfs = NULL;

	if (asprintf(&t, "%s/%s%s-XXXXXX", dir, prefix, tag) < 0)
		return -ENOMEM;
	if (!mkdtemp(t))
		return log_error_errno(negative_errno(), "Failed to create a temporary directory in '%s': %m", dir);
	if (asprintf(&rootfs, "%s/rootfs", t) < 0)
		return -ENOMEM;
	if (mkdir(rootfs, 0755) < 0)
		return -errno;
	*ret = TAKE_PTR(t);
	*ret_rootfs = TAKE_PTR(rootfs);
	return 0;
}

/* Fills the empty directory dst (made by make_aside) with src: a btrfs snapshot when c is a btrfs
 * container and src a subvolume (read-only for a snapshot, writable for a restore), else a copy
 * (into a new subvolume when a btrfs container's rootfs is restored from a plain snapshot, one
 * that came with an import, say). */
static int fill_rootfs(const struct lxm_container *c, const char *src, const char *dst, bool readonly)
{
	int r;
	if (lxm_storage_of(c) != LXM_STORAGE_BTRFS)
		return lxm_tree_copy(src, dst);
	if (lxm_btrfs_is_subvol(src) <= 0) {
		if (!readonly && (r = lxm_storage_btrfs_rootfs(dst)) < 0)
			return r;
		return lxm_tree_copy(src, dst);
	}
	if (rmdir(dst) < 0)
		return log_error_errno(negative_errno(), "Failed to remove '%s': %m", dst);
	if ((r = lxm_btrfs_snapshot(src, dst, readonly)) < 0)
		return log_error_errno(r, "Failed to take a btrfs snapshot of '%s': %m", src);
	return 0;
}

static int next_free_name(const char *sdir, char **ret)
{
	for (unsigned i = 0; i < 100000; i++) {
		_cleanup_free_ char *p = NULL;
		struct stat st;
		if (asprintf(&p, "%s/snap%u", sdir, i) < 0)
			return -ENOMEM;
		if (lstat(p, &st) < 0 && errno == ENOENT)
			return asprintf(ret, "snap%u", i) < 0 ? -ENOMEM : 0;
	}
	return -ENOSPC;
}

int lxm_snapshot_create(const struct lxm_container *c, const char *snap, char **ret_name)
{
	_cleanup_free_ char *sdir = NULL, *name = NULL, *final = NULL, *tmp = NULL, *tmp_rootfs = NULL;
	_cleanup_free_ char *data = NULL;
	struct stat st;
	int r;

	if ((r = snap_dir(c, NULL, &sdir)) < 0)
		return r;
	if (mkdir(sdir, 0700) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", sdir);
	if (snap) {
		if ((r = lxm_snapshot_name_validate(snap)) < 0)
			return r;
		name = strdup(snap);
	} else if ((r = next_free_name(sdir, &name)) < 0)
		return r;
	if (!name)
		return -ENOMEM;
	if (asprintf(&final, "%s/%s", sdir, name) < 0)
		return -ENOMEM;
	if (lstat(final, &st) >= 0)
		return log_error_errno(-EEXIST, "Snapshot '%s' of '%s' already exists", name, c->name);

	if ((r = lxm_storage_data_dir(c, &data)) < 0)
		return r;
	if ((r = make_aside(sdir, ".tmp-", name, &tmp, &tmp_rootfs)) < 0)
		return r;
	r = fill_rootfs(c, data, tmp_rootfs, true);
	if (r >= 0)
		r = copy_config(c->config_path, tmp, NULL);
	if (r >= 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) < 0)
		r = log_error_errno(negative_errno(), "Failed to rename '%s' to '%s': %m", tmp, final);
	if (r < 0) {
		(void)lxm_rm_rf(tmp);
		return r;
	}
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	return 0;
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lxm_snapshot_list(const struct lxm_container *c, char ***ret)
{
	_cleanup_free_ char *sdir = NULL;
	_cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
	size_t n = 0;
	int r;

	if (!names)
		return -ENOMEM;
	if ((r = snap_dir(c, NULL, &sdir)) < 0)
		return r;
	_cleanup_closedir_ DIR *d = opendir(sdir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || lxm_name_validate_quiet(de->d_name) < 0)
			continue;
		if (lxm_strv_append(&names, &n, de->d_name) < 0)
			return -ENOMEM;
	}
	qsort(names, n, sizeof(char *), strcmp_ptr);
	*ret = TAKE_PTR(names);
	return 0;
}

static int snapshot_find(const struct lxm_container *c, const char *snap, char **ret)
{
	struct stat st;
	int r;

	if ((r = lxm_snapshot_name_validate(snap)) < 0)
		return r;
	if ((r = snap_dir(c, snap, ret)) < 0)
		return r;
	if (lstat(*ret, &st) < 0 || !S_ISDIR(st.st_mode))
		return log_error_errno(-ENOENT, "Container '%s' has no snapshot '%s'", c->name, snap);
	return 0;
}

int lxm_snapshot_restore(const struct lxm_container *c, const char *snap)
{
	_cleanup_free_ char *sd = NULL, *src_rootfs = NULL, *src_config = NULL, *tmp = NULL, *tmp_rootfs = NULL;
	_cleanup_free_ char *text = NULL, *named = NULL, *data = NULL;
	int r;

	if ((r = snapshot_find(c, snap, &sd)) < 0)
		return r;
	if (asprintf(&src_rootfs, "%s/rootfs", sd) < 0 || asprintf(&src_config, "%s/config", sd) < 0)
		return -ENOMEM;
	if ((r = lxm_read_file(src_config, &text, NULL)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", src_config);
	if ((r = lxm_config_edit_text(text, "name", c->name, &named)) < 0)
		return r;
	if ((r = lxm_storage_data_dir(c, &data)) < 0)
		return r;
	if ((r = make_aside(c->dir, ".restore-", snap, &tmp, &tmp_rootfs)) < 0)
		return r;
	r = fill_rootfs(c, src_rootfs, tmp_rootfs, false);
	if (r < 0)
		goto out;
	/* One rename swaps the whole tree: a crash leaves either the old or the new rootfs in place,
	 * never a mix; the loser sits in the hidden directory that gc removes. */
	if (renameat2(AT_FDCWD, tmp_rootfs, AT_FDCWD, data, RENAME_EXCHANGE) < 0) {
		r = log_error_errno(negative_errno(), "Failed to swap '%s' and '%s': %m", tmp_rootfs, data);
		goto out;
	}
	r = lxm_write_file_atomic(c->config_path, named, 0644);
	if (r < 0)
		log_error_errno(r, "Failed to write '%s': %m", c->config_path);
out:
	(void)lxm_rm_rf(tmp);
	return r;
}

int lxm_snapshot_delete(const struct lxm_container *c, const char *snap)
{
	_cleanup_free_ char *sd = NULL, *sdir = NULL, *tmp = NULL;
	int r;

	if ((r = snapshot_find(c, snap, &sd)) < 0)
		return r;
	if ((r = snap_dir(c, NULL, &sdir)) < 0)
		return r;
	if (asprintf(&tmp, "%s/.delete-%s", sdir, snap) < 0)
		return -ENOMEM;
	(void)lxm_rm_rf(tmp);
	if (rename(sd, tmp) < 0)
		return log_error_errno(negative_errno(), "Failed to rename '%s': %m", sd);
	return lxm_rm_rf(tmp);
}
