/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the commands say about a container whose monitor was killed (nothing else would: there is
 * no daemon). Two cases, from lxm_state_query(): init still runs (monitor_lost: no supervision, no
 * restart policy, no console until `start` re-attaches a monitor) or init has exited since (stale:
 * how it ended is unknown and the restart policy could not act; `start` starts it again).
 */
#pragma once

#include <confuse.h>

#include "runtime/state.h"

/* Logs the warning for si's case (nothing when the monitor is fine). config may be NULL. */
void lxm_monitor_lost_warn(const char *name, const struct lxm_state_info *si, cfg_t *config);

/* Same, querying the state itself; never fails. */
void lxm_monitor_lost_check(const struct lxm_paths *paths, const char *name, cfg_t *config);

/* One line for `info` ("killed: ..."), NULL when the monitor is fine. Static string. */
const char *lxm_monitor_lost_summary(const struct lxm_state_info *si);
