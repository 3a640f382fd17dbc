/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Port forwards of a container: `forward NAME { proto host_port container_port }` sections,
 * applied as elements of the nft maps of the container's managed network (networking/nft.h),
 * pointing at the address of the container's static lease on that network.
 *
 * These steps and bringing up a managed network with IPv4 load libnftables (and dnsmasq's config
 * asks NSS): in the static lxcmgr they run in lxcmgr-full (runtime/full-helper.h), only when the
 * container has such a network; everything before (which network, which lease) is decided here.
 */
#pragma once

#include <confuse.h>
#include <net/if.h>

#include "core/paths.h"
#include "networking/managed.h"
#include "networking/nft.h"

/* lxm_network_up() of n for a starting container, in lxcmgr-full when n has IPv4 and this is the
 * static lxcmgr. Errors are logged (by the helper when it ran). */
int lxm_net_network_up(const struct lxm_paths *paths, const struct lxm_network *n);

/* Where the forwards of a container go: the first veth on a managed network with IPv4
 * (*ret_network) and the container's address there (from its lease, so only while it runs).
 * -ENOENT (not logged) when the container has no such interface or no lease. */
int lxm_net_forward_target(const struct lxm_paths *paths, cfg_t *cfg, const char *name,
			   char ret_network[static IF_NAMESIZE], struct lxm_cidr *ret_addr);

/* The nft work of the two below, given what they decided (lxcmgr-full's `__net-forwards` runs
 * these with the values the static process passed): add fw[0..n) on network's table; remove every
 * forward pointing at addr. Errors are logged. */
int lxm_net_forwards_add_to(const struct lxm_paths *paths, const char *network, const struct lxm_nft_forward *fw,
			    size_t n);
int lxm_net_forwards_remove_from(const struct lxm_paths *paths, const char *network, const struct lxm_cidr *addr);

/* Adds every forward section of cfg (call after lxm_net_setup_host()). Errors are logged. */
int lxm_net_forwards_add(const struct lxm_paths *paths, cfg_t *cfg, const char *name);
/* Removes every forward pointing at the container's address (also those added live) or, when
 * the address is unknown, the config's host ports. Missing ones are fine. */
int lxm_net_forwards_remove(const struct lxm_paths *paths, cfg_t *cfg, const char *name);
