/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/wait.h>

#include "provision/spawn.h"
#include "util/log.h"

static char *capture(int fd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	ssize_t n;

	if (!m)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		fwrite(chunk, 1, (size_t)n, m);
	}
	fclose(m);
	return buf;
}

int lxm_prov_spawn(const struct lxm_paths *paths, const char *const *args, char **ret_output)
{
	char exe[4096];
	const char *argv[64];
	int pipefd[2] = { -EBADF, -EBADF };

	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (l < 0)
		return negative_errno();
	exe[l] = 0;
	lxm_paths_cli_argv(paths, exe, args, argv, ARRAY_SIZE(argv));

	if (ret_output && pipe2(pipefd, O_CLOEXEC) < 0)
		return negative_errno();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int r = negative_errno();
		if (ret_output) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return r;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0)
			_exit(127);
		if (ret_output) {
			if (dup2(pipefd[1], STDOUT_FILENO) < 0 || dup2(pipefd[1], STDERR_FILENO) < 0)
				_exit(127);
		} else if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	if (ret_output) {
		close(pipefd[1]);
		*ret_output = capture(pipefd[0]);
		close(pipefd[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
