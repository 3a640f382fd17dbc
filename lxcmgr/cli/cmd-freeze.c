/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr freeze NAME / unfreeze NAME: every process of the payload cgroup stopped by the kernel
 * (v2 cgroup.freeze, v1 freezer.state) and resumed. While frozen, `list` and `info` say
 * "frozen", `exec` is refused (its process would join the frozen cgroup and hang), and `stop`
 * thaws first so init can act on its halt signal.
 */
#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "resources/freeze.h"
#include "util/log.h"

static int run(struct lxm_context *ctx, int argc, char **argv, bool freeze)
{
	const char *verb = freeze ? "freeze" : "unfreeze";
	_cleanup_close_ int lock = -EBADF;
	int r;

	if (argc != 2 || argv[1][0] == '-')
		return log_error_errno(-EINVAL, "Usage: lxcmgr %s NAME", verb);
	r = lxm_cli_runtime_open(ctx, argv[1], NULL, &lock);
	if (r < 0)
		return r;
	r = lxm_container_freeze(&ctx->paths, argv[1], freeze);
	switch (r) {
	case -ESRCH:
		return lxm_cli_not_running(argv[1]);
	case -EALREADY:
		return log_error_errno(r, "Container '%s' is %s", argv[1], freeze ? "already frozen" : "not frozen");
	case -EBUSY:
		return log_error_errno(r, "Container '%s' is starting or stopping", argv[1]);
	case -EOPNOTSUPP:
		return log_error_errno(r, "Cannot %s '%s': the host has no freezer cgroup", verb, argv[1]);
	default:
		if (r < 0)
			return log_error_errno(r, "Failed to %s '%s': %m", verb, argv[1]);
		return 0;
	}
}

int lxm_cmd_freeze(struct lxm_context *ctx, int argc, char **argv)
{
	return run(ctx, argc, argv, true);
}

int lxm_cmd_unfreeze(struct lxm_context *ctx, int argc, char **argv)
{
	return run(ctx, argc, argv, false);
}
