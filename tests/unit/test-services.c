/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure logic of the services module: autostart ordering, export metadata, config re-identification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "services/autostart.h"
#include "services/copy.h"
#include "services/export-meta.h"
#include "services/restart-policy.h"
#include "store/store.h"
#include "util/log.h"
#include "util/sha256.h"

static void test_autostart_sort(void **state)
{
	struct lxm_autostart_entry e[] = {
		{ .name = (char *)"web", .order = 20 }, { .name = (char *)"db", .order = 10 },
		{ .name = (char *)"cache", .order = 20 }, { .name = (char *)"dns", .order = -5 },
		{ .name = (char *)"app", .order = 20 },
	};
	lxm_autostart_sort(e, ARRAY_SIZE(e));
	const char *want[] = { "dns", "db", "app", "cache", "web" };
	for (size_t i = 0; i < ARRAY_SIZE(e); i++)
		assert_string_equal(e[i].name, want[i]);

	_cleanup_free_ size_t *starts = NULL;
	size_t n;
	assert_int_equal(lxm_autostart_levels(e, ARRAY_SIZE(e), &starts, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(starts[0], 0);
	assert_int_equal(starts[1], 1);
	assert_int_equal(starts[2], 2);

	_cleanup_free_ size_t *none = NULL;
	assert_int_equal(lxm_autostart_levels(e, 0, &none, &n), 0);
	assert_int_equal(n, 0);
}

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void test_meta_roundtrip(void **state)
{
	struct lxm_export_meta m = { .format = 1 }, back;
	_cleanup_free_ char *text = NULL;

	snprintf(m.name, sizeof(m.name), "web-1");
	memcpy(m.config_sha256, H1, sizeof(H1));
	memcpy(m.rootfs_sha256, H2, sizeof(H2));
	assert_int_equal(lxm_export_meta_format(&m, &text), 0);
	assert_null(strstr(text, "snapshots"));
	assert_int_equal(lxm_export_meta_parse(text, &back), 0);
	assert_string_equal(back.name, "web-1");
	assert_string_equal(back.rootfs_sha256, H2);
	assert_string_equal(back.snapshots_sha256, "");

	memcpy(m.snapshots_sha256, H1, sizeof(H1));
	free(text);
	assert_int_equal(lxm_export_meta_format(&m, &text), 0);
	assert_int_equal(lxm_export_meta_parse(text, &back), 0);
	assert_string_equal(back.snapshots_sha256, H1);
}

static void test_meta_bad(void **state)
{
	struct lxm_export_meta m;
	static const char *const bad[] = {
		"",
		"format = 1\nname = web\nconfig_sha256 = " H1 "\n",                             /* no rootfs */
		"format = 2\nname = web\nconfig_sha256 = " H1 "\nrootfs_sha256 = " H2 "\n",     /* newer */
		"format = 1\nname = ../x\nconfig_sha256 = " H1 "\nrootfs_sha256 = " H2 "\n",    /* name */
		"format = 1\nname = web\nconfig_sha256 = " H1 "0\nrootfs_sha256 = " H2 "\n",    /* length */
		"format = 1\nname = web\nconfig_sha256 = " H1 "\nrootfs_sha256 = XYZ\n",         /* hex */
		"format = 1\nname = web\nconfig_sha256 = " H1 "\nrootfs_sha256 = " H2 "\nx = 1\n", /* key */
		"format = 1\nname web\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(lxm_export_meta_parse(bad[i], &m), -EINVAL);
}

static void write_file(const char *dir, const char *name, const char *text, char hex[LXM_SHA256_HEX_SIZE])
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	if (hex)
		assert_int_equal(lxm_sha256_file(p, hex), 0);
}

static void test_meta_verify(void **state)
{
	char dir[] = "/tmp/test-services-XXXXXX";
	struct lxm_export_meta m = { .format = 1 };

	assert_non_null(mkdtemp(dir));
	write_file(dir, "config", "name = \"a\"\n", m.config_sha256);
	write_file(dir, "rootfs.tar", "tar bytes", m.rootfs_sha256);
	assert_int_equal(lxm_export_meta_verify(&m, dir), 0);

	/* One changed byte in the rootfs stream. */
	write_file(dir, "rootfs.tar", "tar bytez", NULL);
	assert_int_equal(lxm_export_meta_verify(&m, dir), -EBADMSG);
	write_file(dir, "rootfs.tar", "tar bytes", NULL);

	/* An extra member. */
	write_file(dir, "evil", "x", NULL);
	assert_int_equal(lxm_export_meta_verify(&m, dir), -EBADMSG);
	assert_int_equal(lxm_rm_rf(dir), 0);
}

static void test_reidentify(void **state)
{
	static const char text[] =
		"name = \"src\"\nuuid = \"11111111-2222-3333-4444-555555555555\"\nhostname = \"src\"\n"
		"network eth0 {\n  type = \"veth\"\n  hwaddr = \"02:11:22:33:44:55\"\n  ipv4 = \"10.0.3.7/24\"\n}\n"
		"network eth1 {\n  ipv4 = \"dhcp\"\n}\n";
	_cleanup_free_ char *out = NULL;
	_cleanup_cfg_free_ cfg_t *cfg = NULL;

	assert_int_equal(lxm_config_text_reidentify(text, "dst", true, &out), 0);
	assert_int_equal(lxm_config_parse_string(out, "out", &cfg), 0);
	assert_string_equal(cfg_getstr(cfg, "name"), "dst");
	assert_string_equal(cfg_getstr(cfg, "hostname"), "dst");
	assert_string_not_equal(cfg_getstr(cfg, "uuid"), "11111111-2222-3333-4444-555555555555");
	cfg_t *e0 = cfg_gettsec(cfg, "network", "eth0"), *e1 = cfg_gettsec(cfg, "network", "eth1");
	assert_string_equal(cfg_getstr(e0, "hwaddr"), "auto");
	assert_string_equal(cfg_getstr(e0, "ipv4"), "auto");
	assert_string_equal(cfg_getstr(e1, "ipv4"), "dhcp");
}

static void test_restart_decide(void **state)
{
	struct lxm_restart_policy p = { .kind = LXM_RESTART_ON_FAILURE, .max = 3, .window = 10, .backoff = 1 };
	struct lxm_restart_tracker t = {};
	uint64_t d = 0, s = 1000000;

	/* on-failure: a clean exit (poweroff inside) and requested stops stay stopped. */
	assert_int_equal(lxm_restart_decide(&p, &t, "clean", false, 0, &d), LXM_RESTART_VERDICT_STOP);
	assert_int_equal(lxm_restart_decide(&p, &t, "crashed", true, 0, &d), LXM_RESTART_VERDICT_STOP);
	/* Exponential backoff: 1 s, 2 s, 4 s, then give up (max 3 in the window). */
	assert_int_equal(lxm_restart_decide(&p, &t, "crashed", false, 100 * s, &d), LXM_RESTART_VERDICT_RESTART);
	assert_int_equal(d, 1000);
	assert_int_equal(lxm_restart_decide(&p, &t, "killed", false, 101 * s, &d), LXM_RESTART_VERDICT_RESTART);
	assert_int_equal(d, 2000);
	assert_int_equal(lxm_restart_decide(&p, &t, "crashed", false, 103 * s, &d), LXM_RESTART_VERDICT_RESTART);
	assert_int_equal(d, 4000);
	assert_int_equal(lxm_restart_decide(&p, &t, "crashed", false, 107 * s, &d), LXM_RESTART_VERDICT_GIVE_UP);
	/* Once the window has passed the history is forgotten. */
	assert_int_equal(lxm_restart_decide(&p, &t, "crashed", false, 200 * s, &d), LXM_RESTART_VERDICT_RESTART);
	assert_int_equal(d, 1000);
	assert_int_equal(t.total, 4);

	/* always: a clean exit restarts too; no: nothing restarts. */
	struct lxm_restart_tracker t2 = {};
	p.kind = LXM_RESTART_ALWAYS;
	assert_int_equal(lxm_restart_decide(&p, &t2, "clean", false, 0, &d), LXM_RESTART_VERDICT_RESTART);
	p.kind = LXM_RESTART_NO;
	assert_int_equal(lxm_restart_decide(&p, &t2, "crashed", false, 0, &d), LXM_RESTART_VERDICT_STOP);

	/* max 0 gives up at once. */
	struct lxm_restart_tracker t3 = {};
	p.kind = LXM_RESTART_ALWAYS;
	p.max = 0;
	assert_int_equal(lxm_restart_decide(&p, &t3, "crashed", false, 0, &d), LXM_RESTART_VERDICT_GIVE_UP);
}

int main(void)
{
	lxm_log_set_level(LXM_LOG_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_autostart_sort),
		cmocka_unit_test(test_meta_roundtrip),
		cmocka_unit_test(test_meta_bad),
		cmocka_unit_test(test_meta_verify),
		cmocka_unit_test(test_reidentify),
		cmocka_unit_test(test_restart_decide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
