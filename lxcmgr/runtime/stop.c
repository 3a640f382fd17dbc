/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>

#include "runtime/control.h"
#include "runtime/state.h"
#include "runtime/stop.h"
#include "util/log.h"

/* Waits for the monitor's "done HOW" (or its end). */
static int wait_done(int fd, char **ret_how)
{
	char buf[LXM_CONTROL_PACKET_MAX];
	for (;;) {
		ssize_t n = lxm_control_recv(fd, buf, sizeof(buf));
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -ECONNRESET;
		if (strncmp(buf, "done ", 5) == 0) {
			if (ret_how && !(*ret_how = strdup(buf + 5)))
				return -ENOMEM;
			return 0;
		}
	}
}

static int stop_lost(const struct lxm_paths *paths, const char *name, char **ret_how)
{
	bool killed = false;
	int r = lxm_state_cleanup(paths, name, &killed);
	if (r < 0)
		return r;
	if (ret_how && !(*ret_how = strdup(killed ? "killed" : "stopped")))
		return -ENOMEM;
	return killed ? 0 : -ESRCH;
}

int lxm_runtime_stop(const struct lxm_paths *paths, const char *name, unsigned timeout_sec, char **ret_how)
{
	struct lxm_state_info s;
	char req[64], reply[LXM_CONTROL_PACKET_MAX];
	int r = lxm_state_query(paths, name, &s);
	if (r < 0)
		return r;
	bool lost = s.monitor_lost, stopped = s.state == LXM_STATE_STOPPED, stale = s.stale;
	lxm_state_info_done(&s);
	if (stopped) {
		if (stale)
			(void)lxm_state_cleanup(paths, name, NULL);
		return -ESRCH;
	}
	if (lost) {
		log_info("The monitor of '%s' is gone, ending it through its cgroup", name);
		return stop_lost(paths, name, ret_how);
	}

	_cleanup_close_ int fd = -EBADF;
	r = lxm_control_connect(paths, name, &fd);
	if (r >= 0) {
		snprintf(req, sizeof(req), "stop %u", timeout_sec);
		r = lxm_control_request(fd, req, reply, sizeof(reply));
	}
	if (r >= 0)
		r = wait_done(fd, ret_how);
	if (r == -ECONNRESET || r == -ECONNREFUSED || r == -ENOENT) {
		/* the monitor died under us: finish the job through the cgroup */
		r = stop_lost(paths, name, ret_how);
		return r == -ESRCH ? 0 : r;
	}
	return r;
}

int lxm_runtime_kill(const struct lxm_paths *paths, const char *name, int sig)
{
	struct lxm_state_info s;
	char req[64], reply[LXM_CONTROL_PACKET_MAX];
	int r = lxm_state_query(paths, name, &s);
	if (r < 0)
		return r;
	pid_t init = s.init_pid;
	bool lost = s.monitor_lost, stopped = s.state == LXM_STATE_STOPPED;
	lxm_state_info_done(&s);
	if (stopped)
		return -ESRCH;
	if (lost) {
		/* init_pid was checked against its recorded start time: not a recycled pid */
		if (kill(init, sig) < 0)
			return negative_errno();
		return 0;
	}
	_cleanup_close_ int fd = -EBADF;
	r = lxm_control_connect(paths, name, &fd);
	if (r < 0)
		return r;
	snprintf(req, sizeof(req), "kill %d", sig);
	return lxm_control_request(fd, req, reply, sizeof(reply));
}

int lxm_runtime_reboot(const struct lxm_paths *paths, const char *name)
{
	char reply[LXM_CONTROL_PACKET_MAX];
	_cleanup_close_ int fd = -EBADF;
	int r = lxm_control_connect(paths, name, &fd);
	if (r < 0)
		return r == -ENOENT || r == -ECONNREFUSED ? -ESRCH : r;
	return lxm_control_request(fd, "reboot", reply, sizeof(reply));
}

int lxm_state_force_stop(const struct lxm_paths *paths, const char *name)
{
	int r = lxm_runtime_stop(paths, name, 0, NULL);
	if (r == -ESRCH)
		return 0;
	return r;
}
