/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Routes through a netlink socket (in that socket's network namespace). */
#pragma once

#include <stddef.h>

#include "util/parse.h"

struct nl_sock;

/* Adds the default route of gateway's family through gateway on ifindex (main table).
 * -EEXIST when a default route exists. */
int lxm_route_add_default(struct nl_sock *sk, int ifindex, const struct lxm_cidr *gateway);

/* The destinations of the main table's routes of family (default routes excluded), for overlap
 * checks. *ret owned (free). */
int lxm_route_list(struct nl_sock *sk, int family, struct lxm_cidr **ret, size_t *ret_n);
