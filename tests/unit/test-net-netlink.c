/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Privileged: the whole test runs in a private network namespace (unshare) so nothing leaks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "networking/addr.h"
#include "networking/ipam.h"
#include "networking/link.h"
#include "networking/netns.h"
#include "networking/nl.h"
#include "networking/query.h"
#include "networking/route.h"

static struct lxm_cidr cidr(const char *s)
{
	struct lxm_cidr c;

	assert_int_equal(lxm_parse_cidr(s, true, &c), 0);
	return c;
}

static bool has_addr(struct nl_sock *sk, const char *ifname, const char *want)
{
	_cleanup_free_ struct lxm_link_addr *a = NULL;
	char buf[LXM_CIDR_STRLEN];
	size_t n = 0;

	assert_int_equal(lxm_query_addresses(sk, ifname, AF_UNSPEC, false, &a, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (STREQ(lxm_ipam_cidr_to_string(&a[i].addr, buf), want))
			return true;
	return false;
}

static void test_bridge_veth(void **state)
{
	_cleanup_nl_sock_ struct nl_sock *host = NULL, *inside = NULL;
	_cleanup_close_ int ns = -EBADF;
	struct lxm_link_info br, hi, ci;
	uint8_t mac[6];
	char buf[LXM_MAC_STRLEN];
	struct lxm_cidr a;

	assert_int_equal(lxm_nl_open(&host), 0);
	assert_int_equal(lxm_netns_create(&ns), 0);
	assert_int_equal(lxm_nl_open_in_netns(ns, &inside), 0);

	assert_int_equal(lxm_link_bridge_create(host, "lxmtbr0", 0), 0);
	assert_int_equal(lxm_link_bridge_create(host, "lxmtbr0", 0), -EEXIST);
	assert_int_equal(lxm_link_set_alias(host, "lxmtbr0", "lxcmgr:test"), 0);
	assert_int_equal(lxm_link_set_up(host, "lxmtbr0", true), 0);
	a = cidr("10.251.7.1/24");
	assert_int_equal(lxm_link_get_info(host, "lxmtbr0", &br), 0);
	assert_string_equal(br.kind, "bridge");
	assert_string_equal(br.alias, "lxcmgr:test");
	assert_true(br.up);
	assert_int_equal(lxm_addr_add(host, br.ifindex, &a), 0);
	assert_int_equal(lxm_addr_add(host, br.ifindex, &a), -EEXIST);
	assert_true(has_addr(host, "lxmtbr0", "10.251.7.1/24"));

	lxm_ipam_mac_generate("uuid-1", "eth0", mac);
	struct lxm_veth_spec spec = {
		.name = "vlxmtest0", .peer_name = "eth0", .peer_netns_fd = ns,
		.master = "lxmtbr0", .peer_mac = mac, .mtu = 1400, .up = true,
	};
	assert_int_equal(lxm_link_veth_create(host, &spec), 0);
	assert_int_equal(lxm_link_get_info(host, "vlxmtest0", &hi), 0);
	assert_int_equal(hi.master, br.ifindex);
	assert_int_equal(hi.mtu, 1400);
	assert_true(hi.up);
	assert_string_equal(hi.kind, "veth");
	/* The peer was born in the other namespace under its final name. */
	assert_int_equal(lxm_link_exists(host, "eth0"), 0);
	assert_int_equal(lxm_link_get_info(inside, "eth0", &ci), 0);
	assert_memory_equal(ci.mac, mac, 6);
	assert_int_equal(ci.mtu, 1400);
	assert_false(ci.up);

	assert_int_equal(lxm_link_set_up(inside, "lo", true), 0);
	assert_int_equal(lxm_link_set_up(inside, "eth0", true), 0);
	a = cidr("10.251.7.10/24");
	assert_int_equal(lxm_addr_add(inside, ci.ifindex, &a), 0);
	a = cidr("fd42:251:7::10/64");
	assert_int_equal(lxm_addr_add(inside, ci.ifindex, &a), 0);
	a = cidr("10.251.7.1");
	assert_int_equal(lxm_route_add_default(inside, ci.ifindex, &a), 0);
	assert_int_equal(lxm_route_add_default(inside, ci.ifindex, &a), -EEXIST);
	assert_true(has_addr(inside, "eth0", "10.251.7.10/24"));
	assert_true(has_addr(inside, NULL, "fd42:251:7::10/64"));
	assert_false(has_addr(inside, NULL, "127.0.0.1/8")); /* loopback left out */

	_cleanup_free_ struct lxm_cidr *routes = NULL;
	size_t n_routes = 0;
	assert_int_equal(lxm_route_list(inside, AF_INET, &routes, &n_routes), 0);
	assert_true(n_routes >= 1);

	assert_int_equal(lxm_link_set_mtu(inside, "eth0", 1300), 0);
	assert_int_equal(lxm_link_set_up(inside, "eth0", false), 0);
	assert_int_equal(lxm_link_rename(inside, "eth0", "eth9"), 0);
	lxm_ipam_mac_generate("uuid-2", "eth0", mac);
	assert_int_equal(lxm_link_set_mac(inside, "eth9", mac), 0);
	assert_int_equal(lxm_link_get_info(inside, "eth9", &ci), 0);
	assert_int_equal(ci.mtu, 1300);
	assert_string_equal(lxm_ipam_mac_to_string(ci.mac, buf), lxm_ipam_mac_to_string(mac, (char[LXM_MAC_STRLEN]){}));
	/* Statistics are readable (the bridge and veth have sent router solicitations or nothing). */
	assert_true(ci.rx_bytes < UINT64_MAX && ci.tx_packets < UINT64_MAX);

	/* Deleting the host end deletes the pair. */
	assert_int_equal(lxm_link_delete(host, "vlxmtest0"), 0);
	assert_int_equal(lxm_link_exists(inside, "eth9"), 0);
	assert_int_equal(lxm_link_delete(host, "vlxmtest0"), -ENODEV);
	assert_int_equal(lxm_link_delete(host, "lxmtbr0"), 0);
}

static void test_move_macvlan(void **state)
{
	_cleanup_nl_sock_ struct nl_sock *host = NULL, *inside = NULL;
	_cleanup_close_ int ns = -EBADF;
	struct lxm_link_info i;

	assert_int_equal(lxm_nl_open(&host), 0);
	assert_int_equal(lxm_netns_create(&ns), 0);
	assert_int_equal(lxm_nl_open_in_netns(ns, &inside), 0);
	assert_int_equal(lxm_link_bridge_create(host, "lxmtbr1", 0), 0);
	struct lxm_veth_spec spec = { .name = "mvt0", .peer_name = "mvt1", .peer_netns_fd = -1 };
	assert_int_equal(lxm_link_veth_create(host, &spec), 0);
	assert_int_equal(lxm_link_set_up(host, "lxmtbr1", true), 0);
	/* A macvlan on a parent, born in the other namespace. */
	assert_int_equal(lxm_link_macvlan_create(host, "mv0", "lxmtbr1", ns, NULL, 1450), 0);
	assert_int_equal(lxm_link_get_info(inside, "mv0", &i), 0);
	assert_string_equal(i.kind, "macvlan");
	assert_int_equal(i.mtu, 1450);
	assert_int_equal(lxm_link_macvlan_create(host, "mv1", "nosuchlink", -1, NULL, 0), -ENODEV);
	/* Moving an existing link by fd. */
	assert_int_equal(lxm_link_move_to_netns_fd(host, "mvt1", ns), 0);
	assert_int_equal(lxm_link_exists(host, "mvt1"), 0);
	assert_int_equal(lxm_link_exists(inside, "mvt1"), 1);
	/* And back by pid (ours). */
	assert_int_equal(lxm_link_move_to_netns_pid(inside, "mvt1", getpid()), 0);
	assert_int_equal(lxm_link_exists(host, "mvt1"), 1);
	assert_int_equal(lxm_link_set_master(host, "mvt1", "nosuch"), -ENODEV);
	assert_int_equal(lxm_link_delete(host, "mvt1"), 0);
	assert_int_equal(lxm_link_exists(host, "mvt0"), 0);
	assert_int_equal(lxm_link_delete(host, "lxmtbr1"), 0);
	assert_int_equal(lxm_link_exists(inside, "mv0"), 0);
}

static int in_ns_check(void *userdata)
{
	return access("/proc/self/net/dev", R_OK) == 0 ? 7 : -errno;
}

static void test_netns_run(void **state)
{
	_cleanup_close_ int ns = -EBADF;

	assert_int_equal(lxm_netns_create(&ns), 0);
	assert_int_equal(lxm_netns_run(ns, in_ns_check, NULL), 7);
	assert_int_equal(lxm_link_name_validate("eth0"), 0);
	assert_int_equal(lxm_link_name_validate("0123456789abcdef"), -EINVAL);
	assert_int_equal(lxm_link_name_validate("a/b"), -EINVAL);
	assert_int_equal(lxm_link_name_validate(""), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge_veth),
		cmocka_unit_test(test_move_macvlan),
		cmocka_unit_test(test_netns_run),
	};

	if (geteuid() != 0) {
		printf("test-net-netlink: needs root (creates network namespaces and links), skipping\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("test-net-netlink: unshare(CLONE_NEWNET) failed: %s, skipping\n", strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
