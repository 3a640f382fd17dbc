/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/state.h"
#include "services/hooks.h"
#include "util/log.h"

/* The forked child: clean signal state, stdin /dev/null, output to out_fd; never returns. */
_noreturn_ static void hook_exec(const char *which, const char *path, char **envp, int out_fd)
{
	char *argv[] = { (char *)path, NULL };
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)signal(sig, SIG_DFL);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		(void)dup2(fd, STDIN_FILENO);
	if (out_fd >= 0) {
		(void)dup2(out_fd, STDOUT_FILENO);
		(void)dup2(out_fd, STDERR_FILENO);
	}
	execve(path, argv, envp);
	dprintf(STDERR_FILENO, "lxcmgr: error: Failed to run the %s hook '%s': %s\n", which, path, strerror(errno));
	_exit(127);
}

int lxm_hook_run(const struct lxm_paths *paths, const struct lxm_container *c, const char *which, pid_t init_pid)
{
	struct lxm_hook_opts o = { .init_pid = init_pid, .out_fd = -EBADF };
	return lxm_hook_run_opts(paths, c, which, &o);
}

int lxm_hook_run_opts(const struct lxm_paths *paths, const struct lxm_container *c, const char *which,
		      const struct lxm_hook_opts *o)
{
	_cleanup_free_ char *e_hook = NULL, *e_name = NULL, *e_state = NULL, *e_rootfs = NULL, *e_pid = NULL;
	_cleanup_free_ char *e_exit = NULL;
	pid_t init_pid = o->init_pid;
	_cleanup_free_ char *state_dir = NULL;
	cfg_t *sec = cfg_getsec(c->config, "hook");
	const char *path = sec ? cfg_getstr(sec, which) : NULL;
	int status, r;
	pid_t pid;

	if (IS_EMPTY(path))
		return 0;
	if ((r = lxm_state_run_path(paths, c->name, NULL, &state_dir)) < 0)
		return r;
	if (asprintf(&e_hook, "LXCMGR_HOOK=%s", which) < 0 || asprintf(&e_name, "LXCMGR_NAME=%s", c->name) < 0 ||
	    asprintf(&e_state, "LXCMGR_STATE_DIR=%s", state_dir) < 0 ||
	    asprintf(&e_rootfs, "LXCMGR_ROOTFS=%s", c->rootfs) < 0)
		return -ENOMEM;
	if (init_pid > 0 ? asprintf(&e_pid, "LXCMGR_PID=%d", (int)init_pid) < 0 : !(e_pid = strdup("LXCMGR_PID=")))
		return -ENOMEM;
	if (o->exit_how && asprintf(&e_exit, "LXCMGR_EXIT=%s", o->exit_how) < 0)
		return -ENOMEM;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return log_error_errno(negative_errno(), "Failed to fork for the %s hook: %m", which);
	if (pid == 0) {
		char *envp[] = { e_hook, e_name, e_state, e_rootfs, e_pid,
				 (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", e_exit, NULL };
		hook_exec(which, path, envp, o->out_fd);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return log_error_errno(-ECANCELED, "The %s hook '%s' of '%s' failed with exit status %d", which, path,
				       c->name, WEXITSTATUS(status));
	return log_error_errno(-ECANCELED, "The %s hook '%s' of '%s' was killed by signal %d", which, path, c->name,
			       WTERMSIG(status));
}

int lxm_hook_run_for(const struct lxm_paths *paths, const char *name, const char *which, bool only_running)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	struct lxm_state_info si;
	pid_t pid;
	int r;

	r = lxm_container_load(paths, name, &c);
	if (r < 0)
		return log_debug_errno(0, "No %s hook for '%s': its config could not be loaded", which, name);
	if (IS_EMPTY(cfg_getstr(cfg_getsec(c->config, "hook"), which)))
		return 0;
	if (lxm_state_query(paths, name, &si) < 0)
		return 0;
	pid = si.state == LXM_STATE_STOPPED ? 0 : si.init_pid;
	lxm_state_info_done(&si);
	if (only_running && pid <= 0)
		return 0;
	return lxm_hook_run(paths, c, which, pid);
}
