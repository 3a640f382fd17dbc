/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcmgr __monitor NAME FD`: the hidden command `start` executes as the container's monitor. */
#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "runtime/monitor.h"
#include "util/log.h"

int lxm_cmd_monitor(struct lxm_context *ctx, int argc, char **argv)
{
	if (argc != 3)
		return log_error_errno(-EINVAL, "Usage: lxcmgr __monitor NAME FD (started by 'lxcmgr start')");
	int fd = atoi(argv[2]);
	int r = lxm_cli_runtime_open(ctx, argv[1], NULL, NULL);
	if (r < 0) {
		if (fd >= 0)
			(void)!write(fd, &r, sizeof(r));
		return r;
	}
	r = lxm_monitor_run(&ctx->paths, argv[1], fd);
	return r < 0 ? -EIO : 0;
}
