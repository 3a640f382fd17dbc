/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr copy SRC DST: a full copy of a stopped container with its own identity. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli-runtime.h"
#include "cli/cli-services.h"
#include "cli/commands.h"
#include "config/config.h"
#include "services/copy.h"
#include "store/store.h"
#include "util/log.h"

static int copy_locked(struct lxm_context *ctx, const struct lxm_container *src, const char *dst)
{
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	_cleanup_free_ char *text = NULL, *config = NULL;
	int r;

	(void)lxm_store_gc(&ctx->paths);
	if ((r = lxm_read_file(src->config_path, &text, NULL)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", src->config_path);
	if ((r = lxm_config_text_reidentify(text, dst, true, &config)) < 0)
		return r;
	if ((r = lxm_store_txn_begin(&ctx->paths, dst, &t)) < 0)
		return r;
	r = lxm_tree_copy(src->rootfs, t.tmp_rootfs);
	if (r >= 0)
		r = lxm_rootfs_reidentify(t.tmp_rootfs, dst, true);
	if (r >= 0)
		r = lxm_store_txn_commit(&t, config);
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
	int c, r;

	while ((c = getopt_long(argc, argv, "s", options, NULL)) != -1) {
		if (c != 's')
			return -EINVAL;
		return log_error_errno(-EOPNOTSUPP, "Copy-on-write clones (--snapshot) are not implemented yet");
	}
	if (argc - optind != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr copy SRC DST");
	const char *sname = argv[optind], *dname = argv[optind + 1];
	if ((r = lxm_name_validate(dname)) < 0)
		return r;
	if ((r = lxm_cli_runtime_open(ctx, sname, &src, &lock_src)) < 0)
		return r;
	if ((r = lxm_cli_require_stopped(ctx, sname, "copying it")) < 0)
		return r;
	if ((r = lxm_container_lock(&ctx->paths, dname, &lock_dst)) < 0)
		return r;
	if ((r = copy_locked(ctx, src, dname)) < 0)
		return r;
	if (isatty(STDOUT_FILENO))
		printf("Copied '%s' to '%s'\n", sname, dname);
	return 0;
}
