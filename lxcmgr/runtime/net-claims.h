/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
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

/* The container other than self that holds addr (IPv4) on network n: a running one by its static
 * lease (dhcp-hosts in dir, the network's run directory); with configs also any other whose config
 * has addr as its static ipv4 on n, running or stopped. 1 and *ret_name (owned) when one does, 0
 * when none; -errno. */
int lxm_net_claim_holder(const struct lxm_paths *paths, const struct lxm_network *n, const char *dir,
			 const char *self, const struct lxm_cidr *addr, bool configs, char **ret_name);
