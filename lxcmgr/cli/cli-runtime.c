/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli-runtime.h"
#include "cli/cli-common.h"
#include "config/config.h"
#include "services/monitor-lost.h"
#include "util/log.h"

int lxm_cli_runtime_open_text(struct lxm_context *ctx, const char *name, struct lxm_container **ret,
			      char **ret_text, size_t *ret_size, int *ret_lock)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	_cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL;
	size_t size = 0;
	int r;

	r = lxm_cli_load_global(ctx);
	if (r < 0)
		return r;
	r = lxm_name_validate(name);
	if (r < 0)
		return r;
	/* The text too, when asked: read once and parsed from memory (an unreadable file is left to
	 * lxm_container_load(), which says why) */
	if (ret_text && lxm_path_join(&dir, ctx->paths.containers_dir, name) >= 0 &&
	    lxm_path_join(&path, dir, "config") >= 0 && lxm_read_file(path, &text, &size) >= 0)
		r = lxm_container_load_text(&ctx->paths, name, text, &c);
	else
		r = lxm_container_load(&ctx->paths, name, &c);
	if (r < 0)
		return r;
	if (ret_lock) {
		r = lxm_container_lock(&ctx->paths, name, ret_lock);
		if (r < 0)
			return r;
		lxm_monitor_lost_settle(&ctx->paths, c); /* a command that acts says so, and cleans up */
	}
	if (ret)
		*ret = TAKE_PTR(c);
	if (ret_text) {
		*ret_text = TAKE_PTR(text);
		*ret_size = size;
	}
	return 0;
}

int lxm_cli_runtime_open(struct lxm_context *ctx, const char *name, struct lxm_container **ret, int *ret_lock)
{
	return lxm_cli_runtime_open_text(ctx, name, ret, NULL, NULL, ret_lock);
}

int lxm_cli_not_running(const char *name)
{
	return log_error_errno(-ESRCH, "Container '%s' is not running", name);
}
