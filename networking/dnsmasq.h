/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One dnsmasq per managed bridge: DHCP with a static lease per container MAC, and DNS for the
 * container names (NAME.DOMAIN). Everything lives in one directory (the network's run dir):
 *   dnsmasq.conf   generated options (dnsmasq --conf-file=)
 *   dnsmasq.pid    written by dnsmasq
 *   dnsmasq.leases the lease database
 *   dhcp-hosts     "MAC,IP,NAME" / "MAC,NAME" lines (--dhcp-hostsfile, re-read on SIGHUP)
 *   hosts          "IP NAME" lines (--addn-hosts, re-read on SIGHUP)
 * dnsmasq drops to the `dnsmasq` user (or nobody) after start and re-reads the two host files
 * as that user, so the directory and its parents must be searchable by it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/parse.h"

struct lxm_dnsmasq_config {
	const char *dir;
	const char *bridge;
	const struct lxm_cidr *addr4; /* the bridge's address; NULL: none */
	const struct lxm_cidr *addr6; /* NULL: none */
	bool dhcp;
	const char *domain;   /* e.g. "lxcmgr" */
	/* Where names outside the domain are resolved: "host" (the host's /etc/resolv.conf),
	 * "none" (answer only for the domain, nothing leaves the machine), or "IP[,IP...]". */
	const char *upstream;
};

/* Writes dir/dnsmasq.conf; starts dnsmasq unless it already runs with this directory (then
 * reloads it when the conf changed: restart). Returns once dnsmasq answers (its parent exits
 * after binding), so callers can rely on it; its own error is on stderr. */
int lxm_dnsmasq_start(const struct lxm_dnsmasq_config *c);
/* Stops the dnsmasq of dir (SIGTERM, waits for it to exit); 0 when none runs. */
int lxm_dnsmasq_stop(const char *dir);
/* *ret_pid = pid of the dnsmasq of dir; 1 when running, 0 when not. */
int lxm_dnsmasq_running(const char *dir, pid_t *ret_pid);

/* Sets (replaces by MAC and by name) a static lease and the DNS name; ip may be NULL (DHCP
 * picks the address, the name still follows the lease). Signals dnsmasq to re-read. */
int lxm_dnsmasq_host_set(const char *dir, const uint8_t mac[6], const struct lxm_cidr *ip, const char *name);
/* Removes the entries for name; 0 when there were none. */
int lxm_dnsmasq_host_remove(const char *dir, const char *name);

struct lxm_dnsmasq_host {
	uint8_t mac[6];
	struct lxm_cidr ip; /* family 0 when the lease has no fixed address */
	char name[64];
};
/* The static leases of dir (dhcp-hosts). *ret owned (free). */
int lxm_dnsmasq_host_list(const char *dir, struct lxm_dnsmasq_host **ret, size_t *ret_n);
/* The lease database of dir (dnsmasq.leases, "EXPIRY MAC IP NAME CLIENTID" lines): the live
 * leases that dnsmasq keeps until they expire, also after a container stopped without releasing
 * its lease. Same struct, name "*" when the client sent none. *ret owned (free). */
int lxm_dnsmasq_lease_list(const char *dir, struct lxm_dnsmasq_host **ret, size_t *ret_n);
/* The address recorded for name; -ENOENT when none. */
int lxm_dnsmasq_host_lookup(const char *dir, const char *name, struct lxm_cidr *ret);

/* DNS label check for container names in the hosts files: [a-z0-9-], 1..63. */
int lxm_dnsmasq_name_validate(const char *name);
