/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "core/paths.h"
#include "networking/ipam.h"
#include "networking/managed.h"

/* Addresses other containers hold on network n: their static leases (running ones), the live
 * leases of dnsmasq's database held by other MACs (a container killed without releasing its
 * lease keeps its address until the lease expires: dnsmasq would refuse it to a new MAC), and
 * the static ipv4 values in their configs (stopped ones keep their claim). mac NULL: without the
 * lease database (a static address is set directly; a stale lease is no conflict for it).
 * dir: the network's run directory. *ret owned, *ret_n entries; -errno. */
int lxm_net_collect_used(const struct lxm_paths *paths, const struct lxm_network *n, const char *dir,
			 const char *self, const uint8_t *mac, struct lxm_cidr **ret, size_t *ret_n);
