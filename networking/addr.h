/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interface addresses through a netlink socket (in that socket's network namespace). */
#pragma once

#include "util/parse.h"

struct nl_sock;

/* Adds c (address + prefix) to ifindex. IPv4 addresses get their real broadcast address
 * (LXC 5.0.2 sets 0.0.0.255 for 10.0.3.x/24, see ANCHORS.md). -EEXIST when present. */
int lxm_addr_add(struct nl_sock *sk, int ifindex, const struct lxm_cidr *c);
int lxm_addr_delete(struct nl_sock *sk, int ifindex, const struct lxm_cidr *c);

/* A libnl address object for c (used by addr.c and route.c). NULL on ENOMEM. */
struct nl_addr *lxm_addr_to_nl(const struct lxm_cidr *c);
