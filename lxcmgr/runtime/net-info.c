/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "networking/ipam.h"
#include "networking/link.h"
#include "networking/netns.h"
#include "networking/nl.h"
#include "networking/query.h"
#include "runtime/net-info.h"
#include "util/log.h"

static int open_pid(pid_t pid, struct nl_sock **ret)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = lxm_netns_open_pid(pid, &fd);
	if (r < 0)
		return r;
	return lxm_nl_open_in_netns(fd, ret);
}

int lxm_net_info(cfg_t *cfg, const char *uuid, pid_t init_pid, struct lxm_net_iface_info **ret, size_t *ret_n)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	_cleanup_free_ struct lxm_net_iface_info *items = NULL;
	unsigned n_sec = cfg_size(cfg, "network");
	size_t n = 0;
	int r;

	r = open_pid(init_pid, &sk);
	if (r < 0)
		return log_debug_errno(r, "Failed to open a netlink socket in the namespace of %d: %m", (int)init_pid);
	items = calloc(n_sec ? n_sec : 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (unsigned i = 0; i < n_sec; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		const char *type = cfg_getstr(sec, "type");
		struct lxm_net_iface_info *it = &items[n];
		_cleanup_free_ struct lxm_link_addr *addrs = NULL;
		struct lxm_link_info li;
		size_t n_addrs = 0;

		if (!cfg_title(sec) || lxm_link_get_info(sk, cfg_title(sec), &li) < 0)
			continue;
		*it = (struct lxm_net_iface_info){ .rx_bytes = li.rx_bytes, .tx_bytes = li.tx_bytes,
						   .rx_packets = li.rx_packets, .tx_packets = li.tx_packets };
		snprintf(it->name, sizeof(it->name), "%s", li.name);
		memcpy(it->mac, li.mac, 6);
		if (!type || STREQ(type, "veth"))
			lxm_ipam_host_ifname(uuid, it->name, it->host_ifname);
		if (lxm_query_addresses(sk, it->name, AF_UNSPEC, false, &addrs, &n_addrs) >= 0) {
			/* IPv4 first: what users look for. */
			for (int pass = 0; pass < 2; pass++)
				for (size_t k = 0; k < n_addrs && it->n_addrs < LXM_NET_INFO_MAX_ADDRS; k++)
					if ((addrs[k].addr.family == AF_INET) == (pass == 0))
						it->addrs[it->n_addrs++] = addrs[k].addr;
		}
		n++;
	}
	*ret = TAKE_PTR(items);
	*ret_n = n;
	return 0;
}

int lxm_net_ipv4_list(pid_t init_pid, char **ret)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	_cleanup_free_ struct lxm_link_addr *addrs = NULL;
	_cleanup_free_ char *text = NULL;
	size_t n = 0, len = 0;
	FILE *f;
	int r;

	r = open_pid(init_pid, &sk);
	if (r >= 0)
		r = lxm_query_addresses(sk, NULL, AF_INET, false, &addrs, &n);
	if (r < 0)
		return log_debug_errno(r, "Failed to read the addresses in the namespace of %d: %m", (int)init_pid);
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char buf[LXM_CIDR_STRLEN];
		fprintf(f, "%s%s", i ? "," : "", lxm_ipam_addr_to_string(&addrs[i].addr, buf));
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(text);
	return 0;
}
