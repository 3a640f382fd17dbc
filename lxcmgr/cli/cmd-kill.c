/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>

#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "runtime/stop.h"
#include "util/log.h"
#include "util/parse.h"

/* kill NAME: SIGKILL of everything (= stop -k). kill NAME SIGNAL: the signal to init only. */
int lxm_cmd_kill(struct lxm_context *ctx, int argc, char **argv)
{
	int sig = 0, r;
	if (argc < 2 || argc > 3)
		return log_error_errno(-EINVAL, "Usage: lxcmgr kill NAME [SIGNAL]");
	const char *name = argv[1];
	if (argc == 3 && lxm_parse_signal(argv[2], &sig) < 0)
		return log_error_errno(-EINVAL, "Invalid signal '%s'", argv[2]);
	_cleanup_close_ int lock = -EBADF;
	r = lxm_cli_runtime_open(ctx, name, NULL, &lock);
	if (r < 0)
		return r;
	if (sig == 0 || sig == SIGKILL)
		return lxm_cli_stop_locked(ctx, name, 0, false);
	r = lxm_runtime_kill(&ctx->paths, name, sig);
	if (r == -ESRCH)
		return lxm_cli_not_running(name);
	if (r < 0)
		return log_error_errno(r, "Failed to send signal to '%s': %m", name);
	return 0;
}
