/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ending a container: the init's own halt signal (re-sent once init has installed its handler),
 * SIGKILL after the timeout, reaping init and telling how it ended, restarting on reboot, and the
 * teardown of everything start made on the host.
 *
 * Inside a pid namespace, reboot(2) does not reboot: the kernel kills the namespace's init with
 * SIGHUP for RB_AUTOBOOT and SIGINT for RB_POWER_OFF/RB_HALT_SYSTEM. That is how a reboot is told
 * from a poweroff.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "runtime/control.h"
#include "runtime/cfg-get.h"
#include "runtime/monitor-hooks.h"
#include "runtime/monitor-internal.h"
#include "runtime/net-step.h"
#include "security/apparmor.h"
#include "util/log.h"
#include "util/openat2.h"

#define CHECK_FIRST_MS 10
#define CHECK_MAX_MS 1000

static int pidfd_signal(int pidfd, int sig)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

static void arm(int tfd, uint64_t msec)
{
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(msec / 1000),
						.tv_nsec = (long)(msec % 1000) * 1000000 } };
	if (msec == 0)
		its.it_value.tv_nsec = 1; /* 0 would disarm */
	(void)timerfd_settime(tfd, 0, &its, NULL);
}

static void disarm(int tfd)
{
	struct itimerspec its = {};
	if (tfd >= 0)
		(void)timerfd_settime(tfd, 0, &its, NULL);
}

/* Whether init can take sig now: it has a handler (SigCgt) or holds it blocked (SigBlk: a blocked
 * signal stays pending). name gets init's Name (an exec changes it). An init sleeping in
 * sigtimedwait() (busybox) shows neither, though it takes the signal: hence re-sending only on a
 * change, never on absence. */
static bool init_takes(struct lxm_monitor *m, int sig, char name[static 32])
{
	char path[64], buf[2048];
	unsigned long long cgt = 0, blk = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)m->started.init_pid);
	name[0] = '\0';
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *p = strstr(buf, "Name:\t");
	if (p)
		snprintf(name, 32, "%.*s", (int)strcspn(p + 6, "\n"), p + 6);
	if ((p = strstr(buf, "SigBlk:")))
		blk = strtoull(p + 7, NULL, 16);
	if ((p = strstr(buf, "SigCgt:")))
		cgt = strtoull(p + 7, NULL, 16);
	return sig >= 1 && sig <= 64 && ((cgt | blk) >> (sig - 1)) & 1;
}

/* Opens path (relative) inside the container's root. RESOLVE_IN_ROOT: the container's root user
 * controls every component, and a symlink such as /etc/runit -> /../../host/etc must not make the
 * monitor (host root) touch a host file; absolute links resolve against the container's root. */
static int open_in_root(int rootfd, const char *path, uint64_t flags, mode_t mode)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .mode = mode,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = lxm_openat2(rootfd, path, &how);
	return fd < 0 ? negative_errno() : fd;
}

/* chmod of a regular file inside the root, never opening it for I/O (a FIFO planted there would
 * block the monitor; a device node would be opened from the host's cgroup). */
static int chmod_in_root(int rootfd, const char *path, mode_t mode)
{
	char proc[64];
	struct stat st;
	_cleanup_close_ int fd = open_in_root(rootfd, path, O_PATH, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EPERM;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, mode) < 0 ? negative_errno() : 0;
}

/* runit halts on SIGCONT when its stopit file is executable and its reboot file is not. Debian's
 * runit uses /run/runit.stopit and /run/runit.reboot (made by its stage 1), upstream
 * /etc/runit/stopit and /etc/runit/reboot (templates/lib/prepare.sh). */
static void runit_prepare(struct lxm_monitor *m)
{
	static const char *const pairs[][2] = {
		{ "run/runit.stopit", "run/runit.reboot" },
		{ "etc/runit/stopit", "etc/runit/reboot" },
	};
	char root[64];
	snprintf(root, sizeof(root), "/proc/%d/root", (int)m->started.init_pid);
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		int r = chmod_in_root(rootfd, pairs[i][0], 0100);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			log_warning_errno(r, "Failed to make '/%s' executable, ignoring: %m", pairs[i][0]);
		r = chmod_in_root(rootfd, pairs[i][1], 0);
		if (r < 0 && r != -ENOENT)
			log_warning_errno(r, "Failed to clear '/%s', ignoring: %m", pairs[i][1]);
		return;
	}
	/* neither exists: upstream layout without the files */
	_cleanup_close_ int fd = open_in_root(rootfd, "etc/runit/stopit", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0100);
	if (fd < 0)
		log_warning_errno(fd, "Failed to create /etc/runit/stopit, ignoring: %m");
}

int lxm_monitor_signal_init(struct lxm_monitor *m, int sig)
{
	if (m->started.init_pid <= 0 || m->started.init_pidfd < 0)
		return -ESRCH;
	int r = pidfd_signal(m->started.init_pidfd, sig);
	if (r < 0)
		return log_debug_errno(r, "Failed to send signal %d to init: %m", sig);
	return 0;
}

/*
 * Why: a frozen init cannot act on its halt signal, and a task frozen by the v1 freezer cannot die
 * even of SIGKILL. The CLI's stop thaws before it asks, but the monitor is also asked by others:
 * SIGTERM when the host goes down, its own kill timer. Without this a frozen container's monitor
 * waited forever with init stuck in D state.
 */
static void thaw_payload(struct lxm_monitor *m)
{
	if (!m->payload || lxm_cgroup_is_frozen(m->payload) <= 0)
		return;
	log_info("Thawing the container");
	if (lxm_cgroup_freeze(m->payload, false) < 0)
		log_warning("Failed to thaw the container: %s", lxm_cgroup_strerror(m->payload) ?: "");
}

void lxm_monitor_kill_now(struct lxm_monitor *m)
{
	if (m->started.init_pid <= 0)
		return;
	m->stop_requested = true;
	m->killed = true;
	disarm(m->check_timer);
	disarm(m->kill_timer);
	log_info("Killing the container");
	/* SIGKILL of a pid namespace's init kills every process in the namespace; processes of the
	 * payload cgroup outside it (none are expected) are killed at teardown */
	(void)lxm_monitor_signal_init(m, SIGKILL);
	/* after the SIGKILL is queued: once thawed, init runs no instruction more */
	thaw_payload(m);
}

int lxm_monitor_stop(struct lxm_monitor *m, unsigned timeout_sec)
{
	if (lxm_monitor_restart_cancel(m))
		return 0;
	if (m->started.init_pid <= 0)
		return -ESRCH;
	if (timeout_sec > 0)
		thaw_payload(m); /* before pre_stop: the hook may exec into the container */
	if (!m->stop_requested)
		(void)lxm_monitor_hook(m, "pre_stop", m->started.init_pid, NULL);
	if (timeout_sec == 0) {
		lxm_monitor_kill_now(m);
		return 0;
	}
	if (m->state == LXM_STATE_STOPPING)
		return 0; /* already under way; the first timeout stands */
	m->state = LXM_STATE_STOPPING;
	m->stop_requested = true;
	(void)lxm_monitor_write_state(m);
	if (m->started.init == LXM_INIT_RUNIT)
		runit_prepare(m);
	log_info("Stopping the container with signal %d, timeout %us", m->halt_signal, timeout_sec);
	m->halt_taken = init_takes(m, m->halt_signal, m->halt_init_name);
	(void)lxm_monitor_signal_init(m, m->halt_signal);
	arm(m->kill_timer, (uint64_t)timeout_sec * 1000);
	/* The kernel drops a signal to a namespace's init that neither handles nor blocks it: an init
	 * still booting (or a wrapper script not yet exec'd into init) never sees it. Watch, at
	 * growing steps and only while stopping, for init to become able to take it, and re-send. */
	m->check_delay_ms = CHECK_FIRST_MS;
	arm(m->check_timer, m->check_delay_ms);
	return 0;
}

void lxm_monitor_check_timer(struct lxm_monitor *m)
{
	if (m->state != LXM_STATE_STOPPING || m->killed)
		return;
	char name[32];
	bool takes = init_takes(m, m->halt_signal, name);
	if ((takes && !m->halt_taken) || STRNEQ(name, m->halt_init_name)) {
		log_info("Init (%s) can take signal %d now, sending it again", name, m->halt_signal);
		m->halt_taken = takes;
		snprintf(m->halt_init_name, sizeof(m->halt_init_name), "%s", name);
		(void)lxm_monitor_signal_init(m, m->halt_signal);
	}
	m->check_delay_ms = m->check_delay_ms * 2 > CHECK_MAX_MS ? CHECK_MAX_MS : m->check_delay_ms * 2;
	arm(m->check_timer, m->check_delay_ms);
}

static const char *classify(struct lxm_monitor *m, const siginfo_t *si, bool reaped)
{
	if (!reaped)
		return m->killed ? "killed" : m->stop_requested ? "clean" : "crashed";
	bool signaled = si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED;
	if (signaled)
		log_info("Init was terminated by signal %d", si->si_status);
	else
		log_info("Init exited with status %d", si->si_status);
	if (m->killed)
		return "killed";
	if (signaled && si->si_status == SIGHUP)
		return "reboot";
	if (m->stop_requested)
		return "clean";
	if (signaled && si->si_status == SIGINT)
		return "clean"; /* poweroff or halt inside */
	if (!signaled && si->si_status == 0)
		return "clean";
	if (signaled && si->si_status == SIGKILL)
		return "killed";
	return "crashed";
}

/* Ends the payload: init is gone; kill what is left in its cgroup, close its fds. */
static void payload_release(struct lxm_monitor *m)
{
	if (m->started.init_pidfd >= 0) {
		close(m->started.init_pidfd);
		m->started.init_pidfd = -EBADF;
	}
	m->started.init_pid = 0;
	lxm_monitor_console_release(m);
	if (m->payload && lxm_cgroup_exists(m->payload)) {
		int r = lxm_cgroup_kill(m->payload);
		if (r < 0)
			log_warning_errno(r, "Failed to kill the payload cgroup, ignoring: %m");
	}
	/* The host side of the network (forwards, leases, a veth that outlived the namespace): gone
	 * before a reboot starts the payload again or the monitor exits. */
	if (m->c)
		(void)lxm_net_stop(m->paths, m->c);
	m->payload_released = true;
}

void lxm_monitor_reap(struct lxm_monitor *m)
{
	siginfo_t si = {};
	bool reaped = false;

	/* Reap children other than init (none are expected; a start step may leave one) */
	for (;;) {
		siginfo_t o = {};
		if (waitid(P_ALL, 0, &o, WEXITED | WNOHANG | WNOWAIT) < 0 || o.si_pid == 0)
			break;
		if (o.si_pid == m->started.init_pid)
			break;
		(void)waitid(P_PID, (id_t)o.si_pid, &o, WEXITED | WNOHANG);
	}
	if (m->started.init_pid <= 0 || m->started.init_pidfd < 0)
		return;
	if (waitid((idtype_t)P_PIDFD, (id_t)m->started.init_pidfd, &si, WEXITED | WNOHANG) == 0) {
		if (si.si_pid == 0)
			return; /* still running */
		reaped = true;
	} else if (errno != ECHILD) {
		return;
	}
	const char *how = classify(m, &si, reaped);
	pid_t ended = m->started.init_pid;
	payload_release(m);
	(void)lxm_monitor_hook(m, "post_stop", ended, how);
	if (STREQ(how, "reboot") && !m->stop_requested) {
		log_info("Container rebooted, starting it again");
		/* A fresh payload cgroup for the new boot: on cgroup v2 systemd inside enabled
		 * controllers in the inner cgroup's subtree_control, so the new init could not join it
		 * (no internal processes: EBUSY) and landed in the exec leaf, whose cgroup namespace
		 * root it does not own ("Failed to create /init.scope control group: Permission
		 * denied"). */
		if (m->payload) {
			int r = lxm_cgroup_destroy(m->payload);
			if (r < 0)
				log_warning_errno(r, "Failed to remove the payload cgroup before the reboot, ignoring: %m");
		}
		(void)lxm_state_set_last_exit(m->paths, m->name, "reboot");
		m->payload_released = false;
		if (lxm_monitor_start_payload(m) >= 0)
			return;
		how = "crashed";
	}
	if (lxm_monitor_restart_maybe(m, how))
		return;
	lxm_monitor_teardown(m, how);
}

void lxm_monitor_teardown(struct lxm_monitor *m, const char *how)
{
	char msg[64];
	_cleanup_free_ char *dir = NULL;

	disarm(m->kill_timer);
	disarm(m->check_timer);
	/* A helper still making the payload cgroup (setup failed before the start took it over)
	 * finishes first: else it could create the cgroup after the rmdir below, leaked. */
	if (m->payload_maker > 0) {
		(void)lxm_start_payload_wait(m->payload_maker);
		m->payload_maker = 0;
	}
	lxm_monitor_cli_payload_drop(m); /* the CLI's, the same */
	/* Once is enough after lxm_monitor_reap() did it: a second cgroup kill and network teardown
	 * (a netlink socket, the lease files) cost a kill that goes through the full monitor */
	if (!m->payload_released)
		payload_release(m);
	if (m->payload) {
		int r = lxm_cgroup_destroy(m->payload);
		if (r < 0)
			log_warning_errno(r, "Failed to remove the payload cgroup, ignoring: %m");
	}
	lxm_apparmor_release(m->c ? lxm_cfg_str(m->c->config, "security.apparmor") : NULL, m->uuid);
	if (how) {
		log_info("Container stopped: %s", how);
		(void)lxm_state_set_last_exit(m->paths, m->name, how);
	}
	/* run files go before the waiting clients hear "done": a `start` right after `stop` must not
	 * find them */
	if (m->listen_fd >= 0 && lxm_state_run_path(m->paths, m->name, NULL, &dir) >= 0) {
		static const char *const files[] = { "control", "state", "state.tmp" };
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			_cleanup_free_ char *f = NULL;
			if (lxm_state_run_path(m->paths, m->name, files[i], &f) >= 0)
				(void)unlink(f);
		}
		(void)rmdir(dir);
	}
	/* The monitor cgroup is shared and stays (cgroup.h): we exit in it, no migration, no rmdir. */
	snprintf(msg, sizeof(msg), "done %s", how ? how : "failed");
	while (m->clients) {
		if (m->clients->wants_done)
			(void)lxm_control_send(m->clients->fd, msg);
		lxm_monitor_client_drop(m, m->clients);
	}
	lxm_console_ring_done(&m->ring);
	lxm_console_log_close(&m->log);
	m->state = LXM_STATE_STOPPED;
	m->exit_loop = true;
}
