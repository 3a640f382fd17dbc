/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "networking/nl.h"
#include "networking/query.h"
#include "util/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)

struct addr_walk {
	struct nl_cache *links;
	int ifindex; /* 0: any */
	int family;
	bool link_local;
	struct lxm_link_addr *items;
	size_t n;
	int error;
};

static void addr_one(struct nl_object *obj, void *arg)
{
	struct addr_walk *w = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct nl_addr *local = rtnl_addr_get_local(a);
	struct rtnl_link *link;
	struct lxm_link_addr e = {}, *n;
	int family = rtnl_addr_get_family(a);

	if (w->error < 0 || !local)
		return;
	if (w->family != AF_UNSPEC && family != w->family)
		return;
	if (family != AF_INET && family != AF_INET6)
		return;
	e.ifindex = rtnl_addr_get_ifindex(a);
	if (w->ifindex > 0 && e.ifindex != w->ifindex)
		return;
	link = rtnl_link_get(w->links, e.ifindex);
	if (link) {
		bool loopback = rtnl_link_get_flags(link) & IFF_LOOPBACK;
		snprintf(e.ifname, sizeof(e.ifname), "%s", rtnl_link_get_name(link));
		rtnl_link_put(link);
		if (loopback && w->ifindex == 0)
			return;
	}
	if (family == AF_INET6 && !w->link_local && rtnl_addr_get_scope(a) == RT_SCOPE_LINK)
		return;
	e.addr.family = family;
	memcpy(&e.addr.addr, nl_addr_get_binary_addr(local), family == AF_INET ? 4 : 16);
	e.addr.prefix = rtnl_addr_get_prefixlen(a);
	n = realloc(w->items, (w->n + 1) * sizeof(*n));
	if (!n) {
		w->error = -ENOMEM;
		return;
	}
	w->items = n;
	w->items[w->n++] = e;
}

int lxm_query_addresses(struct nl_sock *sk, const char *ifname, int family, bool link_local,
			struct lxm_link_addr **ret, size_t *ret_n)
{
	_cleanup_(nl_cache_freep) struct nl_cache *links = NULL, *addrs = NULL;
	struct addr_walk w = { .family = family, .link_local = link_local };
	int r;

	r = lxm_nl_errno(rtnl_link_alloc_cache(sk, AF_UNSPEC, &links));
	if (r < 0)
		return log_debug_errno(r, "Failed to list links: %m");
	r = lxm_nl_errno(rtnl_addr_alloc_cache(sk, &addrs));
	if (r < 0)
		return log_debug_errno(r, "Failed to list addresses: %m");
	w.links = links;
	if (ifname) {
		w.ifindex = rtnl_link_name2i(links, ifname);
		if (w.ifindex <= 0)
			return log_debug_errno(-ENODEV, "No link '%s'", ifname);
	}
	nl_cache_foreach(addrs, addr_one, &w);
	if (w.error < 0) {
		free(w.items);
		return w.error;
	}
	*ret = w.items;
	*ret_n = w.n;
	return 0;
}
