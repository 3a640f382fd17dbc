/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr-init: a tiny PID 1 for root filesystems without an init of their own.
 *
 *   lxcmgr-init [-- COMMAND [ARG...]]     (no command: /bin/sh)
 *
 * Runs COMMAND as its only child, reaps every zombie that is re-parented to it, forwards
 * SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to the child, maps the halt
 * signals other inits use (SIGPWR, SIGRTMIN+3) to SIGTERM, and exits with the child's status
 * (128+N when it was killed by signal N). A SIGTERM when there is no child makes it exit at once.
 *
 * Linked statically (it runs inside any rootfs) and against nothing but libc. It never polls: all
 * signals stay blocked and are taken one by one with sigwaitinfo().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define SHIM "lxcmgr-init"

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* The child: its own session with the console (if stdin is a terminal) as controlling tty so a
 * shell gets job control, default signal state, then exec. Never returns. */
static _Noreturn void run_child(char **argv, const sigset_t *oldmask)
{
	if (setsid() >= 0 && isatty(STDIN_FILENO))
		(void) ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	for (int s = 1; s < NSIG; s++)
		(void) signal(s, SIG_DFL);
	(void) sigprocmask(SIG_SETMASK, oldmask, NULL);
	execvp(argv[0], argv);
	int e = errno;
	fprintf(stderr, SHIM ": Failed to execute '%s': %s\n", argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* Reaps every exited child; returns true when CHILD was among them (status in *ret_status). */
static bool reap(pid_t child, int *ret_status)
{
	bool child_done = false;

	for (;;) {
		int status;
		pid_t p = waitpid(-1, &status, WNOHANG);
		if (p <= 0)
			break; /* 0: others still running; -1/ECHILD: nobody left */
		if (p == child) {
			*ret_status = status;
			child_done = true;
		}
	}
	return child_done;
}

/* Returns -ESRCH when the child is gone (it is reaped with the next SIGCHLD; a SIGTERM then
 * means "stop now"). */
static int forward_signal(int sig, pid_t child)
{
	if (sig == SIGPWR || sig == SIGRTMIN + 3)
		sig = SIGTERM;
	if (kill(child, sig) < 0) {
		if (errno == ESRCH)
			return sig == SIGTERM ? -ESRCH : 0;
		fprintf(stderr, SHIM ": Failed to forward signal %d: %s\n", sig, strerror(errno));
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static char *default_cmd[] = { (char *) "/bin/sh", NULL };
	char **cmd = default_cmd;
	sigset_t all, old;
	int status = 0;

	if (argc > 1)
		cmd = strcmp(argv[1], "--") == 0 ? argv + 2 : argv + 1;
	if (!cmd[0])
		cmd = default_cmd;

	/* Zombies of orphans come to us also when we are not PID 1 (tests, nested use). */
	(void) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) < 0) {
		fprintf(stderr, SHIM ": Failed to block signals: %s\n", strerror(errno));
		return 1;
	}

	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, SHIM ": Failed to fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0)
		run_child(cmd, &old);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, SHIM ": sigwaitinfo failed: %s\n", strerror(errno));
			return 1;
		}
		if (sig == SIGCHLD) {
			if (reap(child, &status))
				return exit_status(status);
			continue;
		}
		bool fwd = sig == SIGPWR || sig == SIGRTMIN + 3;
		for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
			fwd = fwd || forwarded[i] == sig;
		if (fwd && forward_signal(sig, child) < 0)
			return 128 + SIGTERM;
	}
}
