/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why re-exec instead of a plain fork: the monitor lives as long as the container, and a fork of
 * the CLI would keep the CLI's heap (parsed configs, the command's buffers) as private memory for
 * that whole time. A fresh exec of the same binary starts with nothing but what the monitor needs.
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime/monitor-spawn.h"
#include "util/log.h"

#define NOTIFY_FD 3

static _noreturn_ void exec_monitor(const struct lxm_paths *paths, const char *name, int notify)
{
	static const char *const levels[] = { "error", "warning", "info", "debug", "trace" };
	const char *argv[8];
	int i = 0;

	if (setsid() < 0)
		_exit(1);
	pid_t pid = fork();
	if (pid != 0)
		_exit(pid < 0 ? 1 : 0); /* the monitor is not a session leader: it can never get a tty */

	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
		_exit(1);
	if (notify != NOTIFY_FD) {
		if (dup2(notify, NOTIFY_FD) < 0)
			_exit(1);
	} else if (fcntl(notify, F_SETFD, 0) < 0) {
		_exit(1);
	}
	/* No fd of the CLI survives into the monitor (above all the container lock: a monitor holding
	 * it would lock out every later command) */
	(void)syscall(SYS_close_range, NOTIFY_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	if (chdir("/") < 0)
		_exit(1);
	setenv("LXCMGR_LOG_LEVEL", levels[lxm_log_get_level()], 1);

	argv[i++] = "lxcmgr";
	if (!IS_EMPTY(paths->root)) {
		argv[i++] = "--root";
		argv[i++] = paths->root;
	}
	argv[i++] = "__monitor";
	argv[i++] = name;
	argv[i++] = "3";
	argv[i] = NULL;
	execv("/proc/self/exe", (char **)argv);
	log_error_errno(errno, "Failed to execute the monitor: %m");
	_exit(127);
}

int lxm_monitor_spawn(const struct lxm_paths *paths, const char *name)
{
	int fds[2], status, result = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return log_error_errno(errno, "Failed to create a pipe: %m");
	_cleanup_close_ int rfd = fds[0];
	_cleanup_close_ int wfd = fds[1];

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return log_error_errno(errno, "Failed to fork: %m");
	if (pid == 0) {
		close(rfd);
		exec_monitor(paths, name, wfd);
	}
	closep(&wfd);
	wfd = -EBADF;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

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
