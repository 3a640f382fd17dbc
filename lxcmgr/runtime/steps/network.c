/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'network'. Parent: the place where the networking library creates each veth pair, puts the
 * host end on its bridge and moves the other end into the child's network namespace (by pidfd)
 * as eth0 with its address, before init runs. Child: brings up lo inside its new namespace.
 */
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_start_step_network(struct lxm_start_ctx *ctx)
{
	log_debug("Step 'network': no interfaces configured by the runtime yet (only lo)");
	return 0;
}

int lxm_child_step_network(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int fd = -EBADF;
	struct ifreq ifr = {};

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
