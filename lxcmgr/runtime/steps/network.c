/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'network'. Parent: the config's network sections through lxm_net_start() (net-step.h):
 * interfaces created in the waiting child's network namespace, addresses, routes and forwards
 * set from the host before init runs. Child: makes sure lo is up inside its own namespace.
 */
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "runtime/net-step.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_start_step_network(struct lxm_start_ctx *ctx)
{
	int r;

	if (!ctx->own_netns)
		return lxm_net_start_host_netns(ctx->container); /* logs its failure */
	r = lxm_net_start(ctx->params->paths, ctx->container, ctx->netns_fd); /* logs its failure */
	if (r < 0)
		return r;
	ctx->net_started = true;
	return 0;
}

void lxm_start_network_undo(struct lxm_start_ctx *ctx)
{
	if (ctx->net_started)
		(void)lxm_net_stop(ctx->params->paths, ctx->container);
	ctx->net_started = false;
}

/* Step 'netns'. Creating a network namespace is the longest single syscall of a start (~0.5 ms of
 * pernet setup in the kernel): a short-lived process makes it while the child goes on with its
 * first mounts, and the child joins it before anything that depends on it (steps 'proc' and
 * 'sys'). The namespace is owned by the child's user namespace when it has one, as if the child
 * had unshared it itself: the maker joins that user namespace first (it gets every capability
 * there, as the child has them), then unshares, hands the namespace back as an fd and exits. It
 * holds nothing of the container's and is gone before anything of the container runs. */
static _noreturn_ void netns_maker(int userns_fd, int sock)
{
	const char *what = "joining the container's user namespace";
	int r = 0;

	if (userns_fd >= 0 && setns(userns_fd, CLONE_NEWUSER) < 0)
		r = negative_errno();
	if (r == 0) {
		what = "unshare(CLONE_NEWNET)";
		if (unshare(CLONE_NEWNET) < 0)
			r = negative_errno();
	}
	if (r == 0) {
		what = "opening the new network namespace";
		_cleanup_close_ int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (ns < 0)
			r = negative_errno();
		else
			r = lxm_sync_send_fds(sock, LXM_STEP_NETNS, &ns, 1);
	}
	if (r < 0)
		(void)lxm_sync_send_error(sock, LXM_STEP_NETNS, r, what);
	_exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
}

int lxm_start_netns_fork(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int userns = -EBADF;
	int fds[2], r;

	if (!ctx->own_netns)
		return 0;
	if (ctx->userns) {
		char path[64];
		/* The pid cannot be recycled: the child is not reaped while we hold its pidfd. */
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)ctx->pid);
		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			return log_error_errno(errno, "Failed to open the container's user namespace: %m");
	}
	r = lxm_sync_pair(fds);
	if (r < 0)
		return log_error_errno(r, "Failed to create a socket for the network namespace: %m");
	pid_t pid = fork();
	if (pid < 0) {
		r = log_error_errno(errno, "Failed to fork the network namespace maker: %m");
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0) {
		close(fds[0]);
		netns_maker(userns, fds[1]);
	}
	close(fds[1]);
	ctx->netns_maker = pid;
	ctx->netns_sock = fds[0];
	return 0;
}

void lxm_start_netns_reap(struct lxm_start_ctx *ctx)
{
	/* Not answered yet: the start failed meanwhile, the namespace is not wanted. */
	if (ctx->netns_maker > 0 && ctx->netns_sock >= 0)
		(void)kill(ctx->netns_maker, SIGKILL);
	closep(&ctx->netns_sock);
	ctx->netns_sock = -EBADF;
	if (ctx->netns_maker <= 0)
		return;
	while (waitpid(ctx->netns_maker, NULL, 0) < 0 && errno == EINTR)
		;
	ctx->netns_maker = 0;
}

/* Parent step 'netns': takes the maker's namespace; start.c sends it to the child with the
 * record (the child waits for it before step 'proc') and keeps it for step 'network'. */
int lxm_start_step_netns(struct lxm_start_ctx *ctx)
{
	struct lxm_sync_msg m;
	size_t n = 0;
	int fd = -EBADF, r;

	if (!ctx->own_netns)
		return 0;
	r = lxm_sync_recv_fds(ctx->netns_sock, &m, &fd, 1, &n);
	if (r >= 0 && m.error > 0)
		r = log_error_errno(m.error, "Failed to create the network namespace: %s: %m", m.text);
	else if (r >= 0 && (m.step != LXM_STEP_NETNS || n != 1))
		r = log_error_errno(-EPROTO, "The network namespace maker sent no namespace");
	else if (r < 0)
		r = log_error_errno(r, "The network namespace maker went away: %m");
	if (r < 0) {
		if (n > 0)
			close(fd);
		return r;
	}
	closep(&ctx->netns_fd);
	ctx->netns_fd = fd;
	closep(&ctx->netns_sock);
	ctx->netns_sock = -EBADF;
	lxm_start_netns_reap(ctx); /* it answered: it has exited or is about to */
	return 0;
}

/* Child: joins the namespace of the parent's record 'netns', and reports 'netns'. */
int lxm_child_step_netns(struct lxm_start_ctx *ctx)
{
	struct lxm_sync_msg m;
	size_t n = 0;
	int r;

	if (!ctx->own_netns)
		return 0;
	_cleanup_close_ int fd = -EBADF;
	r = lxm_sync_recv_fds(ctx->sync_fd, &m, &fd, 1, &n);
	if (r < 0)
		return lxm_step_fail(ctx, r, "waiting for the network namespace");
	if (m.step != LXM_STEP_NETNS || m.error != 0 || n != 1)
		return lxm_step_fail(ctx, -EPROTO, "no network namespace from the parent");
	if (setns(fd, CLONE_NEWNET) < 0)
		return lxm_step_fail(ctx, negative_errno(), "joining the network namespace");
	return 0;
}

int lxm_child_step_network(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int fd = -EBADF;
	struct ifreq ifr = {};

	if (!ctx->own_netns)
		return 0; /* the host's lo */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "socket for 'lo'");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return lxm_step_fail(ctx, negative_errno(), "flags of 'lo'");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return lxm_step_fail(ctx, negative_errno(), "bringing up 'lo'");
	return 0;
}
