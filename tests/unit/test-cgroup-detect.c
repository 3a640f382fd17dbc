/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Layout detection on fake /proc/self/mountinfo and /proc/self/cgroup inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "cgroup/detect.h"
#include "util/macros.h"

/* This host's cgroup lines (Debian 12 VM, v1 hybrid), plus unrelated mounts around them. */
static const char hybrid[] =
	"22 1 253:0 / / rw,relatime - ext4 /dev/vda rw\n"
	"23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A Debian 10-era legacy host: co-mounted controllers, options mixed in. */
static const char legacy[] =
	"25 18 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup "
	"rw,xattr,name=systemd\n"
	"30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:13 - cgroup cgroup rw,cpu,cpuacct\n"
	"31 25 0:29 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:14 - cgroup cgroup rw,net_cls,net_prio\n"
	"32 25 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:15 - cgroup cgroup rw,memory\n"
	"33 25 0:31 / /sys/fs/cgroup/cpuset rw,nosuid shared:16 - cgroup cgroup rw,cpuset,clone_children\n"
	/* A bind of the same hierarchy elsewhere is not a second hierarchy. */
	"60 22 0:30 /lxc /var/lib/x rw shared:15 - cgroup cgroup rw,memory\n";

static const char unified[] =
	"22 1 253:0 / / rw,relatime - ext4 /dev/vda rw\n"
	"26 23 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
	"rw,nsdelegate,memory_recursiveprot\n";

static const char none[] = "22 1 253:0 / / rw,relatime - ext4 /dev/vda rw\n";

static char *write_tmp(const char *text)
{
	char *p = strdup("/tmp/test-cgroup-detect.XXXXXX");
	int fd = mkstemp(p);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return p;
}

static void check_layout(const char *text, int expected)
{
	_cleanup_free_ char *p = write_tmp(text);
	enum lxm_cgroup_layout l;

	assert_int_equal(lxm_cgroup_detect(p, &l), 0);
	assert_int_equal(l, expected);
	unlink(p);
}

static void test_layouts(void **state)
{
	check_layout(hybrid, LXM_CGROUP_LAYOUT_HYBRID);
	check_layout(legacy, LXM_CGROUP_LAYOUT_LEGACY);
	check_layout(unified, LXM_CGROUP_LAYOUT_UNIFIED);
	assert_string_equal(lxm_cgroup_layout_to_string(LXM_CGROUP_LAYOUT_HYBRID), "hybrid");
}

static void test_none(void **state)
{
	_cleanup_free_ char *p = write_tmp(none);
	enum lxm_cgroup_layout l;

	assert_int_equal(lxm_cgroup_detect(p, &l), -ENOENT);
	unlink(p);
	assert_int_equal(lxm_cgroup_detect("/nonexistent/mountinfo", &l), -ENOENT);
}

static void test_hybrid_mounts(void **state)
{
	_cleanup_free_ char *p = write_tmp(hybrid);
	struct lxm_cgroup_mounts ms = {};

	assert_int_equal(lxm_cgroup_parse_mountinfo(p, &ms), 0);
	assert_int_equal(ms.n, 10);
	assert_string_equal(ms.m[0].name, "cpu");
	assert_string_equal(ms.m[0].controllers, "cpu");
	assert_false(ms.m[0].v2);
	assert_string_equal(ms.m[8].controllers, "name=systemd");
	assert_string_equal(ms.m[9].name, "unified");
	assert_true(ms.m[9].v2);
	assert_string_equal(ms.m[9].controllers, "");
	lxm_cgroup_mounts_done(&ms);
	unlink(p);
}

static void test_legacy_mounts(void **state)
{
	_cleanup_free_ char *p = write_tmp(legacy);
	struct lxm_cgroup_mounts ms = {};

	assert_int_equal(lxm_cgroup_parse_mountinfo(p, &ms), 0);
	assert_int_equal(ms.n, 5);
	assert_string_equal(ms.m[0].controllers, "name=systemd"); /* xattr dropped */
	assert_string_equal(ms.m[1].name, "cpu,cpuacct");
	assert_string_equal(ms.m[1].controllers, "cpu,cpuacct");
	assert_string_equal(ms.m[4].controllers, "cpuset"); /* clone_children dropped */
	lxm_cgroup_mounts_done(&ms);
	unlink(p);
}

static void test_unified_mounts(void **state)
{
	_cleanup_free_ char *p = write_tmp(unified);
	struct lxm_cgroup_mounts ms = {};

	assert_int_equal(lxm_cgroup_parse_mountinfo(p, &ms), 0);
	assert_int_equal(ms.n, 1);
	assert_string_equal(ms.m[0].name, "");
	assert_string_equal(ms.m[0].mountpoint, "/sys/fs/cgroup");
	lxm_cgroup_mounts_done(&ms);
	unlink(p);
}

static void test_proc_cgroup(void **state)
{
	_cleanup_free_ char *mi = write_tmp(legacy);
	_cleanup_free_ char *pc = write_tmp("12:cpuacct,cpu:/lxc/c1\n"
					    "11:memory:/lxc/c1/init.scope\n"
					    "1:name=systemd:/lxc/c1/init.scope\n"
					    "0::/lxc/c1/init.scope\n");
	struct lxm_cgroup_mounts ms = {};
	struct lxm_cgroup_self *s = NULL;
	const struct lxm_cgroup_self *e;
	size_t n = 0;
	char *rel = NULL;

	assert_int_equal(lxm_cgroup_parse_mountinfo(mi, &ms), 0);
	assert_int_equal(lxm_cgroup_parse_proc_cgroup(pc, &s, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(s[0].id, 12);
	assert_string_equal(s[3].controllers, "");
	assert_string_equal(s[3].path, "/lxc/c1/init.scope");

	/* "cpu,cpuacct" mount matches "cpuacct,cpu" in any order. */
	e = lxm_cgroup_self_find(s, n, &ms.m[1]);
	assert_non_null(e);
	assert_int_equal(e->id, 12);
	assert_null(lxm_cgroup_self_find(s, n, &ms.m[2])); /* net_cls,net_prio: not listed */

	e = lxm_cgroup_self_find(s, n, &ms.m[0]);
	assert_non_null(e);
	assert_int_equal(lxm_cgroup_self_relative(e, &ms.m[0], &rel), 0);
	assert_string_equal(rel, "/lxc/c1/init.scope");
	free(rel);

	/* A nested mount rooted at /lxc/c1 (no cgroupns): relative path below it. */
	free(ms.m[0].root);
	ms.m[0].root = strdup("/lxc/c1");
	assert_int_equal(lxm_cgroup_self_relative(e, &ms.m[0], &rel), 0);
	assert_string_equal(rel, "/init.scope");
	free(rel);

	lxm_cgroup_self_free(s, n);
	lxm_cgroup_mounts_done(&ms);
	unlink(mi);
	unlink(pc);
}

static void test_proc_cgroup_bad(void **state)
{
	_cleanup_free_ char *pc = write_tmp("garbage\n");
	struct lxm_cgroup_self *s = NULL;
	size_t n = 0;

	assert_int_equal(lxm_cgroup_parse_proc_cgroup(pc, &s, &n), -EINVAL);
	unlink(pc);
}

static void test_describe(void **state)
{
	_cleanup_free_ char *p = write_tmp(hybrid);
	_cleanup_free_ char *text = NULL;

	assert_int_equal(lxm_cgroup_describe("/nonexistent", p, &text), 0);
	assert_non_null(strstr(text, "cgroup layout: hybrid\n"));
	assert_non_null(strstr(text, "/sys/fs/cgroup/systemd hierarchy: name=systemd"));
	assert_non_null(strstr(text, "/sys/fs/cgroup/unified controllers: (none)"));
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_hybrid_mounts),
		cmocka_unit_test(test_legacy_mounts),
		cmocka_unit_test(test_unified_mounts),
		cmocka_unit_test(test_proc_cgroup),
		cmocka_unit_test(test_proc_cgroup_bad),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
