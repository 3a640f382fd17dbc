/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Provisioning files without root: parsing and validation (file:line errors), includes, the
 * key-by-key diff and its classification, declared "auto" against written-back values, run-state
 * records, modes, owners in a fake rootfs. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "capture.h"
#include "config/config.h"
#include "networking/ipam.h"
#include "provision/diff.h"
#include "provision/files.h"
#include "provision/schema.h"
#include "util/macros.h"

static const char decl[] =
	"network lan { ipv4 = \"10.0.3.1/24\"  nat = false }\n"
	"container dns {\n"
	"  template = \"busybox\"\n"
	"  hostname = \"dns\"\n"
	"  network eth0 { bridge = \"lan\"  ipv4 = \"10.0.3.53/24\" }\n"
	"  limits { memory = \"512M\"  cpus = 0.5 }\n"
	"  autostart { enabled = true  order = 1 }\n"
	"  file \"/etc/motd\" { content = \"hi\\n\"  mode = \"0600\" }\n"
	"  run = { \"echo a\", \"echo b\" }\n"
	"}\n";

static const char existing[] =
	"name = \"dns\"\n"
	"uuid = \"0f8fad5b-d9cb-469f-a165-70867728950e\"\n"
	"template = \"busybox\"\n"
	"hostname = \"dns\"\n"
	"network eth0 { bridge = \"lan\"  ipv4 = \"10.0.3.53/24\" }\n"
	"limits { memory = \"256M\"  cpus = 0.5  pids = 100 }\n"
	"autostart { enabled = false }\n";

static const struct lxm_prov_change *find(const struct lxm_prov_changes *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (STREQ(c->items[i].key, key))
			return &c->items[i];
	return NULL;
}

static void test_parse(void **state)
{
	(void)state;
	_cleanup_provision_free_ struct lxm_provision *p = NULL;
	assert_int_equal(lxm_provision_parse_string(decl, "/x/h.conf", "/x", &p), 0);
	assert_int_equal(p->n_networks, 1);
	assert_int_equal(p->n_containers, 1);
	const struct lxm_prov_item *c = lxm_provision_find_container(p, "dns");
	assert_non_null(c);
	assert_int_equal(cfg_size(c->sec, "run"), 2);
	assert_int_equal(cfg_size(c->sec, "file"), 1);
	assert_false(cfg_getbool(lxm_provision_find_network(p, "lan")->sec, "nat"));
}

static void expect_error(const char *text, const char *msg)
{
	_cleanup_provision_free_ struct lxm_provision *p = NULL;
	capture_start();
	assert_int_equal(lxm_provision_parse_string(text, "/x/h.conf", "/x", &p), -EINVAL);
	if (!strstr(capture_text(), msg))
		fail_msg("expected '%s' in: %s", msg, capture_text());
}

static void test_errors(void **state)
{
	(void)state;
	/* the container schema's own validators, with file and line */
	expect_error("container a {\n  limits {\n    memory = \"lots\"\n  }\n}\n", "/x/h.conf:3:");
	expect_error("container a { uuid = \"0f8fad5b-d9cb-469f-a165-70867728950e\" }\n", "identity");
	expect_error("container A { }\n", "Invalid container name");
	expect_error("container a {\n file \"etc/x\" { content = \"\" }\n}\n", "/x/h.conf:2:");
	expect_error("container a { file \"/etc/x\" { content = \"\"  source = \"y\" } }\n", "exactly one");
	expect_error("container a { file \"/etc/../x\" { content = \"\" } }\n", "'..'");
	expect_error("container a { file \"/etc/x\" { content = \"\"  mode = \"0999\" } }\n", "Invalid mode");
	expect_error("container a { file \"/etc/x\" { content = \"\"  owner = \"a:b:c\" } }\n", "Invalid owner");
	expect_error("container a { file \"/etc/x\" { source = \"missing-file\" } }\n", "Cannot read the source");
	expect_error("network n { ipv4 = \"10.0.3.1\" }\n", "Invalid ipv4");
	expect_error("network this-name-is-too-long { }\n", "Invalid network name");
	expect_error("container a { }\ncontainer a { }\n", "");
	expect_error("include = \"/nonexistent/x.conf\"\n", "Cannot read the included file");
	expect_error("container a {\n", "");
}

static void test_diff(void **state)
{
	(void)state;
	_cleanup_provision_free_ struct lxm_provision *p = NULL;
	_cleanup_cfg_free_ cfg_t *have = NULL;
	struct lxm_prov_changes ch = {};

	assert_int_equal(lxm_provision_parse_string(decl, "/x/h.conf", "/x", &p), 0);
	assert_int_equal(lxm_config_parse_string(existing, "existing", &have), 0);
	cfg_t *want = p->containers[0].sec;

	/* running, limits live */
	assert_int_equal(lxm_prov_diff_config(want, have, true, true, NULL, &ch), 0);
	assert_int_equal(ch.n, 3);
	const struct lxm_prov_change *m = find(&ch, "limits.memory");
	assert_non_null(m);
	assert_string_equal(m->old, "256M");
	assert_string_equal(m->new, "512M");
	assert_int_equal(m->kind, LXM_PROV_LIVE);
	assert_int_equal(find(&ch, "autostart.enabled")->kind, LXM_PROV_CONFIG);
	assert_int_equal(find(&ch, "autostart.order")->kind, LXM_PROV_CONFIG);
	assert_null(find(&ch, "limits.pids")); /* not declared: left alone */
	assert_null(find(&ch, "limits.cpus"));  /* equal */
	assert_null(find(&ch, "hostname"));
	lxm_prov_changes_done(&ch);

	/* without live limits a running container needs a restart; stopped: just config */
	assert_int_equal(lxm_prov_diff_config(want, have, true, false, NULL, &ch), 0);
	assert_int_equal(find(&ch, "limits.memory")->kind, LXM_PROV_RESTART);
	lxm_prov_changes_done(&ch);
	assert_int_equal(lxm_prov_diff_config(want, have, false, false, NULL, &ch), 0);
	assert_int_equal(find(&ch, "limits.memory")->kind, LXM_PROV_CONFIG);
	lxm_prov_changes_done(&ch);

	/* hostname and network need a restart; template a re-creation */
	_cleanup_provision_free_ struct lxm_provision *p2 = NULL;
	assert_int_equal(lxm_provision_parse_string(
				 "container dns { template = \"debian\"  hostname = \"other\"\n"
				 "  network eth0 { ipv4 = \"10.0.3.54/24\" } }\n",
				 "/x/h.conf", "/x", &p2),
			 0);
	assert_int_equal(lxm_prov_diff_config(p2->containers[0].sec, have, true, true, NULL, &ch), 0);
	assert_int_equal(ch.n, 3);
	assert_int_equal(find(&ch, "template")->kind, LXM_PROV_RECREATE);
	assert_string_equal(find(&ch, "template")->old, "busybox");
	assert_int_equal(find(&ch, "hostname")->kind, LXM_PROV_RESTART);
	assert_int_equal(find(&ch, "network.eth0.ipv4")->kind, LXM_PROV_RESTART);
	lxm_prov_changes_done(&ch);

	/* a declaration equal to the config: nothing */
	assert_int_equal(lxm_prov_diff_config(have, have, true, true, NULL, &ch), 0);
	assert_int_equal(ch.n, 0);
	lxm_prov_changes_done(&ch);
}

/* The managed networks of test_diff_auto: "lan" 10.0.3.1/24, "other" 10.0.9.1/24. */
static int fake_subnet(void *userdata, const char *bridge, struct lxm_cidr *ret)
{
	(void)userdata;
	if (STREQ(bridge, "lan"))
		return lxm_parse_cidr("10.0.3.1/24", false, ret);
	if (STREQ(bridge, "other"))
		return lxm_parse_cidr("10.0.9.1/24", false, ret);
	return -ENOENT;
}

/* The number of changes of declaration decl_text against config have_text (key among them). */
static size_t n_changes(const char *decl_text, const char *have_text, const struct lxm_prov_net_lookup *nets,
			const char *key)
{
	_cleanup_provision_free_ struct lxm_provision *p = NULL;
	_cleanup_cfg_free_ cfg_t *have = NULL;
	struct lxm_prov_changes ch = {};

	assert_int_equal(lxm_provision_parse_string(decl_text, "/x/h.conf", "/x", &p), 0);
	assert_int_equal(lxm_config_parse_string(have_text, "existing", &have), 0);
	assert_int_equal(lxm_prov_diff_config(p->containers[0].sec, have, true, true, nets, &ch), 0);
	size_t n = ch.n;
	if (n > 0)
		assert_non_null(find(&ch, key));
	lxm_prov_changes_done(&ch);
	return n;
}

static void test_diff_auto(void **state)
{
	(void)state;
	const struct lxm_prov_net_lookup nets = { .ipv4_subnet = fake_subnet };
	static const char uuid[] = "0f8fad5b-d9cb-469f-a165-70867728950e";
	static const char auto_v4[] = "container dns { network eth0 { bridge = \"lan\"  ipv4 = \"auto\" } }\n";
	char have[512], mac[LXM_MAC_STRLEN];
	uint8_t m[6];

#define HAVE(v4, hw) \
	snprintf(have, sizeof(have), "name = \"dns\"\nuuid = \"%s\"\nnetwork eth0 { bridge = \"lan\"  ipv4 = \"%s\"  hwaddr = \"%s\" }\n", \
		 uuid, v4, hw)
	lxm_ipam_mac_generate(uuid, "eth0", m);
	lxm_ipam_mac_to_string(m, mac);

	/* the address and MAC a start wrote back satisfy a declared "auto" */
	HAVE("10.0.3.2/24", mac);
	assert_int_equal(n_changes(auto_v4, have, &nets, "network.eth0.ipv4"), 0);
	assert_int_equal(n_changes("container dns { network eth0 { hwaddr = \"auto\" } }\n", have, &nets,
				   "network.eth0.hwaddr"), 0);
	HAVE("10.0.3.2/24", "02:AA:BB:CC:DD:EE");
	assert_int_equal(n_changes("container dns { network eth0 { hwaddr = \"auto\" } }\n", have, &nets,
				   "network.eth0.hwaddr"), 1); /* not the generated one: set by hand */
	HAVE("auto", mac);
	assert_int_equal(n_changes(auto_v4, have, &nets, "network.eth0.ipv4"), 0);

	/* a declared literal address is compared as it is */
	HAVE("10.0.3.2/24", mac);
	assert_int_equal(n_changes("container dns { network eth0 { ipv4 = \"10.0.3.7/24\" } }\n", have, &nets,
				   "network.eth0.ipv4"), 1);
	/* addresses start would refuse on that network: outside it, another prefix, the bridge's own
	 * (a broadcast address no config holds: its validation refuses one) */
	const char *refused[] = { "10.0.4.2/24", "10.0.3.2/25", "10.0.3.1/24", "dhcp" };
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		HAVE(refused[i], mac);
		assert_int_equal(n_changes(auto_v4, have, &nets, "network.eth0.ipv4"), 1);
	}
	/* no managed network to judge by, or the declaration moves the interface to another one */
	HAVE("10.0.3.2/24", mac);
	assert_int_equal(n_changes(auto_v4, have, NULL, "network.eth0.ipv4"), 1);
	assert_int_equal(n_changes("container dns { network eth0 { bridge = \"other\"  ipv4 = \"auto\" } }\n", have, &nets,
				   "network.eth0.ipv4"), 2);
	assert_int_equal(n_changes("container dns { network eth0 { bridge = \"br9\"  ipv4 = \"auto\" } }\n", have, &nets,
				   "network.eth0.ipv4"), 2);
#undef HAVE
}

static void test_declared_keys(void **state)
{
	(void)state;
	_cleanup_provision_free_ struct lxm_provision *p = NULL;
	_cleanup_strv_free_ char **keys = NULL, **values = NULL;
	assert_int_equal(lxm_provision_parse_string(decl, "/x/h.conf", "/x", &p), 0);
	assert_int_equal(lxm_prov_declared_keys(p->containers[0].sec, &keys, &values), 0);
	size_t n = 0;
	for (; keys[n]; n++) {
		assert_false(STREQ(keys[n], "template") || STREQ(keys[n], "run"));
		assert_null(strstr(keys[n], "file"));
	}
	assert_int_equal(n, 7); /* hostname, 2 network, 2 limits, 2 autostart */
}

static void test_run_state(void **state)
{
	(void)state;
	char h[65], line[200];
	lxm_prov_run_hash("echo a", h);
	snprintf(line, sizeof(line), "%s echo a\n", h);
	assert_true(lxm_prov_run_done(line, "echo a"));
	assert_false(lxm_prov_run_done(line, "echo b"));
	assert_false(lxm_prov_run_done(NULL, "echo a"));
	assert_false(lxm_prov_run_done("", "echo a"));
}

static void test_mode_owner(void **state)
{
	(void)state;
	unsigned m;
	assert_int_equal(lxm_provision_parse_mode("0644", &m), 0);
	assert_int_equal(m, 0644);
	assert_int_equal(lxm_provision_parse_mode("4755", &m), 0);
	assert_int_equal(lxm_provision_parse_mode("0888", &m), -EINVAL);
	assert_int_equal(lxm_provision_parse_mode("", &m), -EINVAL);

	char dir[] = "/tmp/test-provision-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[256];
	snprintf(p, sizeof(p), "%s/etc", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/passwd", dir);
	assert_int_equal(lxm_write_file_atomic(p, "root:x:0:0::/root:/bin/sh\nwww:x:33:34::/:/bin/false\n", 0644), 0);
	snprintf(p, sizeof(p), "%s/etc/group", dir);
	assert_int_equal(lxm_write_file_atomic(p, "root:x:0:\nweb:x:40:\n", 0644), 0);
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	uid_t u;
	gid_t g;
	assert_int_equal(lxm_prov_resolve_owner(fd, "root:root", &u, &g), 0);
	assert_true(u == 0 && g == 0);
	assert_int_equal(lxm_prov_resolve_owner(fd, "www", &u, &g), 0);
	assert_true(u == 33 && g == 34);
	assert_int_equal(lxm_prov_resolve_owner(fd, "www:web", &u, &g), 0);
	assert_true(u == 33 && g == 40);
	assert_int_equal(lxm_prov_resolve_owner(fd, "1000:1001", &u, &g), 0);
	assert_true(u == 1000 && g == 1001);
	assert_int_equal(lxm_prov_resolve_owner(fd, "nobody", &u, &g), -ENOENT);
	close(fd);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_auto),
		cmocka_unit_test(test_declared_keys),
		cmocka_unit_test(test_run_state),
		cmocka_unit_test(test_mode_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
