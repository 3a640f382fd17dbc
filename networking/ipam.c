/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <stdio.h>

#include "networking/ipam.h"
#include "util/macros.h"

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int lxm_ipam_parse_addr(const char *s, struct lxm_cidr *ret)
{
	struct lxm_cidr c = {};

	if (IS_EMPTY(s))
		return -EINVAL;
	if (inet_pton(AF_INET, s, &c.addr.v4) == 1) {
		c.family = AF_INET;
		c.prefix = 32;
	} else if (inet_pton(AF_INET6, s, &c.addr.v6) == 1) {
		c.family = AF_INET6;
		c.prefix = 128;
	} else
		return -EINVAL;
	*ret = c;
	return 0;
}

const char *lxm_ipam_addr_to_string(const struct lxm_cidr *c, char buf[static LXM_CIDR_STRLEN])
{
	if (!inet_ntop(c->family, &c->addr, buf, LXM_CIDR_STRLEN))
		snprintf(buf, LXM_CIDR_STRLEN, "?");
	return buf;
}

const char *lxm_ipam_cidr_to_string(const struct lxm_cidr *c, char buf[static LXM_CIDR_STRLEN])
{
	size_t n;

	lxm_ipam_addr_to_string(c, buf);
	n = strlen(buf);
	snprintf(buf + n, LXM_CIDR_STRLEN - n, "/%u", c->prefix);
	return buf;
}

const char *lxm_ipam_mac_to_string(const uint8_t mac[6], char buf[static LXM_MAC_STRLEN])
{
	snprintf(buf, LXM_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

struct lxm_cidr lxm_ipam_network(const struct lxm_cidr *c)
{
	struct lxm_cidr n = *c;
	uint8_t *b = (uint8_t *)&n.addr;
	size_t len = addr_len(c->family);

	for (size_t i = 0; i < len; i++) {
		unsigned bits = c->prefix > i * 8 ? c->prefix - i * 8 : 0;
		if (bits < 8)
			b[i] &= (uint8_t)(0xff << (8 - bits));
	}
	return n;
}

struct in_addr lxm_ipam_broadcast(const struct lxm_cidr *c)
{
	uint32_t a = ntohl(c->addr.v4.s_addr);
	uint32_t host = c->prefix >= 32 ? 0 : 0xffffffffu >> c->prefix;

	if (c->prefix >= 31)
		return c->addr.v4;
	return (struct in_addr){ .s_addr = htonl(a | host) };
}

bool lxm_ipam_contains(const struct lxm_cidr *subnet, const struct lxm_cidr *addr)
{
	struct lxm_cidr a = *addr, n1, n2;

	if (subnet->family != addr->family)
		return false;
	a.prefix = subnet->prefix;
	n1 = lxm_ipam_network(subnet);
	n2 = lxm_ipam_network(&a);
	return memcmp(&n1.addr, &n2.addr, addr_len(subnet->family)) == 0;
}

bool lxm_ipam_overlap(const struct lxm_cidr *a, const struct lxm_cidr *b)
{
	/* Two networks overlap exactly when the wider one contains the other's network address. */
	if (a->family != b->family)
		return false;
	return a->prefix <= b->prefix ? lxm_ipam_contains(a, b) : lxm_ipam_contains(b, a);
}

bool lxm_ipam_is_reserved(const struct lxm_cidr *subnet, const struct lxm_cidr *addr)
{
	struct lxm_cidr n = lxm_ipam_network(subnet);

	if (subnet->family != addr->family)
		return false;
	if (memcmp(&n.addr, &addr->addr, addr_len(subnet->family)) == 0 && subnet->prefix < addr_len(subnet->family) * 8 - 1)
		return true;
	if (subnet->family == AF_INET && subnet->prefix < 31)
		return lxm_ipam_broadcast(subnet).s_addr == addr->addr.v4.s_addr;
	return false;
}

uint64_t lxm_ipam_hash(const char *const *parts, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		for (const char *p = parts[i] ? parts[i] : ""; *p; p++) {
			h ^= (uint8_t)*p;
			h *= 0x100000001b3ULL;
		}
		h ^= 0; /* the separator */
		h *= 0x100000001b3ULL;
	}
	return h;
}

void lxm_ipam_mac_generate(const char *seed, const char *ifname, uint8_t ret[6])
{
	const char *parts[] = { "mac", seed, ifname };
	uint64_t h = lxm_ipam_hash(parts, ARRAY_SIZE(parts));

	ret[0] = 0x02;
	for (int i = 1; i < 6; i++)
		ret[i] = (uint8_t)(h >> (8 * (i - 1)));
}

void lxm_ipam_host_ifname(const char *uuid, const char *ifname, char ret[static IF_NAMESIZE])
{
	const char *parts[] = { "veth", uuid, ifname };
	uint64_t h = lxm_ipam_hash(parts, ARRAY_SIZE(parts));

	snprintf(ret, IF_NAMESIZE, LXM_VETH_PREFIX "%011llx", (unsigned long long)(h & 0xfffffffffffULL));
}

int lxm_ipam_alloc_v4(const struct lxm_cidr *subnet, const struct lxm_cidr *used, size_t n_used,
		      struct lxm_cidr *ret)
{
	uint32_t net, last;

	if (subnet->family != AF_INET)
		return -EAFNOSUPPORT;
	if (subnet->prefix > 30)
		return -ENOSPC;
	net = ntohl(lxm_ipam_network(subnet).addr.v4.s_addr);
	last = ntohl(lxm_ipam_broadcast(subnet).s_addr);
	for (uint32_t a = net + 1; a < last; a++) {
		bool taken = a == ntohl(subnet->addr.v4.s_addr);
		for (size_t i = 0; !taken && i < n_used; i++)
			taken = used[i].family == AF_INET && ntohl(used[i].addr.v4.s_addr) == a;
		if (taken)
			continue;
		*ret = (struct lxm_cidr){ .family = AF_INET, .addr.v4.s_addr = htonl(a), .prefix = subnet->prefix };
		return 0;
	}
	return -ENOSPC;
}
