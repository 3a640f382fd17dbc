/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "networking/ipam.h"

static struct lxm_cidr cidr(const char *s)
{
	struct lxm_cidr c;

	assert_int_equal(lxm_parse_cidr(s, true, &c), 0);
	return c;
}

/* A pointer to a parsed plain address, for one-line checks. */
#define P(s) (&(struct lxm_cidr[1]){ cidr(s) }[0])

static void test_parse_cidr(void **state)
{
	struct lxm_cidr c;
	char buf[LXM_CIDR_STRLEN];

	assert_int_equal(lxm_parse_cidr("10.0.3.10/24", false, &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 24);
	assert_string_equal(lxm_ipam_cidr_to_string(&c, buf), "10.0.3.10/24");
	assert_int_equal(lxm_parse_cidr("fd42::10/64", false, &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_string_equal(lxm_ipam_cidr_to_string(&c, buf), "fd42::10/64");
	assert_int_equal(lxm_parse_cidr("10.0.3.10", true, &c), 0);
	assert_int_equal(c.prefix, 32);

	const char *bad[] = { "", "10.0.3.10", "10.0.3.10/33", "10.0.3/24", "10.0.3.10/", "10.0.3.10/-1",
			      "10.0.3.10/ 24", "10.0.3.10/+24", "fd42::1/129", "x/24", "10.0.3.300/24",
			      "10.0.3.10/24/1", "10.0.3.10/0024" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lxm_parse_cidr(bad[i], false, &c), -EINVAL);
	assert_int_equal(lxm_parse_cidr(NULL, true, &c), -EINVAL);
}

static void test_parse_mac(void **state)
{
	uint8_t m[6];
	char buf[LXM_MAC_STRLEN];

	assert_int_equal(lxm_parse_mac("02:00:0a:00:03:0A", m), 0);
	assert_string_equal(lxm_ipam_mac_to_string(m, buf), "02:00:0a:00:03:0a");
	assert_int_equal(lxm_parse_mac("02-00-0a-00-03-0a", m), 0);
	assert_int_equal(lxm_parse_mac("01:00:5e:00:00:01", m), -EINVAL); /* multicast */
	assert_int_equal(lxm_parse_mac("ff:ff:ff:ff:ff:ff", m), -EINVAL);
	assert_int_equal(lxm_parse_mac("00:00:00:00:00:00", m), -EINVAL);
	assert_int_equal(lxm_parse_mac("02:00:0a:00:03", m), -EINVAL);
	assert_int_equal(lxm_parse_mac("02:00:0a:00:03:0g", m), -EINVAL);
	assert_int_equal(lxm_parse_mac("02:00:0a:00:03:0a0", m), -EINVAL);
}

static void test_mac_generate(void **state)
{
	uint8_t a[6], b[6], c[6], d[6];
	char buf[LXM_MAC_STRLEN];

	lxm_ipam_mac_generate("7c1f1a2e-6b7e-4f39-9a2e-1d8a3c4b5e6f", "eth0", a);
	lxm_ipam_mac_generate("7c1f1a2e-6b7e-4f39-9a2e-1d8a3c4b5e6f", "eth0", b);
	lxm_ipam_mac_generate("7c1f1a2e-6b7e-4f39-9a2e-1d8a3c4b5e6f", "eth1", c);
	lxm_ipam_mac_generate("00000000-6b7e-4f39-9a2e-1d8a3c4b5e6f", "eth0", d);
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_memory_not_equal(a, d, 6);
	/* Locally administered, unicast, and accepted by our own parser. */
	assert_true(a[0] & 0x02);
	assert_false(a[0] & 0x01);
	assert_int_equal(lxm_parse_mac(lxm_ipam_mac_to_string(a, buf), b), 0);
	/* Stable across releases: a container's MAC must never change under it. */
	assert_string_equal(buf, "02:5e:c4:4f:bf:6b");
}

static void test_host_ifname(void **state)
{
	char a[IF_NAMESIZE], b[IF_NAMESIZE], c[IF_NAMESIZE];

	lxm_ipam_host_ifname("7c1f1a2e-6b7e-4f39-9a2e-1d8a3c4b5e6f", "eth0", a);
	lxm_ipam_host_ifname("7c1f1a2e-6b7e-4f39-9a2e-1d8a3c4b5e6f", "eth1", b);
	lxm_ipam_host_ifname("7c1f1a2e-6b7e-4f39-9a2e-1d8a3c4b5e70", "eth0", c);
	assert_int_equal(strlen(a), IF_NAMESIZE - 1);
	assert_memory_equal(a, LXM_VETH_PREFIX, 4);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	for (const char *p = a + 4; *p; p++)
		assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	lxm_ipam_host_ifname("7c1f1a2e-6b7e-4f39-9a2e-1d8a3c4b5e6f", "eth0", b);
	assert_string_equal(a, b);
}

static void test_alloc(void **state)
{
	struct lxm_cidr subnet = cidr("10.0.3.1/24"), got;
	struct lxm_cidr used[3] = { cidr("10.0.3.2"), cidr("10.0.3.3"), cidr("10.0.3.5") };
	char buf[LXM_CIDR_STRLEN];

	assert_int_equal(lxm_ipam_alloc_v4(&subnet, NULL, 0, &got), 0);
	assert_string_equal(lxm_ipam_cidr_to_string(&got, buf), "10.0.3.2/24");
	assert_int_equal(lxm_ipam_alloc_v4(&subnet, used, 3, &got), 0);
	assert_string_equal(lxm_ipam_cidr_to_string(&got, buf), "10.0.3.4/24");

	/* Bridge in the middle: skipped too; the network address is never handed out. */
	subnet = cidr("10.0.3.2/30"); /* hosts .1 and .2 */
	assert_int_equal(lxm_ipam_alloc_v4(&subnet, NULL, 0, &got), 0);
	assert_string_equal(lxm_ipam_cidr_to_string(&got, buf), "10.0.3.1/30");
	assert_int_equal(lxm_ipam_alloc_v4(&subnet, &got, 1, &got), -ENOSPC); /* .3 is broadcast */

	subnet = cidr("10.0.3.1/32");
	assert_int_equal(lxm_ipam_alloc_v4(&subnet, NULL, 0, &got), -ENOSPC);
	subnet = cidr("fd42::1/64");
	assert_int_equal(lxm_ipam_alloc_v4(&subnet, NULL, 0, &got), -EAFNOSUPPORT);
}

static void test_overlap_contains(void **state)
{
	struct lxm_cidr a = cidr("10.0.3.1/24"), b = cidr("10.0.0.0/16"), c = cidr("10.0.4.1/24"),
			d = cidr("fd42::1/64"), e = cidr("fd42:0:0:0:1::/80"), x;
	char buf[LXM_CIDR_STRLEN];
	struct in_addr brd;

	assert_true(lxm_ipam_overlap(&a, &b));
	assert_true(lxm_ipam_overlap(&b, &a));
	assert_false(lxm_ipam_overlap(&a, &c));
	assert_false(lxm_ipam_overlap(&a, &d));
	assert_true(lxm_ipam_overlap(&d, &e));
	assert_true(lxm_ipam_contains(&a, P("10.0.3.200")));
	assert_false(lxm_ipam_contains(&a, P("10.0.4.2")));
	assert_true(lxm_ipam_is_reserved(&a, P("10.0.3.0")));
	assert_true(lxm_ipam_is_reserved(&a, P("10.0.3.255")));
	assert_false(lxm_ipam_is_reserved(&a, P("10.0.3.7")));
	x = lxm_ipam_network(&a);
	assert_string_equal(lxm_ipam_cidr_to_string(&x, buf), "10.0.3.0/24");
	brd = lxm_ipam_broadcast(&a);
	assert_string_equal(inet_ntop(AF_INET, &brd, buf, sizeof(buf)), "10.0.3.255");
	x = cidr("10.1.2.3/12");
	brd = lxm_ipam_broadcast(&x);
	assert_string_equal(inet_ntop(AF_INET, &brd, buf, sizeof(buf)), "10.15.255.255");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_cidr),   cmocka_unit_test(test_parse_mac),
		cmocka_unit_test(test_mac_generate), cmocka_unit_test(test_host_ifname),
		cmocka_unit_test(test_alloc),        cmocka_unit_test(test_overlap_contains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
