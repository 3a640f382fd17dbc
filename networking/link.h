/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Links through a netlink socket (networking/nl.h): bridges, veth pairs, macvlans, moving a link
 * into another network namespace, renaming, MAC, MTU, up/down, master, statistics. Every
 * function acts in the namespace of the socket it is given and returns 0 or -errno (-ENODEV
 * when a named link does not exist, -EEXIST when a name is taken); errors are logged at debug
 * level only, callers log once.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nl_sock;

/* "foo0": 1..15 characters, no '/', ':', whitespace, not "." or "..". -EINVAL otherwise. */
int lxm_link_name_validate(const char *name);

int lxm_link_bridge_create(struct nl_sock *sk, const char *name, unsigned mtu);

struct lxm_veth_spec {
	const char *name;      /* the end that stays in the socket's namespace */
	const char *peer_name; /* the other end; created directly in peer_netns_fd when >= 0 */
	int peer_netns_fd;     /* -1: same namespace */
	const char *master;    /* bridge for `name`, or NULL */
	const uint8_t *peer_mac; /* 6 bytes, or NULL for a random one */
	unsigned mtu;          /* both ends; 0: kernel default */
	bool up;               /* bring `name` up (the peer is brought up from inside) */
};
/* Creates the pair in one request: the peer is born in its target namespace under its final
 * name, which saves the move and the rename that LXC does. */
int lxm_link_veth_create(struct nl_sock *sk, const struct lxm_veth_spec *spec);

/* A macvlan in bridge mode on parent, created directly in netns_fd (-1: here). */
int lxm_link_macvlan_create(struct nl_sock *sk, const char *name, const char *parent, int netns_fd,
			    const uint8_t *mac, unsigned mtu);

int lxm_link_delete(struct nl_sock *sk, const char *name);
int lxm_link_set_master(struct nl_sock *sk, const char *name, const char *master);
int lxm_link_move_to_netns_fd(struct nl_sock *sk, const char *name, int netns_fd);
int lxm_link_move_to_netns_pid(struct nl_sock *sk, const char *name, pid_t pid);
int lxm_link_rename(struct nl_sock *sk, const char *name, const char *new_name);
int lxm_link_set_mac(struct nl_sock *sk, const char *name, const uint8_t mac[6]);
int lxm_link_set_mtu(struct nl_sock *sk, const char *name, unsigned mtu);
int lxm_link_set_up(struct nl_sock *sk, const char *name, bool up);
/* The interface alias (IFLA_IFALIAS); lxcmgr marks the bridges it owns with it. */
int lxm_link_set_alias(struct nl_sock *sk, const char *name, const char *alias);

struct lxm_link_info {
	int ifindex;
	int master;   /* ifindex of the master, 0 when none */
	unsigned mtu;
	uint8_t mac[6];
	bool up;      /* IFF_UP */
	char name[IF_NAMESIZE];
	char kind[16];  /* "veth", "bridge", "macvlan", "" */
	char alias[64]; /* "" when unset */
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
};
int lxm_link_get_info(struct nl_sock *sk, const char *name, struct lxm_link_info *ret);
int lxm_link_get_ifindex(struct nl_sock *sk, const char *name, int *ret);
/* 1 when the link exists, 0 when not, -errno on failure. */
int lxm_link_exists(struct nl_sock *sk, const char *name);
