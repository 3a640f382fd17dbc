/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Privileged: nftables tables and forward maps, in a private network namespace (nft state is
 * per network namespace, so nothing reaches the host's ruleset). Also the dnsmasq host files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/macros.h"
#include "networking/dnsmasq.h"
#include "networking/ipam.h"
#include "networking/nft.h"

static void test_table_and_forwards(void **state)
{
	_cleanup_free_ struct lxm_nft_forward *fw = NULL;
	struct lxm_cidr subnet, a;
	char table[LXM_NFT_TABLE_MAX], other[LXM_NFT_TABLE_MAX], buf[LXM_CIDR_STRLEN];
	size_t n = 0;

	lxm_nft_table_name("/tmp/root1", "lxcbr0", table);
	lxm_nft_table_name("/tmp/root2", "lxcbr0", other);
	assert_string_not_equal(table, other); /* two worlds, two tables */
	assert_int_equal(strlen(table), strlen("lxcmgr_") + 12);

	assert_int_equal(lxm_parse_cidr("10.251.9.1/24", false, &subnet), 0);
	assert_int_equal(lxm_nft_network_exists(table), 0);
	assert_int_equal(lxm_nft_network_remove(table), 0); /* absent is fine */
	struct lxm_nft_network net = { .table = table, .bridge = "lxmtbr9", .subnet = &subnet, .nat = true,
				       .comment = "root /tmp/a\"b\n}\nflush ruleset" };
	assert_int_equal(lxm_nft_network_apply(&net), 0);
	assert_int_equal(lxm_nft_network_apply(&net), 0); /* replace */
	assert_int_equal(lxm_nft_network_exists(table), 1);

	struct lxm_nft_forward f = { .proto = "tcp", .host_port = 8080, .container_port = 80 };
	assert_int_equal(lxm_ipam_parse_addr("10.251.9.5", &f.addr), 0);
	assert_int_equal(lxm_nft_forward_add(table, &f), 0);
	assert_int_equal(lxm_nft_forward_add(table, &f), -EEXIST);
	f.host_port = 5353;
	f.container_port = 53;
	memcpy(f.proto, "udp", 4);
	assert_int_equal(lxm_nft_forward_add(table, &f), 0);
	memcpy(f.proto, "sctp", 4);
	assert_int_equal(lxm_nft_forward_add(table, &f), -EINVAL);

	assert_int_equal(lxm_nft_forward_list(table, &fw, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(fw[0].proto, "tcp");
	assert_int_equal(fw[0].host_port, 8080);
	assert_int_equal(fw[0].container_port, 80);
	assert_string_equal(lxm_ipam_addr_to_string(&fw[0].addr, buf), "10.251.9.5");
	assert_string_equal(fw[1].proto, "udp");
	assert_int_equal(fw[1].host_port, 5353);

	assert_int_equal(lxm_nft_forward_remove(table, "tcp", 8080), 0);
	assert_int_equal(lxm_nft_forward_remove(table, "tcp", 8080), -ENOENT);
	free(fw);
	fw = NULL;
	assert_int_equal(lxm_nft_forward_list(table, &fw, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lxm_nft_network_remove(table), 0);
	assert_int_equal(lxm_nft_network_exists(table), 0);
	assert_int_equal(lxm_nft_forward_list(table, &fw, &n), -ENOENT);
	(void)a;
}

static char *slurp(const char *dir, const char *file)
{
	char path[512], *buf = calloc(1, 4096);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	assert_non_null(f);
	(void)!fread(buf, 1, 4095, f);
	fclose(f);
	return buf;
}

static void test_dnsmasq_hosts(void **state)
{
	char dir[] = "/tmp/lxm-dnsmasq-XXXXXX";
	uint8_t m1[6], m2[6];
	struct lxm_cidr ip, got;
	_cleanup_free_ struct lxm_dnsmasq_host *h = NULL;
	size_t n = 0;

	assert_non_null(mkdtemp(dir));
	lxm_ipam_mac_generate("u1", "eth0", m1);
	lxm_ipam_mac_generate("u2", "eth0", m2);
	assert_int_equal(lxm_ipam_parse_addr("10.0.3.2", &ip), 0);
	assert_int_equal(lxm_dnsmasq_host_set(dir, m1, &ip, "web"), 0);
	assert_int_equal(lxm_ipam_parse_addr("10.0.3.3", &ip), 0);
	assert_int_equal(lxm_dnsmasq_host_set(dir, m2, &ip, "db"), 0);
	/* Same name again with a new address: replaced, not duplicated. */
	assert_int_equal(lxm_ipam_parse_addr("10.0.3.4", &ip), 0);
	assert_int_equal(lxm_dnsmasq_host_set(dir, m1, &ip, "web"), 0);
	_cleanup_free_ char *leases = slurp(dir, "dhcp-hosts"), *hosts = slurp(dir, "hosts");
	char want[128], mac[LXM_MAC_STRLEN];
	snprintf(want, sizeof(want), "%s,10.0.3.3,db\n%s,10.0.3.4,web\n", lxm_ipam_mac_to_string(m2, mac),
		 lxm_ipam_mac_to_string(m1, (char[LXM_MAC_STRLEN]){}));
	assert_string_equal(leases, want);
	assert_string_equal(hosts, "10.0.3.3 db\n10.0.3.4 web\n");
	assert_int_equal(lxm_dnsmasq_host_list(dir, &h, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(lxm_dnsmasq_host_lookup(dir, "web", &got), 0);
	assert_int_equal(got.addr.v4.s_addr, ip.addr.v4.s_addr);
	assert_int_equal(lxm_dnsmasq_host_remove(dir, "web"), 0);
	assert_int_equal(lxm_dnsmasq_host_lookup(dir, "web", &got), -ENOENT);
	assert_int_equal(lxm_dnsmasq_host_set(dir, m1, &ip, "Bad_Name"), -EINVAL);
	assert_int_equal(lxm_dnsmasq_stop(dir), 0); /* none running */

	/* dnsmasq's own lease database: IPv4 leases with or without a name; DUID and IPv6 lines
	 * are left out. */
	_cleanup_free_ struct lxm_dnsmasq_host *l = NULL;
	char path[600];
	snprintf(path, sizeof(path), "%s/dnsmasq.leases", dir);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fprintf(f, "1700000000 02:00:00:00:00:01 10.0.3.7 web 01:02:00:00:00:00:00:01\n"
		   "1700000000 02:00:00:00:00:02 10.0.3.8 * *\n"
		   "duid 00:01:00:01:2c:00:00:00:02:00:00:00:00:01\n"
		   "1700000000 1234 fd00::5 web6 00:01\n");
	fclose(f);
	assert_int_equal(lxm_dnsmasq_lease_list(dir, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].name, "web");
	assert_int_equal(l[1].mac[5], 2);
	assert_string_equal(lxm_ipam_addr_to_string(&l[1].ip, (char[LXM_CIDR_STRLEN]){}), "10.0.3.8");

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_forwards),
		cmocka_unit_test(test_dnsmasq_hosts),
	};

	if (geteuid() != 0) {
		printf("test-net-nft: needs root (nftables in a private network namespace), skipping\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("test-net-nft: unshare(CLONE_NEWNET) failed: %s, skipping\n", strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
