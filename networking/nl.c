/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <netlink/errno.h>
#include <sched.h>

#include "networking/nl.h"
#include "util/log.h"

int lxm_nl_errno(int nle)
{
	if (nle >= 0)
		return 0;
	switch (-nle) {
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
	case NLE_MISSING_ATTR:
	case NLE_AF_MISMATCH:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
	case NLE_MSGTYPE_NOSUPPORT:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	default:
		return -EIO;
	}
}

int lxm_nl_open(struct nl_sock **ret)
{
	_cleanup_nl_sock_ struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		r = lxm_nl_errno(r);
		return log_debug_errno(r, "Failed to open a netlink socket: %m");
	}
	/* libnl opens without SOCK_CLOEXEC; no netlink fd may leak into a container's init. */
	r = fcntl(nl_socket_get_fd(sk), F_SETFD, FD_CLOEXEC);
	if (r < 0)
		return -errno;
	*ret = TAKE_PTR(sk);
	return 0;
}

int lxm_nl_open_in_netns(int netns_fd, struct nl_sock **ret)
{
	_cleanup_close_ int self = -EBADF;
	int r, q;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return log_debug_errno(negative_errno(), "Failed to open this thread's network namespace: %m");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return log_debug_errno(negative_errno(), "Failed to join the network namespace: %m");
	r = lxm_nl_open(ret);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Staying in the container's namespace would make every later host-side step act on
		 * the container instead: that must never go unnoticed. */
		q = negative_errno();
		log_error_errno(q, "Failed to return to the host network namespace: %m");
		abort();
	}
	return r;
}
