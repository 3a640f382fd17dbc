/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A monitor that takes over a running init whose monitor was killed (`lxcmgr start` on such a
 * container). The spawning CLI sets LXCMGR_MONITOR_ADOPT=1 in the monitor's environment.
 */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

struct lxm_monitor;

/* True (once: the variable is removed) when this monitor was spawned to adopt. */
bool lxm_monitor_adopt_wanted(void);

/* Takes over init from RUN/NAME/state: checks its pid against its start time, watches it through a
 * pidfd (its exit status is not ours to read: it counts as "crashed" unless a stop was asked for, so
 * the restart policy applies again), serves the control socket. The console ptys died with the old
 * monitor: `console` answers "No such process". -ESRCH (logged) when init is gone. */
int lxm_monitor_adopt_payload(struct lxm_monitor *m);

/* For the CLI: spawns a monitor that adopts container name's running init. */
int lxm_monitor_spawn_adopt(const struct lxm_paths *paths, const char *name);
