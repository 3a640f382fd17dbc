/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli-runtime.h"
#include "cli/cli-common.h"
#include "services/monitor-lost.h"
#include "util/log.h"

int lxm_cli_runtime_open(struct lxm_context *ctx, const char *name, struct lxm_container **ret, int *ret_lock)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	int r;

	r = lxm_cli_load_global(ctx);
	if (r < 0)
		return r;
	r = lxm_name_validate(name);
	if (r < 0)
		return r;
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
	return 0;
}

int lxm_cli_not_running(const char *name)
{
	return log_error_errno(-ESRCH, "Container '%s' is not running", name);
}
