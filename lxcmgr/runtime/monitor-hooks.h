/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's hooks (services/hooks.h) run by the monitor, which owns the lifecycle. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct lxm_monitor;

/* Runs hook `which` of the monitor's container with init_pid (0: none yet) and, for post_stop, how
 * init ended. Output goes to the monitor's stderr while the starting CLI still reads it, else to
 * monitor.log. 0 when unset or it succeeded; -ECANCELED (logged) when it failed. */
int lxm_monitor_hook(struct lxm_monitor *m, const char *which, pid_t init_pid, const char *how);
/* Whether hook `which` is configured. */
bool lxm_monitor_hook_exists(const struct lxm_monitor *m, const char *which);
