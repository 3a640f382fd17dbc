/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The IPv4 addresses other containers hold on a managed network, which a starting container's
 * static or allocated address must not take (runtime/net-setup.c setup_ipv4()), and who holds
 * one (the start's and `config set`'s check of a static address, runtime/net-check.c). */
#include "networking/dnsmasq.h"
#include "runtime/net-claims.h"
#include "store/list-cache.h"
#include "store/store.h"
#include "util/parse.h"

static int used_append(struct lxm_cidr **used, size_t *k, const struct lxm_cidr *a)
{
	struct lxm_cidr *m = realloc(*used, (*k + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	*used = m;
	m[(*k)++] = *a;
	return 0;
}

/* The addresses of claims ("IPV4@BRIDGE ...", lxm_list_fields.ipv4_claims) on bridge. */
static int claims_append(const char *claims, const char *bridge, struct lxm_cidr **used, size_t *k)
{
	_cleanup_free_ char *copy = claims ? strdup(claims) : NULL;
	char *save = NULL;

	if (claims && !copy)
		return -ENOMEM;
	for (char *c = copy ? strtok_r(copy, " ", &save) : NULL; c; c = strtok_r(NULL, " ", &save)) {
		char *at = strchr(c, '@');
		struct lxm_cidr a;
		if (!at)
			continue;
		*at = '\0';
		if (STREQ(at + 1, bridge) && lxm_parse_cidr(c, true, &a) >= 0 && used_append(used, k, &a) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* 1 when claims ("IPV4@BRIDGE ...") hold addr on bridge, else 0; -ENOMEM. */
static int claims_hold(const char *claims, const char *bridge, const struct lxm_cidr *addr)
{
	_cleanup_free_ struct lxm_cidr *a = NULL;
	size_t n = 0;

	if (claims_append(claims, bridge, &a, &n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (a[i].family == AF_INET && a[i].addr.v4.s_addr == addr->addr.v4.s_addr)
			return 1;
	return 0;
}

int lxm_net_claim_holder(const struct lxm_paths *paths, const struct lxm_network *n, const char *dir,
			 const char *self, const struct lxm_cidr *addr, bool configs, char **ret_name)
{
	_cleanup_free_ struct lxm_dnsmasq_host *hosts = NULL;
	_cleanup_strv_free_ char **names = NULL;
	size_t n_hosts = 0;
	const char *holder = NULL;
	int r;

	*ret_name = NULL;
	r = lxm_dnsmasq_host_list(dir, &hosts, &n_hosts);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_hosts && !holder; i++)
		if (hosts[i].ip.family == AF_INET && hosts[i].ip.addr.v4.s_addr == addr->addr.v4.s_addr &&
		    !STREQ(hosts[i].name, self))
			holder = hosts[i].name;
	if (!holder && configs) {
		r = lxm_store_list(paths, &names);
		if (r < 0)
			return r;
		struct lxm_list_cache *cache = lxm_list_cache_load(paths);
		for (char **s = names; *s && r >= 0; s++) {
			_cleanup_(lxm_list_fields_done) struct lxm_list_fields f = {};
			/* the rest kept unread, or the cache would be rewritten without them */
			if (STREQ(*s, self) || holder) {
				lxm_list_cache_keep(cache, *s);
				continue;
			}
			r = lxm_list_cache_fields(cache, paths, *s, &f, NULL);
			if (r < 0) {
				r = r == -ENOMEM ? r : 0; /* a broken config claims nothing */
				continue;
			}
			r = claims_hold(f.ipv4_claims, n->name, addr);
			if (r > 0)
				holder = *s;
		}
		lxm_list_cache_finish(cache);
		if (r < 0)
			return r;
	}
	if (!holder)
		return 0;
	*ret_name = strdup(holder);
	return *ret_name ? 1 : -ENOMEM;
}

int lxm_net_collect_used(const struct lxm_paths *paths, const struct lxm_network *n, const char *dir,
			 const char *self, const uint8_t *mac, struct lxm_cidr **ret, size_t *ret_n)
{
	_cleanup_free_ struct lxm_dnsmasq_host *hosts = NULL, *leases = NULL;
	_cleanup_free_ struct lxm_cidr *used = NULL;
	_cleanup_strv_free_ char **names = NULL;
	size_t n_hosts = 0, n_leases = 0, k = 0;
	int r;

	r = lxm_dnsmasq_host_list(dir, &hosts, &n_hosts);
	if (r >= 0 && mac)
		r = lxm_dnsmasq_lease_list(dir, &leases, &n_leases);
	if (r >= 0)
		r = lxm_store_list(paths, &names);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_hosts; i++)
		if (hosts[i].ip.family && !STREQ(hosts[i].name, self) && used_append(&used, &k, &hosts[i].ip) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < n_leases; i++)
		if (memcmp(leases[i].mac, mac, 6) != 0 && used_append(&used, &k, &leases[i].ip) < 0)
			return -ENOMEM;
	/* the others' static addresses from the list cache while their configs are unchanged: a
	 * start beside N containers parsed N configs (~0.1 ms each) */
	struct lxm_list_cache *cache = lxm_list_cache_load(paths);
	r = 0;
	for (char **s = names; *s && r >= 0; s++) {
		_cleanup_(lxm_list_fields_done) struct lxm_list_fields f = {};
		if (STREQ(*s, self)) {
			lxm_list_cache_keep(cache, self); /* or every start would rewrite the cache without it */
			continue;
		}
		r = lxm_list_cache_fields(cache, paths, *s, &f, NULL);
		if (r < 0) {
			r = r == -ENOMEM ? r : 0; /* a broken config cannot be started either */
			continue;
		}
		r = claims_append(f.ipv4_claims, n->name, &used, &k);
	}
	lxm_list_cache_finish(cache);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(used);
	*ret_n = k;
	return 0;
}
