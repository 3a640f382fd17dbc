/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <confuse.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "core/paths.h"
#include "networking/dnsmasq.h"
#include "networking/addr.h"
#include "networking/ipam.h"
#include "networking/link.h"
#include "networking/managed.h"
#include "networking/nft.h"
#include "networking/route.h"
#include "networking/nl.h"
#include "util/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cfg_t *, cfg_free)

void lxm_network_free(struct lxm_network *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->bridge);
	free(n->domain);
	free(n->dns_upstream);
	free(n);
}

int lxm_network_name_validate(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 15)
		return log_error_errno(-EINVAL, "Invalid network name '%s': must be 1 to 15 characters (a bridge name)",
				       name ? name : "");
	if (name[0] == '-')
		return log_error_errno(-EINVAL, "Invalid network name '%s': must not start with '-'", name);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return log_error_errno(-EINVAL, "Invalid network name '%s': only letters, digits, '_' and '-'",
					       name);
	return 0;
}

int lxm_network_domain_validate(const char *d)
{
	size_t n = d ? strlen(d) : 0;

	if (n == 0 || n > 253 || d[0] == '.' || d[0] == '-' || d[n - 1] == '.' || strstr(d, ".."))
		return -EINVAL;
	for (const char *p = d; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return -EINVAL;
	return 0;
}

int lxm_network_upstream_validate(const char *s)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;
	struct lxm_cidr a;

	if (!s)
		return -EINVAL;
	if (STREQ(s, "host") || STREQ(s, "none"))
		return 0;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (lxm_ipam_parse_addr(t, &a) < 0)
			return -EINVAL;
	return *s ? 0 : -EINVAL;
}

int lxm_network_new(const char *name, struct lxm_network **ret)
{
	_cleanup_network_free_ struct lxm_network *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->name = strdup(name);
	n->bridge = strdup(name);
	n->domain = strdup("lxcmgr");
	n->dns_upstream = strdup("host");
	if (!n->name || !n->bridge || !n->domain || !n->dns_upstream)
		return -ENOMEM;
	n->nat = n->dhcp = true;
	if (STREQ(name, LXM_NETWORK_DEFAULT))
		(void)lxm_parse_cidr("10.0.3.1/24", false, &n->ipv4);
	*ret = TAKE_PTR(n);
	return 0;
}

static int conf_path(const char *dir, const char *name, char **ret)
{
	return asprintf(ret, "%s/%s.conf", dir, name) < 0 ? -ENOMEM : 0;
}

static int dup_or_default(char **dst, const char *s, const char *def)
{
	*dst = strdup(IS_EMPTY(s) ? def : s);
	return *dst ? 0 : -ENOMEM;
}

int lxm_network_load(const char *networks_dir, const char *name, struct lxm_network **ret)
{
	cfg_opt_t opts[] = {
		CFG_STR("bridge", NULL, CFGF_NONE),    CFG_STR("ipv4", "", CFGF_NONE),
		CFG_STR("ipv6", "", CFGF_NONE),        CFG_BOOL("nat", cfg_true, CFGF_NONE),
		CFG_BOOL("dhcp", cfg_true, CFGF_NONE), CFG_STR("domain", "lxcmgr", CFGF_NONE),
		CFG_STR("dns_upstream", "host", CFGF_NONE), CFG_END(),
	};
	_cleanup_(cfg_freep) cfg_t *cfg = NULL;
	_cleanup_network_free_ struct lxm_network *n = calloc(1, sizeof(*n));
	_cleanup_free_ char *path = NULL;
	const char *s;
	int r;

	if (!n || conf_path(networks_dir, name, &path) < 0)
		return -ENOMEM;
	if (access(path, F_OK) < 0)
		return log_debug_errno(-errno, "No network '%s' ('%s'): %m", name, path);
	cfg = cfg_init(opts, CFGF_NONE);
	if (!cfg)
		return -ENOMEM;
	r = cfg_parse(cfg, path);
	if (r != CFG_SUCCESS)
		return log_error_errno(r == CFG_FILE_ERROR ? -EIO : -EINVAL, "Failed to parse '%s'", path);
	n->name = strdup(name);
	if (!n->name || dup_or_default(&n->bridge, cfg_getstr(cfg, "bridge"), name) < 0 ||
	    dup_or_default(&n->domain, cfg_getstr(cfg, "domain"), "lxcmgr") < 0 ||
	    dup_or_default(&n->dns_upstream, cfg_getstr(cfg, "dns_upstream"), "host") < 0)
		return -ENOMEM;
	/* These values end up as lines of dnsmasq.conf and nft ruleset text: a newline or quote in a
	 * hand-edited file must not smuggle options (dhcp-script=...) or rules into either. */
	if (lxm_network_name_validate(n->bridge) < 0)
		return log_error_errno(-EINVAL, "%s: invalid bridge '%s'", path, n->bridge);
	if (lxm_network_domain_validate(n->domain) < 0)
		return log_error_errno(-EINVAL, "%s: invalid domain '%s'", path, n->domain);
	if (lxm_network_upstream_validate(n->dns_upstream) < 0)
		return log_error_errno(-EINVAL, "%s: invalid dns_upstream '%s'", path, n->dns_upstream);
	n->nat = cfg_getbool(cfg, "nat");
	n->dhcp = cfg_getbool(cfg, "dhcp");
	s = cfg_getstr(cfg, "ipv4");
	if (!IS_EMPTY(s) && (lxm_parse_cidr(s, false, &n->ipv4) < 0 || n->ipv4.family != AF_INET))
		return log_error_errno(-EINVAL, "%s: invalid ipv4 '%s'", path, s);
	s = cfg_getstr(cfg, "ipv6");
	if (!IS_EMPTY(s) && (lxm_parse_cidr(s, false, &n->ipv6) < 0 || n->ipv6.family != AF_INET6))
		return log_error_errno(-EINVAL, "%s: invalid ipv6 '%s'", path, s);
	*ret = TAKE_PTR(n);
	return 0;
}

static int write_atomic(const char *path, const char *text)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(text);

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 || rename(tmp, path) < 0) {
		int r = negative_errno();
		unlink(tmp);
		return r;
	}
	return 0;
}

int lxm_network_save(const char *networks_dir, const struct lxm_network *n)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char v4[LXM_CIDR_STRLEN] = "", v6[LXM_CIDR_STRLEN] = "";
	int r;

	if (n->ipv4.family)
		lxm_ipam_cidr_to_string(&n->ipv4, v4);
	if (n->ipv6.family)
		lxm_ipam_cidr_to_string(&n->ipv6, v6);
	if (conf_path(networks_dir, n->name, &path) < 0)
		return -ENOMEM;
	if (asprintf(&text,
		     "# lxcmgr managed network '%s'\n"
		     "bridge = \"%s\"\nipv4 = \"%s\"\nipv6 = \"%s\"\nnat = %s\ndhcp = %s\n"
		     "domain = \"%s\"\ndns_upstream = \"%s\"\n",
		     n->name, n->bridge, v4, v6, n->nat ? "true" : "false", n->dhcp ? "true" : "false", n->domain,
		     n->dns_upstream) < 0)
		return -ENOMEM;
	r = lxm_mkdir_p(networks_dir, 0755);
	if (r < 0)
		return log_error_errno(r, "Failed to create '%s': %m", networks_dir);
	r = write_atomic(path, text);
	if (r < 0)
		return log_error_errno(r, "Failed to write '%s': %m", path);
	return 0;
}

int lxm_network_remove_definition(const char *networks_dir, const char *name)
{
	_cleanup_free_ char *path = NULL;

	if (conf_path(networks_dir, name, &path) < 0)
		return -ENOMEM;
	if (unlink(path) < 0)
		return -errno;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lxm_network_list(const char *networks_dir, char ***ret)
{
	_cleanup_closedir_ DIR *d = opendir(networks_dir);
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	size_t n = 0;
	struct dirent *de;

	if (!l)
		return -ENOMEM;
	if (!d) {
		if (errno != ENOENT)
			return -errno;
		*ret = TAKE_PTR(l);
		return 0;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **m;
		if (de->d_name[0] == '.' || len <= 5 || STRNEQ(de->d_name + len - 5, ".conf"))
			continue;
		m = realloc(l, (n + 2) * sizeof(char *));
		if (!m)
			return -ENOMEM;
		l = m;
		l[n] = strndup(de->d_name, len - 5);
		if (!l[n])
			return -ENOMEM;
		l[++n] = NULL;
	}
	qsort(l, n, sizeof(char *), cmp_str);
	*ret = TAKE_PTR(l);
	return 0;
}

static int check_routes(const struct lxm_network *n, const struct lxm_cidr *c, enum lxm_log_level level)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	_cleanup_free_ struct lxm_cidr *routes = NULL;
	char a[LXM_CIDR_STRLEN], b[LXM_CIDR_STRLEN];
	size_t n_routes = 0;
	int r;

	r = lxm_nl_open(&sk);
	if (r >= 0)
		r = lxm_route_list(sk, c->family, &routes, &n_routes);
	if (r < 0)
		return log_error_errno(r, "Failed to read the host's routes: %m");
	for (size_t i = 0; i < n_routes; i++) {
		/* Host routes (/32, /128, e.g. a local address) do not make a subnet unusable... */
		if (routes[i].prefix == (c->family == AF_INET ? 32u : 128u))
			continue;
		/* ... IPv6 link-local and multicast routes exist on every link. */
		if (c->family == AF_INET6 && (routes[i].addr.v6.s6_addr[0] == 0xfe || routes[i].addr.v6.s6_addr[0] == 0xff))
			continue;
		if (lxm_ipam_overlap(&routes[i], c))
			return lxm_log_full_errno(level, EEXIST, "Subnet %s of network '%s' overlaps the host route %s",
					       lxm_ipam_cidr_to_string(c, a), n->name,
					       lxm_ipam_cidr_to_string(&routes[i], b));
	}
	return 0;
}

static int conflicts(const char *networks_dir, const struct lxm_network *n, enum lxm_log_level level)
{
	_cleanup_strv_free_ char **names = NULL;
	char a[LXM_CIDR_STRLEN], b[LXM_CIDR_STRLEN];
	int r;

	r = lxm_network_list(networks_dir, &names);
	if (r < 0)
		return log_error_errno(r, "Failed to list networks in '%s': %m", networks_dir);
	for (char **s = names; *s; s++) {
		_cleanup_network_free_ struct lxm_network *o = NULL;
		if (STREQ(*s, n->name))
			continue;
		if (lxm_network_load(networks_dir, *s, &o) < 0)
			continue;
		if (STREQ(o->bridge, n->bridge))
			return lxm_log_full_errno(level, EEXIST, "Network '%s' already uses bridge '%s'", o->name,
						  n->bridge);
		const struct lxm_cidr *mine[] = { &n->ipv4, &n->ipv6 }, *theirs[] = { &o->ipv4, &o->ipv6 };
		for (size_t i = 0; i < 2; i++)
			if (mine[i]->family && theirs[i]->family && lxm_ipam_overlap(mine[i], theirs[i]))
				return lxm_log_full_errno(level, EEXIST, "Subnet %s overlaps %s of network '%s'",
						       lxm_ipam_cidr_to_string(mine[i], a),
						       lxm_ipam_cidr_to_string(theirs[i], b), o->name);
	}
	if (n->ipv4.family && (r = check_routes(n, &n->ipv4, level)) < 0)
		return r;
	if (n->ipv6.family && (r = check_routes(n, &n->ipv6, level)) < 0)
		return r;
	return 0;
}

int lxm_network_check_conflicts(const char *networks_dir, const struct lxm_network *n)
{
	return conflicts(networks_dir, n, LXM_LOG_ERROR);
}

int lxm_network_pick_subnet(const char *networks_dir, struct lxm_cidr *ret)
{
	struct lxm_network probe = { .name = (char *)"", .bridge = (char *)"" };

	/* 10.0.3.0/24 is lxcbr0's (and LXC's); walk up from 10.0.4.0/24. */
	for (unsigned i = 4; i < 256 * 256; i++) {
		char s[32];
		snprintf(s, sizeof(s), "10.%u.%u.1/24", i / 256, i % 256);
		(void)lxm_parse_cidr(s, false, &probe.ipv4);
		int r = conflicts(networks_dir, &probe, LXM_LOG_DEBUG);
		if (r == 0) {
			*ret = probe.ipv4;
			return 0;
		}
		if (r != -EEXIST)
			return r;
	}
	return -ENOSPC;
}

void lxm_network_owner_tag(const char *root, char ret[static 32])
{
	const char *parts[] = { "owner", IS_EMPTY(root) ? "/" : root };

	snprintf(ret, 32, "lxcmgr:%012llx",
		 (unsigned long long)(lxm_ipam_hash(parts, ARRAY_SIZE(parts)) & 0xffffffffffffULL));
}

int lxm_network_run_dir(const char *run_dir, const char *name, char **ret)
{
	return asprintf(ret, "%s/networks/%s", run_dir, name) < 0 ? -ENOMEM : 0;
}

/* Serialises up/down of one network between concurrent lxcmgr processes (two starts racing to
 * create the bridge would otherwise see each other's half-made bridge as foreign). */
static int network_lock(const char *run_dir, const char *name, int *ret_fd)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	int fd, r;

	if (asprintf(&dir, "%s/networks", run_dir) < 0 || asprintf(&path, "%s/.%s.lock", dir, name) < 0)
		return -ENOMEM;
	r = lxm_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static int bridge_ensure(struct nl_sock *sk, const struct lxm_network *n, const char *tag)
{
	struct lxm_link_info info;
	uint8_t mac[6];
	int r;

	r = lxm_link_get_info(sk, n->bridge, &info);
	if (r == -ENODEV) {
		r = lxm_link_bridge_create(sk, n->bridge, 0);
		if (r < 0)
			return log_error_errno(r, "Failed to create bridge '%s': %m", n->bridge);
		/* A fixed MAC: otherwise the bridge takes the lowest of its ports' and changes as
		 * containers come and go, which breaks every neighbour's ARP entry. */
		lxm_ipam_mac_generate(tag, n->bridge, mac);
		if ((r = lxm_link_set_mac(sk, n->bridge, mac)) < 0 || (r = lxm_link_set_alias(sk, n->bridge, tag)) < 0) {
			(void)lxm_link_delete(sk, n->bridge);
			return log_error_errno(r, "Failed to set up bridge '%s': %m", n->bridge);
		}
	} else if (r < 0)
		return log_error_errno(r, "Failed to look up bridge '%s': %m", n->bridge);
	else if (STRNEQ(info.alias, tag) || STRNEQ(info.kind, "bridge"))
		/* Another --root world, LXC's lxc-net, or an administrator's bridge: enslaving our
		 * containers to it or deleting it later would break someone else's network. */
		return log_error_errno(-EEXIST,
				       "Link '%s' exists but is not this lxcmgr root's bridge (alias '%s'); "
				       "choose another network name", n->bridge, info.alias);
	r = lxm_link_set_up(sk, n->bridge, true);
	if (r < 0)
		return log_error_errno(r, "Failed to bring bridge '%s' up: %m", n->bridge);
	r = lxm_link_get_ifindex(sk, n->bridge, &info.ifindex);
	for (int i = 0; r >= 0 && i < 2; i++) {
		const struct lxm_cidr *c = i == 0 ? &n->ipv4 : &n->ipv6;
		char buf[LXM_CIDR_STRLEN];
		if (!c->family)
			continue;
		r = lxm_addr_add(sk, info.ifindex, c);
		if (r == -EEXIST)
			r = 0;
		if (r < 0)
			return log_error_errno(r, "Failed to add %s to bridge '%s': %m", lxm_ipam_cidr_to_string(c, buf),
					       n->bridge);
	}
	return r;
}

static int enable_ip_forward(void)
{
	_cleanup_close_ int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1", 1) != 1)
		return negative_errno();
	return 0;
}

int lxm_network_up(const struct lxm_network *n, const char *root, const char *run_dir)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *dir = NULL, *comment = NULL;
	char tag[32], table[LXM_NFT_TABLE_MAX];
	int r;

	lxm_network_owner_tag(root, tag);
	lxm_nft_table_name(root, n->name, table);
	if (lxm_network_run_dir(run_dir, n->name, &dir) < 0)
		return -ENOMEM;
	r = network_lock(run_dir, n->name, &lock);
	if (r < 0)
		return log_error_errno(r, "Failed to lock network '%s': %m", n->name);
	r = lxm_nl_open(&sk);
	if (r < 0)
		return log_error_errno(r, "Failed to open a netlink socket: %m");
	r = bridge_ensure(sk, n, tag);
	if (r < 0)
		return r;
	if (!n->ipv4.family && !n->ipv6.family)
		return 0;
	if (n->ipv4.family && n->nat && (r = enable_ip_forward()) < 0)
		return log_error_errno(r, "Failed to enable IPv4 forwarding: %m");
	/* The nft table is the IPv4 subnet's (NAT and its filter); an IPv6-only network still gets
	 * dnsmasq for its router advertisements and DNS (it got nothing, so no address either). */
	r = n->ipv4.family ? lxm_nft_network_exists(table) : 1;
	if (r == 0) {
		if (asprintf(&comment, "lxcmgr network %s root %s", n->name, IS_EMPTY(root) ? "/" : root) < 0)
			return -ENOMEM;
		r = lxm_nft_network_apply(&(struct lxm_nft_network){
			.table = table, .bridge = n->bridge, .subnet = &n->ipv4, .nat = n->nat, .comment = comment });
	}
	if (r < 0)
		return log_error_errno(r, "Failed to set up nftables table '%s' for network '%s': %m", table, n->name);
	r = lxm_dnsmasq_start(&(struct lxm_dnsmasq_config){
		.dir = dir, .bridge = n->bridge, .addr4 = n->ipv4.family ? &n->ipv4 : NULL, .addr6 = n->ipv6.family ? &n->ipv6 : NULL,
		.dhcp = n->dhcp, .domain = n->domain, .upstream = n->dns_upstream });
	if (r < 0)
		return log_error_errno(r, "Failed to start dnsmasq for network '%s': %m", n->name);
	return 0;
}

static void remove_run_dir(const char *dir)
{
	static const char *const files[] = { "dnsmasq.conf", "dnsmasq.pid", "dnsmasq.leases", "dhcp-hosts", "hosts" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, files[i]) >= 0)
			(void)unlink(p);
	}
	(void)rmdir(dir);
}

int lxm_network_down(const struct lxm_network *n, const char *root, const char *run_dir)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *dir = NULL;
	struct lxm_network_status st;
	char table[LXM_NFT_TABLE_MAX];
	int r;

	lxm_nft_table_name(root, n->name, table);
	if (lxm_network_run_dir(run_dir, n->name, &dir) < 0)
		return -ENOMEM;
	r = network_lock(run_dir, n->name, &lock);
	if (r < 0)
		return log_error_errno(r, "Failed to lock network '%s': %m", n->name);
	r = lxm_dnsmasq_stop(dir);
	if (r < 0)
		return log_error_errno(r, "Failed to stop dnsmasq of network '%s': %m", n->name);
	remove_run_dir(dir);
	r = lxm_nft_network_remove(table);
	if (r < 0)
		return log_error_errno(r, "Failed to remove nftables table '%s': %m", table);
	r = lxm_network_status(n, root, run_dir, &st);
	if (r < 0)
		return r;
	if (!st.bridge)
		return 0;
	r = lxm_nl_open(&sk);
	if (r >= 0)
		r = lxm_link_delete(sk, n->bridge);
	if (r < 0 && r != -ENODEV)
		return log_error_errno(r, "Failed to delete bridge '%s': %m", n->bridge);
	return 0;
}

int lxm_network_status(const struct lxm_network *n, const char *root, const char *run_dir,
		       struct lxm_network_status *ret)
{
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	_cleanup_free_ char *dir = NULL;
	struct lxm_link_info info;
	char tag[32], table[LXM_NFT_TABLE_MAX];
	int r;

	*ret = (struct lxm_network_status){};
	lxm_network_owner_tag(root, tag);
	lxm_nft_table_name(root, n->name, table);
	r = lxm_nl_open(&sk);
	if (r < 0)
		return r;
	r = lxm_link_get_info(sk, n->bridge, &info);
	if (r >= 0) {
		ret->bridge = STREQ(info.alias, tag);
		ret->foreign = !ret->bridge;
	} else if (r != -ENODEV)
		return r;
	r = lxm_nft_network_exists(table);
	if (r < 0)
		return r;
	ret->nft = r > 0;
	if (lxm_network_run_dir(run_dir, n->name, &dir) < 0)
		return -ENOMEM;
	r = lxm_dnsmasq_running(dir, &ret->dnsmasq);
	if (r <= 0)
		ret->dnsmasq = 0;
	return 0;
}
