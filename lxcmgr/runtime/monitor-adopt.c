/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Re-attaching a monitor. Why adopt rather than restart: a killed monitor must not cost the
 * service a reboot, only its supervision; the new monitor gets that back (stop, kill, hooks, the
 * restart policy) for the price of the console, whose pty masters were closed with the old one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "runtime/monitor-adopt.h"
#include "runtime/monitor-internal.h"
#include "runtime/monitor-spawn.h"
#include "util/log.h"

#define ADOPT_ENV "LXCMGR_MONITOR_ADOPT"

bool lxm_monitor_adopt_wanted(void)
{
	const char *v = getenv(ADOPT_ENV);
	bool want = v && STREQ(v, "1");
	unsetenv(ADOPT_ENV); /* hooks and init never see it */
	return want;
}

static uint64_t state_u64(const struct lxm_monitor *m, const char *key)
{
	_cleanup_free_ char *v = NULL;
	if (lxm_state_read_key(m->paths, m->name, key, &v) < 0)
		return 0;
	return strtoull(v, NULL, 10);
}

int lxm_monitor_adopt_payload(struct lxm_monitor *m)
{
	_cleanup_free_ char *init = NULL;
	pid_t pid = (pid_t)state_u64(m, "init_pid");
	uint64_t start = state_u64(m, "init_start"), now_start = 0;
	int r;

	/* The pid with its start time: a recycled pid must never be taken for init. */
	if (pid <= 0 || lxm_proc_starttime(pid, &now_start) < 0 || now_start != start)
		return log_error_errno(-ESRCH, "The init of '%s' has exited: nothing to re-attach to", m->name);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return log_error_errno(negative_errno(), "Failed to open a pidfd for init (pid %d): %m", (int)pid);
	/* Re-checked through the pidfd's pid: if init died between the check and pidfd_open, the
	 * pidfd refers to nothing else (pidfd_open fails or the starttime no longer matches). */
	if (lxm_proc_starttime(pid, &now_start) < 0 || now_start != start) {
		close(pidfd);
		return log_error_errno(-ESRCH, "The init of '%s' exited while re-attaching", m->name);
	}
	m->started.init_pid = pid;
	m->started.init_pidfd = pidfd;
	m->started.console_master = m->started.console_slave = -EBADF;
	for (unsigned i = 0; i < LXM_MAX_TTYS; i++)
		m->started.tty_masters[i] = m->started.tty_slaves[i] = -EBADF;
	m->started.n_ttys = 0;
	m->started.init = LXM_INIT_UNKNOWN;
	if (lxm_state_read_key(m->paths, m->name, "init", &init) >= 0)
		(void)lxm_init_system_from_string(init, &m->started.init);
	m->init_start = start;
	m->started_usec = state_u64(m, "started_usec");
	r = lxm_monitor_epoll_add(m, pidfd, EPOLLIN, LXM_MON_TAG(LXM_MON_PIDFD, 0));
	if (r < 0)
		return r;
	m->state = LXM_STATE_RUNNING;
	(void)lxm_monitor_write_state(m);
	log_info("Re-attached to init pid %d after its monitor was lost; the console was lost with it", (int)pid);
	return 0;
}

int lxm_monitor_spawn_adopt(const struct lxm_paths *paths, const char *name)
{
	/* The CLI is single-threaded: the variable is set only around the fork in lxm_monitor_spawn(). */
	if (setenv(ADOPT_ENV, "1", 1) < 0)
		return -ENOMEM;
	int r = lxm_monitor_spawn(paths, name);
	unsetenv(ADOPT_ENV);
	return r;
}
