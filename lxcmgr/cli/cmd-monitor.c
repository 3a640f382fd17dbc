/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcmgr __monitor NAME FD`: the hidden command `start` executes as the container's monitor. */
#include "cli/cli-common.h"
#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "runtime/monitor.h"
#include "util/log.h"

/* `lxcmgr __monitor NAME --resume FD [fallback]`: the small monitor (lxcmgr-monitor) execs this in
 * the monitor's own process to hand the container back (MONITOR.md). The same command name, so the
 * process reads "__monitor NAME" whichever program runs it. */
static int monitor_resume(struct lxm_context *ctx, int argc, char **argv)
{
	if (argc == 5 && !STREQ(argv[4], "fallback"))
		return -EINVAL;
	/* Not lxm_cli_runtime_open(): the monitor loads the container itself, once (every hand-back
	 * is on the path of `stop` and `kill`) */
	int r = lxm_cli_load_global(ctx);
	if (r >= 0)
		r = lxm_name_validate(argv[1]);
	if (r < 0)
		return r; /* init runs on without a monitor: reported as lost, re-adopted by `start` */
	r = lxm_monitor_resume(&ctx->paths, argv[1], atoi(argv[3]), argc == 5);
	return r < 0 ? -EIO : 0;
}

int lxm_cmd_monitor(struct lxm_context *ctx, int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && STREQ(argv[2], "--resume"))
		return monitor_resume(ctx, argc, argv);
	if (argc != 3)
		return log_error_errno(-EINVAL, "Usage: lxcmgr __monitor NAME FD (started by 'lxcmgr start')");
	int fd = atoi(argv[2]);
	int r = lxm_cli_runtime_open(ctx, argv[1], NULL, NULL);
	if (r < 0) {
		if (fd >= 0)
			(void)!write(fd, &r, sizeof(r));
		return r;
	}
	r = lxm_monitor_run(&ctx->paths, argv[1], fd, NULL);
	return r < 0 ? -EIO : 0;
}

