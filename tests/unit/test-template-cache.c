/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cache keys, metadata round trip, checksum verification, result parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "image/cache.h"
#include "image/rmtree.h"
#include "image/template-run.h"
#include "image/template.h"
#include "util/macros.h"

static void expect_key(const char *t, const char *r, const char *a, const char *i, const char *want)
{
	char *key = NULL, *rel = NULL, *arch = NULL, *init = NULL;

	assert_int_equal(lxm_cache_key(t, r, a, i, &key, &rel, &arch, &init), 0);
	assert_string_equal(key, want);
	free(key), free(rel), free(arch), free(init);
}

static void expect_bad_key(const char *t, const char *r, const char *a, const char *i)
{
	char *key = NULL;
	assert_int_equal(lxm_cache_key(t, r, a, i, &key, NULL, NULL, NULL), -EINVAL);
	assert_null(key);
}

static void test_key(void **state)
{
	char *key = NULL, *arch = NULL;

	expect_key("debian", "bookworm", "amd64", "systemd", "debian-bookworm-amd64-systemd");
	expect_key("Debian", "Bookworm", "X86_64", "SysVinit", "debian-bookworm-amd64-sysvinit");
	expect_key("debian", "trixie", "aarch64", "runit", "debian-trixie-arm64-runit");
	expect_key("busybox", "default", "i686", "busybox", "busybox-default-i386-busybox");
	expect_key("my-tmpl", "12.4", "armv7l", "none", "my-tmpl-12.4-armhf-none");
	assert_int_equal(lxm_cache_key("debian", "sid", "x86_64", "openrc", &key, NULL, &arch, NULL), 0);
	assert_string_equal(arch, "amd64");
	free(key), free(arch);

	expect_bad_key("", "bookworm", "amd64", "systemd");
	expect_bad_key("debian", NULL, "amd64", "systemd");
	expect_bad_key("debian", "../x", "amd64", "systemd");
	expect_bad_key("debian", "book worm", "amd64", "systemd");
	expect_bad_key("debian", "bookworm", "amd-64", "systemd"); /* '-' only in the template part */
	expect_bad_key("../debian", "bookworm", "amd64", "systemd");
	expect_bad_key("debian", "bookworm", "amd64", "sys/temd");
	expect_bad_key("debian", "bookworm\n", "amd64", "systemd");
	expect_bad_key(".hidden", "bookworm", "amd64", "systemd");

	assert_true(lxm_cache_key_is_valid("debian-bookworm-amd64-systemd"));
	assert_false(lxm_cache_key_is_valid(".."));
	assert_false(lxm_cache_key_is_valid("../etc"));
	assert_false(lxm_cache_key_is_valid("a/b"));
	assert_false(lxm_cache_key_is_valid(""));
	assert_false(lxm_cache_key_is_valid(NULL));
}

static void test_parse_result(void **state)
{
	char *r = NULL, *a = NULL, *i = NULL;

	assert_int_equal(lxm_template_parse_result("noise\nrelease=bookworm\narch=amd64\ninit=systemd", &r, &a, &i),
			 0);
	assert_string_equal(r, "bookworm");
	assert_string_equal(a, "amd64");
	assert_string_equal(i, "systemd");
	free(r), free(a), free(i);
	assert_int_equal(lxm_template_parse_result("release=x\n", &r, &a, &i), 0);
	assert_string_equal(r, "x");
	assert_null(a);
	assert_null(i);
	free(r);
}

/* Store a tree, read the meta back, verify; then corrupt the tarball and see verify refuse it. */
static void test_store_read_verify(void **state)
{
	char root[] = "/tmp/lxm-test-cache-XXXXXX", tree[128], cmd[512];
	struct lxm_paths paths = {};
	struct lxm_cache_meta m = { 0 }, back = { 0 }, gone = { 0 };
	struct lxm_cache_meta *list = NULL;
	char *tarball = NULL;
	size_t n = 0;
	FILE *f;

	assert_non_null(mkdtemp(root));
	assert_int_equal(lxm_paths_init(&paths, root), 0);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc && echo hi > %s/etc/hostname", tree, tree);
	assert_int_equal(system(cmd), 0);

	m.key = strdup("t-r-amd64-none");
	m.template_name = strdup("t");
	m.release = strdup("r");
	m.arch = strdup("amd64");
	m.init = strdup("none");
	memcpy(m.template_rev, "0123456789abcdef", LXM_TEMPLATE_REV_SIZE);
	assert_int_equal(lxm_cache_read(&paths, m.key, &back), -ENOENT);
	assert_int_equal(lxm_cache_store(&paths, &m, tree, false), 0);
	assert_true(m.size > 0);
	assert_int_equal(strlen(m.sha256), 64);

	assert_int_equal(lxm_cache_read(&paths, "t-r-amd64-none", &back), 0);
	assert_string_equal(back.template_name, "t");
	assert_string_equal(back.init, "none");
	assert_int_equal(back.size, m.size);
	assert_string_equal(back.sha256, m.sha256);
	assert_string_equal(back.template_rev, "0123456789abcdef");
	assert_int_equal(lxm_cache_verify(&paths, &back), 0);

	assert_int_equal(lxm_cache_list(&paths, &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].key, "t-r-amd64-none");
	lxm_cache_list_free(list, n);

	/* Same size, one byte different: only the checksum can tell. */
	assert_int_equal(lxm_cache_tarball(&paths, m.key, &tarball), 0);
	f = fopen(tarball, "r+e");
	assert_non_null(f);
	fseek(f, 20, SEEK_SET);
	fputc('!', f);
	fclose(f);
	assert_int_equal(lxm_cache_verify(&paths, &back), -EBADMSG);

	assert_int_equal(lxm_cache_remove(&paths, m.key), 0);
	assert_int_equal(lxm_cache_read(&paths, m.key, &gone), -ENOENT);
	assert_int_equal(lxm_cache_remove(&paths, m.key), -ENOENT);

	free(tarball);
	lxm_cache_meta_done(&m);
	lxm_cache_meta_done(&back);
	assert_int_equal(lxm_image_rm_rf(root), 0);
	lxm_paths_done(&paths);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The revision covers the template and each regular file of lib/, nothing else. */
static void test_template_rev(void **state)
{
	char dir[] = "/tmp/lxm-test-rev-XXXXXX", lib[128], tmpl[128];
	char a[LXM_TEMPLATE_REV_SIZE], b[LXM_TEMPLATE_REV_SIZE], c[LXM_TEMPLATE_REV_SIZE];

	assert_non_null(mkdtemp(dir));
	snprintf(tmpl, sizeof(tmpl), "%s/t", dir);
	snprintf(lib, sizeof(lib), "%s/lib", dir);
	assert_int_equal(lxm_template_rev(tmpl, a), -ENOENT);
	write_text(dir, "t", "#!/bin/sh\n");
	assert_int_equal(lxm_template_rev(tmpl, a), 0); /* no lib/ at all */
	assert_int_equal(strlen(a), LXM_TEMPLATE_REV_HEX);
	assert_int_equal(mkdir(lib, 0755), 0);
	assert_int_equal(lxm_template_rev(tmpl, b), 0);
	assert_string_equal(a, b); /* an empty lib/ is no lib/ */
	write_text(lib, "common.sh", "x=1\n");
	assert_int_equal(lxm_template_rev(tmpl, b), 0);
	assert_string_not_equal(a, b);
	write_text(lib, "common.sh", "x=2\n");
	assert_int_equal(lxm_template_rev(tmpl, c), 0);
	assert_string_not_equal(b, c);
	write_text(dir, "other", "unrelated\n"); /* beside the template: not part of it */
	assert_int_equal(lxm_template_rev(tmpl, a), 0);
	assert_string_equal(a, c);
	write_text(dir, "t", "#!/bin/sh\n# edited\n");
	assert_int_equal(lxm_template_rev(tmpl, a), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(lxm_image_rm_rf(dir), 0);
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The built-in configure (rootfs from a user's tarball) never writes through the rootfs's symlinks. */
static void test_configure_builtin(void **state)
{
	char root[] = "/tmp/lxm-test-configure-XXXXXX", cmd[1024], p[256];
	struct lxm_paths paths = {};
	struct stat st;

	assert_non_null(mkdtemp(root));
	assert_int_equal(lxm_paths_init(&paths, root), 0);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p r/etc && echo orig > victim && ln -s %s/victim r/etc/hostname && "
		 "ln -s ../../victim r/etc/machine-id && mkdir -p bad && ln -s %s bad/etc",
		 root, root, root);
	assert_int_equal(system(cmd), 0);

	snprintf(p, sizeof(p), "%s/r", root);
	assert_int_equal(lxm_template_configure(&paths, NULL, p, "web1"), 0);
	snprintf(p, sizeof(p), "%s/victim", root);
	assert_string_equal(slurp(p), "orig\n");
	snprintf(p, sizeof(p), "%s/r/etc/hostname", root);
	assert_string_equal(slurp(p), "web1\n");
	snprintf(p, sizeof(p), "%s/r/etc/hosts", root);
	assert_non_null(strstr(slurp(p), "127.0.1.1\tweb1\n"));
	snprintf(p, sizeof(p), "%s/r/etc/machine-id", root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);

	/* "etc -> ROOT": refused, nothing written in ROOT. */
	snprintf(p, sizeof(p), "%s/bad", root);
	assert_int_equal(lxm_template_configure(&paths, NULL, p, "web1"), -EINVAL);
	snprintf(p, sizeof(p), "%s/hostname", root);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/r", root);
	assert_int_equal(lxm_template_configure(&paths, NULL, p, "a/b"), -EINVAL);
	assert_int_equal(lxm_template_configure(&paths, NULL, p, "a\nb"), -EINVAL);

	assert_int_equal(lxm_image_rm_rf(root), 0);
	lxm_paths_done(&paths);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_parse_result),
		cmocka_unit_test(test_store_read_verify),
		cmocka_unit_test(test_template_rev),
		cmocka_unit_test(test_configure_builtin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
