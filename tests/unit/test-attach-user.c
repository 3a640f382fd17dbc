/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "runtime/attach-user.h"
#include "util/macros.h"

static char passwd[64], group[64];

static int setup(void **state)
{
	strcpy(passwd, "/tmp/test-passwd-XXXXXX");
	strcpy(group, "/tmp/test-group-XXXXXX");
	int p = mkstemp(passwd), g = mkstemp(group);
	if (p < 0 || g < 0)
		return -1;
	dprintf(p, "root:x:0:0:root:/root:/bin/ash\n"
		   "broken line without colons\n"
		   "evil:x:-1:0::/:/bin/sh\n"
		   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
		   "alice:x:1000:1000:Alice,,,:/home/alice:/bin/sh\n"
		   "nohome:x:1001:1001:::\n");
	dprintf(g, "root:x:0:\nwheel:x:10:alice,bob\nalice:x:1000:\nstaff:x:50:bob,alice\nbad:x:zz:alice\n");
	close(p);
	close(g);
	return 0;
}

static int teardown(void **state)
{
	unlink(passwd);
	unlink(group);
	return 0;
}

static void test_root_default(void **state)
{
	struct lxm_attach_user u;
	assert_int_equal(lxm_attach_user_resolve(NULL, passwd, group, &u), 0);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/root");
	assert_string_equal(u.shell, "/bin/ash");
	/* no passwd at all: root still works */
	assert_int_equal(lxm_attach_user_resolve("root", "/nonexistent", "/nonexistent", &u), 0);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.home, "/root");
}

static void test_named_user_groups(void **state)
{
	struct lxm_attach_user u;
	assert_int_equal(lxm_attach_user_resolve("alice", passwd, group, &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/alice");
	assert_int_equal(u.n_groups, 2);
	assert_int_equal(u.groups[0], 10);
	assert_int_equal(u.groups[1], 50);
}

static void test_group_override(void **state)
{
	struct lxm_attach_user u;
	assert_int_equal(lxm_attach_user_resolve("alice:staff", passwd, group, &u), 0);
	assert_int_equal(u.gid, 50);
	assert_int_equal(lxm_attach_user_resolve("1000:7", passwd, group, &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 7);
	assert_string_equal(u.name, "alice");
}

static void test_numeric_without_entry(void **state)
{
	struct lxm_attach_user u;
	assert_int_equal(lxm_attach_user_resolve("4242", passwd, group, &u), 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 4242);
	assert_string_equal(u.home, "/");
	assert_int_equal(lxm_attach_user_resolve("nohome", passwd, group, &u), 0);
	assert_string_equal(u.home, "/");
}

static void test_errors(void **state)
{
	struct lxm_attach_user u;
	assert_int_equal(lxm_attach_user_resolve("mallory", passwd, group, &u), -ESRCH);
	assert_int_equal(lxm_attach_user_resolve("evil", passwd, group, &u), -ESRCH); /* uid -1 refused */
	assert_int_equal(lxm_attach_user_resolve("alice:nogroup", passwd, group, &u), -ESRCH);
	assert_int_equal(lxm_attach_user_resolve("alice:", passwd, group, &u), -EINVAL);
	assert_int_equal(lxm_attach_user_resolve(":x", passwd, group, &u), -EINVAL);
	assert_int_equal(lxm_attach_user_resolve("-5", passwd, group, &u), -ESRCH);
}

/* Files written in the test: an entry past the first 4 KiB read, a last line without '\n'. */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_long_files(void **state)
{
	char p[] = "/tmp/test-passwd-long-XXXXXX", g[] = "/tmp/test-group-long-XXXXXX";
	assert_true(mkstemp(p) >= 0 && mkstemp(g) >= 0);
	char *text = NULL, *filler = calloc(1, 9001);
	assert_non_null(filler);
	memset(filler, 'A', 9000);
	/* A line of 9 KiB whose tail, after the first 4 KiB, looks like an entry: it is one line
	 * (skipped: too long), not a line of 4 KiB and an entry "mallory" of uid 0. */
	assert_true(asprintf(&text, "long:x:5:5:%.*smallory:x:0:0::/:/bin/sh\n", 4095 - 11, filler) > 0);
	size_t n = strlen(text);
	text = realloc(text, n + 12000);
	assert_non_null(text);
	/* lines that straddle the reads, then the entry wanted, last and without '\n' */
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(text + n, "user%d:x:%d:%d::/home/u%d:/bin/sh\n", i, 2000 + i, 2000 + i, i);
	strcpy(text + n, "last:x:3000:3000::/home/last:/bin/ash");
	write_file(p, text);
	write_file(g, "root:x:0:\nwheel:x:10:last\nstaff:x:50:last");
	struct lxm_attach_user u;
	assert_int_equal(lxm_attach_user_resolve("mallory", p, g, &u), -ESRCH);
	assert_int_equal(lxm_attach_user_resolve("long", p, g, &u), -ESRCH);
	assert_int_equal(lxm_attach_user_resolve("user150", p, g, &u), 0);
	assert_int_equal(u.uid, 2150);
	assert_string_equal(u.home, "/home/u150");
	assert_int_equal(lxm_attach_user_resolve("last", p, g, &u), 0);
	assert_int_equal(u.uid, 3000);
	assert_string_equal(u.shell, "/bin/ash");
	assert_int_equal(u.n_groups, 2); /* the group file's last line has no '\n' either */
	assert_int_equal(u.groups[1], 50);
	free(text);
	free(filler);
	unlink(p);
	unlink(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_default),
		cmocka_unit_test(test_named_user_groups),
		cmocka_unit_test(test_group_override),
		cmocka_unit_test(test_numeric_without_entry),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
