/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NAT and port forwards for a managed network: one nftables table per network, owned by lxcmgr
 * and created and removed as a whole (`table ip lxcmgr_<hash>`). Port forwards are elements of
 * two maps (fwd_tcp, fwd_udp: host port -> container address . port) so they are added and
 * removed live without touching the rules.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/parse.h"

#define LXM_NFT_TABLE_MAX 32

/* "lxcmgr_" + 12 hex chars of hash(root, network): nft tables are global across --root worlds,
 * so the name must differ between two roots that both have a network called lxcbr0. */
void lxm_nft_table_name(const char *root, const char *network, char ret[static LXM_NFT_TABLE_MAX]);

struct lxm_nft_network {
	const char *table;
	const char *bridge;
	const struct lxm_cidr *subnet; /* the bridge's IPv4 address and prefix */
	bool nat;                      /* masquerade traffic from subnet leaving it */
	const char *comment;           /* who owns it, e.g. "lxcmgr network lxcbr0 root /" */
};

/* Creates or replaces the whole table in one transaction (forwards already in it are lost:
 * callers re-add them). */
int lxm_nft_network_apply(const struct lxm_nft_network *n);
/* Removes the table; 0 when it did not exist. */
int lxm_nft_network_remove(const char *table);
/* 1 when the table exists, 0 when not. */
int lxm_nft_network_exists(const char *table);

struct lxm_nft_forward {
	char proto[4]; /* "tcp" or "udp" */
	uint16_t host_port;
	struct lxm_cidr addr; /* container IPv4 address */
	uint16_t container_port;
};
/* "tcp"/"udp" -> 0, else -EINVAL. */
int lxm_nft_proto_validate(const char *proto);
/* -EEXIST when host_port is already forwarded for that protocol in this table. */
int lxm_nft_forward_add(const char *table, const struct lxm_nft_forward *f);
/* -ENOENT when it was not there. */
int lxm_nft_forward_remove(const char *table, const char *proto, uint16_t host_port);
/* The forwards in the table. *ret owned (free). */
int lxm_nft_forward_list(const char *table, struct lxm_nft_forward **ret, size_t *ret_n);
