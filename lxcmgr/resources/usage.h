/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a running container uses, for `info` and `stats`: the payload cgroup's figures (memory
 * current/peak, swap, CPU user/system, pids), network rx/tx summed over its interfaces (as the
 * container sees them: rx = received by the container), uptime, and on request the disk used by
 * the rootfs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "core/paths.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/json.h"

struct lxm_usage {
	bool running;
	struct lxm_cgroup_usage cg; /* fields LXM_CGROUP_USAGE_UNKNOWN when unreadable */
	bool have_net;
	uint64_t rx_bytes, tx_bytes;
	uint64_t uptime_sec;
	bool have_disk;
	uint64_t disk_bytes;
};

/* Fills *ret for container c in state si (stopped: only running = false). Never fails for a
 * container that stopped meanwhile; -ENOMEM only. */
int lxm_usage_collect(const struct lxm_paths *paths, const struct lxm_container *c,
		      const struct lxm_state_info *si, struct lxm_usage *ret);

/* Bytes used by the tree at rootfs on its own filesystem (a walk: seconds for a big tree). */
int lxm_usage_disk(const char *rootfs, uint64_t *ret);

/* The "usage" lines of `info` (nothing when not running). */
void lxm_usage_print_text(const struct lxm_usage *u);
/* The value of the "usage" key of `info --format json`: an object, or null when not running. */
void lxm_usage_json(struct lxm_json *j, const struct lxm_usage *u);
