/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <sys/stat.h>

#include "cgroup/detect.h"
#include "cgroup/mounts-cache.h"
#include "cli/cli-common.h"
#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "runtime/state.h"
#include "runtime/stop.h"
#include "services/monitor-lost.h"
#include "util/log.h"
#include "util/parse.h"

/* kill NAME (and stop -k NAME) of a running container whose monitor lives, the common case: one
 * state query and no config parse (the monitor does the whole kill). The container's directory is checked as
 * lxm_container_load() does, so an unknown name is "not found" and makes no lock file. Returns 1
 * when the state is anything else (stopped, frozen, a lost or stale monitor): the caller takes the
 * full path, which reports and settles it as before (a frozen payload is thawed first: the full
 * monitor's kill waits for init, which a frozen init never satisfies; test kill-frozen.sh). */
static int kill_running(struct lxm_context *ctx, const char *name, int *ret_lock)
{
	_cleanup_free_ char *dir = NULL, *cache = NULL;
	struct lxm_cgroup_mounts ms = {};
	struct lxm_state_info si;
	struct stat st;
	int r;

	if ((r = lxm_cli_load_global(ctx)) < 0 || (r = lxm_name_validate(name)) < 0 ||
	    (r = lxm_path_join(&dir, ctx->paths.containers_dir, name)) < 0)
		return r;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return log_error_errno(-ENOENT, "Container '%s' not found", name);
	r = lxm_container_trylock(&ctx->paths, name, ret_lock);
	bool busy = r == -EBUSY;
	if (r < 0 && !busy)
		return r;
	/* The frozen check's cgroup mounts as exec finds them (RUN/.cgroup-mounts, used only while
	 * the mount table is unchanged: cgroup/mounts-cache.c), not a parse of mountinfo (~0.1 ms) */
	if (asprintf(&cache, "%s/.cgroup-mounts", ctx->paths.run_dir) < 0)
		return -ENOMEM;
	struct lxm_state_query_opts opts = { .no_last_exit = true };
	if (lxm_cgroup_mounts_load_cached(cache, &ms) >= 0)
		opts.cgroup_mounts = &ms;
	r = lxm_state_query_full(&ctx->paths, name, &opts, &si);
	lxm_cgroup_mounts_done(&ms);
	/* Busy: another command holds the lock. A kill still goes through to a live monitor of a
	 * running or stopping container, without the lock: the monitor serialises its requests, and a
	 * forced stop must be able to cut short a clean one that waits (`stop` of an init that ignores
	 * its halt signal), as `lxc-stop -k` and `incus stop --force` do. Anything else (starting, a
	 * lost monitor, which the CLI would settle itself) needs the lock. */
	bool live = r >= 0 && !si.monitor_lost && !si.stale;
	if (busy && !(live && (si.state == LXM_STATE_RUNNING || si.state == LXM_STATE_STOPPING))) {
		if (r >= 0)
			lxm_state_info_done(&si);
		return lxm_container_busy(name);
	}
	if (r < 0)
		return 1;
	if (!live || (si.state != LXM_STATE_RUNNING && !busy)) {
		lxm_state_info_done(&si);
		return 1;
	}
	r = lxm_runtime_stop_state(&ctx->paths, name, &si, 0, NULL);
	lxm_state_info_done(&si);
	if (r == -ESRCH)
		return lxm_cli_not_running(name);
	if (r < 0)
		return log_error_errno(r, "Failed to stop '%s': %m", name);
	return 0;
}

int lxm_cli_kill_now(struct lxm_context *ctx, const char *name)
{
	_cleanup_close_ int lock = -EBADF;
	int r = kill_running(ctx, name, &lock);
	if (r <= 0)
		return r;
	/* the lock is held: the full path settles a lost monitor and reports the state */
	_cleanup_container_free_ struct lxm_container *c = NULL;
	r = lxm_container_load(&ctx->paths, name, &c);
	if (r < 0)
		return r;
	lxm_monitor_lost_settle(&ctx->paths, c);
	return lxm_cli_stop_locked(ctx, name, 0, false);
}

/* kill NAME: SIGKILL of everything (= stop -k). kill NAME SIGNAL: the signal to init only. */
int lxm_cmd_kill(struct lxm_context *ctx, int argc, char **argv)
{
	int sig = 0, r;
	if (argc < 2 || argc > 3)
		return log_error_errno(-EINVAL, "Usage: lxcmgr kill NAME [SIGNAL]");
	const char *name = argv[1];
	if (argc == 3 && lxm_parse_signal(argv[2], &sig) < 0)
		return log_error_errno(-EINVAL, "Invalid signal '%s'", argv[2]);
	if (sig == 0 || sig == SIGKILL)
		return lxm_cli_kill_now(ctx, name);
	_cleanup_close_ int lock = -EBADF;
	r = lxm_cli_runtime_open(ctx, name, NULL, &lock);
	if (r < 0)
		return r;
	r = lxm_runtime_kill(&ctx->paths, name, sig);
	if (r == -ESRCH)
		return lxm_cli_not_running(name);
	if (r < 0)
		return log_error_errno(r, "Failed to send signal to '%s': %m", name);
	return 0;
}
