/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config/config.h"
#include "networking/addr.h"
#include "networking/dnsmasq.h"
#include "networking/ipam.h"
#include "networking/link.h"
#include "networking/managed.h"
#include "networking/nl.h"
#include "networking/route.h"
#include "runtime/net-check.h"
#include "runtime/net-claims.h"
#include "runtime/net-forward.h"
#include "runtime/net-setup.h"
#include "store/store.h"
#include "util/log.h"
#include "util/strv.h"

static const char *const type_names[] = {
	[LXM_NET_VETH] = "veth", [LXM_NET_MACVLAN] = "macvlan", [LXM_NET_EMPTY] = "empty", [LXM_NET_NONE] = "none",
};

const char *lxm_net_type_to_string(enum lxm_net_type t)
{
	return (size_t)t < ARRAY_SIZE(type_names) ? type_names[t] : NULL;
}

int lxm_net_type_from_string(const char *s, enum lxm_net_type *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(type_names); i++)
		if (STREQ(s, type_names[i])) {
			*ret = i;
			return 0;
		}
	return -EINVAL;
}

void lxm_net_state_done(struct lxm_net_state *s)
{
	free(s->ifaces);
	*s = (struct lxm_net_state){};
}

static const char *sec_str(cfg_t *sec, const char *key)
{
	cfg_opt_t *o = cfg_getopt(sec, key);

	return o && cfg_opt_size(o) > 0 && o->type == CFGT_STR ? cfg_opt_getnstr(o, 0) : NULL;
}

static unsigned sec_uint(cfg_t *sec, const char *key)
{
	cfg_opt_t *o = cfg_getopt(sec, key);

	if (!o || cfg_opt_size(o) == 0 || o->type != CFGT_INT)
		return 0;
	long v = cfg_opt_getnint(o, 0);
	return v > 0 ? (unsigned)v : 0;
}

static enum lxm_net_type sec_type(cfg_t *sec)
{
	enum lxm_net_type t = LXM_NET_VETH;
	const char *s = sec_str(sec, "type");

	if (s)
		(void)lxm_net_type_from_string(s, &t);
	return t;
}

static const char *sec_bridge(cfg_t *sec)
{
	const char *s = sec_str(sec, "bridge");
	return IS_EMPTY(s) ? LXM_NETWORK_DEFAULT : s;
}

bool lxm_net_wants_netns(cfg_t *cfg)
{
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++)
		if (sec_type(cfg_getnsec(cfg, "network", i)) == LXM_NET_NONE)
			return false;
	return true;
}

/* The managed network of bridge, *ret NULL when the bridge is not one (an administrator's). */
static int load_network(const struct lxm_paths *paths, const char *bridge, struct lxm_network **ret)
{
	int r = lxm_network_load(paths->networks_dir, bridge, ret);

	if (r == -ENOENT && !STREQ(bridge, LXM_NETWORK_DEFAULT)) {
		*ret = NULL;
		return 0;
	}
	if (r == -ENOENT) {
		r = lxm_network_new(bridge, ret);
		if (r >= 0)
			r = lxm_network_check_conflicts(paths->networks_dir, *ret);
		if (r >= 0)
			r = lxm_network_save(paths->networks_dir, *ret);
		if (r < 0) {
			lxm_network_free(*ret);
			*ret = NULL;
		}
	}
	return r;
}

int lxm_net_ensure_up(const struct lxm_paths *paths, const char *network)
{
	_cleanup_network_free_ struct lxm_network *n = NULL;
	int r;

	r = lxm_network_name_validate(network);
	if (r < 0)
		return r;
	r = load_network(paths, network, &n);
	if (r < 0)
		return r;
	if (!n)
		return log_error_errno(-ENOENT, "No network '%s'", network);
	return lxm_network_up(n, paths->root, paths->run_dir);
}

int lxm_net_users(const struct lxm_paths *paths, const char *network, char ***ret)
{
	_cleanup_strv_free_ char **names = NULL, **users = calloc(1, sizeof(char *));
	size_t n = 0;
	int r;

	if (!users)
		return -ENOMEM;
	r = lxm_store_list(paths, &names);
	if (r < 0)
		return r;
	for (char **s = names; *s; s++) {
		_cleanup_container_free_ struct lxm_container *c = NULL;
		bool uses = false;
		if (lxm_container_load(paths, *s, &c) < 0)
			continue; /* a broken config cannot be started either */
		for (unsigned i = 0; i < cfg_size(c->config, "network"); i++) {
			cfg_t *sec = cfg_getnsec(c->config, "network", i);
			enum lxm_net_type t = sec_type(sec);
			uses |= (t == LXM_NET_VETH || t == LXM_NET_MACVLAN) && STREQ(sec_bridge(sec), network);
		}
		if (!uses)
			continue;
		if (lxm_strv_append(&users, &n, *s) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(users);
	return 0;
}

static int setup_ipv4(const struct lxm_paths *paths, cfg_t *sec, const struct lxm_network *n, const char *name,
		      struct lxm_net_iface *ifc)
{
	_cleanup_free_ struct lxm_cidr *used = NULL;
	_cleanup_free_ char *dir = NULL;
	const char *v4 = sec_str(sec, "ipv4"), *gw = sec_str(sec, "ipv4_gateway");
	size_t n_used = 0;
	bool dhcp = IS_EMPTY(v4) || STREQ(v4, "dhcp");
	int r;

	/* The container's own network configuration decides, as with LXC's bare veth. */
	if (v4 && STREQ(v4, "none")) {
		ifc->ipv4_none = true;
		return 0;
	}
	if (!dhcp && !STREQ(v4, "auto") && lxm_parse_cidr(v4, false, &ifc->ipv4) < 0)
		return log_error_errno(-EINVAL, "Interface '%s': invalid ipv4 '%s'", ifc->name, v4);
	if (!n || !n->ipv4.family) {
		if (STREQ(v4 ? v4 : "", "auto"))
			return log_error_errno(-EINVAL, "Interface '%s': ipv4 \"auto\" needs a managed network with an IPv4 subnet",
					       ifc->name);
	} else if (ifc->ipv4.family) {
		/* Only a running container's address stops this one: the claim in a stopped one's
		 * config would also stop the first of two that share an address (the second to
		 * start is the one that makes the duplicate, and is refused here). */
		r = lxm_net_check_static_v4(n, ifc->name, &ifc->ipv4);
		if (r >= 0)
			r = lxm_net_check_unused_v4(paths, n, ifc->name, name, &ifc->ipv4, false);
		if (r < 0)
			return r;
		ifc->ipv4_lease = ifc->ipv4;
	} else {
		if (lxm_network_run_dir(paths->run_dir, n->name, &dir) < 0)
			return -ENOMEM;
		r = lxm_net_collect_used(paths, n, dir, name, ifc->mac, &used, &n_used);
		if (r < 0)
			return log_error_errno(r, "Failed to collect the addresses used on network '%s': %m", n->name);
		r = lxm_ipam_alloc_v4(&n->ipv4, used, n_used, &ifc->ipv4_lease);
		if (r < 0)
			return log_error_errno(r, "No free address left in network '%s': %m", n->name);
		if (!dhcp) {
			ifc->ipv4 = ifc->ipv4_lease;
			ifc->ipv4_allocated = true;
		}
	}
	if (!ifc->ipv4.family)
		return 0;
	if (IS_EMPTY(gw) || STREQ(gw, "auto")) {
		if (n && n->ipv4.family)
			ifc->ipv4_gateway = n->ipv4;
	} else if (lxm_parse_cidr(gw, true, &ifc->ipv4_gateway) < 0 || ifc->ipv4_gateway.family != AF_INET)
		return log_error_errno(-EINVAL, "Interface '%s': invalid ipv4_gateway '%s'", ifc->name, gw);
	return 0;
}

static int setup_ipv6(cfg_t *sec, const struct lxm_network *n, struct lxm_net_iface *ifc)
{
	const char *v6 = sec_str(sec, "ipv6"), *gw = sec_str(sec, "ipv6_gateway");

	if (IS_EMPTY(v6) || STREQ(v6, "dhcp") || STREQ(v6, "auto") || STREQ(v6, "slaac"))
		return 0; /* router advertisements from the bridge's dnsmasq do the work */
	if (lxm_parse_cidr(v6, false, &ifc->ipv6) < 0 || ifc->ipv6.family != AF_INET6)
		return log_error_errno(-EINVAL, "Interface '%s': invalid ipv6 '%s'", ifc->name, v6);
	if (IS_EMPTY(gw) || STREQ(gw, "auto")) {
		if (n && n->ipv6.family)
			ifc->ipv6_gateway = n->ipv6;
	} else if (lxm_parse_cidr(gw, true, &ifc->ipv6_gateway) < 0 || ifc->ipv6_gateway.family != AF_INET6)
		return log_error_errno(-EINVAL, "Interface '%s': invalid ipv6_gateway '%s'", ifc->name, gw);
	return 0;
}

static int iface_prepare(const struct lxm_paths *paths, cfg_t *sec, const char *name, const char *uuid,
			 struct lxm_net_iface *ifc, struct lxm_network **ret_net)
{
	const char *title = cfg_title(sec), *hw = sec_str(sec, "hwaddr");
	int r;

	ifc->type = sec_type(sec);
	if (!title || lxm_link_name_validate(title) < 0)
		return log_error_errno(-EINVAL, "Invalid interface name '%s'", title ? title : "");
	snprintf(ifc->name, sizeof(ifc->name), "%s", title);
	if (ifc->type != LXM_NET_VETH && ifc->type != LXM_NET_MACVLAN)
		return 0;
	snprintf(ifc->link, sizeof(ifc->link), "%s", sec_bridge(sec));
	ifc->mtu = sec_uint(sec, "mtu");
	if (IS_EMPTY(hw) || STREQ(hw, "auto")) {
		lxm_ipam_mac_generate(uuid, ifc->name, ifc->mac);
		ifc->hwaddr_generated = true;
	} else if (lxm_parse_mac(hw, ifc->mac) < 0)
		return log_error_errno(-EINVAL, "Interface '%s': invalid hwaddr '%s'", ifc->name, hw);
	if (ifc->type == LXM_NET_VETH)
		lxm_ipam_host_ifname(uuid, ifc->name, ifc->host_ifname);
	/* A macvlan's parent is a host link, never a managed bridge we would have to bring up. */
	if (ifc->type == LXM_NET_VETH) {
		r = load_network(paths, ifc->link, ret_net);
		if (r < 0)
			return r;
		if (*ret_net) {
			ifc->managed = true;
			r = lxm_net_network_up(paths, *ret_net);
			if (r < 0)
				return r;
		}
	}
	r = setup_ipv4(paths, sec, *ret_net, name, ifc);
	if (r >= 0)
		r = setup_ipv6(sec, *ret_net, ifc);
	return r;
}

static int iface_create(struct nl_sock *sk, const struct lxm_net_iface *ifc, int netns_fd)
{
	int r;

	if (ifc->type == LXM_NET_MACVLAN) {
		r = lxm_link_macvlan_create(sk, ifc->name, ifc->link, netns_fd, ifc->mac, ifc->mtu);
		if (r == -ENODEV)
			return log_error_errno(r, "Interface '%s': parent link '%s' does not exist", ifc->name, ifc->link);
		if (r < 0)
			return log_error_errno(r, "Failed to create macvlan '%s' on '%s': %m", ifc->name, ifc->link);
		return 0;
	}
	/* A leftover of a container whose monitor was killed before it could clean up. */
	if (lxm_link_exists(sk, ifc->host_ifname) > 0)
		(void)lxm_link_delete(sk, ifc->host_ifname);
	r = lxm_link_veth_create(sk, &(struct lxm_veth_spec){
		.name = ifc->host_ifname, .peer_name = ifc->name, .peer_netns_fd = netns_fd, .master = ifc->link,
		.peer_mac = ifc->mac, .mtu = ifc->mtu, .up = true });
	if (r == -ENODEV)
		return log_error_errno(r, "Interface '%s': bridge '%s' does not exist", ifc->name, ifc->link);
	if (r < 0)
		return log_error_errno(r, "Failed to create veth '%s' for '%s' on bridge '%s': %m", ifc->host_ifname,
				       ifc->name, ifc->link);
	return 0;
}

static int record_lease(const struct lxm_paths *paths, const struct lxm_net_iface *ifc, const char *name)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	if (!ifc->managed || !ifc->ipv4_lease.family)
		return 0;
	if (lxm_dnsmasq_name_validate(name) < 0)
		return 0; /* not a DNS label: no name, the address still works */
	if (lxm_network_run_dir(paths->run_dir, ifc->link, &dir) < 0)
		return -ENOMEM;
	r = lxm_dnsmasq_host_set(dir, ifc->mac, &ifc->ipv4_lease, name);
	if (r < 0)
		return log_error_errno(r, "Failed to record the DHCP lease of '%s' on network '%s': %m", name, ifc->link);
	return 0;
}

int lxm_net_setup_host(const struct lxm_paths *paths, cfg_t *cfg, const char *name, const char *uuid, int netns_fd,
		       struct lxm_net_state *ret)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	unsigned n = cfg_size(cfg, "network");
	int r;

	*ret = (struct lxm_net_state){};
	if (n == 0)
		return 0;
	ret->ifaces = calloc(n, sizeof(*ret->ifaces));
	if (!ret->ifaces)
		return -ENOMEM;
	r = lxm_nl_open(&sk);
	if (r < 0)
		return log_error_errno(r, "Failed to open a netlink socket: %m");
	for (unsigned i = 0; i < n; i++) {
		_cleanup_network_free_ struct lxm_network *net = NULL;
		struct lxm_net_iface *ifc = &ret->ifaces[ret->n];

		r = iface_prepare(paths, cfg_getnsec(cfg, "network", i), name, uuid, ifc, &net);
		if (r < 0)
			return r;
		ret->n++;
		if (ifc->type != LXM_NET_VETH && ifc->type != LXM_NET_MACVLAN)
			continue;
		r = iface_create(sk, ifc, netns_fd);
		if (r >= 0)
			r = record_lease(paths, ifc, name);
		if (r < 0)
			return r;
	}
	return 0;
}

int lxm_net_write_back(const char *config_path, const struct lxm_net_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct lxm_net_iface *ifc = &s->ifaces[i];
		char key[64], value[LXM_CIDR_STRLEN];
		int r;

		if (ifc->hwaddr_generated) {
			snprintf(key, sizeof(key), "network.%s.hwaddr", ifc->name);
			r = lxm_config_set_in_file(config_path, key, lxm_ipam_mac_to_string(ifc->mac, value));
			if (r < 0)
				return log_error_errno(r, "Failed to write the MAC of '%s' to '%s': %m", ifc->name, config_path);
		}
		if (ifc->ipv4_allocated) {
			snprintf(key, sizeof(key), "network.%s.ipv4", ifc->name);
			r = lxm_config_set_in_file(config_path, key, lxm_ipam_cidr_to_string(&ifc->ipv4, value));
			if (r < 0)
				return log_error_errno(r, "Failed to write the address of '%s' to '%s': %m", ifc->name,
						       config_path);
		}
	}
	return 0;
}

static int configure_inside(struct nl_sock *sk, const struct lxm_net_iface *ifc)
{
	char a[LXM_CIDR_STRLEN];
	int r, index;

	r = lxm_link_get_ifindex(sk, ifc->name, &index);
	if (r >= 0)
		r = lxm_link_set_up(sk, ifc->name, true);
	if (r < 0)
		return log_error_errno(r, "Failed to bring '%s' up inside the container: %m", ifc->name);
	const struct lxm_cidr *addrs[] = { &ifc->ipv4, &ifc->ipv6 }, *gws[] = { &ifc->ipv4_gateway, &ifc->ipv6_gateway };
	for (size_t i = 0; i < 2; i++) {
		if (!addrs[i]->family)
			continue;
		r = lxm_addr_add(sk, index, addrs[i]);
		if (r < 0 && r != -EEXIST)
			return log_error_errno(r, "Failed to add %s to '%s' inside the container: %m",
					       lxm_ipam_cidr_to_string(addrs[i], a), ifc->name);
		if (!gws[i]->family)
			continue;
		r = lxm_route_add_default(sk, index, gws[i]);
		if (r < 0 && r != -EEXIST)
			return log_error_errno(r, "Failed to add the default route via %s on '%s': %m",
					       lxm_ipam_addr_to_string(gws[i], a), ifc->name);
	}
	return 0;
}

int lxm_net_setup_inside(const struct lxm_net_state *s, int netns_fd)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	int r;

	r = lxm_nl_open_in_netns(netns_fd, &sk);
	if (r < 0)
		return log_error_errno(r, "Failed to open a netlink socket in the container's namespace: %m");
	r = lxm_link_set_up(sk, "lo", true);
	if (r < 0)
		return log_error_errno(r, "Failed to bring the container's loopback up: %m");
	for (size_t i = 0; i < s->n; i++) {
		if (s->ifaces[i].type != LXM_NET_VETH && s->ifaces[i].type != LXM_NET_MACVLAN)
			continue;
		r = configure_inside(sk, &s->ifaces[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int lxm_net_teardown_host(const struct lxm_paths *paths, cfg_t *cfg, const char *name, const char *uuid)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	int r, ret = 0;

	ret = lxm_net_forwards_remove(paths, cfg, name);
	r = lxm_nl_open(&sk);
	if (r < 0)
		return log_error_errno(r, "Failed to open a netlink socket: %m");
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		char host[IF_NAMESIZE];
		if (sec_type(sec) != LXM_NET_VETH || !cfg_title(sec))
			continue;
		lxm_ipam_host_ifname(uuid, cfg_title(sec), host);
		r = lxm_link_delete(sk, host);
		if (r < 0 && r != -ENODEV)
			ret = log_warning_errno(r, "Failed to delete '%s', ignoring: %m", host);
		_cleanup_free_ char *dir = NULL;
		if (lxm_network_run_dir(paths->run_dir, sec_bridge(sec), &dir) < 0)
			return -ENOMEM;
		r = lxm_dnsmasq_host_remove(dir, name);
		if (r < 0 && r != -ENOENT)
			ret = log_warning_errno(r, "Failed to remove the DHCP lease of '%s', ignoring: %m", name);
	}
	return ret;
}

int lxm_net_teardown_veths_only(const struct lxm_paths *paths, cfg_t *cfg, const char *uuid, char (*ret)[IF_NAMESIZE],
				char **ret_absent, size_t max, size_t *ret_n)
{
	size_t n = 0;

	*ret_n = 0;
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		_cleanup_network_free_ struct lxm_network *net = NULL;
		_cleanup_free_ char *dir = NULL, *conf = NULL;
		if (sec_type(sec) != LXM_NET_VETH || !cfg_title(sec))
			continue; /* other kinds live in the container's netns and die with it */
		if (n >= max)
			return -EBUSY;
		/* A managed network (lxcmgr network create): its leases, DNS names and forwards */
		if (lxm_network_load(paths->networks_dir, sec_bridge(sec), &net) >= 0 ||
		    lxm_network_run_dir(paths->run_dir, sec_bridge(sec), &dir) < 0 || access(dir, F_OK) == 0)
			return -EBUSY;
		if (asprintf(&conf, "%s/%s.conf", paths->networks_dir, sec_bridge(sec)) < 0)
			return -ENOMEM;
		lxm_ipam_host_ifname(uuid, cfg_title(sec), ret[n]);
		ret_absent[2 * n] = TAKE_PTR(dir);
		ret_absent[2 * n + 1] = TAKE_PTR(conf);
		n++;
	}
	*ret_n = n;
	return 0;
}
