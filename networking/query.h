/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a network namespace holds: the addresses of its links (for `list` and `info`). */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/parse.h"

struct nl_sock;

struct lxm_link_addr {
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct lxm_cidr addr;
};

/* Addresses in the socket's namespace, ordered as the kernel lists them. ifname NULL: every
 * link except loopback; family AF_UNSPEC: both. IPv6 link-local addresses are left out unless
 * link_local. *ret owned (free). */
int lxm_query_addresses(struct nl_sock *sk, const char *ifname, int family, bool link_local,
			struct lxm_link_addr **ret, size_t *ret_n);
