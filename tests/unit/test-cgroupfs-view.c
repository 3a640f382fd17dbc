/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Step 'cgroupfs': which /sys/fs/cgroup the container gets from /proc/self/cgroup and config
 * cgroup.layout (lxm_cgroupfs_view()), on the text of hybrid, v1-only and pure v2 hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "runtime/steps/steps.h"

/* This project's hybrid host, as the child sees it after unsharing its cgroup namespace. */
static const char hybrid[] = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
			     "4:memory:/\n3:cpuset:/\n2:cpu,cpuacct:/\n1:net_cls,net_prio:/\n0::/\n";
static const char v1_only[] = "3:name=systemd:/\n2:memory:/\n1:cpu,cpuacct:/\n";
static const char pure_v2[] = "0::/\n";

static int view_of(const char *text, uint64_t skip, bool unified, enum lxm_cgroupfs_view *ret)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(f);
	int r = lxm_cgroupfs_view(f, skip, unified, ret);
	fclose(f);
	return r;
}

static void test_host_layout(void **state)
{
	enum lxm_cgroupfs_view v;

	(void)state;
	assert_int_equal(view_of(hybrid, 0, false, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_HYBRID);
	assert_int_equal(view_of(v1_only, 0, false, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_V1);
	assert_int_equal(view_of(pure_v2, 0, false, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_V2);
}

static void test_unified(void **state)
{
	enum lxm_cgroupfs_view v = LXM_CGROUPFS_V1;

	(void)state;
	assert_int_equal(view_of(hybrid, 0, true, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_V2);
	assert_int_equal(view_of(pure_v2, 0, true, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_V2);
	/* No cgroup2 hierarchy: refused, and *ret left alone. */
	v = LXM_CGROUPFS_HYBRID;
	assert_int_equal(view_of(v1_only, 0, true, &v), -EOPNOTSUPP);
	assert_int_equal(v, LXM_CGROUPFS_HYBRID);
	assert_int_equal(view_of("", 0, true, &v), -EOPNOTSUPP);
}

/* Hierarchies the payload cgroup is not in (steps/cgroup.c) count for nothing: a hybrid host
 * whose unified hierarchy is left out is a v1 host for the container, and one whose v1
 * hierarchies are all left out is a pure v2 one. */
static void test_skipped(void **state)
{
	enum lxm_cgroupfs_view v;

	(void)state;
	assert_int_equal(view_of(hybrid, UINT64_C(1) << 0, false, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_V1);
	assert_int_equal(view_of(hybrid, UINT64_C(1) << 0, true, &v), -EOPNOTSUPP);
	assert_int_equal(view_of(hybrid, UINT64_C(0x3fe), false, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_V2);
	assert_int_equal(view_of(hybrid, UINT64_C(1) << 4, false, &v), 0);
	assert_int_equal(v, LXM_CGROUPFS_HYBRID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_layout),
		cmocka_unit_test(test_unified),
		cmocka_unit_test(test_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
