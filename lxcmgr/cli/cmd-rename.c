/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr rename OLD NEW: a stopped container, under both locks. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli-runtime.h"
#include "cli/cli-services.h"
#include "cli/commands.h"
#include "config/config.h"
#include "config/edit.h"
#include "runtime/state.h"
#include "services/copy.h"
#include "store/storage.h"
#include "store/store.h"
#include "util/log.h"

static char *strjoin_rootfs(const char *dir)
{
	char *p = NULL;
	return asprintf(&p, "%s/rootfs", dir) < 0 ? NULL : p;
}

int lxm_cmd_rename(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	_cleanup_close_ int lock_old = -EBADF, lock_new = -EBADF;
	_cleanup_free_ char *newdir = NULL, *text = NULL, *t1 = NULL, *out = NULL;
	_cleanup_free_ char *rootfs = NULL;
	int r;

	if (argc != 3)
		return log_error_errno(-EINVAL, "Usage: lxcmgr rename OLD NEW");
	const char *old = argv[1], *new = argv[2];
	if ((r = lxm_name_validate(new)) < 0)
		return r;
	if ((r = lxm_cli_runtime_open(ctx, old, &c, &lock_old)) < 0)
		return r;
	/* Else the lock of NEW, which is OLD's, is found taken: "busy" */
	if (STREQ(old, new))
		return log_error_errno(-EEXIST, "Container '%s' already has that name", old);
	if ((r = lxm_cli_require_stopped(ctx, old, "renaming it")) < 0)
		return r;
	/* Clones name this container's rootfs path as their base. */
	if ((r = lxm_storage_check_no_dependents(&ctx->paths, old, "renaming it")) < 0)
		return r;
	if ((r = lxm_container_lock(&ctx->paths, new, &lock_new)) < 0)
		return r;
	if ((r = lxm_path_join(&newdir, ctx->paths.containers_dir, new)) < 0)
		return r;

	/* The config is rewritten first (atomically) so the directory rename is the commit point; a
	 * failed rename puts the old identity back. */
	if ((r = lxm_read_file(c->config_path, &text, NULL)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", c->config_path);
	if ((r = lxm_config_edit_text(text, "name", new, &t1)) < 0 ||
	    (r = lxm_config_edit_text(t1, "hostname", new, &out)) < 0)
		return r;
	if ((r = lxm_write_file_atomic(c->config_path, out, 0644)) < 0)
		return log_error_errno(r, "Failed to write '%s': %m", c->config_path);
	if (renameat2(AT_FDCWD, c->dir, AT_FDCWD, newdir, RENAME_NOREPLACE) < 0) {
		r = errno == EEXIST ? log_error_errno(-EEXIST, "Container '%s' already exists", new)
				    : log_error_errno(negative_errno(), "Failed to rename '%s': %m", c->dir);
		(void)lxm_write_file_atomic(c->config_path, text, 0644);
		return r;
	}
	if (!(rootfs = strjoin_rootfs(newdir)))
		return -ENOMEM;
	(void)lxm_rootfs_reidentify(rootfs, new, false);
	lxm_state_forget(&ctx->paths, old); /* would stay behind under the old name */
	if (isatty(STDOUT_FILENO))
		printf("Renamed '%s' to '%s'\n", old, new);
	return 0;
}
