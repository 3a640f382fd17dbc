/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <netlink/route/addr.h>

#include "networking/addr.h"
#include "networking/ipam.h"
#include "networking/nl.h"
#include "util/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)

struct nl_addr *lxm_addr_to_nl(const struct lxm_cidr *c)
{
	struct nl_addr *a = nl_addr_build(c->family, &c->addr, c->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, c->prefix);
	return a;
}

static int addr_build(int ifindex, const struct lxm_cidr *c, struct rtnl_addr **ret)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *addr = rtnl_addr_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *local = NULL, *brd = NULL;
	int r;

	if (!addr)
		return -ENOMEM;
	local = lxm_addr_to_nl(c);
	if (!local)
		return -ENOMEM;
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, c->family);
	r = lxm_nl_errno(rtnl_addr_set_local(addr, local));
	if (r < 0)
		return r;
	rtnl_addr_set_prefixlen(addr, c->prefix);
	if (c->family == AF_INET && c->prefix < 31) {
		struct in_addr b = lxm_ipam_broadcast(c);
		brd = nl_addr_build(AF_INET, &b, 4);
		if (!brd)
			return -ENOMEM;
		r = lxm_nl_errno(rtnl_addr_set_broadcast(addr, brd));
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(addr);
	return 0;
}

int lxm_addr_add(struct nl_sock *sk, int ifindex, const struct lxm_cidr *c)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *addr = NULL;
	char buf[LXM_CIDR_STRLEN];
	int r;

	r = addr_build(ifindex, c, &addr);
	if (r < 0)
		return r;
	r = lxm_nl_errno(rtnl_addr_add(sk, addr, NLM_F_CREATE | NLM_F_EXCL));
	if (r < 0)
		return log_debug_errno(r, "Failed to add address %s to interface %d: %m",
				       lxm_ipam_cidr_to_string(c, buf), ifindex);
	return 0;
}

int lxm_addr_delete(struct nl_sock *sk, int ifindex, const struct lxm_cidr *c)
{
	_cleanup_(rtnl_addr_putp) struct rtnl_addr *addr = NULL;
	char buf[LXM_CIDR_STRLEN];
	int r;

	r = addr_build(ifindex, c, &addr);
	if (r < 0)
		return r;
	r = lxm_nl_errno(rtnl_addr_delete(sk, addr, 0));
	if (r < 0)
		return log_debug_errno(r, "Failed to delete address %s from interface %d: %m",
				       lxm_ipam_cidr_to_string(c, buf), ifindex);
	return 0;
}
