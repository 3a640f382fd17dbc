/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/socket.h>

#include "runtime/sync.h"
#include "util/log.h"

const char *lxm_step_to_string(enum lxm_step s)
{
	static const char *const names[_LXM_STEP_MAX] = {
		[LXM_STEP_NONE] = "none",
		[LXM_STEP_CLONE] = "clone",
		[LXM_STEP_CGROUP] = "cgroup",
		[LXM_STEP_IDMAP] = "idmap",
		[LXM_STEP_OVERLAY] = "overlay",
		[LXM_STEP_NETWORK] = "network",
		[LXM_STEP_LIMITS] = "limits",
		[LXM_STEP_PTYS] = "ptys",
		[LXM_STEP_CGROUPNS] = "cgroupns",
		[LXM_STEP_NETNS] = "netns",
		[LXM_STEP_DEVPTS] = "devpts",
		[LXM_STEP_ROOTFS] = "rootfs",
		[LXM_STEP_MOUNTS] = "mounts",
		[LXM_STEP_PROC] = "proc",
		[LXM_STEP_SYS] = "sys",
		[LXM_STEP_CGROUPFS] = "cgroupfs",
		[LXM_STEP_DEV] = "dev",
		[LXM_STEP_CONSOLE] = "console",
		[LXM_STEP_PIVOT_ROOT] = "pivot_root",
		[LXM_STEP_HOSTNAME] = "hostname",
		[LXM_STEP_CAPS] = "capabilities",
		[LXM_STEP_LSM] = "lsm",
		[LXM_STEP_SECCOMP] = "seccomp",
		[LXM_STEP_EXEC] = "exec",
	};
	return (size_t)s < ARRAY_SIZE(names) && names[s] ? names[s] : "unknown";
}

int lxm_sync_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return log_debug_errno(errno, "Failed to create the start sync socket pair: %m");
	return 0;
}

static int sync_send_msg(int fd, const struct lxm_sync_msg *m, const int *fds, size_t n_fds)
{
	/* Only the used part of text travels; SEQPACKET keeps record boundaries. */
	size_t len = offsetof(struct lxm_sync_msg, text) + strnlen(m->text, sizeof(m->text) - 1) + 1;
	union {
		char buf[CMSG_SPACE(sizeof(int) * LXM_SYNC_FDS_MAX)];
		struct cmsghdr align;
	} u = {};
	struct iovec iov = { (void *)m, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (n_fds > LXM_SYNC_FDS_MAX)
		return -E2BIG;
	if (n_fds > 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int lxm_sync_send(int fd, enum lxm_step step)
{
	struct lxm_sync_msg m = { .step = step };

	log_debug("Start sync: step '%s' done, telling the other side", lxm_step_to_string(step));
	return sync_send_msg(fd, &m, NULL, 0);
}

int lxm_sync_send_text_fds(int fd, enum lxm_step step, const char *text, const int *fds, size_t n)
{
	struct lxm_sync_msg m = { .step = step };

	if (text && strlen(text) >= sizeof(m.text))
		return -E2BIG;
	if (text)
		strcpy(m.text, text);
	log_debug("Start sync: step '%s' done, sending %zu fds", lxm_step_to_string(step), n);
	return sync_send_msg(fd, &m, fds, n);
}

int lxm_sync_send_fds(int fd, enum lxm_step step, const int *fds, size_t n)
{
	return lxm_sync_send_text_fds(fd, step, NULL, fds, n);
}

int lxm_sync_send_error(int fd, enum lxm_step step, int error, const char *text)
{
	struct lxm_sync_msg m = { .step = step, .error = error < 0 ? -error : error };

	if (m.error == 0)
		m.error = EIO;
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	return sync_send_msg(fd, &m, NULL, 0);
}

/* Takes the SCM_RIGHTS fds of a received message; closes them all when they do not fit. Without
 * ret_fds the caller wants none: any are closed and that is no error. */
static int take_fds(struct msghdr *mh, int *ret_fds, size_t max, size_t *ret_n)
{
	size_t n = 0;
	bool overflow = ret_fds && (mh->msg_flags & MSG_CTRUNC) != 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (ret_fds && n < max)
				ret_fds[n++] = fd;
			else {
				close(fd);
				overflow = overflow || ret_fds != NULL;
			}
		}
	}
	if (overflow) {
		for (size_t i = 0; i < n; i++)
			close(ret_fds[i]);
		n = 0;
	}
	if (ret_n)
		*ret_n = n;
	return overflow ? -EPROTO : 0;
}

int lxm_sync_recv_fds(int fd, struct lxm_sync_msg *ret, int *ret_fds, size_t max, size_t *ret_n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * LXM_SYNC_FDS_MAX)];
		struct cmsghdr align;
	} u;
	ssize_t n;

	*ret = (struct lxm_sync_msg){};
	if (ret_n)
		*ret_n = 0;
	if (max > LXM_SYNC_FDS_MAX)
		max = LXM_SYNC_FDS_MAX;
	/* A peer that exits with our messages unread leaves ECONNRESET pending on this socket, and
	 * the kernel reports it before the records already queued here (a child's error record among
	 * them). Reading the error clears it: read again to get the queued records, then EOF. */
	bool reset = false;
	struct iovec iov = { ret, sizeof(*ret) };
	struct msghdr mh;
	for (;;) {
		mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET && !reset) {
			reset = true;
			continue;
		}
		break;
	}
	if (n < 0)
		return negative_errno() == -ECONNRESET ? -EPIPE : negative_errno();
	if (take_fds(&mh, ret_fds, max, ret_n) < 0)
		return -EPROTO;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < offsetof(struct lxm_sync_msg, text) || ret->step <= LXM_STEP_NONE ||
	    ret->step >= _LXM_STEP_MAX || ret->error < 0) {
		for (size_t i = 0; ret_n && i < *ret_n; i++)
			close(ret_fds[i]);
		return -EPROTO;
	}
	ret->text[sizeof(ret->text) - 1] = 0;
	return 0;
}

int lxm_sync_recv(int fd, struct lxm_sync_msg *ret)
{
	return lxm_sync_recv_fds(fd, ret, NULL, 0, NULL);
}

int lxm_sync_wait_fds(int fd, enum lxm_step step, struct lxm_sync_msg *ret, struct lxm_sync_msg *ret_failed,
		      int *ret_fds, size_t max, size_t *ret_n)
{
	struct lxm_sync_msg m;
	size_t n = 0;
	int r;

	if (ret_n)
		*ret_n = 0;
	log_debug("Start sync: waiting for step '%s'", lxm_step_to_string(step));
	r = lxm_sync_recv_fds(fd, &m, ret_fds, max, &n);
	if (r < 0)
		return log_debug_errno(r, "Start sync: no step '%s' from the other side: %m",
				       lxm_step_to_string(step));
	if (m.error > 0 || m.step != (int)step) {
		for (size_t i = 0; i < n; i++)
			close(ret_fds[i]);
		if (m.error > 0) {
			if (ret_failed)
				*ret_failed = m;
			return -m.error;
		}
		return log_debug_errno(EPROTO, "Start sync: expected step '%s', got '%s'",
				       lxm_step_to_string(step), lxm_step_to_string(m.step));
	}
	log_debug("Start sync: step '%s' reached", lxm_step_to_string(step));
	if (ret)
		*ret = m;
	if (ret_n)
		*ret_n = n;
	return 0;
}

int lxm_sync_wait(int fd, enum lxm_step step, struct lxm_sync_msg *ret_failed)
{
	return lxm_sync_wait_fds(fd, step, NULL, ret_failed, NULL, 0, NULL);
}
