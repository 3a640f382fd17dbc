/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Container hooks: hook { pre_start post_start pre_stop post_stop } are host programs run with a
 * clean environment: LXCMGR_HOOK (the hook's name), LXCMGR_NAME, LXCMGR_STATE_DIR (RUN/NAME),
 * LXCMGR_ROOTFS, LXCMGR_PID (init's host pid; empty when not running), PATH. stdin is /dev/null,
 * stdout/stderr are the caller's. Run by the commands that start and stop (start, restart, stop,
 * kill, autostart): an exit of init on its own does not run post_stop.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "core/paths.h"
#include "store/store.h"

/* Runs hook `which` ("pre_start", ...) of c when configured. 0 when unset or it exited 0;
 * -ECANCELED (logged with the exit status) when it failed. */
int lxm_hook_run(const struct lxm_paths *paths, const struct lxm_container *c, const char *which, pid_t init_pid);

/* Same for container name: loads its config and its init pid. With only_running, does nothing
 * when the container is not running. Failures of the lookup are logged at debug level and
 * ignored (0): a container that can't be loaded has no hook to run. */
int lxm_hook_run_for(const struct lxm_paths *paths, const char *name, const char *which, bool only_running);
