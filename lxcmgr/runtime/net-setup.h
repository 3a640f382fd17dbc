/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network step of start: what the container config's `network NAME { ... }` sections ask
 * for, done with networking/ (which knows links, not containers). Order during start:
 *
 *   before clone:   lxm_net_wants_netns(cfg)         -> add CLONE_NEWNET or not
 *   after clone, the child waiting, with an fd of the child's network namespace:
 *                   lxm_net_setup_host(...)           veths/macvlans born inside, leases
 *                   lxm_net_setup_inside(&state, fd)  lo/eth0 up, static addresses, routes
 *                   lxm_net_forwards_add(...)         DNAT for the config's forward sections
 *   then let the child continue (its init sees the configured interfaces).
 *   at stop (also when the monitor died; everything is derived from config + uuid):
 *                   lxm_net_teardown_host(...)
 * On a setup failure call lxm_net_teardown_host() too: it removes whatever exists.
 */
#pragma once

#include <confuse.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/paths.h"
#include "util/parse.h"

enum lxm_net_type {
	LXM_NET_VETH,
	LXM_NET_MACVLAN,
	LXM_NET_EMPTY, /* a netns with only loopback */
	LXM_NET_NONE,  /* no netns: the host's */
};
const char *lxm_net_type_to_string(enum lxm_net_type t);
int lxm_net_type_from_string(const char *s, enum lxm_net_type *ret);

struct lxm_net_iface {
	enum lxm_net_type type;
	char name[IF_NAMESIZE];        /* inside, the section title (eth0) */
	char host_ifname[IF_NAMESIZE]; /* veth host end ("vlxm..."), "" otherwise */
	char link[IF_NAMESIZE];        /* bridge (veth) or parent (macvlan) */
	bool managed;                  /* link is a managed network of this root */
	uint8_t mac[6];
	unsigned mtu;
	/* Addresses: family 0 = not set statically. ipv4_lease: the address of the static DHCP
	 * lease (managed networks), also when the container configures itself by DHCP. */
	struct lxm_cidr ipv4, ipv4_gateway, ipv6, ipv6_gateway, ipv4_lease;
	bool ipv4_allocated; /* ipv4 was "auto": chosen now; the caller writes it back to the config */
	bool ipv4_none;      /* ipv4 "none": no address and no DHCP client from lxcmgr */
	bool hwaddr_generated; /* hwaddr was "auto": the caller may write mac back */
};

struct lxm_net_state {
	struct lxm_net_iface *ifaces;
	size_t n;
};
void lxm_net_state_done(struct lxm_net_state *s);

/* False when a section has type "none" (the container shares the host's network namespace). */
bool lxm_net_wants_netns(cfg_t *cfg);

/* Loads the managed network NAME and brings it up (bridge, nft, dnsmasq); the default lxcbr0 is
 * defined on first use. -ENOENT (logged) for a missing non-default network. */
int lxm_net_ensure_up(const struct lxm_paths *paths, const char *network);

/* Names of the containers whose config has a network section on bridge `network`. *ret owned. */
int lxm_net_users(const struct lxm_paths *paths, const char *network, char ***ret);

/* Host side: for each section ensures its network is up and creates the link with its peer born
 * in netns_fd under its final name, MAC and MTU; records static DHCP leases (dhcp-host=MAC,IP,
 * NAME) and DNS names. name: the container's name (its DNS name); uuid: its uuid (host link
 * names and generated MACs). Errors are logged; *ret is filled even on failure. */
int lxm_net_setup_host(const struct lxm_paths *paths, cfg_t *cfg, const char *name, const char *uuid, int netns_fd,
		       struct lxm_net_state *ret);

/* Writes what setup_host chose for "auto" values back into the config file (network.NAME.ipv4
 * and network.NAME.hwaddr), so they stay the same on every later start. Call after a
 * successful start, with the container's lock held. */
int lxm_net_write_back(const char *config_path, const struct lxm_net_state *s);

/* Container side, from the host through a netlink socket opened in netns_fd: lo up, each
 * interface up, static addresses (with broadcast) and default routes. Nothing for DHCP. */
int lxm_net_setup_inside(const struct lxm_net_state *s, int netns_fd);

/* Removes host links (a veth pair dies with either end), static leases, DNS names and the
 * container's forwards. Missing pieces are fine; safe to call more than once. */
int lxm_net_teardown_host(const struct lxm_paths *paths, cfg_t *cfg, const char *name, const char *uuid);

/* When lxm_net_teardown_host() would only delete host veths (every bridge is one lxcmgr does not
 * manage: no leases, DNS names or forwards to remove): their names into ret (room for max), their
 * number in *ret_n, and in ret_absent (room for 2 * max, owned) the paths whose appearance would change that
 * (a managed network's config and run directory). -EBUSY when more is needed or max is too small. */
int lxm_net_teardown_veths_only(const struct lxm_paths *paths, cfg_t *cfg, const char *uuid, char (*ret)[IF_NAMESIZE],
				char **ret_absent, size_t max, size_t *ret_n);
