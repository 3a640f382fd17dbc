/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxm_template_configure_standard(): the same files as the templates' shell configure
 * (compared byte for byte with templates/busybox configure), and never through a symlink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "image/configure-standard.h"
#include "util/macros.h"

static char work[] = "/tmp/lxm-configure-std.XXXXXX";

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *dir, const char *rel, mode_t *ret_mode)
{
	char path[512], *buf = calloc(1, 4096);
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	*ret_mode = st.st_mode & 07777;
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	size_t n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_same_as_script(void **state)
{
	static const char *const files[] = { "etc/hostname", "etc/hosts", "etc/machine-id" };
	const char *tdir = getenv("LXCMGR_TEMPLATES_DIR");
	char a[512], b[512], link[64] = "";
	(void)state;

	if (!tdir) {
		skip();
		return;
	}
	snprintf(a, sizeof(a), "%s/a", work);
	snprintf(b, sizeof(b), "%s/b", work);
	sh("mkdir -p %s/etc %s/var/lib/dbus %s/etc %s/var/lib/dbus", a, a, b, b);
	sh("echo old >%s/etc/hostname; echo old >%s/etc/hostname; echo 1234 >%s/etc/machine-id", a, b, b);
	sh("env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C %s/busybox configure --rootfs %s --name web-1", tdir, a);
	assert_int_equal(lxm_template_configure_standard(b, "web-1"), 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		mode_t ma, mb;
		_cleanup_free_ char *ta = slurp(a, files[i], &ma), *tb = slurp(b, files[i], &mb);
		assert_string_equal(ta, tb);
		assert_int_equal(ma, mb);
	}
	snprintf(a, sizeof(a), "%s/b/var/lib/dbus/machine-id", work);
	assert_true(readlink(a, link, sizeof(link) - 1) > 0);
	assert_string_equal(link, "/etc/machine-id");
	/* Idempotent: a second run gives the same. */
	assert_int_equal(lxm_template_configure_standard(b, "web-1"), 0);
}

static void test_symlinks_not_followed(void **state)
{
	char r[512], outside[128];
	mode_t m;
	(void)state;

	snprintf(r, sizeof(r), "%s/evil", work);
	snprintf(outside, sizeof(outside), "%s/outside", work);
	sh("mkdir -p %s/etc %s/var %s && echo keep >%s/hostname && echo keep >%s/machine-id", r, r, outside, outside,
	   outside);
	/* Attack: etc/hostname and etc/machine-id pointing at host files; var/lib pointing out (the
	 * dbus link would land outside). */
	sh("ln -s %s/hostname %s/etc/hostname && ln -s %s/machine-id %s/etc/machine-id", outside, r, outside, r);
	sh("mkdir -p %s/dbus-out/dbus && ln -s %s/dbus-out %s/var/lib", outside, outside, r);
	assert_int_equal(lxm_template_configure_standard(r, "x"), 0);
	_cleanup_free_ char *h = slurp(r, "etc/hostname", &m), *k1 = slurp(outside, "hostname", &m),
			    *k2 = slurp(outside, "machine-id", &m);
	assert_string_equal(h, "x\n");
	assert_string_equal(k1, "keep\n");
	assert_string_equal(k2, "keep\n");
	snprintf(r, sizeof(r), "%s/dbus-out/dbus/machine-id", outside);
	assert_int_equal(access(r, F_OK), -1);

	/* Attack: etc itself a symlink to a host directory: refused, nothing written. */
	snprintf(r, sizeof(r), "%s/evil2", work);
	sh("mkdir -p %s && ln -s %s %s/etc", r, outside, r);
	assert_int_equal(lxm_template_configure_standard(r, "x"), -EINVAL);
	_cleanup_free_ char *k3 = slurp(outside, "hostname", &m);
	assert_string_equal(k3, "keep\n");

	/* Names with separators are refused. */
	assert_int_equal(lxm_template_configure_standard(work, "a/b"), -EINVAL);
	assert_int_equal(lxm_template_configure_standard("/", "x"), -EINVAL);
}

static void test_missing_etc(void **state)
{
	char r[512];
	mode_t m;
	(void)state;

	snprintf(r, sizeof(r), "%s/bare", work);
	sh("mkdir -p %s", r);
	assert_int_equal(lxm_template_configure_standard(r, "bare"), 0);
	_cleanup_free_ char *id = slurp(r, "etc/machine-id", &m);
	assert_string_equal(id, "");
	assert_int_equal(m, 0444);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(work) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", work);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_script),
		cmocka_unit_test(test_symlinks_not_followed),
		cmocka_unit_test(test_missing_etc),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
