/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>

#include "cli/front.h"
#include "runtime/full-helper.h"
#include "util/log.h"
#include "util/trusted-file.h"

/* Defined only in `lxcmgr` (cli/front.c). */
extern __typeof__(lxm_front_route) lxm_front_route __attribute__((weak));

bool lxm_full_helper_wanted(void)
{
	return lxm_front_route != NULL;
}

int lxm_full_helper_run(const struct lxm_paths *paths, const char *const *args)
{
	char full[PATH_MAX + 32];
	size_t n_args = 0;
	int status;

	/* as cli/front.c finds it */
	if (lxm_find_helper_binary(LXM_FRONT_FULL_NAME, full, sizeof(full)) < 0)
		return log_debug_errno(-ENOENT, "No %s to run", LXM_FRONT_FULL_NAME);
	while (args[n_args])
		n_args++;
	/* sized for every argument: a container's forwards are one argument each, none may be cut */
	_cleanup_free_ const char **argv = calloc(n_args + 4, sizeof(char *));
	if (!argv)
		return -ENOMEM;
	lxm_paths_cli_argv(paths, full, args, argv, n_args + 4);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		extern char **environ;
		sigset_t none;
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL); /* as a command run from a shell starts */
		execve(full, (char **)argv, environ);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127)
		return -EIO;
	return WEXITSTATUS(status);
}

int lxm_full_helper_status_to_errno(int status)
{
	switch (status) {
	case 0:
		return 0;
	case 2:
		return -EINVAL;
	case 3:
		return -ENOENT;
	case 4:
		return -EEXIST;
	default:
		return -EIO;
	}
}
