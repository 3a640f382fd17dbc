/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restart policy in the monitor: after init ended on its own, either restart it after the
 * backoff (a timerfd: the monitor keeps serving its socket meanwhile, and a stop cancels the
 * restart) or tear down. CONTAINERS/NAME/restarts holds "COUNT REASON" for `info`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "runtime/monitor-internal.h"
#include "util/log.h"

static void record(struct lxm_monitor *m, const char *reason)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	if (asprintf(&path, "%s/%s/restarts", m->paths->containers_dir, m->name) < 0 ||
	    asprintf(&text, "%u %s\n", m->restarts.total, reason) < 0)
		return;
	(void)lxm_write_file_atomic(path, text, 0644);
}

void lxm_monitor_restart_setup(struct lxm_monitor *m)
{
	_cleanup_free_ char *path = NULL;
	lxm_restart_policy_from_config(m->c ? m->c->config : NULL, &m->restart);
	m->restarts = (struct lxm_restart_tracker){};
	/* A fresh start begins a fresh count. */
	if (asprintf(&path, "%s/%s/restarts", m->paths->containers_dir, m->name) >= 0)
		(void)unlink(path);
}

bool lxm_monitor_restart_maybe(struct lxm_monitor *m, const char *how)
{
	uint64_t delay_ms = 0;
	char reason[128];

	switch (lxm_restart_decide(&m->restart, &m->restarts, how, m->stop_requested || m->killed, lxm_mono_usec(),
				   &delay_ms)) {
	case LXM_RESTART_VERDICT_STOP:
		return false;
	case LXM_RESTART_VERDICT_GIVE_UP:
		snprintf(reason, sizeof(reason), "gave up: %s after %u restarts within %us (max %u)", how,
			 m->restarts.n, m->restart.window, m->restart.max);
		log_warning("Container %s: restart policy %s", how, reason);
		record(m, reason);
		return false;
	case LXM_RESTART_VERDICT_RESTART:
		break;
	}
	snprintf(reason, sizeof(reason), "%s, restarting in %llums", how, (unsigned long long)delay_ms);
	log_info("Init ended (%s): restart policy \"%s\", restart %u in %llu ms", how,
		 lxm_restart_policy_to_string(m->restart.kind), m->restarts.total, (unsigned long long)delay_ms);
	record(m, reason);
	(void)lxm_state_set_last_exit(m->paths, m->name, how);
	m->restart_pending = true;
	m->state = LXM_STATE_STARTING;
	(void)lxm_monitor_write_state(m);
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(delay_ms / 1000),
						.tv_nsec = (long)(delay_ms % 1000) * 1000000 } };
	if (delay_ms == 0)
		its.it_value.tv_nsec = 1;
	(void)timerfd_settime(m->restart_timer, 0, &its, NULL);
	return true;
}

void lxm_monitor_restart_fire(struct lxm_monitor *m)
{
	uint64_t exp;
	if (read(m->restart_timer, &exp, sizeof(exp)) != sizeof(exp))
		return;
	if (m->restart_cancelled) {
		m->restart_cancelled = false;
		lxm_monitor_teardown(m, "clean");
		return;
	}
	if (!m->restart_pending)
		return;
	m->restart_pending = false;
	m->payload_released = false;
	if (lxm_monitor_start_payload(m) >= 0)
		return;
	if (!lxm_monitor_restart_maybe(m, "crashed"))
		lxm_monitor_teardown(m, "crashed");
}

bool lxm_monitor_restart_cancel(struct lxm_monitor *m)
{
	/* The teardown runs from the timer, not here: it drops the clients, the requesting one
	 * included, which the caller still answers. */
	struct itimerspec its = { .it_value = { .tv_nsec = 1 } };
	if (!m->restart_pending && !m->restart_cancelled)
		return false;
	m->restart_pending = false;
	m->restart_cancelled = true;
	m->stop_requested = true;
	(void)timerfd_settime(m->restart_timer, 0, &its, NULL);
	log_info("Stop requested while waiting to restart: staying stopped");
	return true;
}
