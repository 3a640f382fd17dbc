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
#include "store/store.h"

/* Logs the warning for si's case (nothing when the monitor is fine). config may be NULL. */
void lxm_monitor_lost_warn(const char *name, const struct lxm_state_info *si, cfg_t *config);

/* For a command holding c's lock: warns as above; when init has exited too, cleans what the dead
 * monitor left (lxm_state_cleanup()), records last_exit "unknown" and runs the post_stop hook that
 * nobody ran (LXCMGR_EXIT=unknown, LXCMGR_PID = the dead init's). Never fails. */
void lxm_monitor_lost_settle(const struct lxm_paths *paths, const struct lxm_container *c);

/* One line for `info` ("killed: ..."), NULL when the monitor is fine. Static string. */
const char *lxm_monitor_lost_summary(const struct lxm_state_info *si);
