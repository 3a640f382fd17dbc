/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A static IPv4 address on a managed network: what start checks before it sets the address
 * (runtime/net-setup.c) and what `config set` and `config edit` check before they write, so a
 * mistake is refused when it is made, not at the next start. What needs no network (syntax, /0,
 * the network and broadcast address of the address's own prefix) is the config's validation.
 */
#pragma once

#include <confuse.h>
#include <stdbool.h>

#include "core/paths.h"
#include "networking/managed.h"

/* 0 when a may be interface ifname's address on n (n->ipv4 set): inside the subnet with its
 * prefix, and not the network, broadcast or bridge address. -EINVAL (logged) otherwise. */
int lxm_net_check_static_v4(const struct lxm_network *n, const char *ifname, const struct lxm_cidr *a);

/* 0 when no container other than self holds a on n (lxm_net_claim_holder(), configs as there);
 * -EADDRINUSE (logged, naming the holder) when one does; -errno. */
int lxm_net_check_unused_v4(const struct lxm_paths *paths, const struct lxm_network *n, const char *ifname,
			    const char *self, const struct lxm_cidr *a, bool configs);

/* For `config set`/`edit` of container self: each veth section of cfg with a literal ipv4 on a
 * managed network, unless its type, bridge and ipv4 are those of the same section in old (old
 * NULL: every one), gets both checks above, other containers' configs included. An
 * administrator's bridge or an unreadable network definition: nothing to check. 0, -EINVAL
 * (logged; also for an address another container holds) or -errno. */
int lxm_net_check_config(const struct lxm_paths *paths, const char *self, cfg_t *old, cfg_t *cfg);
