/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's runtime state as list/info/destroy see it. The monitor owns RUN/NAME/state (written
 * atomically); everyone else reads it. RUN/NAME/control is the monitor's socket (control.h).
 * How the container last ended survives in CONTAINERS/NAME/last_exit.
 */
#pragma once

#include <stdbool.h>
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
int lxm_state_from_string(const char *s, enum lxm_state *ret);

struct lxm_state_info {
	enum lxm_state state;
	pid_t init_pid;           /* as the host sees it; 0 when stopped */
	pid_t monitor_pid;        /* 0 when stopped */
	uint64_t started_usec;    /* CLOCK_REALTIME when init started; 0 when stopped */
	char *last_exit;          /* "clean", "killed", "crashed", "reboot", ...; NULL if never ran */
	char *init_system;        /* "systemd", "busybox", ...; NULL when stopped */
	bool monitor_lost;        /* the monitor died but the payload still runs */
	bool stale;               /* run files of a dead monitor remain (cleaned by mutating commands) */
};

/* Reads the state of container NAME: the state file, then whether its monitor (pid + start time)
 * and init are alive. No fork, a few syscalls. Never fails for a stopped container. */
int lxm_state_query(const struct lxm_paths *paths, const char *name, struct lxm_state_info *ret);
void lxm_state_info_done(struct lxm_state_info *s);

/* What a caller querying many containers (list) shares between the queries. */
struct lxm_cgroup_mounts;
struct lxm_state_query_opts {
	const struct lxm_cgroup_mounts *cgroup_mounts; /* NULL: each frozen check parses /proc/self/mountinfo */
	bool no_last_exit;                             /* leave last_exit NULL (saves an open) */
};
/* lxm_state_query() with options; o NULL = lxm_state_query(). */
int lxm_state_query_full(const struct lxm_paths *paths, const char *name, const struct lxm_state_query_opts *o,
			 struct lxm_state_info *ret);

/* What the monitor writes. */
struct lxm_state_record {
	enum lxm_state state;
	pid_t init_pid;
	uint64_t init_start;    /* /proc/PID/stat starttime (clock ticks since boot) */
	pid_t monitor_pid;
	uint64_t monitor_start;
	uint64_t started_usec;
	const char *init_system;
	const char *uuid;       /* names the cgroups, so a dead monitor's can be found */
};
int lxm_state_write(const struct lxm_paths *paths, const char *name, const struct lxm_state_record *rec);

/* Reads one key of RUN/NAME/state into *ret (owned); -ENOENT when absent. */
int lxm_state_read_key(const struct lxm_paths *paths, const char *name, const char *key, char **ret);

/* One read of RUN/NAME/state: whether it says "running", init's pid and start time (0 when absent);
 * -errno (-ENOENT) without a state file. What exec needs, without three reads of the file. */
int lxm_state_read_init(const struct lxm_paths *paths, const char *name, bool *ret_running, pid_t *ret_pid,
			uint64_t *ret_start);

/* Records how the container ended ("clean", "killed", "crashed", "reboot"). */
int lxm_state_set_last_exit(const struct lxm_paths *paths, const char *name, const char *how);

/* starttime of PID from /proc/PID/stat; -ESRCH when it does not exist. */
int lxm_proc_starttime(pid_t pid, uint64_t *ret);

/* This process's signals with a handler (SigCgt) and ignored ones (SigIgn) from
 * /proc/self/status: bit N-1 is signal N. One read (~15 us here) instead of a sigaction() per
 * signal (64 of them, ~95 us on this host) to find the few that are not at their default. */
int lxm_proc_self_signals(uint64_t *ret_caught, uint64_t *ret_ignored);

/* Ends a container whose monitor is gone (or cleans a dead one's leftovers): SIGKILL of init and the
 * payload cgroup, removal of both cgroups and the run files; last_exit "killed" when something still
 * ran. Harmless when nothing is left. Never call it while the monitor lives (see stop.h).
 * *ret_killed (may be NULL) tells whether processes were killed. */
int lxm_state_cleanup(const struct lxm_paths *paths, const char *name, bool *ret_killed);

/* Ends a running container at once (destroy --force, kill): through its monitor ("stop 0") when it
 * lives, else through the cgroup; then cleans leftovers. 0 when it is stopped afterwards. */
int lxm_state_force_stop(const struct lxm_paths *paths, const char *name);

/* Drops what the runtime keeps under RUN for a stopped container NAME: the empty run directory
 * a fast kill leaves (runtime/small-kill.c) and the remembered exec plan (runtime/exec-plan.h).
 * For destroy and rename (the old name); a run directory with anything in it stays. */
void lxm_state_forget(const struct lxm_paths *paths, const char *name);

/* RUN/NAME, RUN/NAME/FILE. */
int lxm_state_run_path(const struct lxm_paths *paths, const char *name, const char *file, char **ret);
