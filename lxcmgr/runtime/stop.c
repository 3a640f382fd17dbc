/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup/cgroup.h"
#include "runtime/control.h"
#include "runtime/link-del.h"
#include "runtime/start.h"
#include "runtime/state.h"
#include "runtime/stop.h"
#include "util/log.h"

#define VETH_WAIT_STEP_US 100
#define VETH_WAIT_MAX_US 5000000

/* The host veths a fast kill names in its answer ("ok stopping veth NAME...", MONITOR.md). */
struct kill_veths {
	unsigned n;
	char names[8][IF_NAMESIZE];
	int index[8];
	pid_t remover;
	int let_go; /* the pipe's read end: end-of-file once the remover holds no fd of ours */
};

static void parse_veths(const char *reply, struct kill_veths *v)
{
	const char *p = reply;
	while ((p = strstr(p, " veth ")) && v->n < ARRAY_SIZE(v->names)) {
		p += strlen(" veth ");
		size_t len = strcspn(p, " ");
		if (len > 0 && len < IF_NAMESIZE) {
			memcpy(v->names[v->n], p, len);
			v->names[v->n][len] = '\0';
			if (lxm_link_name_ok(v->names[v->n]))
				v->n++;
		}
		p += len;
	}
}

/* Starts deleting the veths in a child, at once, while the monitor kills the container. Why a
 * child: RTM_DELLINK unlists the link early (its name is free, no listing shows it), then waits
 * for its last references (RCU barriers, ~15 ms here) before it answers. The child lives that wait
 * out in our own cgroup, not in one of the container's that are being removed; we only wait for
 * the names to go and for the child to let go of our fds (wait_veths_gone()). Deleting a killed
 * container's veth before its init is reaped changes nothing for it; the monitor's own deletion
 * then finds them gone. */
static void start_veth_removal(struct kill_veths *v)
{
	int p[2];

	if (v->n == 0)
		return;
	/* By index, taken now while we hold the container's lock (no start can make the name again
	 * yet): the child may send its request only after we returned and a new start of this
	 * container made a veth with the same name; a request by name would delete that one. */
	for (unsigned i = 0; i < v->n; i++)
		v->index[i] = (int)if_nametoindex(v->names[i]);
	if (pipe2(p, O_CLOEXEC) < 0)
		return; /* the monitor deletes them, as without this */
	v->remover = fork();
	if (v->remover != 0) {
		close(p[1]);
		if (v->remover > 0)
			v->let_go = p[0];
		else
			close(p[0]);
		return;
	}
	/* fork() gave the child a copy of every fd of ours, the container's lock too: the lock is
	 * free only once no process refers to it, and a `start` right after `kill` returned must get
	 * it. So nothing of ours stays open in it (the lock, the monitor's socket, the caller's
	 * stdout/stderr pipes, which it must not hold open either), and the pipe's end goes last, in a
	 * call of its own: its end-of-file tells the parent that this is done. The parent waits for it
	 * before it returns: the child may not have run at all by then on a loaded host. */
	int done = fcntl(p[1], F_DUPFD_CLOEXEC, 3); /* above stdio, whatever the caller left open */
	if (done < 0)
		_exit(0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		(void)dup2(null, STDERR_FILENO);
	}
	(void)syscall(SYS_close_range, 3U, (unsigned)done - 1, 0U);
	(void)syscall(SYS_close_range, (unsigned)done + 1, ~0U, 0U);
	close(done);
	for (unsigned i = 0; i < v->n; i++)
		if (v->index[i] > 0) /* 0: already gone with the container's netns */
			(void)lxm_link_delete_raw_index(v->index[i]);
	_exit(0);
}

/* Until no veth of the container is there any more (unlisted: a start may create it again), and
 * the remover holds no fd of ours (end-of-file on its pipe; it has most often closed them long
 * before, while we waited for the monitor's exit). */
static void wait_veths_gone(struct kill_veths *v)
{
	if (v->remover <= 0)
		return;
	for (unsigned i = 0; i < v->n; i++)
		for (unsigned waited = 0; if_nametoindex(v->names[i]) != 0; waited += VETH_WAIT_STEP_US) {
			if (waited >= VETH_WAIT_MAX_US) {
				log_warning("Link '%s' is still there", v->names[i]);
				break;
			}
			usleep(VETH_WAIT_STEP_US);
		}
	char c;
	while (read(v->let_go, &c, 1) < 0 && errno == EINTR)
		;
	closep(&v->let_go);
	(void)waitpid(v->remover, NULL, WNOHANG); /* most often still in the kernel: init reaps it */
}

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

/* Without a monitor: the init's halt signal straight to init, a wait on its pidfd up to the
 * timeout, then SIGKILL of whatever is left through the cgroup. */
static int stop_lost(const struct lxm_paths *paths, const char *name, pid_t init, const char *init_system,
		     unsigned timeout_sec, char **ret_how)
{
	enum lxm_init_system is = LXM_INIT_UNKNOWN;
	bool killed = false, clean = false;
	int halt, reboot;

	if (init > 0 && timeout_sec > 0) {
		(void)lxm_init_system_from_string(init_system ? init_system : "unknown", &is);
		lxm_init_signals(is, &halt, &reboot);
		_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, init, 0);
		if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, halt, NULL, 0) == 0) {
			struct pollfd p = { .fd = pidfd, .events = POLLIN };
			int n;
			do
				n = poll(&p, 1, (int)(timeout_sec * 1000));
			while (n < 0 && errno == EINTR);
			clean = n > 0;
		}
	}
	int r = lxm_state_cleanup(paths, name, &killed);
	if (r < 0)
		return r;
	if (clean)
		(void)lxm_state_set_last_exit(paths, name, "clean");
	const char *how = clean ? "clean" : killed ? "killed" : "stopped";
	if (ret_how && !(*ret_how = strdup(how)))
		return -ENOMEM;
	return clean || killed ? 0 : -ESRCH;
}

int lxm_runtime_stop_state(const struct lxm_paths *paths, const char *name, const struct lxm_state_info *s,
			   unsigned timeout_sec, char **ret_how)
{
	char req[64], reply[LXM_CONTROL_PACKET_MAX];
	int r;

	if (s->state == LXM_STATE_STOPPED) {
		if (s->stale)
			(void)lxm_state_cleanup(paths, name, NULL);
		return -ESRCH;
	}
	if (s->monitor_lost) {
		log_warning("The monitor of '%s' was lost, stopping it without one", name);
		return stop_lost(paths, name, s->init_pid, s->init_system, timeout_sec, ret_how);
	}

	/* the monitor's pidfd: stop returns only once the monitor itself is gone, so whoever runs
	 * next (start, destroy, a leak check) finds nothing of this run */
	_cleanup_close_ int monitor_fd = (int)syscall(SYS_pidfd_open, s->monitor_pid, 0);
	_cleanup_close_ int fd = -EBADF;
	/* The monitor exits in the shared monitor cgroup, which stays (cgroup.h): nothing to remove */
	struct kill_veths veths = { .let_go = -EBADF };
	r = lxm_control_connect(paths, name, &fd);
	if (r >= 0) {
		snprintf(req, sizeof(req), "stop %u", timeout_sec);
		r = lxm_control_request(fd, req, reply, sizeof(reply));
	}
	if (r >= 0 && timeout_sec == 0) {
		parse_veths(reply, &veths);
		start_veth_removal(&veths);
	}
	/* The monitor's exit first, then its "done HOW", already queued by then (it is sent before the
	 * exit), or the end of the connection (it died without one: handled below). One wake-up at the
	 * end instead of two: "done" and the exit come ~0.1 ms apart, each a wake-up of ours and a
	 * context switch the monitor's exit waited behind when we shared its CPU. */
	if (r >= 0 && monitor_fd >= 0) {
		struct pollfd p = { .fd = monitor_fd, .events = POLLIN };
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	}
	if (r >= 0)
		r = wait_done(fd, ret_how);
	wait_veths_gone(&veths);
	if (r == -ECONNRESET || r == -ECONNREFUSED || r == -ENOENT) {
		/* the monitor died under us: finish the job through the cgroup */
		r = stop_lost(paths, name, 0, NULL, 0, ret_how);
		return r == -ESRCH ? 0 : r;
	}
	return r;
}

int lxm_runtime_stop(const struct lxm_paths *paths, const char *name, unsigned timeout_sec, char **ret_how)
{
	struct lxm_state_info s;
	int r = lxm_state_query(paths, name, &s);
	if (r < 0)
		return r;
	r = lxm_runtime_stop_state(paths, name, &s, timeout_sec, ret_how);
	lxm_state_info_done(&s);
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
