/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "networking/ipam.h"
#include "runtime/net-check.h"
#include "runtime/net-claims.h"
#include "util/log.h"

int lxm_net_check_static_v4(const struct lxm_network *n, const char *ifname, const struct lxm_cidr *a)
{
	char x[LXM_CIDR_STRLEN], y[LXM_CIDR_STRLEN];

	if (!lxm_ipam_contains(&n->ipv4, a) || a->prefix != n->ipv4.prefix)
		return log_error_errno(-EINVAL, "Interface '%s': address %s is outside %s of network '%s'", ifname,
				       lxm_ipam_cidr_to_string(a, x), lxm_ipam_cidr_to_string(&n->ipv4, y), n->name);
	if (lxm_ipam_is_reserved(&n->ipv4, a) || a->addr.v4.s_addr == n->ipv4.addr.v4.s_addr)
		return log_error_errno(-EINVAL, "Interface '%s': %s is the network's, broadcast or bridge address",
				       ifname, lxm_ipam_addr_to_string(a, x));
	return 0;
}

int lxm_net_check_unused_v4(const struct lxm_paths *paths, const struct lxm_network *n, const char *ifname,
			    const char *self, const struct lxm_cidr *a, bool configs)
{
	_cleanup_free_ char *dir = NULL, *holder = NULL;
	char x[LXM_CIDR_STRLEN];
	int r;

	if (lxm_network_run_dir(paths->run_dir, n->name, &dir) < 0)
		return -ENOMEM;
	r = lxm_net_claim_holder(paths, n, dir, self, a, configs, &holder);
	if (r < 0)
		return log_error_errno(r, "Failed to collect the addresses used on network '%s': %m", n->name);
	if (r > 0)
		return log_error_errno(-EADDRINUSE, "Interface '%s': address %s on network '%s' is used by container '%s'",
				       ifname, lxm_ipam_addr_to_string(a, x), n->name, holder);
	return 0;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && STREQ(a, b));
}

int lxm_net_check_config(const struct lxm_paths *paths, const char *self, cfg_t *old, cfg_t *cfg)
{
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		_cleanup_network_free_ struct lxm_network *n = NULL;
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		cfg_t *was = old ? cfg_gettsec(old, "network", cfg_title(sec)) : NULL;
		const char *v4 = cfg_getstr(sec, "ipv4"), *type = cfg_getstr(sec, "type"), *br = cfg_getstr(sec, "bridge");
		struct lxm_cidr a;
		int r;

		/* An unchanged section is left alone: a later change elsewhere (a network redefined,
		 * another container's config) is start's to report, not a reason to refuse `set hostname`. */
		if (was && same_str(cfg_getstr(was, "type"), type) && same_str(cfg_getstr(was, "bridge"), br) &&
		    same_str(cfg_getstr(was, "ipv4"), v4))
			continue;
		if (!type || !STREQ(type, "veth") || IS_EMPTY(br) || IS_EMPTY(v4) || lxm_parse_cidr(v4, false, &a) < 0 ||
		    a.family != AF_INET)
			continue;
		if (lxm_network_load(paths->networks_dir, br, &n) < 0 || !n->ipv4.family)
			continue;
		r = lxm_net_check_static_v4(n, cfg_title(sec), &a);
		if (r >= 0)
			r = lxm_net_check_unused_v4(paths, n, cfg_title(sec), self, &a, true);
		if (r < 0)
			return r == -EADDRINUSE ? -EINVAL : r; /* a value refused as invalid input: exit code 2 */
	}
	return 0;
}
