/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restart policy decisions (restart { policy max window backoff }), pure logic for the monitor.
 * An init that ends on its own is a failure when it "crashed" (non-zero exit, a signal) or was
 * killed from outside; a clean exit (status 0, poweroff/halt inside) restarts only with "always".
 * A requested stop or kill never restarts. Restart k (1-based) inside the window waits
 * backoff * 2^(k-1) seconds (capped at 1 hour); a failure that would be restart max+1 inside
 * `window` seconds gives up.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <confuse.h>

enum lxm_restart_policy_kind {
	LXM_RESTART_NO = 0,
	LXM_RESTART_ON_FAILURE,
	LXM_RESTART_ALWAYS,
};
const char *lxm_restart_policy_to_string(enum lxm_restart_policy_kind p);
int lxm_restart_policy_from_string(const char *s, enum lxm_restart_policy_kind *ret);

#define LXM_RESTART_HISTORY 64

struct lxm_restart_policy {
	enum lxm_restart_policy_kind kind;
	unsigned max;
	unsigned window;  /* seconds */
	unsigned backoff; /* seconds, first delay */
};

/* The restart times (CLOCK_MONOTONIC usec) inside the current window. */
struct lxm_restart_tracker {
	uint64_t at[LXM_RESTART_HISTORY];
	unsigned n;
	unsigned total; /* restarts since the monitor started */
};

/* Reads the restart section of a container config (defaults when absent). */
void lxm_restart_policy_from_config(cfg_t *cfg, struct lxm_restart_policy *ret);

enum lxm_restart_verdict {
	LXM_RESTART_VERDICT_STOP = 0, /* stay stopped: policy says no */
	LXM_RESTART_VERDICT_RESTART,  /* restart after *ret_delay_ms */
	LXM_RESTART_VERDICT_GIVE_UP,  /* too many restarts in the window */
};

/* Decides what to do after init ended: how is the monitor's classification ("clean", "crashed",
 * "killed"), requested whether a stop or kill was asked for. On RESTART the restart is recorded
 * in t. */
enum lxm_restart_verdict lxm_restart_decide(const struct lxm_restart_policy *p, struct lxm_restart_tracker *t,
					    const char *how, bool requested, uint64_t now_usec, uint64_t *ret_delay_ms);
