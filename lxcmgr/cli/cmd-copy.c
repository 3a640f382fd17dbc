/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr copy SRC DST [--snapshot]: a full copy of a stopped container with its own identity, or a
 * copy-on-write clone: a writable btrfs snapshot of a btrfs SRC (independent of SRC), else overlayfs
 * over SRC's rootfs (SRC then can't be destroyed or renamed). */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli-runtime.h"
#include "cli/cli-services.h"
#include "cli/commands.h"
#include "config/config.h"
#include "config/edit.h"
#include "services/copy.h"
#include "store/storage.h"
#include "store/store.h"
#include "util/log.h"

/* A clone: DST's config says storage "overlay" over SRC's rootfs. *ret owned. */
static int clone_config(const char *text, const struct lxm_container *src, char **ret)
{
	_cleanup_free_ char *t1 = NULL;
	int r;

	/* Cloning a clone would stack bases; clone from a dir container (or copy the clone first). */
	if (lxm_storage_of(src) != LXM_STORAGE_DIR)
		return log_error_errno(-EOPNOTSUPP, "Container '%s' uses storage \"%s\": only a dir container can be a clone base",
				       src->name, lxm_storage_type_to_string(lxm_storage_of(src)));
	if ((r = lxm_config_edit_text(text, "storage", "overlay", &t1)) < 0)
		return r;
	return lxm_config_edit_text(t1, "storage_base", src->rootfs, ret);
}

/* Empties the machine-id and writes the hostname through the merged view of the new clone (a
 * private mount namespace: nothing stays mounted). */
static int clone_reidentify(const char *tmp_dir, const char *tmp_rootfs, const char *config, const char *dst)
{
	struct lxm_container tc = { .name = (char *)dst, .dir = (char *)tmp_dir, .rootfs = (char *)tmp_rootfs };
	int r;

	if ((r = lxm_overlay_prepare(tmp_dir)) < 0)
		return r;
	if ((r = lxm_config_parse_string(config, "config", &tc.config)) < 0)
		return r;
	r = lxm_storage_private_view(&tc);
	if (r >= 0)
		r = lxm_rootfs_reidentify(tmp_rootfs, dst, true);
	lxm_storage_deactivate(&tc);
	cfg_free(tc.config);
	return r;
}

/* A btrfs SRC: DST's rootfs is a subvolume too, either a writable snapshot (clone) or a new one
 * filled by a reflink copy; DST keeps storage "btrfs". */
static int copy_btrfs(const struct lxm_container *src, struct lxm_store_txn *t, const char *dst, bool clone)
{
	int r = clone ? lxm_storage_btrfs_clone(src->rootfs, t->tmp_rootfs) : lxm_storage_btrfs_rootfs(t->tmp_rootfs);
	if (r >= 0 && !clone)
		r = lxm_tree_copy(src->rootfs, t->tmp_rootfs);
	if (r >= 0)
		r = lxm_rootfs_reidentify(t->tmp_rootfs, dst, true);
	return r;
}

static int copy_locked(struct lxm_context *ctx, const struct lxm_container *src, const char *dst, bool clone)
{
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	_cleanup_free_ char *text = NULL, *config = NULL, *cloned = NULL;
	int r;

	(void)lxm_store_gc(&ctx->paths);
	if ((r = lxm_read_file(src->config_path, &text, NULL)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", src->config_path);
	if ((r = lxm_config_text_reidentify(text, dst, true, &config)) < 0)
		return r;
	bool btrfs = lxm_storage_of(src) == LXM_STORAGE_BTRFS;
	if (clone && !btrfs && (r = clone_config(config, src, &cloned)) < 0)
		return r;
	/* A full copy of an overlay container reads its merged tree. */
	if (!clone && (r = lxm_storage_private_view(src)) < 0)
		return r;
	if ((r = lxm_store_txn_begin(&ctx->paths, dst, &t)) < 0)
		return r;
	if (btrfs)
		r = copy_btrfs(src, &t, dst, clone);
	else if (clone)
		r = clone_reidentify(t.tmp_dir, t.tmp_rootfs, cloned, dst);
	else {
		r = lxm_tree_copy(src->rootfs, t.tmp_rootfs);
		if (r >= 0 && lxm_storage_of(src) != LXM_STORAGE_DIR) {
			/* The copy is a plain directory tree. */
			_cleanup_free_ char *t1 = NULL;
			r = lxm_config_edit_text(config, "storage", NULL, &t1);
			if (r >= 0)
				r = lxm_config_edit_text(t1, "storage_base", NULL, &cloned);
		}
		if (r >= 0)
			r = lxm_rootfs_reidentify(t.tmp_rootfs, dst, true);
	}
	if (r >= 0)
		r = lxm_store_txn_commit(&t, cloned ? cloned : config);
	if (r < 0) {
		lxm_store_txn_abort(&t);
		return log_error_errno(r, "Failed to copy '%s' to '%s': %m", src->name, dst);
	}
	return 0;
}

int lxm_cmd_copy(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "snapshot", no_argument, NULL, 's' },
		{},
	};
	_cleanup_container_free_ struct lxm_container *src = NULL;
	_cleanup_close_ int lock_src = -EBADF, lock_dst = -EBADF;
	bool clone = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "s", options, NULL)) != -1) {
		if (c != 's')
			return -EINVAL;
		clone = true;
	}
	if (argc - optind != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr copy SRC DST [--snapshot]");
	const char *sname = argv[optind], *dname = argv[optind + 1];
	if ((r = lxm_name_validate(dname)) < 0)
		return r;
	if ((r = lxm_cli_runtime_open(ctx, sname, &src, &lock_src)) < 0)
		return r;
	/* Else the lock of DST, which is SRC's, is found taken: "busy" */
	if (STREQ(sname, dname))
		return log_error_errno(-EEXIST, "Container '%s' already exists: a copy needs a new name", dname);
	/* A btrfs snapshot is atomic: a running btrfs container can be cloned (crash-consistent). */
	bool atomic = clone && lxm_storage_of(src) == LXM_STORAGE_BTRFS;
	if (!atomic && (r = lxm_cli_require_stopped(ctx, sname, "copying it")) < 0)
		return r;
	if ((r = lxm_container_lock(&ctx->paths, dname, &lock_dst)) < 0)
		return r;
	if ((r = copy_locked(ctx, src, dname, clone)) < 0)
		return r;
	if (isatty(STDOUT_FILENO))
		printf("Copied '%s' to '%s'\n", sname, dname);
	return 0;
}
