/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "runtime/console-client.h"
#include "runtime/monitor-adopt.h"
#include "runtime/monitor-spawn.h"
#include "runtime/monitor.h"
#include "runtime/state.h"
#include "util/log.h"

/* config: the caller's parse of the config (monitor.h), or NULL. */
static int start_locked(struct lxm_context *ctx, const char *name, struct lxm_monitor_config *config)
{
	struct lxm_state_info s;
	int r = lxm_state_query(&ctx->paths, name, &s);
	if (r < 0)
		return log_error_errno(r, "Failed to read the state of '%s': %m", name);
	enum lxm_state st = s.state;
	bool stale = s.stale, lost = s.monitor_lost;
	lxm_state_info_done(&s);
	if (lost) {
		/* init runs on without supervision: a new monitor takes it over, so stop, hooks and
		 * the restart policy work again (the console died with the old monitor). */
		r = lxm_monitor_spawn_adopt(&ctx->paths, name);
		if (r < 0)
			return r;
		log_warning("Re-attached a monitor to '%s'; its console was lost with the old one", name);
		return 0;
	}
	if (st != LXM_STATE_STOPPED)
		return log_error_errno(-EALREADY, "Container '%s' is already running", name);
	if (stale)
		(void)lxm_state_cleanup(&ctx->paths, name, NULL); /* leftovers of a killed monitor */
	/* The monitor runs the hooks (runtime/monitor-hooks.c); a failing pre_start fails the spawn
	 * with the hook's output and the reason on our stderr. */
	return lxm_monitor_spawn_config(&ctx->paths, name, config);
}

/* Starts NAME with its lock held. -EALREADY when it runs (or starts or stops) already. */
int lxm_cli_start_locked(struct lxm_context *ctx, const char *name)
{
	return start_locked(ctx, name, NULL);
}

int lxm_cmd_start(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "console", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	bool console = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "cq", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			console = true;
			break;
		case 'q':
			lxm_log_set_level(LXM_LOG_ERROR); /* --quiet: errors only, for scripts */
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr start NAME [--console]");
	const char *name = argv[optind];

	_cleanup_close_ int lock = -EBADF;
	_cleanup_container_free_ struct lxm_container *ct = NULL;
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	r = lxm_cli_runtime_open_text(ctx, name, &ct, &text, &size, &lock);
	if (r < 0)
		return r;
	/* The monitor, a fork of this process, takes this parse over (monitor.c, load_container) */
	struct lxm_monitor_config config = { .text = TAKE_PTR(text), .size = size, .c = TAKE_PTR(ct) };
	r = start_locked(ctx, name, config.text ? &config : NULL);
	/* Once a monitor was forked our parse is left to the exit, as the rest (main.c, context.h) */
	if (r < 0 || LXM_CLI_FREE_AT_END) {
		lxm_container_free(config.c);
		free(config.text);
	}
	if (r < 0)
		return r == -EALREADY ? r : -EIO; /* the cause is printed; exit code 1 */
	closep(&lock);
	if (console)
		return lxm_console_client(&ctx->paths, name, 0, 'a');
	return 0;
}
