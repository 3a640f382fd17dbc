/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `list` and `info` show about a running container's network, read through netlink in its
 * network namespace (no `ip` process, no entering the container). */
#pragma once

#include <confuse.h>
#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/parse.h"

#define LXM_NET_INFO_MAX_ADDRS 8

struct lxm_net_iface_info {
	char name[IF_NAMESIZE];
	char host_ifname[IF_NAMESIZE]; /* the veth's host end, "" for other types */
	uint8_t mac[6];
	struct lxm_cidr addrs[LXM_NET_INFO_MAX_ADDRS]; /* IPv4 then IPv6, link-local left out */
	size_t n_addrs;
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets; /* as the container sees them */
};

/* The interfaces of cfg's network sections inside the namespace of init_pid (missing ones are
 * left out). *ret owned (free). */
int lxm_net_info(cfg_t *cfg, const char *uuid, pid_t init_pid, struct lxm_net_iface_info **ret, size_t *ret_n);

/* "10.0.3.2,10.0.4.7": the IPv4 addresses inside init_pid's namespace (loopback excluded), ""
 * when none. *ret owned. For `list`. */
int lxm_net_ipv4_list(pid_t init_pid, char **ret);
