/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/if_link.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/link/veth.h>

#include "networking/link.h"
#include "networking/netns.h"
#include "networking/nl.h"
#include "util/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put)
#define _cleanup_link_ _cleanup_(rtnl_link_putp)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put)
#define _cleanup_nladdr_ _cleanup_(nl_addr_putp)

int lxm_link_name_validate(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= IF_NAMESIZE)
		return -EINVAL;
	if (STREQ(name, ".") || STREQ(name, ".."))
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p >= 0x7f)
			return -EINVAL;
	return 0;
}

static int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **ret)
{
	int r = rtnl_link_get_kernel(sk, 0, name, ret);

	if (r < 0) {
		r = lxm_nl_errno(r);
		/* The kernel answers ENODEV for a missing name; libnl may report it either way. */
		if (r == -ENOENT)
			r = -ENODEV;
		return log_debug_errno(r, "Failed to look up link '%s': %m", name);
	}
	return 0;
}

static int set_mac(struct rtnl_link *link, const uint8_t *mac)
{
	_cleanup_nladdr_ struct nl_addr *a = NULL;

	if (!mac)
		return 0;
	a = nl_addr_build(AF_LLC, mac, 6);
	if (!a)
		return -ENOMEM;
	rtnl_link_set_addr(link, a);
	return 0;
}

int lxm_link_bridge_create(struct nl_sock *sk, const char *name, unsigned mtu)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_bridge_alloc();
	int r;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	if (mtu > 0)
		rtnl_link_set_mtu(link, mtu);
	r = lxm_nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (r < 0)
		return log_debug_errno(r, "Failed to create bridge '%s': %m", name);
	return 0;
}

int lxm_link_veth_create(struct nl_sock *sk, const struct lxm_veth_spec *spec)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_veth_alloc();
	_cleanup_link_ struct rtnl_link *peer = NULL;
	int r, master = 0;

	if (!link)
		return -ENOMEM;
	if (spec->master) {
		r = lxm_link_get_ifindex(sk, spec->master, &master);
		if (r < 0)
			return r;
	}
	/* Since libnl 3.2.x the peer is a reference the caller owns (NL_CAPABILITY_..._OWN_REFERENCE). */
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, spec->name);
	rtnl_link_set_name(peer, spec->peer_name);
	if (spec->mtu > 0) {
		rtnl_link_set_mtu(link, spec->mtu);
		rtnl_link_set_mtu(peer, spec->mtu);
	}
	if (master > 0)
		rtnl_link_set_master(link, master);
	if (spec->up)
		rtnl_link_set_flags(link, IFF_UP);
	r = set_mac(peer, spec->peer_mac);
	if (r < 0)
		return r;
	if (spec->peer_netns_fd >= 0)
		rtnl_link_set_ns_fd(peer, spec->peer_netns_fd);
	r = lxm_nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (r < 0)
		return log_debug_errno(r, "Failed to create veth pair '%s'/'%s': %m", spec->name, spec->peer_name);
	return 0;
}

int lxm_link_macvlan_create(struct nl_sock *sk, const char *name, const char *parent, int netns_fd,
			    const uint8_t *mac, unsigned mtu)
{
	_cleanup_link_ struct rtnl_link *link = rtnl_link_macvlan_alloc();
	int r, parent_index;

	if (!link)
		return -ENOMEM;
	r = lxm_link_get_ifindex(sk, parent, &parent_index);
	if (r < 0)
		return r;
	rtnl_link_set_name(link, name);
	rtnl_link_set_link(link, parent_index);
	r = lxm_nl_errno(rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_BRIDGE));
	if (r < 0)
		return r;
	if (mtu > 0)
		rtnl_link_set_mtu(link, mtu);
	r = set_mac(link, mac);
	if (r < 0)
		return r;
	if (netns_fd >= 0)
		rtnl_link_set_ns_fd(link, netns_fd);
	r = lxm_nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (r < 0)
		return log_debug_errno(r, "Failed to create macvlan '%s' on '%s': %m", name, parent);
	return 0;
}

int lxm_link_delete(struct nl_sock *sk, const char *name)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	int r;

	r = link_get(sk, name, &link);
	if (r < 0)
		return r;
	r = lxm_nl_errno(rtnl_link_delete(sk, link));
	if (r < 0)
		return log_debug_errno(r, "Failed to delete link '%s': %m", name);
	return 0;
}

/* Applies what `fill` sets on a change object to the link called name. */
static int link_change(struct nl_sock *sk, const char *name, void (*fill)(struct rtnl_link *, const void *),
		       const void *arg)
{
	_cleanup_link_ struct rtnl_link *orig = NULL, *changes = rtnl_link_alloc();
	int r;

	if (!changes)
		return -ENOMEM;
	r = link_get(sk, name, &orig);
	if (r < 0)
		return r;
	fill(changes, arg);
	r = lxm_nl_errno(rtnl_link_change(sk, orig, changes, 0));
	if (r < 0)
		return log_debug_errno(r, "Failed to change link '%s': %m", name);
	return 0;
}

static void fill_master(struct rtnl_link *l, const void *arg)
{
	rtnl_link_set_master(l, *(const int *)arg);
}

int lxm_link_set_master(struct nl_sock *sk, const char *name, const char *master)
{
	int r, index = 0;

	if (master) {
		r = lxm_link_get_ifindex(sk, master, &index);
		if (r < 0)
			return r;
	}
	return link_change(sk, name, fill_master, &index);
}

static void fill_ns_fd(struct rtnl_link *l, const void *arg)
{
	rtnl_link_set_ns_fd(l, *(const int *)arg);
}

int lxm_link_move_to_netns_fd(struct nl_sock *sk, const char *name, int netns_fd)
{
	return link_change(sk, name, fill_ns_fd, &netns_fd);
}

int lxm_link_move_to_netns_pid(struct nl_sock *sk, const char *name, pid_t pid)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	/* Through the namespace fd: libnl 3.7's IFLA_NET_NS_PID change request is refused with
	 * EINVAL, and the fd also pins the namespace against the pid being reused. */
	r = lxm_netns_open_pid(pid, &fd);
	if (r < 0)
		return r;
	return lxm_link_move_to_netns_fd(sk, name, fd);
}

static void fill_name(struct rtnl_link *l, const void *arg)
{
	rtnl_link_set_name(l, arg);
}

int lxm_link_rename(struct nl_sock *sk, const char *name, const char *new_name)
{
	return link_change(sk, name, fill_name, new_name);
}

static void fill_mac(struct rtnl_link *l, const void *arg)
{
	(void)set_mac(l, arg);
}

int lxm_link_set_mac(struct nl_sock *sk, const char *name, const uint8_t mac[6])
{
	return link_change(sk, name, fill_mac, mac);
}

static void fill_mtu(struct rtnl_link *l, const void *arg)
{
	rtnl_link_set_mtu(l, *(const unsigned *)arg);
}

int lxm_link_set_mtu(struct nl_sock *sk, const char *name, unsigned mtu)
{
	return link_change(sk, name, fill_mtu, &mtu);
}

static void fill_up(struct rtnl_link *l, const void *arg)
{
	if (*(const bool *)arg)
		rtnl_link_set_flags(l, IFF_UP);
	else
		rtnl_link_unset_flags(l, IFF_UP);
}

int lxm_link_set_up(struct nl_sock *sk, const char *name, bool up)
{
	return link_change(sk, name, fill_up, &up);
}

static void fill_alias(struct rtnl_link *l, const void *arg)
{
	rtnl_link_set_ifalias(l, arg);
}

int lxm_link_set_alias(struct nl_sock *sk, const char *name, const char *alias)
{
	return link_change(sk, name, fill_alias, alias);
}

int lxm_link_get_info(struct nl_sock *sk, const char *name, struct lxm_link_info *ret)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	struct nl_addr *a;
	const char *s;
	int r;

	r = link_get(sk, name, &link);
	if (r < 0)
		return r;
	*ret = (struct lxm_link_info){
		.ifindex = rtnl_link_get_ifindex(link),
		.master = rtnl_link_get_master(link),
		.mtu = rtnl_link_get_mtu(link),
		.up = rtnl_link_get_flags(link) & IFF_UP,
		.rx_bytes = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES),
		.tx_bytes = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES),
		.rx_packets = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS),
		.tx_packets = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS),
	};
	snprintf(ret->name, sizeof(ret->name), "%s", rtnl_link_get_name(link));
	s = rtnl_link_get_type(link);
	snprintf(ret->kind, sizeof(ret->kind), "%s", s ? s : "");
	s = rtnl_link_get_ifalias(link);
	snprintf(ret->alias, sizeof(ret->alias), "%s", s ? s : "");
	a = rtnl_link_get_addr(link);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(ret->mac, nl_addr_get_binary_addr(a), 6);
	return 0;
}

int lxm_link_get_ifindex(struct nl_sock *sk, const char *name, int *ret)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	int r;

	r = link_get(sk, name, &link);
	if (r < 0)
		return r;
	*ret = rtnl_link_get_ifindex(link);
	return 0;
}

int lxm_link_exists(struct nl_sock *sk, const char *name)
{
	int index, r;

	r = lxm_link_get_ifindex(sk, name, &index);
	if (r == -ENODEV)
		return 0;
	return r < 0 ? r : 1;
}
