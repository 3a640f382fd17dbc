/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a fork and no exec: the exec of lxcmgr (libraries loaded and relocated, the global and the
 * container config parsed again) cost 2-3 ms of every `start`, a tenth of it. What the exec gave
 * the monitor is kept by hand:
 * - fds: none of the CLI's survives (above all the container lock: a monitor holding it would lock
 *   out every later command). close_range() closes them for real here, before any of our code runs
 *   in the monitor; nothing in the CLI caches an fd across this call.
 * - signals: handlers go back to SIG_DFL, ignored signals stay ignored and the mask is kept,
 *   exactly what execve() does (the monitor blocks what it reads from its signalfd itself).
 * - the command line: `lxcmgr [--root R] __monitor NAME 3`, as the exec'ed monitor had, so
 *   `pgrep -f "__monitor NAME "` and ps still name the container's monitor: PR_SET_MM_ARG_* to
 *   a copy (needs CAP_SYS_RESOURCE), else written over the CLI's own argument and environment
 *   strings (setproctitle(3): the environment is copied first; /proc/PID/cmdline then reads as
 *   one string with spaces), else the monitor is exec'ed as before.
 * - memory: the CLI's heap stays mapped, private once the CLI exits, but only until the monitor
 *   hands the running container over to the small lxcmgr-monitor (an exec, monitor-handover.c),
 *   right after the start; a hand-back is an exec of lxcmgr too.
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup/cgroup.h"
#include "cgroup/detect.h"
#include "cgroup/mounts-cache.h"
#include "cli/front.h"
#include "runtime/monitor-spawn.h"
#include "runtime/monitor.h"
#include "runtime/start.h"
#include "runtime/state.h"
#include "config/config.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mm-holder.h"

#define NOTIFY_FD 3
#define REPORT_FD 4 /* lxm_monitor_config.payload_fd in the monitor */

struct monitor_argv {
	const char *argv[8];
	int n;
};

static void build_argv(const struct lxm_paths *paths, const char *name, struct monitor_argv *a)
{
	a->n = 0;
	a->argv[a->n++] = "lxcmgr";
	if (!IS_EMPTY(paths->root)) {
		a->argv[a->n++] = "--root";
		a->argv[a->n++] = paths->root;
	}
	a->argv[a->n++] = "__monitor";
	a->argv[a->n++] = name;
	a->argv[a->n++] = "3";
	a->argv[a->n] = NULL;
}

/* Points /proc/self/cmdline at a copy of argv in a page of its own (the CLI's own argv area is too
 * short for it). The kernel checks arg_start <= arg_end at each step: try both orders. */
static int set_cmdline(const struct monitor_argv *a)
{
	size_t size = 0;
	for (int i = 0; i < a->n; i++)
		size += strlen(a->argv[i]) + 1;
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -errno;
	char *p = buf;
	for (int i = 0; i < a->n; i++)
		p = stpcpy(p, a->argv[i]) + 1;
	if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)buf, 0, 0) < 0) {
		if (prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(buf + size), 0, 0) < 0 ||
		    prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)buf, 0, 0) < 0)
			return -errno;
	} else if (prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(buf + size), 0, 0) < 0) {
		return -errno;
	}
	return 0;
}

/* setproctitle(3): the title over the argument strings and, if longer, the environment strings
 * right behind them (the kernel reads /proc/PID/cmdline on into them when the last byte of the
 * arguments is not NUL). Only the environment strings the title covers move to the heap: a copy
 * of every one (~40 strdup()s and a new array, each first write to a heap page shared
 * copy-on-write with the CLI a page fault) cost ~0.3 ms of every start where PR_SET_MM is refused
 * (no CAP_SYS_RESOURCE); the others stay where they are, past the title's NUL. */
static int overwrite_cmdline(const struct monitor_argv *a)
{
	extern char **environ;
	_cleanup_free_ char *stat = NULL, *title = NULL;
	unsigned long v[4];
	size_t len = 0;

	if (lxm_read_file("/proc/self/stat", &stat, NULL) < 0)
		return -EIO;
	char *p = strrchr(stat, ')'); /* the fields after comm (which may hold spaces) */
	/* fields 48-51: arg_start arg_end env_start env_end; the space before field 3 follows ')' */
	for (int field = 3; p && field <= 48; field++)
		p = strchr(p + 1, ' '); /* the space before field FIELD */
	if (!p || sscanf(p, " %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]) != 4)
		return -EIO;
	if (v[2] != v[1] || v[3] < v[2] || v[1] <= v[0])
		return -ENOSPC; /* not the layout the kernel reads on through */
	for (int i = 0; i < a->n; i++)
		len += strlen(a->argv[i]) + 1;
	if (len > v[3] - v[0] || !(title = calloc(1, len)))
		return -ENOSPC;
	for (int i = 0; i < a->n; i++) {
		strcat(title, a->argv[i]);
		if (i + 1 < a->n)
			strcat(title, " ");
	}
	char *start = (char *)v[0], *end = start + len; /* what the title and its NUL cover */
	/* A failed copy leaves environ whole (the exec fallback then passes it on) */
	for (char **e = environ; e && *e; e++) {
		if (*e < start || *e >= end)
			continue;
		char *copy = strdup(*e);
		if (!copy)
			return -ENOMEM;
		*e = copy;
	}
	/* glibc's names of the program point into the argument strings overwritten next */
	char *inv = strdup(program_invocation_name), *inv_short = strdup(program_invocation_short_name);
	if (!inv || !inv_short)
		return -ENOMEM;
	program_invocation_name = inv;
	program_invocation_short_name = inv_short;
	/* A title shorter than the arguments: the rest of them zeroed, the kernel shows NULs there */
	memset(start, 0, len > v[1] - v[0] ? len : v[1] - v[0]);
	memcpy(start, title, len);
	return 0;
}

/* What execve() does to signal dispositions: caught ones back to SIG_DFL, ignored ones stay.
 * Only the signals /proc/self/status shows caught are looked at (all when it cannot be read). */
static void reset_signal_handlers(void)
{
	uint64_t caught, ignored;
	if (lxm_proc_self_signals(&caught, &ignored) < 0)
		caught = ~UINT64_C(0);
	for (int sig = 1; sig < _NSIG; sig++) {
		struct sigaction sa;
		if (!((caught >> (sig - 1)) & 1))
			continue;
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) && (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
			continue;
		sa = (struct sigaction){ .sa_handler = SIG_DFL };
		(void)sigaction(sig, &sa, NULL);
	}
}

/* Only the static lxcmgr has it (cli/front.c); elsewhere the faults come as before. */
extern __typeof__(lxm_front_prefault_code) lxm_front_prefault_code __attribute__((weak));

/* In the monitor, which detach() forked: nothing of the CLI's process is touched any more. */
static _noreturn_ void run_monitor(const struct lxm_paths *paths, const char *name, int notify,
				   struct lxm_monitor_config *config)
{
	static const char *const levels[] = { "error", "warning", "info", "debug", "trace" };
	struct monitor_argv a;
	int keep = NOTIFY_FD; /* the last fd that stays */

	if (lxm_front_prefault_code)
		lxm_front_prefault_code();
	/* The CLI's report socket to REPORT_FD, first moved above the fds the next dups write */
	if (config && config->payload_fd > 0) {
		int fd = fcntl(config->payload_fd, F_DUPFD_CLOEXEC, REPORT_FD + 1);
		config->payload_fd = 0;
		if (fd >= 0) {
			config->payload_fd = fd;
			keep = REPORT_FD;
		}
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
		_exit(1);
	if (notify != NOTIFY_FD) {
		if (dup3(notify, NOTIFY_FD, O_CLOEXEC) < 0)
			_exit(1);
	}
	if (keep == REPORT_FD) {
		if (dup3(config->payload_fd, REPORT_FD, O_CLOEXEC) < 0)
			_exit(1);
		config->payload_fd = REPORT_FD; /* the copy above goes with close_range() */
	}
	if (chdir("/") < 0)
		_exit(1);
	/* NAME lives in the CLI's argument strings, which overwrite_cmdline() writes over */
	name = strdup(name);
	if (!name)
		_exit(1);
	/* the hooks the monitor runs see the CLI's log level, as before */
	setenv("LXCMGR_LOG_LEVEL", levels[lxm_log_get_level()], 1);
	build_argv(paths, name, &a);

	if (set_cmdline(&a) < 0 && overwrite_cmdline(&a) < 0) {
		/* No way to name the process: exec it, which names it (the old way, a few ms slower) */
		(void)fcntl(NOTIFY_FD, F_SETFD, 0);
		/* The exec'ed monitor makes the cgroup itself (again: creating is idempotent), after
		 * the CLI's, which must not find us gone (it would remove it) */
		if (keep == REPORT_FD)
			(void)lxm_start_payload_report_wait(REPORT_FD);
		(void)syscall(SYS_close_range, NOTIFY_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
		execv("/proc/self/exe", (char **)a.argv);
		log_error_errno(errno, "Failed to execute the monitor: %m");
		_exit(127);
	}
	/* No fd of the CLI survives into the monitor: the lock above all (see the top of the file) */
	if (syscall(SYS_close_range, keep + 1, ~0U, 0) < 0)
		_exit(1);
	reset_signal_handlers();
	int r = lxm_monitor_run(paths, name, NOTIFY_FD, config);
	fflush(NULL);
	_exit(r < 0 ? 1 : 0); /* never back into the CLI: its cleanups belong to the CLI process */
}

/* The detacher's part of the monitor's start (detach()): while the monitor sets up, it makes the
 * payload cgroup, which the monitor would fork a helper for (monitor.c, setup(); the fork cost the
 * monitor ~1 ms on the way to the clone: the copy of its page tables, its pages faulted a second
 * time, the helper's exit). Opened exactly as the monitor opens it. Returns it when it made it,
 * else NULL. */
static struct lxm_cgroup *make_payload(const struct lxm_paths *paths, const struct lxm_container *c)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	_cleanup_free_ char *cache = NULL;
	struct lxm_cgroup_mounts ms = {};
	const char *uuid = cfg_getstr(c->config, "uuid");

	if (IS_EMPTY(uuid) || asprintf(&cache, "%s/.cgroup-mounts", paths->run_dir) < 0)
		return NULL;
	int r = lxm_cgroup_mounts_load_cached(cache, &ms);
	if (r < 0)
		return NULL;
	r = lxm_cgroup_open_by_id_in(&ms, uuid, LXM_CGROUP_PAYLOAD, &cg);
	lxm_cgroup_mounts_done(&ms);
	if (r >= 0)
		r = lxm_cgroup_create(cg);
	if (r < 0) {
		log_debug_errno(r, "Failed to make the payload cgroup, the monitor makes it: %m");
		return NULL;
	}
	return TAKE_PTR(cg);
}

/* Makes the payload cgroup and tells the monitor. A monitor gone before it read that (it always
 * reads it, even when its setup fails: lxm_monitor_teardown()) cannot remove it: we do. */
static void payload_for_monitor(const struct lxm_paths *paths, const struct lxm_container *c, int report)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = make_payload(paths, c);
	char made = cg ? 0 : 1;

	if (send(report, &made, 1, MSG_NOSIGNAL) < 0 && cg)
		(void)lxm_cgroup_destroy(cg);
}

/* The monitor in a session of its own but not its leader, so it can never get a controlling
 * tty: a process that leaves the session (setsid) and forks it. That process is a vfork() child
 * of the CLI: it shares the CLI's memory while the CLI waits, so the monitor's fork is the
 * only copy of the CLI's page tables a start makes (a plain fork for it cost one more copy,
 * on the way to the monitor, its copy-on-write faults and its teardown at exit: ~2 ms of the
 * ~33 ms of CPU a start took on this 2-core host, perf stat A/B). Between vfork() and _exit() it
 * calls setsid() and fork() and makes the payload cgroup: the CLI's memory, which it shares, is
 * consistent when the CLI resumes (the CLI is stopped meanwhile, as if it had made the calls
 * itself; fork() takes and releases libc's locks in the parent, and only the new process, its own
 * copy, writes its thread id). */
static pid_t detach(const struct lxm_paths *paths, const char *name, int notify, int other_end, int report,
		    struct lxm_monitor_config *config)
{
	pid_t pid = vfork();

	if (pid == 0) {
		close(other_end); /* our fd table is our own: the CLI keeps its end */
		if (setsid() < 0)
			_exit(1);
		pid_t monitor = fork();
		if (monitor == 0)
			run_monitor(paths, name, notify, config);
		/* Here, not in the CLI once we are gone: the CLI, woken by our exit, was often queued
		 * behind the monitor on the monitor's CPU (its previous one) while ours went idle; the
		 * kernel's wake-up does not look for an idle CPU on these hosts (no shared cache), so
		 * the monitor lost ~0.4-1 ms to it (tracefs). We run on another CPU than the monitor
		 * (its fork placed it on an idle one). A/B: start 0.96x. */
		if (monitor > 0 && report >= 0)
			payload_for_monitor(paths, config->c, report);
		_exit(monitor < 0 ? 1 : 0);
	}
	return pid;
}

/* A socket for make_payload()'s report when the monitor would fork its helper: not for a
 * pre_start hook (it runs before the cgroup exists) nor without the CLI's parse. Sets
 * config->payload_fd (the monitor's end) and returns the CLI's, or -EBADF. */
static int report_socket(struct lxm_monitor_config *config)
{
	cfg_t *hook;
	int sp[2];

	if (!config || !config->c || ((hook = cfg_getsec(config->c->config, "hook")) &&
				      !IS_EMPTY(cfg_getstr(hook, "pre_start"))))
		return -EBADF;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -EBADF;
	if (sp[0] <= STDERR_FILENO || sp[1] <= STDERR_FILENO) { /* 0 means none; 1 and 2 become the
								  * monitor's /dev/null and log */
		close(sp[0]);
		close(sp[1]);
		return -EBADF;
	}
	config->payload_fd = sp[1];
	return sp[0];
}

int lxm_monitor_spawn(const struct lxm_paths *paths, const char *name)
{
	return lxm_monitor_spawn_config(paths, name, NULL);
}

int lxm_monitor_spawn_config(const struct lxm_paths *paths, const char *name, struct lxm_monitor_config *config)
{
	int fds[2], result = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return log_error_errno(errno, "Failed to create a pipe: %m");
	_cleanup_close_ int rfd = fds[0];
	_cleanup_close_ int wfd = fds[1];
	_cleanup_close_ int report = report_socket(config);

	fflush(NULL);
	pid_t pid = detach(paths, name, wfd, rfd, report, config);
	if (report >= 0) {
		close(config->payload_fd); /* the monitor's end: only it may hold it (end-of-file) */
		config->payload_fd = 0;
	}
	if (pid < 0)
		return log_error_errno(errno, "Failed to fork: %m");
	closep(&wfd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	closep(&report);
	/* We only wait now: our exit then leaves the teardown of our memory to the holder */
	(void)lxm_mm_holder_start();

	ssize_t n;
	do
		n = read(rfd, &result, sizeof(result));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(result))
		return log_error_errno(-EIO, "The monitor of '%s' died while starting it", name);
	if (result < 0) {
		char c; /* a failed monitor holds the pipe until it has exited */
		while (read(rfd, &c, 1) < 0 && errno == EINTR)
			;
	}
	if (result < 0)
		return result; /* the monitor logged the cause on our stderr */
	return 0;
}
