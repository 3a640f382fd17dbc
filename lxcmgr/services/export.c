/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/edit.h"
#include "image/archive.h"
#include "services/export-meta.h"
#include "services/export.h"
#include "store/storage.h"
#include "util/log.h"

#define STAGE_PREFIX ".lxcmgr-export-"

/* Removes what killed exports into the directory of file left: their staging directories and the
 * temporaries of file's archive. Each live export holds a flock on both (stage_dir_next_to(),
 * lxm_archive_create()), so only a dead one's are taken; nothing but our own is touched. */
static void gc_next_to(const char *file)
{
	_cleanup_free_ char *d = strdup(file), *b = strdup(file), *prefix = NULL;

	if (!d || !b || asprintf(&prefix, "%s.tmp-", basename(b)) < 0)
		return;
	const char *dir = dirname(d);
	(void)lxm_store_gc_temps(dir, STAGE_PREFIX, S_IFDIR);
	(void)lxm_store_gc_temps(dir, prefix, S_IFREG);
}

/* A hidden directory next to file, flocked (*ret_lock) while the export works in it. */
static int stage_dir_next_to(const char *file, char **ret, int *ret_lock)
{
	_cleanup_free_ char *copy = strdup(file), *t = NULL;
	_cleanup_close_ int fd = -EBADF;

	if (!copy)
		return -ENOMEM;
	if (asprintf(&t, "%s/" STAGE_PREFIX "XXXXXX", dirname(copy)) < 0)
		return -ENOMEM;
	if (!mkdtemp(t))
		return log_error_errno(negative_errno(), "Failed to create a temporary directory for '%s': %m", file);
	fd = open(t, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* A filesystem without flock (some network ones): no lock, and no gc either (its claim of a
	 * temporary is a flock too), so an export works there as it did */
	if (fd < 0 || (flock(fd, LOCK_EX) < 0 && !LXM_FLOCK_UNSUPPORTED(errno))) {
		int r = negative_errno();
		(void)rmdir(t);
		return log_error_errno(r, "Failed to lock '%s': %m", t);
	}
	*ret = TAKE_PTR(t);
	*ret_lock = TAKE_FD(fd);
	return 0;
}

static int stage_members(const struct lxm_container *c, const char *stage, bool with_snapshots, bool progress)
{
	struct lxm_export_meta m = { .format = LXM_EXPORT_FORMAT };
	_cleanup_free_ char *cfg = NULL, *rootfs_tar = NULL, *snaps = NULL, *snaps_tar = NULL, *meta = NULL;
	_cleanup_free_ char *text = NULL, *meta_path = NULL;
	struct stat st;
	int r;

	snprintf(m.name, sizeof(m.name), "%s", c->name);
	if (asprintf(&cfg, "%s/config", stage) < 0 || asprintf(&rootfs_tar, "%s/rootfs.tar", stage) < 0 ||
	    asprintf(&snaps, "%s/snapshots", c->dir) < 0 || asprintf(&snaps_tar, "%s/snapshots.tar", stage) < 0 ||
	    asprintf(&meta_path, "%s/" LXM_EXPORT_META, stage) < 0)
		return -ENOMEM;
	if ((r = lxm_read_file(c->config_path, &text, NULL)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", c->config_path);
	if (lxm_storage_of(c) != LXM_STORAGE_DIR) {
		/* The merged tree is exported: the import is a plain dir container. */
		_cleanup_free_ char *t1 = NULL, *t2 = NULL;
		if ((r = lxm_config_edit_text(text, "storage", NULL, &t1)) < 0 ||
		    (r = lxm_config_edit_text(t1, "storage_base", NULL, &t2)) < 0)
			return r;
		free(text);
		text = TAKE_PTR(t2);
	}
	if ((r = lxm_write_file_atomic(cfg, text, 0644)) < 0)
		return r;
	if ((r = lxm_sha256_file(cfg, m.config_sha256)) < 0)
		return r;
	if ((r = lxm_archive_create(c->rootfs, rootfs_tar, progress)) < 0)
		return r;
	if ((r = lxm_sha256_file(rootfs_tar, m.rootfs_sha256)) < 0)
		return r;
	if (with_snapshots && lstat(snaps, &st) >= 0 && S_ISDIR(st.st_mode)) {
		if ((r = lxm_archive_create(snaps, snaps_tar, progress)) < 0)
			return r;
		if ((r = lxm_sha256_file(snaps_tar, m.snapshots_sha256)) < 0)
			return r;
	}
	if ((r = lxm_export_meta_format(&m, &meta)) < 0)
		return r;
	return lxm_write_file_atomic(meta_path, meta, 0644);
}

int lxm_export_write(const struct lxm_container *c, const char *file, bool with_snapshots, bool progress)
{
	_cleanup_free_ char *stage = NULL;
	_cleanup_close_ int stage_lock = -EBADF;
	int r;

	/* An overlay container is exported as its merged tree (imported as a dir container); its
	 * snapshots hold only upper directories, meaningless without the base. A btrfs container's
	 * snapshots are whole trees and are exported as such (imported as plain directories). */
	if (with_snapshots && lxm_storage_of(c) == LXM_STORAGE_OVERLAY)
		return log_error_errno(-EOPNOTSUPP, "Export of the snapshots of an overlay container is not supported");
	if ((r = lxm_storage_private_view(c)) < 0)
		return r;
	gc_next_to(file);
	if ((r = stage_dir_next_to(file, &stage, &stage_lock)) < 0)
		return r;
	r = stage_members(c, stage, with_snapshots, progress);
	if (r >= 0)
		r = lxm_archive_create(stage, file, progress);
	(void)lxm_rm_rf(stage);
	if (r < 0)
		return log_error_errno(r, "Failed to export '%s' to '%s': %m", c->name, file);
	return 0;
}
