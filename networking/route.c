/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/rtnetlink.h>
#include <netlink/route/route.h>

#include "networking/addr.h"
#include "networking/ipam.h"
#include "networking/nl.h"
#include "networking/route.h"
#include "util/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)

int lxm_route_add_default(struct nl_sock *sk, int ifindex, const struct lxm_cidr *gateway)
{
	_cleanup_(rtnl_route_putp) struct rtnl_route *route = rtnl_route_alloc();
	_cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *gw = NULL;
	struct lxm_cidr any = { .family = gateway->family, .prefix = 0 };
	struct lxm_cidr gw_host = *gateway;
	struct rtnl_nexthop *nh;
	char buf[LXM_CIDR_STRLEN];
	int r;

	if (!route)
		return -ENOMEM;
	gw_host.prefix = gateway->family == AF_INET ? 32 : 128;
	dst = lxm_addr_to_nl(&any);
	gw = lxm_addr_to_nl(&gw_host);
	nh = rtnl_route_nh_alloc();
	if (!dst || !gw || !nh) {
		if (nh)
			rtnl_route_nh_free(nh);
		return -ENOMEM;
	}
	rtnl_route_set_family(route, gateway->family);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(route, RTN_UNICAST);
	r = lxm_nl_errno(rtnl_route_set_dst(route, dst));
	if (r < 0) {
		rtnl_route_nh_free(nh);
		return r;
	}
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
	r = lxm_nl_errno(rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL));
	if (r < 0)
		return log_debug_errno(r, "Failed to add the default route via %s: %m",
				       lxm_ipam_addr_to_string(gateway, buf));
	return 0;
}

struct route_list {
	int family;
	struct lxm_cidr *items;
	size_t n;
	int error;
};

static void route_one(struct nl_object *obj, void *arg)
{
	struct route_list *l = arg;
	struct rtnl_route *route = (struct rtnl_route *)obj;
	struct nl_addr *dst = rtnl_route_get_dst(route);
	struct lxm_cidr c = { .family = l->family };
	struct lxm_cidr *n;

	if (l->error < 0 || !dst || rtnl_route_get_table(route) != RT_TABLE_MAIN)
		return;
	if (nl_addr_get_prefixlen(dst) == 0 || nl_addr_get_len(dst) != (l->family == AF_INET ? 4u : 16u))
		return;
	memcpy(&c.addr, nl_addr_get_binary_addr(dst), nl_addr_get_len(dst));
	c.prefix = nl_addr_get_prefixlen(dst);
	n = realloc(l->items, (l->n + 1) * sizeof(*n));
	if (!n) {
		l->error = -ENOMEM;
		return;
	}
	l->items = n;
	l->items[l->n++] = c;
}

int lxm_route_list(struct nl_sock *sk, int family, struct lxm_cidr **ret, size_t *ret_n)
{
	_cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
	struct route_list l = { .family = family };
	int r;

	r = lxm_nl_errno(rtnl_route_alloc_cache(sk, family, 0, &cache));
	if (r < 0)
		return log_debug_errno(r, "Failed to list routes: %m");
	nl_cache_foreach(cache, route_one, &l);
	if (l.error < 0) {
		free(l.items);
		return l.error;
	}
	*ret = l.items;
	*ret_n = l.n;
	return 0;
}
