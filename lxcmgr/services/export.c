/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image/archive-dl.h"
#include "config/config.h"
#include "config/edit.h"
#include "image/archive.h"
#include "services/copy.h"
#include "services/export-meta.h"
#include "services/export.h"
#include "store/storage.h"
#include "util/log.h"

static int stage_dir_next_to(const char *file, char **ret)
{
	_cleanup_free_ char *copy = strdup(file), *t = NULL;
	if (!copy)
		return -ENOMEM;
	if (asprintf(&t, "%s/.lxcmgr-export-XXXXXX", dirname(copy)) < 0)
		return -ENOMEM;
	if (!mkdtemp(t))
		return log_error_errno(negative_errno(), "Failed to create a temporary directory for '%s': %m", file);
	*ret = TAKE_PTR(t);
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
	int r;

	/* An overlay container is exported as its merged tree (imported as a dir container); its
	 * snapshots hold only upper directories, meaningless without the base. A btrfs container's
	 * snapshots are whole trees and are exported as such (imported as plain directories). */
	if (with_snapshots && lxm_storage_of(c) == LXM_STORAGE_OVERLAY)
		return log_error_errno(-EOPNOTSUPP, "Export of the snapshots of an overlay container is not supported");
	if ((r = lxm_storage_private_view(c)) < 0)
		return r;
	if ((r = stage_dir_next_to(file, &stage)) < 0)
		return r;
	r = stage_members(c, stage, with_snapshots, progress);
	if (r >= 0)
		r = lxm_archive_create(stage, file, progress);
	(void)lxm_rm_rf(stage);
	if (r < 0)
		return log_error_errno(r, "Failed to export '%s' to '%s': %m", c->name, file);
	return 0;
}

/* Unpacks the outer archive into stage and checks it: *ret_meta filled on success. */
static int unpack_and_verify(const char *file, const char *stage, bool progress, struct lxm_export_meta *ret_meta)
{
	struct lxm_extract_opts opts = { .progress = progress };
	_cleanup_free_ char *meta_path = NULL, *text = NULL;
	int r;

	r = lxm_archive_extract(file, stage, &opts);
	if (r == -ENOSPC || r == -EDQUOT || r == -EROFS)
		return r; /* logged: the disk's failure, not the archive's */
	if (r < 0)
		return log_error_errno(-EBADMSG, "Archive '%s' is corrupt or not an lxcmgr export", file);
	if (asprintf(&meta_path, "%s/" LXM_EXPORT_META, stage) < 0)
		return -ENOMEM;
	if ((r = lxm_read_file(meta_path, &text, NULL)) < 0)
		return log_error_errno(-EBADMSG, "Archive '%s' has no '" LXM_EXPORT_META "': not an lxcmgr export", file);
	if ((r = lxm_export_meta_parse(text, ret_meta)) < 0)
		return -EBADMSG;
	return lxm_export_meta_verify(ret_meta, stage);
}

static int import_config(const char *stage, const struct lxm_export_meta *m, const char *name, char **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL, *t1 = NULL;
	int r;

	if (asprintf(&path, "%s/config", stage) < 0)
		return -ENOMEM;
	if ((r = lxm_read_file(path, &text, NULL)) < 0)
		return r;
	if (STREQ(name, m->name)) {
		*ret = TAKE_PTR(text);
		return 0;
	}
	if ((r = lxm_config_edit_text(text, "name", name, &t1)) < 0)
		return r;
	return lxm_config_edit_text(t1, "hostname", name, ret);
}

/* On a store on btrfs the imported rootfs is a subvolume (as `create` makes it there). */
static int import_storage(const struct lxm_paths *paths, struct lxm_store_txn *t, char **config)
{
	_cleanup_free_ char *out = NULL;
	int r;
	if (lxm_storage_default(paths) != LXM_STORAGE_BTRFS)
		return 0;
	if ((r = lxm_storage_btrfs_rootfs(t->tmp_rootfs)) < 0 ||
	    (r = lxm_config_edit_text(*config, "storage", "btrfs", &out)) < 0)
		return r;
	free(*config);
	*config = TAKE_PTR(out);
	return 0;
}

static int import_into(const struct lxm_paths *paths, struct lxm_store_txn *t, const char *file, const char *name,
		       bool progress)
{
	struct lxm_extract_opts opts = { .progress = progress };
	_cleanup_free_ char *stage = NULL, *member = NULL, *snaps = NULL, *config = NULL;
	struct lxm_export_meta m;
	int r;

	if (asprintf(&stage, "%s/.import", t->tmp_dir) < 0 || asprintf(&snaps, "%s/snapshots", t->tmp_dir) < 0)
		return -ENOMEM;
	if (mkdir(stage, 0700) < 0)
		return -errno;
	if ((r = unpack_and_verify(file, stage, progress, &m)) < 0)
		return r;
	if (name && !STREQ(name, m.name))
		log_debug("Importing '%s' as '%s'", m.name, name);
	if ((r = import_config(stage, &m, name ? name : m.name, &config)) < 0)
		return r;
	if ((r = import_storage(paths, t, &config)) < 0)
		return r;
	if (asprintf(&member, "%s/rootfs.tar", stage) < 0)
		return -ENOMEM;
	if ((r = lxm_archive_extract(member, t->tmp_rootfs, &opts)) < 0)
		return r;
	/* A new name is the hostname inside too, as after a rename or a copy (the config's hostname
	 * alone left /etc/hostname, which the init reads, with the exported container's name). */
	if (name && !STREQ(name, m.name) && (r = lxm_rootfs_reidentify(t->tmp_rootfs, name, false)) < 0)
		return r;
	if (m.snapshots_sha256[0]) {
		free(member);
		if (asprintf(&member, "%s/snapshots.tar", stage) < 0)
			return -ENOMEM;
		if (mkdir(snaps, 0700) < 0)
			return -errno;
		if ((r = lxm_archive_extract(member, snaps, &opts)) < 0)
			return r;
	}
	if ((r = lxm_rm_rf(stage)) < 0)
		return r;
	return lxm_store_txn_commit(t, config);
}

/* Reads only the metadata member (cheap: no rootfs is unpacked). The result is trusted for nothing
 * but the default name: import_into() verifies everything again. */
static int read_meta_name(const char *file, char **ret)
{
	if (lxm_archive_load() < 0)
		return -ELIBACC;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct lxm_export_meta m;
	char buf[4096];
	int r = -EBADMSG;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		r = log_error_errno(-EBADMSG, "Failed to open '%s': %s", file, archive_error_string(a));
		goto out;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);
		if (strncmp(n, "./", 2) == 0)
			n += 2;
		if (!STREQ(n, LXM_EXPORT_META))
			continue;
		la_ssize_t len = archive_read_data(a, buf, sizeof(buf) - 1);
		if (len < 0)
			break;
		buf[len] = '\0';
		if (lxm_export_meta_parse(buf, &m) >= 0)
			r = (*ret = strdup(m.name)) ? 0 : -ENOMEM;
		break;
	}
	if (r == -EBADMSG)
		log_error("Archive '%s' has no valid '" LXM_EXPORT_META "': not an lxcmgr export", file);
out:
	archive_read_free(a);
	return r;
}

int lxm_import_read(const struct lxm_paths *paths, const char *file, const char *name, bool progress, char **ret_name)
{
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *final = NULL;
	int r;

	(void)lxm_store_gc(paths);
	if (!name) {
		if ((r = read_meta_name(file, &final)) < 0)
			return r;
		name = final;
	}
	if ((r = lxm_name_validate(name)) < 0)
		return r;
	if ((r = lxm_container_lock(paths, name, &lock)) < 0)
		return r;
	if ((r = lxm_store_txn_begin(paths, name, &t)) < 0)
		return r;
	r = import_into(paths, &t, file, name, progress);
	if (r < 0) {
		lxm_store_txn_abort(&t);
		return log_error_errno(r, "Failed to import '%s': %m", file);
	}
	if (ret_name && !(*ret_name = strdup(name)))
		return -ENOMEM;
	return 0;
}
