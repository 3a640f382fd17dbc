/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Address helpers: CIDR and MAC parsing and formatting, stable generated MACs and host-side
 * link names, free-address allocation, subnet overlap and membership. Pure functions, no I/O.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/parse.h" /* struct lxm_cidr */

#define LXM_CIDR_STRLEN (INET6_ADDRSTRLEN + 4)
#define LXM_MAC_STRLEN 18

/* CIDRs and MACs are parsed by lxm_parse_cidr()/lxm_parse_mac() in util/parse.h. */
/* Parses one address of either family into ret (prefix = full length). */
int lxm_ipam_parse_addr(const char *s, struct lxm_cidr *ret);

const char *lxm_ipam_cidr_to_string(const struct lxm_cidr *c, char buf[static LXM_CIDR_STRLEN]);
/* Address only, without "/prefix". */
const char *lxm_ipam_addr_to_string(const struct lxm_cidr *c, char buf[static LXM_CIDR_STRLEN]);
const char *lxm_ipam_mac_to_string(const uint8_t mac[6], char buf[static LXM_MAC_STRLEN]);

/* The same cidr with host bits cleared. */
struct lxm_cidr lxm_ipam_network(const struct lxm_cidr *c);
/* IPv4 broadcast of c (all host bits set); for /31 and /32 the address itself (RFC 3021). */
struct in_addr lxm_ipam_broadcast(const struct lxm_cidr *c);
/* True when the two networks share any address (same family and one contains the other). */
bool lxm_ipam_overlap(const struct lxm_cidr *a, const struct lxm_cidr *b);
/* True when addr (its address part; its prefix is ignored) lies inside subnet's network. */
bool lxm_ipam_contains(const struct lxm_cidr *subnet, const struct lxm_cidr *addr);
/* True when addr is subnet's network or (IPv4) broadcast address. */
bool lxm_ipam_is_reserved(const struct lxm_cidr *subnet, const struct lxm_cidr *addr);

/* 64-bit FNV-1a over the strings (a NUL between parts), stable across releases: names and MACs
 * derived from it must never change for an existing container. */
uint64_t lxm_ipam_hash(const char *const *parts, size_t n);

/* A stable MAC for (seed, ifname): 02:h1:h2:h3:h4:h5 from the hash. First octet 0x02: locally
 * administered (bit 1 set), unicast (bit 0 clear), so it never clashes with a vendor's address. */
void lxm_ipam_mac_generate(const char *seed, const char *ifname, uint8_t ret[6]);

/* The host end of a container's veth: "vlxm" + 11 hex chars of hash(uuid, ifname), 15 chars,
 * the kernel's limit. Derived from the uuid, not the container name, because link names are
 * global across every --root world and the uuid traces a leftover back to its owner. */
#define LXM_VETH_PREFIX "vlxm"
void lxm_ipam_host_ifname(const char *uuid, const char *ifname, char ret[static IF_NAMESIZE]);

/* Picks the lowest free IPv4 host address of subnet (subnet->addr is the bridge's own address,
 * which is skipped like the network and broadcast addresses and every address in used[]).
 * -ENOSPC when the subnet is full; -EAFNOSUPPORT for IPv6. *ret gets subnet's prefix. */
int lxm_ipam_alloc_v4(const struct lxm_cidr *subnet, const struct lxm_cidr *used, size_t n_used,
		      struct lxm_cidr *ret);
