/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Managed networks: a bridge with an address, its nftables table (NAT, forwards) and its
 * dnsmasq. Definitions are libconfuse files NETWORKS_DIR/NAME.conf:
 *     bridge = "lxcbr0"  ipv4 = "10.0.3.1/24"  ipv6 = ""  nat = true  dhcp = true
 *     domain = "lxcmgr"  dns_upstream = "host"
 * Run state lives in RUN_DIR/networks/NAME/ (dnsmasq files). The bridge is called like the
 * network (names users see in `ip link`), which makes it global across --root worlds: every
 * bridge lxcmgr creates carries the alias "lxcmgr:<hash of root>", and `up` refuses a bridge of
 * that name without this root's alias, so two roots never silently share one.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "util/macros.h"
#include "util/parse.h"

#define LXM_NETWORK_DEFAULT "lxcbr0"

struct lxm_network {
	char *name;
	char *bridge;
	struct lxm_cidr ipv4; /* bridge address/prefix; family 0: none */
	struct lxm_cidr ipv6;
	bool nat;
	bool dhcp;
	char *domain;
	char *dns_upstream; /* "host", "none" or "IP[,IP]" (see dnsmasq.h) */
};

void lxm_network_free(struct lxm_network *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lxm_network *, lxm_network_free)
#define _cleanup_network_free_ _cleanup_(lxm_network_freep)

/* 1..15 chars of [a-zA-Z0-9_-], not starting with '-': it becomes a kernel link name (IFNAMSIZ)
 * and a file name. Logs why and returns -EINVAL otherwise. */
int lxm_network_name_validate(const char *name);

/* A new definition with the defaults: no address, NAT and DHCP on, domain "lxcmgr", upstream
 * "host". The default network lxcbr0 gets 10.0.3.1/24. */
int lxm_network_new(const char *name, struct lxm_network **ret);

/* -ENOENT (logged at debug) when there is no such network, -EINVAL for a broken file. */
int lxm_network_load(const char *networks_dir, const char *name, struct lxm_network **ret);
/* Writes NETWORKS_DIR/NAME.conf atomically. */
int lxm_network_save(const char *networks_dir, const struct lxm_network *n);
int lxm_network_remove_definition(const char *networks_dir, const char *name);
/* Sorted names. *ret NULL-terminated, owned. */
int lxm_network_list(const char *networks_dir, char ***ret);

/* Checks a new network against the other definitions (same bridge, overlapping subnets) and the
 * host's routes (a subnet already reachable elsewhere). Logs the conflict; -EEXIST. */
int lxm_network_check_conflicts(const char *networks_dir, const struct lxm_network *n);

/* The first 10.x.y.1/24 (from 10.0.4.0) free of definitions and host routes. -ENOSPC. */
int lxm_network_pick_subnet(const char *networks_dir, struct lxm_cidr *ret);

/* "lxcmgr:" + 12 hex chars of hash(root): the alias marking this root's bridges. */
void lxm_network_owner_tag(const char *root, char ret[static 32]);
/* RUN_DIR/networks/NAME, newly allocated. */
int lxm_network_run_dir(const char *run_dir, const char *name, char **ret);

/* Ensures bridge (with its address, up), nft table and dnsmasq exist; idempotent and cheap when
 * they do (nothing is recreated, forwards stay). -EEXIST (logged) when the bridge belongs to
 * someone else. */
int lxm_network_up(const struct lxm_network *n, const char *root, const char *run_dir);
/* Stops dnsmasq, removes the nft table and (if ours) the bridge; missing parts are fine. */
int lxm_network_down(const struct lxm_network *n, const char *root, const char *run_dir);

struct lxm_network_status {
	bool bridge;  /* exists and is ours */
	bool foreign; /* exists but belongs to someone else */
	bool nft;
	pid_t dnsmasq; /* 0: not running */
};
int lxm_network_status(const struct lxm_network *n, const char *root, const char *run_dir,
		       struct lxm_network_status *ret);
