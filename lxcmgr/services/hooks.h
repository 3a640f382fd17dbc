/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container hooks: hook { pre_start post_start pre_stop post_stop } are host programs run with a
 * clean environment: LXCMGR_HOOK (the hook's name), LXCMGR_NAME, LXCMGR_STATE_DIR (RUN/NAME),
 * LXCMGR_ROOTFS, LXCMGR_PID (init's host pid; empty before init runs), PATH, and for post_stop
 * LXCMGR_EXIT (how init ended: clean, crashed, killed, reboot). stdin is /dev/null.
 * Run by the monitor, which owns the lifecycle (runtime/monitor-hooks.c): pre_start before every
 * start of init (first start, reboot, restart policy; a failure aborts that start), post_start once
 * init runs, pre_stop when a stop is requested, post_stop every time init has ended, whatever
 * ended it (stop, kill, poweroff or crash inside). Commands run pre_stop/post_stop themselves only
 * for a container whose monitor is gone.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "core/paths.h"
#include "store/store.h"

struct lxm_hook_opts {
	pid_t init_pid;       /* 0: LXCMGR_PID is empty */
	const char *exit_how; /* LXCMGR_EXIT when not NULL */
	int out_fd;           /* the hook's stdout and stderr; < 0: stdout and stderr inherited */
};

/* Runs hook `which` of c with opts. The child gets an empty signal mask and default dispositions
 * (the monitor blocks and ignores some). Same results as lxm_hook_run(). */
int lxm_hook_run_opts(const struct lxm_paths *paths, const struct lxm_container *c, const char *which,
		      const struct lxm_hook_opts *o);

/* Runs hook `which` ("pre_start", ...) of c when configured. 0 when unset or it exited 0;
 * -ECANCELED (logged with the exit status) when it failed. */
int lxm_hook_run(const struct lxm_paths *paths, const struct lxm_container *c, const char *which, pid_t init_pid);

/* Same for container name: loads its config and its init pid. With only_running, does nothing
 * when the container is not running. Failures of the lookup are logged at debug level and
 * ignored (0): a container that can't be loaded has no hook to run. */
int lxm_hook_run_for(const struct lxm_paths *paths, const char *name, const char *which, bool only_running);
