/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Privileged: the runtime's network step (runtime/net-setup.h) against a managed network, in a
 * private network namespace (bridge, veths, nft table and the dnsmasq all live and die there). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "store/store.h"
#include "networking/addr.h"
#include "networking/dnsmasq.h"
#include "networking/ipam.h"
#include "networking/link.h"
#include "networking/managed.h"
#include "networking/netns.h"
#include "networking/nft.h"
#include "networking/nl.h"
#include "networking/query.h"
#include "runtime/net-forward.h"
#include "runtime/net-info.h"
#include "runtime/net-setup.h"
#include "runtime/net-step.h"

#define UUID "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"

static struct lxm_paths paths;
static char root[] = "/tmp/lxm-netsetup-XXXXXX";

static cfg_t *parse(const char *text)
{
	cfg_t *cfg = NULL;

	assert_int_equal(lxm_config_parse_string(text, "test", &cfg), 0);
	return cfg;
}

static int setup(void **state)
{
	_cleanup_network_free_ struct lxm_network *n = NULL;

	assert_non_null(mkdtemp(root));
	assert_int_equal(chmod(root, 0755), 0); /* dnsmasq re-reads its files as its own user */
	assert_int_equal(lxm_paths_init(&paths, root), 0);
	assert_int_equal(lxm_network_new("lxmtn0", &n), 0);
	assert_int_equal(lxm_parse_cidr("10.251.200.1/24", false, &n->ipv4), 0);
	free(n->dns_upstream);
	n->dns_upstream = strdup("none");
	assert_int_equal(lxm_network_save(paths.networks_dir, n), 0);
	return 0;
}

static int teardown(void **state)
{
	_cleanup_network_free_ struct lxm_network *n = NULL;
	char cmd[256];

	if (lxm_network_load(paths.networks_dir, "lxmtn0", &n) >= 0)
		(void)lxm_network_down(n, paths.root, paths.run_dir);
	lxm_paths_done(&paths);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_veth_auto(void **state)
{
	_cleanup_cfg_free_ cfg_t *cfg = parse("network eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"auto\"\n mtu = 1400\n}\n"
					      "forward web {\n proto = \"tcp\"\n host_port = 8080\n container_port = 80\n}\n");
	_cleanup_nl_sock_ struct nl_sock *host = NULL, *inside = NULL;
	_cleanup_free_ struct lxm_link_addr *addrs = NULL;
	_cleanup_free_ struct lxm_nft_forward *fw = NULL;
	_cleanup_close_ int ns = -EBADF;
	struct lxm_net_state st;
	struct lxm_link_info hi, ci, br;
	char buf[LXM_CIDR_STRLEN], table[LXM_NFT_TABLE_MAX], dir[512];
	uint8_t mac[6];
	size_t n = 0;

	assert_true(lxm_net_wants_netns(cfg));
	assert_int_equal(lxm_netns_create(&ns), 0);
	assert_int_equal(lxm_net_setup_host(&paths, cfg, "c1", UUID, ns, &st), 0);
	assert_int_equal(st.n, 1);
	assert_true(st.ifaces[0].ipv4_allocated);
	assert_true(st.ifaces[0].managed);
	assert_string_equal(lxm_ipam_cidr_to_string(&st.ifaces[0].ipv4, buf), "10.251.200.2/24");
	assert_int_equal(lxm_net_setup_inside(&st, ns), 0);
	assert_int_equal(lxm_net_forwards_add(&paths, cfg, "c1"), 0);

	/* "auto" values are written back so the next start keeps them. */
	char cfgpath[512];
	snprintf(cfgpath, sizeof(cfgpath), "%s/c1.config", root);
	FILE *cf = fopen(cfgpath, "we");
	assert_non_null(cf);
	fputs("network eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"auto\"\n}\n", cf);
	fclose(cf);
	assert_int_equal(lxm_net_write_back(cfgpath, &st), 0);
	_cleanup_cfg_free_ cfg_t *back = NULL;
	assert_int_equal(lxm_config_load(cfgpath, &back), 0);
	assert_string_equal(cfg_getstr(cfg_gettsec(back, "network", "eth0"), "ipv4"), "10.251.200.2/24");
	lxm_ipam_mac_generate(UUID, "eth0", mac);
	assert_string_equal(cfg_getstr(cfg_gettsec(back, "network", "eth0"), "hwaddr"),
			    lxm_ipam_mac_to_string(mac, (char[LXM_MAC_STRLEN]){}));

	/* Host side: vlxm... on the bridge, MTU applied. */
	assert_int_equal(lxm_nl_open(&host), 0);
	assert_int_equal(lxm_link_get_info(host, st.ifaces[0].host_ifname, &hi), 0);
	assert_int_equal(lxm_link_get_info(host, "lxmtn0", &br), 0);
	assert_int_equal(hi.master, br.ifindex);
	assert_int_equal(hi.mtu, 1400);
	/* Inside: eth0 up with the generated MAC, the address and a default route. */
	assert_int_equal(lxm_nl_open_in_netns(ns, &inside), 0);
	assert_int_equal(lxm_link_get_info(inside, "eth0", &ci), 0);
	lxm_ipam_mac_generate(UUID, "eth0", mac);
	assert_memory_equal(ci.mac, mac, 6);
	assert_true(ci.up);
	assert_int_equal(lxm_query_addresses(inside, "eth0", AF_INET, false, &addrs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(lxm_ipam_cidr_to_string(&addrs[0].addr, buf), "10.251.200.2/24");
	assert_int_equal(lxm_link_get_info(inside, "lo", &ci), 0);
	assert_true(ci.up);
	/* The lease and the forward. */
	snprintf(dir, sizeof(dir), "%s/networks/lxmtn0", paths.run_dir);
	struct lxm_cidr got;
	assert_int_equal(lxm_dnsmasq_host_lookup(dir, "c1", &got), 0);
	lxm_nft_table_name(paths.root, "lxmtn0", table);
	assert_int_equal(lxm_nft_forward_list(table, &fw, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fw[0].host_port, 8080);
	assert_int_equal(fw[0].addr.addr.v4.s_addr, got.addr.v4.s_addr);

	/* list/info read through a process in the namespace, as they will for a container's init. */
	int p[2], q[2];
	char ready;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		if (setns(ns, CLONE_NEWNET) < 0)
			_exit(1);
		close(p[1]);
		(void)!write(q[1], "x", 1);
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	assert_int_equal(read(q[0], &ready, 1), 1); /* it joined the namespace */
	close(q[0]);
	_cleanup_free_ char *v4 = NULL;
	_cleanup_free_ struct lxm_net_iface_info *info = NULL;
	assert_int_equal(lxm_net_ipv4_list(pid, &v4), 0);
	assert_string_equal(v4, "10.251.200.2");
	assert_int_equal(lxm_net_info(cfg, UUID, pid, &info, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(info[0].name, "eth0");
	assert_string_equal(info[0].host_ifname, st.ifaces[0].host_ifname);
	assert_memory_equal(info[0].mac, mac, 6);
	assert_true(info[0].n_addrs >= 1);
	assert_string_equal(lxm_ipam_cidr_to_string(&info[0].addrs[0], buf), "10.251.200.2/24");
	close(p[1]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);

	/* Another container asking for c1's address is refused before anything is created. */
	_cleanup_cfg_free_ cfg_t *dup = parse("network eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"10.251.200.2/24\"\n}\n");
	struct lxm_net_state st2;
	assert_int_equal(lxm_net_setup_host(&paths, dup, "c2", "11111111-2222-4333-8444-555555555555", ns, &st2),
			 -EADDRINUSE);
	lxm_net_state_done(&st2);

	assert_int_equal(lxm_net_teardown_host(&paths, cfg, "c1", UUID), 0);
	assert_int_equal(lxm_link_exists(host, st.ifaces[0].host_ifname), 0);
	assert_int_equal(lxm_link_exists(inside, "eth0"), 0);
	assert_int_equal(lxm_dnsmasq_host_lookup(dir, "c1", &got), -ENOENT);
	free(fw);
	fw = NULL;
	assert_int_equal(lxm_nft_forward_list(table, &fw, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lxm_net_teardown_host(&paths, cfg, "c1", UUID), 0); /* twice is fine */
	lxm_net_state_done(&st);
}

/* Runs argv in the network namespace ns; returns its output (owned). */
static char *run_in(int ns, const char *const argv[])
{
	char *out = calloc(1, 8192);
	int p[2], status;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (setns(ns, CLONE_NEWNET) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (n < 8191 && (k = read(p[0], out + n, 8191 - n)) > 0)
		n += k;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return out;
}

static void test_dhcp_dns(void **state)
{
	_cleanup_cfg_free_ cfg_t *cfg = parse("network eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"dhcp\"\n}\n");
	_cleanup_close_ int ns = -EBADF;
	struct lxm_net_state st;
	char want[128], buf[LXM_CIDR_STRLEN];

	if (access("/bin/busybox", X_OK) < 0) {
		skip();
		return;
	}
	assert_int_equal(lxm_netns_create(&ns), 0);
	assert_int_equal(lxm_net_setup_host(&paths, cfg, "web", UUID, ns, &st), 0);
	assert_int_equal(lxm_net_setup_inside(&st, ns), 0);
	assert_int_equal(st.ifaces[0].ipv4.family, 0); /* nothing static inside */
	assert_int_equal(st.ifaces[0].ipv4_lease.family, AF_INET);

	/* The container's DHCP client gets the static lease recorded by setup_host... */
	const char *const udhcpc[] = { "/bin/busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10",
				       "-T", "1", "-s", "/bin/true", NULL };
	_cleanup_free_ char *lease = run_in(ns, udhcpc);
	snprintf(want, sizeof(want), "lease of %s obtained", lxm_ipam_addr_to_string(&st.ifaces[0].ipv4_lease, buf));
	if (!strstr(lease, want))
		fail_msg("udhcpc: %s (want '%s')", lease, want);

	/* ... and its name resolves as NAME.DOMAIN through the bridge's dnsmasq. */
	_cleanup_nl_sock_ struct nl_sock *inside = NULL;
	int index;
	assert_int_equal(lxm_nl_open_in_netns(ns, &inside), 0);
	assert_int_equal(lxm_link_get_ifindex(inside, "eth0", &index), 0);
	assert_int_equal(lxm_addr_add(inside, index, &st.ifaces[0].ipv4_lease), 0);
	const char *const nslookup[] = { "/bin/busybox", "nslookup", "web.lxcmgr", "10.251.200.1", NULL };
	_cleanup_free_ char *dns = run_in(ns, nslookup);
	if (!strstr(dns, buf))
		fail_msg("nslookup: %s (want %s)", dns, buf);

	assert_int_equal(lxm_net_teardown_host(&paths, cfg, "web", UUID), 0);
	lxm_net_state_done(&st);
}

/* A child in its own network namespace, waiting like a cloned container init. */
static pid_t spawn_waiting(int *ret_release)
{
	int p[2], q[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		(void)!write(q[1], "x", 1);
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	close(q[1]);
	assert_int_equal(read(q[0], &c, 1), 1);
	close(q[0]);
	*ret_release = p[1];
	return pid;
}

static void test_step(void **state)
{
	char path[512], host[IF_NAMESIZE];
	struct lxm_container c = { .name = (char *)"c9", .config_path = path };
	_cleanup_free_ char *v4 = NULL;
	_cleanup_nl_sock_ struct nl_sock *sk = NULL;
	int release;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/c9.config", root);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs("uuid = \"" UUID "\"\nnetwork eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"auto\"\n}\n", f);
	fclose(f);
	assert_int_equal(lxm_config_load(path, &c.config), 0);
	assert_int_equal(lxm_nl_open(&sk), 0);
	lxm_ipam_host_ifname(UUID, "eth0", host);

	pid = spawn_waiting(&release);
	assert_int_equal(lxm_net_start(&paths, &c, pid), 0);
	assert_int_equal(lxm_net_ipv4_list(pid, &v4), 0);
	assert_string_equal(v4, "10.251.200.2");
	assert_int_equal(lxm_link_exists(sk, host), 1);
	assert_int_equal(lxm_net_stop(&paths, &c), 0);
	assert_int_equal(lxm_link_exists(sk, host), 0);
	close(release);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	cfg_free(c.config);

	/* The second interface fails: the first one's host end is removed again. */
	f = fopen(path, "we");
	assert_non_null(f);
	fputs("uuid = \"" UUID "\"\nnetwork eth0 {\n bridge = \"lxmtn0\"\n}\n"
	      "network eth1 {\n bridge = \"lxmtn0\"\n ipv4 = \"10.1.1.1/24\"\n}\n", f);
	fclose(f);
	assert_int_equal(lxm_config_load(path, &c.config), 0);
	pid = spawn_waiting(&release);
	assert_int_equal(lxm_net_start(&paths, &c, pid), -EINVAL);
	assert_int_equal(lxm_link_exists(sk, host), 0);
	close(release);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	cfg_free(c.config);
}

static void test_bad_input(void **state)
{
	_cleanup_close_ int ns = -EBADF;
	struct lxm_net_state st;
	const struct {
		const char *text;
		int want;
	} cases[] = {
		{ "network eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"10.9.9.9/24\"\n}\n", -EINVAL },   /* outside */
		{ "network eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"10.251.200.1/24\"\n}\n", -EINVAL },  /* bridge's */
		{ "network eth0 {\n bridge = \"nosuchbr0\"\n}\n", -ENODEV },                           /* missing bridge */
	};

	/* A broadcast address is refused by the config's validation already: no config holds one. */
	cfg_t *bad = NULL;
	assert_int_equal(lxm_config_parse_string("network eth0 {\n bridge = \"lxmtn0\"\n ipv4 = \"10.251.200.255/24\"\n}\n",
						 "test", &bad), -EINVAL);
	assert_null(bad);
	assert_int_equal(lxm_netns_create(&ns), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_cfg_free_ cfg_t *cfg = parse(cases[i].text);
		assert_int_equal(lxm_net_setup_host(&paths, cfg, "c3", UUID, ns, &st), cases[i].want);
		(void)lxm_net_teardown_host(&paths, cfg, "c3", UUID);
		lxm_net_state_done(&st);
	}
}

static void test_types(void **state)
{
	_cleanup_cfg_free_ cfg_t *none = parse("network host {\n type = \"none\"\n}\n");
	_cleanup_cfg_free_ cfg_t *empty = parse("network lo0 {\n type = \"empty\"\n}\n");
	_cleanup_nl_sock_ struct nl_sock *inside = NULL;
	_cleanup_close_ int ns = -EBADF;
	struct lxm_net_state st;
	struct lxm_link_info lo;

	assert_false(lxm_net_wants_netns(none));
	assert_true(lxm_net_wants_netns(empty));
	assert_int_equal(lxm_netns_create(&ns), 0);
	assert_int_equal(lxm_net_setup_host(&paths, empty, "c4", UUID, ns, &st), 0);
	assert_int_equal(lxm_net_setup_inside(&st, ns), 0);
	assert_int_equal(lxm_nl_open_in_netns(ns, &inside), 0);
	assert_int_equal(lxm_link_get_info(inside, "lo", &lo), 0);
	assert_true(lo.up);
	lxm_net_state_done(&st);

	/* macvlan on a host link (not a managed network), static address, no gateway. */
	_cleanup_cfg_free_ cfg_t *mv = parse("network mv0 {\n type = \"macvlan\"\n bridge = \"lxmtmv0\"\n"
					     " ipv4 = \"192.168.77.5/24\"\n}\n");
	_cleanup_nl_sock_ struct nl_sock *host = NULL;
	_cleanup_free_ struct lxm_link_addr *addrs = NULL;
	struct lxm_link_info li;
	char buf[LXM_CIDR_STRLEN];
	size_t n = 0;
	assert_int_equal(lxm_nl_open(&host), 0);
	assert_int_equal(lxm_link_bridge_create(host, "lxmtmv0", 0), 0);
	assert_int_equal(lxm_net_setup_host(&paths, mv, "c5", UUID, ns, &st), 0);
	assert_int_equal(lxm_net_setup_inside(&st, ns), 0);
	assert_int_equal(lxm_link_get_info(inside, "mv0", &li), 0);
	assert_string_equal(li.kind, "macvlan");
	assert_true(li.up);
	assert_int_equal(lxm_query_addresses(inside, "mv0", AF_INET, false, &addrs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(lxm_ipam_cidr_to_string(&addrs[0].addr, buf), "192.168.77.5/24");
	assert_int_equal(lxm_net_teardown_host(&paths, mv, "c5", UUID), 0);
	assert_int_equal(lxm_link_delete(host, "lxmtmv0"), 0);
	assert_int_equal(lxm_link_exists(inside, "mv0"), 0); /* a macvlan dies with its parent */
	lxm_net_state_done(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_veth_auto),
		cmocka_unit_test(test_dhcp_dns),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_types),
	};

	if (geteuid() != 0) {
		printf("test-net-setup: needs root (bridges, veths, dnsmasq in a private network namespace), skipping\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("test-net-setup: unshare(CLONE_NEWNET) failed: %s, skipping\n", strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
