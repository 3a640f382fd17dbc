/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include "cli/cli-common.h"
#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "resources/freeze.h"
#include "runtime/state.h"
#include "runtime/stop.h"
#include "services/hooks.h"
#include "store/store.h"
#include "util/log.h"
#include "util/parse.h"

/* Stops NAME (lock held): prints how it ended when SIGKILL was needed. One state query serves the
 * thaw, the hooks and the stop. */
int lxm_cli_stop_locked(struct lxm_context *ctx, const char *name, unsigned timeout, bool quiet_if_stopped)
{
	_cleanup_free_ char *how = NULL;
	struct lxm_state_info si;
	uint64_t t0 = lxm_mono_usec();
	int r = lxm_state_query(&ctx->paths, name, &si);
	if (r < 0)
		return log_error_errno(r, "Failed to stop '%s': %m", name);
	/* A frozen init cannot act on its halt signal (and frozen v1 tasks cannot die): thaw first */
	if (si.state == LXM_STATE_FROZEN) {
		(void)lxm_container_thaw_if_frozen(&ctx->paths, name);
		si.state = LXM_STATE_RUNNING;
	}
	/* The monitor runs pre_stop and post_stop; without one (killed) nobody else would. */
	bool lost = si.monitor_lost;
	if (lost)
		(void)lxm_hook_run_for(&ctx->paths, name, "pre_stop", true);
	r = lxm_runtime_stop_state(&ctx->paths, name, &si, timeout, &how);
	lxm_state_info_done(&si);
	if (r == -ESRCH)
		return quiet_if_stopped ? 0 : lxm_cli_not_running(name);
	if (r < 0)
		return log_error_errno(r, "Failed to stop '%s': %m", name);
	if (how && STREQ(how, "killed") && timeout > 0) {
		/* killed before the timeout: a kill cut the stop short, or the monitor was lost */
		if (lxm_mono_usec() - t0 < (uint64_t)timeout * 1000000)
			log_warning("Container '%s' was killed before it stopped", name);
		else
			log_warning("Container '%s' did not stop within %us and was killed", name, timeout);
	}
	if (lost)
		(void)lxm_hook_run_for(&ctx->paths, name, "post_stop", false);
	return 0;
}

int lxm_cmd_stop(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "kill", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	uint64_t timeout = 30;
	bool kill_now = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "t:kq", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (lxm_parse_uint(optarg, 0, 86400, &timeout) < 0)
				return log_error_errno(-EINVAL, "Invalid timeout '%s'", optarg);
			break;
		case 'k':
			kill_now = true;
			break;
		case 'q':
			lxm_log_set_level(LXM_LOG_ERROR); /* --quiet: errors only, for scripts */
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr stop NAME [-t SECONDS] [-k]");
	const char *name = argv[optind];
	if (kill_now) /* the same as `kill NAME`, whose common case needs no config parse */
		return lxm_cli_kill_now(ctx, name);
	_cleanup_close_ int lock = -EBADF;
	if ((r = lxm_cli_load_global(ctx)) < 0)
		return r;
	r = lxm_cli_runtime_open(ctx, name, NULL, &lock);
	if (r == -EINVAL && lxm_name_validate_quiet(name) >= 0) {
		/* The config was made invalid (by hand, or by a newer lxcmgr's stricter check) while the
		 * container runs: a stop needs none of it (the monitor keeps the config the container
		 * started with), and refusing would strand a running container that `start` cannot take
		 * over either. The error above stands for a stopped one. */
		struct lxm_state_info si;
		if (lxm_state_query(&ctx->paths, name, &si) < 0)
			return r;
		bool running = si.state != LXM_STATE_STOPPED;
		lxm_state_info_done(&si);
		if (!running)
			return r;
		if ((r = lxm_container_lock(&ctx->paths, name, &lock)) < 0)
			return r;
		log_warning("Container '%s' has an invalid config (above): stopping it as it was started", name);
	}
	if (r < 0)
		return r;
	return lxm_cli_stop_locked(ctx, name, (unsigned)timeout, false);
}
