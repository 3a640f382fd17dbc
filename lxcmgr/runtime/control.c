/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/socket.h>
#include <sys/un.h>

#include "runtime/control.h"
#include "runtime/state.h"
#include "util/log.h"

int lxm_control_connect(const struct lxm_paths *paths, const char *name, int *ret_fd)
{
	_cleanup_free_ char *path = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r = lxm_state_run_path(paths, name, "control", &path);
	if (r < 0)
		return r;
	if (strlen(path) >= sizeof(sa.sun_path))
		return log_debug_errno(-ENAMETOOLONG, "Socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int lxm_control_send(int fd, const char *text)
{
	ssize_t n = send(fd, text, strlen(text), MSG_NOSIGNAL);
	return n < 0 ? negative_errno() : 0;
}

ssize_t lxm_control_recv(int fd, char *buf, size_t size)
{
	ssize_t n;
	do
		n = recv(fd, buf, size - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return n;
}

int lxm_control_request(int fd, const char *request, char *reply, size_t size)
{
	int r = lxm_control_send(fd, request);
	if (r < 0)
		return r;
	ssize_t n = lxm_control_recv(fd, reply, size);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET;
	if (strncmp(reply, "err ", 4) == 0) {
		int e = atoi(reply + 4);
		const char *msg = strchr(reply + 4, ' ');
		log_debug("Monitor refused '%s': %s", request, msg ? msg + 1 : reply);
		return e > 0 ? -e : -EIO;
	}
	return 0;
}
