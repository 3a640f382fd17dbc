/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <sys/wait.h>

#include "cli/front.h"
#include "runtime/full-helper.h"
#include "util/log.h"

/* Defined only in `lxcmgr` (cli/front.c). */
extern __typeof__(lxm_front_route) lxm_front_route __attribute__((weak));

bool lxm_full_helper_wanted(void)
{
	return lxm_front_route != NULL;
}

/* lxcmgr-full as cli/front.c finds it: next to a build tree's lxcmgr, else the installed one
 * (never next to an installed lxcmgr: a bin directory may hold an unrelated program of that name). */
static int find_full(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash && slash != exe) {
			*slash = '\0';
			if (!STREQ(exe, LXCMGR_BINDIR)) {
				snprintf(buf, size, "%s/%s", exe, LXM_FRONT_FULL_NAME);
				if (access(buf, X_OK) == 0)
					return 0;
			}
		}
	}
	snprintf(buf, size, "%s/%s", LXCMGR_LIBEXECDIR, LXM_FRONT_FULL_NAME);
	return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}

int lxm_full_helper_run(const struct lxm_paths *paths, const char *const *args)
{
	char full[PATH_MAX + 32];
	const char *argv[16];
	size_t n = 0;
	int status;

	if (find_full(full, sizeof(full)) < 0)
		return log_debug_errno(-ENOENT, "No %s to run", LXM_FRONT_FULL_NAME);
	argv[n++] = full;
	if (!IS_EMPTY(paths->root)) {
		argv[n++] = "--root";
		argv[n++] = paths->root;
	}
	for (; *args && n < ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		extern char **environ;
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
