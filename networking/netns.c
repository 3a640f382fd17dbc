/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>

#include "networking/netns.h"
#include "util/log.h"

int lxm_netns_open_pid(pid_t pid, int *ret_fd)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", path);
	*ret_fd = fd;
	return 0;
}

int lxm_netns_create(int *ret_fd)
{
	_cleanup_close_ int self = -EBADF, fd = -EBADF;
	int r = 0;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return negative_errno();
	if (unshare(CLONE_NEWNET) < 0)
		return log_debug_errno(negative_errno(), "Failed to create a network namespace: %m");
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		r = negative_errno();
	if (setns(self, CLONE_NEWNET) < 0) {
		log_error_errno(negative_errno(), "Failed to return to the original network namespace: %m");
		abort();
	}
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int lxm_netns_run(int netns_fd, int (*fn)(void *userdata), void *userdata)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	int p[2], result = -EIO, status;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	rfd = p[0];
	wfd = p[1];
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int r = setns(netns_fd, CLONE_NEWNET) < 0 ? negative_errno() : fn(userdata);
		(void)!write(wfd, &r, sizeof(r));
		_exit(r < 0 ? 1 : 0);
	}
	wfd = -EBADF, close(p[1]);
	n = read(rfd, &result, sizeof(result));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != sizeof(result))
		return log_debug_errno(-EIO, "Child in the network namespace died without a result");
	return result;
}
