/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include "runtime/attach-relay.h"
#include "util/log.h"

void lxm_attach_forward_set(sigset_t *ret)
{
	sigemptyset(ret);
	sigaddset(ret, SIGINT);
	sigaddset(ret, SIGTERM);
	sigaddset(ret, SIGHUP);
	sigaddset(ret, SIGQUIT);
	sigaddset(ret, SIGUSR1);
	sigaddset(ret, SIGUSR2);
	sigaddset(ret, SIGWINCH);
}

static void copy_winsize(int master)
{
	struct winsize ws;
	if (master >= 0 && (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0))
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return negative_errno();
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copies what the pty has to stdout; returns false once it is closed. */
static bool drain_master(int master)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n > 0) {
			if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				return false;
			continue;
		}
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	}
}

static void forward_signal(int sigfd, int master, pid_t cmd)
{
	struct signalfd_siginfo si;
	while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			copy_winsize(master);
			continue;
		}
		/* A terminal's ^C already reached the command (same process group, or through the pty
		 * in raw mode): forward only what someone sent to lxcmgr itself */
		if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE || si.ssi_code == SI_TKILL)
			(void)kill(cmd, (int)si.ssi_signo);
	}
}

/* Without a pty there is nothing to copy: wait for waiter's end and forward signals to cmd in one
 * sigwaitinfo() a wake-up, where the signalfd, the pidfd and poll() below took five system calls
 * (~5-10 us each where a system call is a hypervisor round trip). The caller blocked SIGCHLD with
 * the forwarded signals before the fork and made sure it is not ignored (an ignored SIGCHLD is
 * never sent: the child would be reaped unseen). */
static int wait_plain(pid_t cmd, pid_t waiter)
{
	sigset_t set;
	lxm_attach_forward_set(&set);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0)
			return log_error_errno(errno, "Failed to wait for the command: %m");
		if (sig == SIGCHLD) {
			if (si.si_pid == waiter && si.si_code != CLD_STOPPED && si.si_code != CLD_CONTINUED &&
			    si.si_code != CLD_TRAPPED)
				return 0;
			/* a stop's SIGCHLD still pending swallows the exit's (one a signal number): ask */
			siginfo_t wi = {};
			if (waitid(P_PID, (id_t)waiter, &wi, WEXITED | WNOHANG | WNOWAIT) < 0 || wi.si_pid == waiter)
				return 0;
			continue;
		}
		/* as forward_signal(): only what someone sent to lxcmgr itself; no pty to resize */
		if (sig != SIGWINCH && (si.si_code == SI_USER || si.si_code == SI_QUEUE || si.si_code == SI_TKILL))
			(void)kill(cmd, sig);
	}
}

int lxm_attach_relay(int master, pid_t cmd, pid_t waiter)
{
	struct termios saved, raw;
	bool is_raw = false, stdin_open = master >= 0;
	sigset_t set;

	if (master < 0)
		return wait_plain(cmd, waiter);
	lxm_attach_forward_set(&set);
	_cleanup_close_ int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	_cleanup_close_ int wfd = (int)syscall(SYS_pidfd_open, waiter, 0);
	if (sigfd < 0 || wfd < 0)
		return log_error_errno(errno, "Failed to watch the command: %m");
	if (master >= 0) {
		(void)fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
		copy_winsize(master);
		if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
			raw = saved;
			cfmakeraw(&raw);
			is_raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		}
	}
	for (bool master_open = master >= 0;;) {
		struct pollfd p[4] = {
			{ .fd = wfd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = master_open ? master : -1, .events = POLLIN },
			{ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			forward_signal(sigfd, master, cmd);
		if (p[2].revents)
			master_open = drain_master(master);
		if (p[3].revents) {
			char buf[4096];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				(void)write_all(master, buf, (size_t)n);
			else if (n == 0 || errno != EINTR) {
				stdin_open = false;
				if (!is_raw)
					(void)write_all(master, "\x04", 1); /* end of input for a line-mode reader */
			}
		}
		if (p[0].revents) {
			if (master_open)
				(void)drain_master(master);
			break;
		}
	}
	if (is_raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return 0;
}
