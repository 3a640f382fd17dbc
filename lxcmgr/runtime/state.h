/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container's runtime state as list/info/destroy see it (owned by the monitor; read by everyone). */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "core/paths.h"

enum lxm_state {
	LXM_STATE_STOPPED = 0,
	LXM_STATE_STARTING,
	LXM_STATE_RUNNING,
	LXM_STATE_STOPPING,
	LXM_STATE_FROZEN,
};
const char *lxm_state_to_string(enum lxm_state s);

struct lxm_state_info {
	enum lxm_state state;
	pid_t init_pid;           /* as the host sees it; 0 when stopped */
	pid_t monitor_pid;        /* 0 when stopped */
	uint64_t started_usec;    /* CLOCK_REALTIME when init started; 0 when stopped */
	char *last_exit;          /* "clean", "killed", "crashed", "reboot", ...; NULL if never ran */
};

/* Reads the state of container NAME (uuid optional, for cgroup-based checks after a killed
 * monitor). Never fails for a stopped container. */
int lxm_state_query(const struct lxm_paths *paths, const char *name, struct lxm_state_info *ret);
void lxm_state_info_done(struct lxm_state_info *s);

/* Ends a running container for `destroy --force` (stop, then kill after a timeout). Returns 0 when
 * the container is stopped afterwards. PLACEHOLDER until the monitor lands: 0 for a stopped
 * container, -EBUSY otherwise. */
int lxm_state_force_stop(const struct lxm_paths *paths, const char *name);
