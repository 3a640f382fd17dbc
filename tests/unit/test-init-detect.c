/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxm_init_detect() on fake root filesystems, including hostile /sbin/init symlinks. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "runtime/start.h"
#include "store/store.h"
#include "util/macros.h"

static char base[256];

static void mkpath(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	for (char *s = p + strlen(base) + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			(void)mkdir(p, 0755);
			*s = '/';
		}
}

static void put(const char *rel, const char *content)
{
	char p[PATH_MAX];
	FILE *f;

	mkpath(rel);
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	f = fopen(p, "we");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void link_(const char *target, const char *rel)
{
	char p[PATH_MAX];

	mkpath(rel);
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int detect(const char *root, enum lxm_init_system *ret)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, root);
	return lxm_init_detect(p, ret);
}

static void test_systemd(void **state)
{
	enum lxm_init_system i;

	put("sd/lib/systemd/systemd", "\x7f" "ELF systemd");
	link_("/lib/systemd/systemd", "sd/sbin/init");
	assert_int_equal(detect("sd", &i), 0);
	assert_int_equal(i, LXM_INIT_SYSTEMD);

	/* usrmerge: /lib -> usr/lib, /sbin/init -> ../lib/systemd/systemd */
	put("sdu/usr/lib/systemd/systemd", "x");
	link_("usr/lib", "sdu/lib");
	link_("../lib/systemd/systemd", "sdu/usr/sbin/init");
	link_("usr/sbin", "sdu/sbin");
	assert_int_equal(detect("sdu", &i), 0);
	assert_int_equal(i, LXM_INIT_SYSTEMD);
}

static void test_busybox(void **state)
{
	enum lxm_init_system i;

	put("bb/bin/busybox", "x");
	link_("../bin/busybox", "bb/sbin/init");
	assert_int_equal(detect("bb", &i), 0);
	assert_int_equal(i, LXM_INIT_BUSYBOX);

	/* busybox --install makes hard links: recognised by content */
	put("bbh/sbin/init", "\x7f" "ELF.....BusyBox v1.35.0 (Debian)....");
	assert_int_equal(detect("bbh", &i), 0);
	assert_int_equal(i, LXM_INIT_BUSYBOX);
}

static void test_sysvinit_openrc(void **state)
{
	enum lxm_init_system i;

	put("sv/sbin/init", "\x7f" "ELF INIT: version %s booting");
	put("sv/etc/inittab", "id:2:initdefault:\n");
	assert_int_equal(detect("sv", &i), 0);
	assert_int_equal(i, LXM_INIT_SYSVINIT);

	put("orc/sbin/init", "\x7f" "ELF INIT: version %s booting");
	put("orc/sbin/openrc", "x");
	put("orc/etc/inittab", "si::sysinit:/sbin/openrc sysinit\n");
	assert_int_equal(detect("orc", &i), 0);
	assert_int_equal(i, LXM_INIT_OPENRC);

	/* Debian: stock inittab, /etc/init.d/rc is openrc's wrapper. */
	put("orcd/sbin/init", "\x7f" "ELF INIT: version %s booting");
	put("orcd/sbin/openrc", "x");
	put("orcd/etc/inittab", "l2:2:wait:/etc/init.d/rc 2\n");
	put("orcd/etc/init.d/rc", "#!/bin/sh\n# Wrapper of OpenRC called from inittab\nexec /sbin/openrc default\n");
	assert_int_equal(detect("orcd", &i), 0);
	assert_int_equal(i, LXM_INIT_OPENRC);

	/* Debian sysvinit: stock inittab and rc, no openrc. */
	put("svd/sbin/init", "\x7f" "ELF INIT: version %s booting");
	put("svd/etc/inittab", "l2:2:wait:/etc/init.d/rc 2\n");
	put("svd/etc/init.d/rc", "#!/bin/sh\n# rc: run the scripts of a runlevel\n");
	assert_int_equal(detect("svd", &i), 0);
	assert_int_equal(i, LXM_INIT_SYSVINIT);
}

static void test_runit_shim(void **state)
{
	enum lxm_init_system i;

	put("rn/sbin/runit-init", "x");
	link_("runit-init", "rn/sbin/init");
	assert_int_equal(detect("rn", &i), 0);
	assert_int_equal(i, LXM_INIT_RUNIT);

	put("sh/usr/libexec/lxcmgr/lxcmgr-init", "x");
	link_("/usr/libexec/lxcmgr/lxcmgr-init", "sh/sbin/init");
	assert_int_equal(detect("sh", &i), 0);
	assert_int_equal(i, LXM_INIT_SHIM);
}

static void test_hostile(void **state)
{
	enum lxm_init_system i = LXM_INIT_SHIM;

	/* A "host" file next to the rootfs: a naive resolution of these links would reach it. */
	put("host-path/lib/systemd/systemd", "x");
	mkpath("evil/sbin/x");
	link_("/../../host-path/lib/systemd/systemd", "evil/sbin/init");
	assert_int_equal(detect("evil", &i), -ENOENT);
	assert_int_equal(i, LXM_INIT_UNKNOWN);

	mkpath("evil2/sbin/x");
	link_("../../host-path/lib/systemd/systemd", "evil2/sbin/init");
	assert_int_equal(detect("evil2", &i), -ENOENT);

	/* The real host has /lib/systemd/systemd or not: either way it is never the rootfs'. */
	mkpath("evil3/sbin/x");
	link_("/lib/systemd/systemd", "evil3/sbin/init");
	assert_int_equal(detect("evil3", &i), -ENOENT);

	/* A FIFO must not block the detection. */
	char p[PATH_MAX];
	mkpath("fifo/sbin/x");
	snprintf(p, sizeof(p), "%s/fifo/sbin/init", base);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_true(detect("fifo", &i) < 0);

	assert_int_equal(detect("missing", &i), -ENOENT);
}

static void test_signals(void **state)
{
	int h, r;
	enum lxm_init_system i;

	lxm_init_signals(LXM_INIT_SYSTEMD, &h, &r);
	assert_int_equal(h, SIGRTMIN + 3);
	assert_int_equal(r, SIGINT);
	lxm_init_signals(LXM_INIT_SYSVINIT, &h, &r);
	assert_int_equal(h, SIGPWR);
	assert_int_equal(r, SIGINT);
	lxm_init_signals(LXM_INIT_OPENRC, &h, &r);
	assert_int_equal(h, SIGPWR);
	lxm_init_signals(LXM_INIT_BUSYBOX, &h, &r);
	assert_int_equal(h, SIGUSR1);
	assert_int_equal(r, SIGTERM);
	lxm_init_signals(LXM_INIT_RUNIT, &h, &r);
	assert_int_equal(h, SIGCONT);
	assert_int_equal(r, SIGCONT);
	lxm_init_signals(LXM_INIT_SHIM, &h, &r);
	assert_int_equal(h, SIGTERM);

	assert_int_equal(lxm_init_system_from_string("openrc", &i), 0);
	assert_int_equal(i, LXM_INIT_OPENRC);
	assert_string_equal(lxm_init_system_to_string(LXM_INIT_RUNIT), "runit");
	assert_int_equal(lxm_init_system_from_string("upstart", &i), -EINVAL);
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/test-init-detect-XXXXXX");
	return mkdtemp(base) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd),      cmocka_unit_test(test_busybox),
		cmocka_unit_test(test_sysvinit_openrc), cmocka_unit_test(test_runit_shim),
		cmocka_unit_test(test_hostile),      cmocka_unit_test(test_signals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
