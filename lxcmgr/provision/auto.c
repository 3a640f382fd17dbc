/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "networking/ipam.h"
#include "provision/auto.h"
#include "util/macros.h"

/* The interface name of "network.IF.opt" into ret (IF may itself contain dots). */
static bool iface_of(const char *key, const char *opt, char *ret, size_t size)
{
	size_t n = strlen(key), o = strlen(opt);

	if (strncmp(key, "network.", 8) != 0 || n < 8 + 1 + o + 1 || key[n - o - 1] != '.' || !STREQ(key + n - o, opt))
		return false;
	n -= 8 + o + 1;
	if (n >= size)
		return false;
	memcpy(ret, key + 8, n);
	ret[n] = 0;
	return true;
}

/* The MAC is derived from the uuid and the interface name alone, so the one "auto" gives is
 * known exactly: a hand-set MAC that differs is still a change. */
static bool hwaddr_satisfied(cfg_t *existing, const char *ifname, const char *have)
{
	const char *uuid = cfg_getstr(existing, "uuid");
	uint8_t mac[6], gen[6];

	if (IS_EMPTY(uuid) || lxm_parse_mac(have, mac) < 0)
		return false;
	lxm_ipam_mac_generate(uuid, ifname, gen);
	return memcmp(mac, gen, sizeof(mac)) == 0;
}

static const char *bridge_of(cfg_t *declared, cfg_t *existing, const char *ifname)
{
	cfg_t *d = cfg_gettsec(declared, "network", ifname), *e = cfg_gettsec(existing, "network", ifname);
	cfg_opt_t *o = d ? cfg_getopt(d, "bridge") : NULL;

	/* A declared bridge replaces the config's at this apply: the address must fit that one. */
	if (o && (o->flags & CFGF_MODIFIED))
		return cfg_getstr(d, "bridge");
	return e ? cfg_getstr(e, "bridge") : NULL;
}

/* The written-back address is a plain literal: nothing (config, lease file, state) records that
 * start chose it, so it cannot be told from one set by hand. Any address that start accepts as
 * static on the interface's managed network (inside its subnet with its prefix, not the
 * network's, broadcast or bridge address) therefore satisfies "auto": it is what "auto" promises,
 * a stable address of that network. One outside the subnet (the bridge changed, or the network
 * was re-created with another subnet) is a change: start would refuse it. */
static bool ipv4_satisfied(cfg_t *declared, cfg_t *existing, const char *ifname, const char *have,
			   const struct lxm_prov_net_lookup *nets)
{
	const char *bridge = bridge_of(declared, existing, ifname);
	struct lxm_cidr a, subnet;

	if (!nets || IS_EMPTY(bridge) || lxm_parse_cidr(have, false, &a) < 0 || a.family != AF_INET)
		return false;
	if (nets->ipv4_subnet(nets->userdata, bridge, &subnet) < 0 || subnet.family != AF_INET)
		return false;
	return lxm_ipam_contains(&subnet, &a) && a.prefix == subnet.prefix && !lxm_ipam_is_reserved(&subnet, &a) &&
	       a.addr.v4.s_addr != subnet.addr.v4.s_addr;
}

bool lxm_prov_auto_satisfied(cfg_t *declared, cfg_t *existing, const char *key, const char *want,
			     const char *have, const struct lxm_prov_net_lookup *nets)
{
	char ifname[64];

	if (!want || !STREQ(want, "auto") || IS_EMPTY(have))
		return false;
	if (iface_of(key, "hwaddr", ifname, sizeof(ifname)))
		return hwaddr_satisfied(existing, ifname, have);
	if (iface_of(key, "ipv4", ifname, sizeof(ifname)))
		return ipv4_satisfied(declared, existing, ifname, have, nets);
	return false;
}
