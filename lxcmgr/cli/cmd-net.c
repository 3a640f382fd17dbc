/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr net create|list|show|delete|up: managed networks (networking/managed.h). */
#include <arpa/inet.h>
#include <getopt.h>

#include "cli/commands.h"
#include "networking/ipam.h"
#include "networking/managed.h"
#include "networking/nft.h"
#include "runtime/net-setup.h"
#include "util/json.h"
#include "util/log.h"

static int parse_subnet(const char *opt, const char *s, int family, struct lxm_cidr *ret)
{
	struct lxm_cidr c, net;

	if (STREQ(s, "none")) {
		*ret = (struct lxm_cidr){};
		return 0;
	}
	if (lxm_parse_cidr(s, false, &c) < 0 || c.family != family)
		return log_error_errno(-EINVAL, "Invalid %s '%s': expected ADDRESS/PREFIX, e.g. %s", opt, s,
				       family == AF_INET ? "10.0.4.1/24" : "fd42:4::1/64");
	if (family == AF_INET && c.prefix > 30)
		return log_error_errno(-EINVAL, "Invalid %s '%s': the prefix must leave room for hosts (/30 or wider)",
				       opt, s);
	net = lxm_ipam_network(&c);
	/* "10.0.4.0/24" names the subnet: the bridge takes its first address. */
	if (memcmp(&net.addr, &c.addr, sizeof(c.addr)) == 0) {
		if (family == AF_INET)
			c.addr.v4.s_addr = htonl(ntohl(c.addr.v4.s_addr) + 1);
		else
			c.addr.v6.s6_addr[15] |= 1;
	} else if (lxm_ipam_is_reserved(&c, &c))
		return log_error_errno(-EINVAL, "Invalid %s '%s': the broadcast address cannot be the bridge's", opt, s);
	*ret = c;
	return 0;
}

static int net_create(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "ipv4", required_argument, NULL, '4' }, { "ipv6", required_argument, NULL, '6' },
		{ "nat", no_argument, NULL, 'n' },         { "no-nat", no_argument, NULL, 'N' },
		{ "dhcp", no_argument, NULL, 'd' },        { "no-dhcp", no_argument, NULL, 'D' },
		{ "domain", required_argument, NULL, 'o' }, { "dns-upstream", required_argument, NULL, 'u' },
		{},
	};
	_cleanup_network_free_ struct lxm_network *n = NULL, *old = NULL;
	const char *ipv4 = NULL;
	bool nat_given = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1)
		if (c == '?')
			return -EINVAL;
	if (optind != argc - 1)
		return log_error_errno(-EINVAL, "Usage: lxcmgr net create NAME [OPTIONS]");
	r = lxm_network_name_validate(argv[optind]);
	if (r < 0)
		return r;
	r = lxm_network_new(argv[optind], &n);
	if (r < 0)
		return r;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		char **dst = c == 'o' ? &n->domain : c == 'u' ? &n->dns_upstream : NULL;
		switch (c) {
		case '4':
			ipv4 = optarg;
			r = parse_subnet("--ipv4", optarg, AF_INET, &n->ipv4);
			break;
		case '6':
			r = parse_subnet("--ipv6", optarg, AF_INET6, &n->ipv6);
			break;
		case 'n': case 'N':
			n->nat = c == 'n';
			nat_given = c == 'n';
			break;
		case 'd': case 'D':
			n->dhcp = c == 'd';
			break;
		case 'o': case 'u':
			if (c == 'o' && lxm_network_domain_validate(optarg) < 0)
				return log_error_errno(-EINVAL, "Invalid domain '%s'", optarg);
			free(*dst);
			*dst = strdup(optarg);
			if (!*dst)
				return -ENOMEM;
			break;
		}
		if (r < 0)
			return r;
	}
	if (lxm_network_upstream_validate(n->dns_upstream) < 0)
		return log_error_errno(-EINVAL, "Invalid --dns-upstream '%s': host, none or IP[,IP]", n->dns_upstream);
	if (!ipv4 && !n->ipv4.family) {
		r = lxm_network_pick_subnet(ctx->paths.networks_dir, &n->ipv4);
		if (r < 0)
			return log_error_errno(r, "No free 10.x.y.0/24 subnet found, pass --ipv4");
	}
	/* lxcmgr's NAT is the IPv4 subnet's masquerade: without one there is none to do (and `net
	 * show` said "nat: yes" for an IPv6-only network) */
	if (!n->ipv4.family && nat_given)
		return log_error_errno(-EINVAL, "--nat needs an IPv4 subnet (NAT is done for IPv4 only)");
	if (!n->ipv4.family)
		n->nat = false;
	if (lxm_network_load(ctx->paths.networks_dir, n->name, &old) >= 0)
		return log_error_errno(-EEXIST, "Network '%s' exists already", n->name);
	r = lxm_network_check_conflicts(ctx->paths.networks_dir, n);
	if (r < 0)
		return r;
	r = lxm_network_save(ctx->paths.networks_dir, n);
	if (r < 0)
		return r;
	r = lxm_network_up(n, ctx->paths.root, ctx->paths.run_dir);
	if (r < 0) {
		/* Roll back as a whole: half a network would block the name and the subnet. */
		(void)lxm_network_down(n, ctx->paths.root, ctx->paths.run_dir);
		(void)lxm_network_remove_definition(ctx->paths.networks_dir, n->name);
		return r;
	}
	return 0;
}

static int net_list(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_strv_free_ char **names = NULL;
	struct lxm_json j;
	bool json = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (STREQ(argv[i], "--format") && i + 1 < argc && (STREQ(argv[i + 1], "json") || STREQ(argv[i + 1], "table")))
			json = STREQ(argv[++i], "json");
		else if (STREQ(argv[i], "--format=json") || STREQ(argv[i], "--json"))
			json = true;
		else
			return log_error_errno(-EINVAL, "Usage: lxcmgr net list [--format table|json]");
	}
	r = lxm_network_list(ctx->paths.networks_dir, &names);
	if (r < 0)
		return log_error_errno(r, "Failed to list networks: %m");
	if (json) {
		lxm_json_init(&j, stdout, false);
		lxm_json_array_begin(&j);
	} else
		printf("%-16s %-18s %-24s %-4s %-4s %s\n", "NAME", "IPV4", "IPV6", "NAT", "DHCP", "STATE");
	for (size_t i = 0; names[i]; i++) {
		_cleanup_network_free_ struct lxm_network *n = NULL;
		struct lxm_network_status st = {};
		char a[LXM_CIDR_STRLEN] = "-", b[LXM_CIDR_STRLEN] = "-";
		if (lxm_network_load(ctx->paths.networks_dir, names[i], &n) < 0)
			continue;
		(void)lxm_network_status(n, ctx->paths.root, ctx->paths.run_dir, &st);
		if (n->ipv4.family)
			lxm_ipam_cidr_to_string(&n->ipv4, a);
		if (n->ipv6.family)
			lxm_ipam_cidr_to_string(&n->ipv6, b);
		const char *state = st.foreign ? "conflict" : st.bridge ? "up" : "down";
		if (!json) {
			printf("%-16s %-18s %-24s %-4s %-4s %s\n", n->name, a, b, n->nat ? "yes" : "no",
			       n->dhcp ? "yes" : "no", state);
			continue;
		}
		lxm_json_object_begin(&j);
		lxm_json_kv_string(&j, "name", n->name);
		lxm_json_kv_string(&j, "bridge", n->bridge);
		lxm_json_kv_string(&j, "ipv4", n->ipv4.family ? a : "");
		lxm_json_kv_string(&j, "ipv6", n->ipv6.family ? b : "");
		lxm_json_kv_bool(&j, "nat", n->nat);
		lxm_json_kv_bool(&j, "dhcp", n->dhcp);
		lxm_json_kv_string(&j, "domain", n->domain);
		lxm_json_kv_string(&j, "state", state);
		lxm_json_object_end(&j);
	}
	if (json) {
		lxm_json_array_end(&j);
		return lxm_json_end(&j);
	}
	return 0;
}

static int load_named(struct lxm_context *ctx, int argc, char **argv, struct lxm_network **ret)
{
	int r;

	if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr net %s NAME", argv[0]);
	r = lxm_network_name_validate(argv[1]);
	if (r < 0)
		return r;
	r = lxm_network_load(ctx->paths.networks_dir, argv[1], ret);
	if (r == -ENOENT)
		return log_error_errno(r, "No network '%s'", argv[1]);
	return r;
}

static int net_show(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_network_free_ struct lxm_network *n = NULL;
	struct lxm_network_status st;
	char a[LXM_CIDR_STRLEN] = "", b[LXM_CIDR_STRLEN] = "", table[LXM_NFT_TABLE_MAX];
	int r;

	r = load_named(ctx, argc, argv, &n);
	if (r < 0)
		return r;
	r = lxm_network_status(n, ctx->paths.root, ctx->paths.run_dir, &st);
	if (r < 0)
		return log_error_errno(r, "Failed to read the state of network '%s': %m", n->name);
	lxm_nft_table_name(ctx->paths.root, n->name, table);
	if (n->ipv4.family)
		lxm_ipam_cidr_to_string(&n->ipv4, a);
	if (n->ipv6.family)
		lxm_ipam_cidr_to_string(&n->ipv6, b);
	printf("name: %s\nbridge: %s\nipv4: %s\nipv6: %s\nnat: %s\ndhcp: %s\ndomain: %s\ndns_upstream: %s\n"
	       "state: %s\nnft_table: ip %s (%s)\ndnsmasq: ",
	       n->name, n->bridge, a, b, n->nat ? "yes" : "no", n->dhcp ? "yes" : "no", n->domain, n->dns_upstream,
	       st.foreign ? "conflict (a bridge of that name belongs to someone else)" : st.bridge ? "up" : "down",
	       table, st.nft ? "present" : "absent");
	if (st.dnsmasq > 0)
		printf("running (pid %d)\n", (int)st.dnsmasq);
	else
		printf("not running\n");
	return 0;
}

static int net_delete(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_network_free_ struct lxm_network *n = NULL;
	_cleanup_strv_free_ char **users = NULL;
	int r;

	r = load_named(ctx, argc, argv, &n);
	if (r < 0)
		return r;
	r = lxm_net_users(&ctx->paths, n->name, &users);
	if (r < 0)
		return log_error_errno(r, "Failed to check which containers use network '%s': %m", n->name);
	if (users[0])
		return log_error_errno(-EBUSY, "Network '%s' is used by container '%s'%s", n->name, users[0],
				       users[1] ? " and others" : "");
	r = lxm_network_down(n, ctx->paths.root, ctx->paths.run_dir);
	if (r < 0)
		return r;
	r = lxm_network_remove_definition(ctx->paths.networks_dir, n->name);
	if (r < 0)
		return log_error_errno(r, "Failed to remove the definition of network '%s': %m", n->name);
	return 0;
}

static int net_up(struct lxm_context *ctx, int argc, char **argv)
{
	if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr net up NAME");
	return lxm_net_ensure_up(&ctx->paths, argv[1]);
}

int lxm_cmd_net(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct lxm_context *ctx, int argc, char **argv);
	} subs[] = {
		{ "create", net_create }, { "list", net_list }, { "show", net_show },
		{ "delete", net_delete }, { "up", net_up },
	};

	if (argc < 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr net create|list|show|delete|up ...");
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (STREQ(argv[1], subs[i].name))
			return subs[i].run(ctx, argc - 1, argv + 1);
	return log_error_errno(-EINVAL, "Unknown net command '%s' (create, list, show, delete, up)", argv[1]);
}
