/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "networking/dnsmasq.h"
#include "networking/ipam.h"
#include "networking/managed.h"
#include "runtime/full-helper.h"
#include "runtime/net-forward.h"
#include "util/log.h"

/* Runs a step in lxcmgr-full (full-helper.h): its status as -errno, or 1 when there is no
 * lxcmgr-full to run it (the caller does it here, where loading a library reports why not). */
static int hand_over(const struct lxm_paths *paths, const char *const *args)
{
	int r = lxm_full_helper_run(paths, args);
	if (r == -ENOENT)
		return 1;
	if (r < 0)
		return log_error_errno(r, "Failed to run %s in lxcmgr-full: %m", args[0]);
	return lxm_full_helper_status_to_errno(r);
}

int lxm_net_network_up(const struct lxm_paths *paths, const struct lxm_network *n)
{
	/* Only a network with IPv4 has an nft table and a dnsmasq (getpwnam()): a bridge alone is
	 * netlink, which the static lxcmgr does itself. */
	if (n->ipv4.family && lxm_full_helper_wanted()) {
		int r = hand_over(paths, (const char *const[]){ "__network-up", n->name, NULL });
		if (r <= 0)
			return r;
	}
	return lxm_network_up(n, paths->root, paths->run_dir);
}

static const char *sec_str(cfg_t *sec, const char *key)
{
	cfg_opt_t *o = cfg_getopt(sec, key);

	return o && cfg_opt_size(o) > 0 && o->type == CFGT_STR ? cfg_opt_getnstr(o, 0) : NULL;
}

static long sec_int(cfg_t *sec, const char *key)
{
	cfg_opt_t *o = cfg_getopt(sec, key);

	return o && cfg_opt_size(o) > 0 && o->type == CFGT_INT ? cfg_opt_getnint(o, 0) : -1;
}

int lxm_net_forward_target(const struct lxm_paths *paths, cfg_t *cfg, const char *name,
			   char ret_network[static IF_NAMESIZE], struct lxm_cidr *ret_addr)
{
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		_cleanup_network_free_ struct lxm_network *n = NULL;
		_cleanup_free_ char *dir = NULL;
		const char *type = sec_str(sec, "type"), *bridge = sec_str(sec, "bridge");

		if (type && STRNEQ(type, "veth"))
			continue;
		if (IS_EMPTY(bridge))
			bridge = LXM_NETWORK_DEFAULT;
		if (lxm_network_load(paths->networks_dir, bridge, &n) < 0 || !n->ipv4.family)
			continue;
		if (lxm_network_run_dir(paths->run_dir, n->name, &dir) < 0)
			return -ENOMEM;
		if (lxm_dnsmasq_host_lookup(dir, name, ret_addr) < 0)
			continue;
		snprintf(ret_network, IF_NAMESIZE, "%s", n->name);
		return 0;
	}
	return -ENOENT;
}

static int forward_from_section(cfg_t *sec, struct lxm_nft_forward *f)
{
	const char *proto = sec_str(sec, "proto");
	long hp = sec_int(sec, "host_port"), cp = sec_int(sec, "container_port");

	snprintf(f->proto, sizeof(f->proto), "%s", IS_EMPTY(proto) ? "tcp" : proto);
	if (lxm_nft_proto_validate(f->proto) < 0 || hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
		return log_error_errno(-EINVAL, "Invalid forward '%s'", cfg_title(sec) ? cfg_title(sec) : "");
	f->host_port = hp;
	f->container_port = cp;
	return 0;
}

int lxm_net_forwards_add_to(const struct lxm_paths *paths, const char *network, const struct lxm_nft_forward *fw,
			    size_t n)
{
	char table[LXM_NFT_TABLE_MAX];

	lxm_nft_table_name(paths->root, network, table);
	for (size_t i = 0; i < n; i++) {
		int r = lxm_nft_forward_add(table, &fw[i]);
		if (r == -EEXIST)
			return log_error_errno(r, "Host port %s/%u is already forwarded on network '%s'", fw[i].proto,
					       fw[i].host_port, network);
		if (r < 0)
			return log_error_errno(r, "Failed to add forward %s/%u: %m", fw[i].proto, fw[i].host_port);
	}
	return 0;
}

int lxm_net_forwards_remove_from(const struct lxm_paths *paths, const char *network, const struct lxm_cidr *addr)
{
	_cleanup_free_ struct lxm_nft_forward *fw = NULL;
	char table[LXM_NFT_TABLE_MAX];
	size_t n = 0;
	int r, ret = 0;

	lxm_nft_table_name(paths->root, network, table);
	r = lxm_nft_forward_list(table, &fw, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_warning_errno(r, "Failed to list the forwards of network '%s', ignoring: %m", network);
	for (size_t i = 0; i < n; i++) {
		if (fw[i].addr.addr.v4.s_addr != addr->addr.v4.s_addr)
			continue;
		r = lxm_nft_forward_remove(table, fw[i].proto, fw[i].host_port);
		if (r < 0 && r != -ENOENT)
			ret = log_warning_errno(r, "Failed to remove forward %s/%u, ignoring: %m", fw[i].proto,
						fw[i].host_port);
	}
	return ret;
}

/* The helper gets what this process decided from its own config (the monitor's snapshot from
 * the start, never the file, which may have been edited or broken since): the network, the
 * address and, to add, each forward as "PROTO/HOST_PORT/CONTAINER_PORT". */
static int hand_over_forwards(const struct lxm_paths *paths, const char *op, const char *network,
			      const struct lxm_cidr *addr, const struct lxm_nft_forward *fw, size_t n)
{
	char a[LXM_CIDR_STRLEN], (*spec)[16] = calloc(n + 1, sizeof(*spec));
	const char **args = calloc(n + 5, sizeof(char *));
	int r = -ENOMEM;

	if (spec && args) {
		args[0] = "__net-forwards", args[1] = op, args[2] = network;
		args[3] = lxm_ipam_addr_to_string(addr, a);
		for (size_t i = 0; i < n; i++) {
			snprintf(spec[i], sizeof(spec[i]), "%s/%u/%u", fw[i].proto, fw[i].host_port, fw[i].container_port);
			args[4 + i] = spec[i];
		}
		r = hand_over(paths, args);
	}
	free(spec);
	free(args);
	return r;
}

int lxm_net_forwards_add(const struct lxm_paths *paths, cfg_t *cfg, const char *name)
{
	_cleanup_free_ struct lxm_nft_forward *fw = NULL;
	char network[IF_NAMESIZE];
	struct lxm_cidr addr;
	size_t n = cfg_size(cfg, "forward");
	int r;

	if (n == 0)
		return 0;
	r = lxm_net_forward_target(paths, cfg, name, network, &addr);
	if (r < 0)
		return log_error_errno(r, "Container '%s' has forwards but no address on a managed IPv4 network", name);
	fw = calloc(n, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		fw[i].addr = addr;
		r = forward_from_section(cfg_getnsec(cfg, "forward", (unsigned)i), &fw[i]);
		if (r < 0)
			return r;
	}
	if (lxm_full_helper_wanted()) {
		r = hand_over_forwards(paths, "add", network, &addr, fw, n);
		if (r <= 0)
			return r;
	}
	return lxm_net_forwards_add_to(paths, network, fw, n);
}

int lxm_net_forwards_remove(const struct lxm_paths *paths, cfg_t *cfg, const char *name)
{
	char network[IF_NAMESIZE];
	struct lxm_cidr addr;

	if (lxm_net_forward_target(paths, cfg, name, network, &addr) < 0)
		return 0; /* no lease: the forwards went with the table or were never added */
	if (lxm_full_helper_wanted()) {
		/* also forwards added live (`port add`), which the config may not list */
		int r = hand_over_forwards(paths, "remove", network, &addr, NULL, 0);
		if (r <= 0)
			return r;
	}
	return lxm_net_forwards_remove_from(paths, network, &addr);
}
