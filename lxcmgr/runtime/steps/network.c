/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'network'. Parent: the config's network sections through lxm_net_start() (net-step.h):
 * interfaces created in the waiting child's network namespace, addresses, routes and forwards
 * set from the host before init runs. Child: makes sure lo is up inside its own namespace.
 */
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "runtime/net-step.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_start_step_network(struct lxm_start_ctx *ctx)
{
	int r;

	if (!ctx->own_netns)
		return lxm_net_start_host_netns(ctx->container); /* logs its failure */
	r = lxm_net_start(ctx->params->paths, ctx->container, ctx->pid); /* logs its failure */
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

/* Step 'netns' (child), right after 'clone': the new network namespace, owned by the child's user
 * namespace when it has one (as with CLONE_NEWNET in clone3: the child holds every capability in
 * its new user namespace from the start, maps or not). The parent waits for this record before
 * its step 'network' puts interfaces into it; step 'sys' mounts sysfs only after it. */
int lxm_child_step_netns(struct lxm_start_ctx *ctx)
{
	if (!ctx->own_netns)
		return 0;
	if (unshare(CLONE_NEWNET) < 0)
		return lxm_step_fail(ctx, negative_errno(), "unshare(CLONE_NEWNET)");
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
