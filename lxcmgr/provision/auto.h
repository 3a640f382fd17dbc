/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Declared "auto" network values against an existing config. The first start replaces "auto"
 * in the container's config with what it chose (runtime/net-setup.c lxm_net_write_back()), so a
 * declared "auto" must accept that value, or plan and apply never converge. Pure functions; the
 * managed networks are looked up through the caller.
 */
#pragma once

#include <confuse.h>
#include <stdbool.h>

#include "util/parse.h" /* struct lxm_cidr */

struct lxm_prov_net_lookup {
	/* The IPv4 subnet (the bridge's address and prefix) of the managed network called bridge:
	 * 0, or -ENOENT when bridge is not a managed network with an IPv4 subnet. */
	int (*ipv4_subnet)(void *userdata, const char *bridge, struct lxm_cidr *ret);
	void *userdata;
};

/* Whether have, existing's value of key, is what a start made of want = "auto" for key
 * network.IF.hwaddr or network.IF.ipv4 (false for any other key or want). nets may be NULL:
 * no address then satisfies "auto". */
bool lxm_prov_auto_satisfied(cfg_t *declared, cfg_t *existing, const char *key, const char *want,
			     const char *have, const struct lxm_prov_net_lookup *nets);
