/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The btrfs helpers off btrfs (no root, no btrfs needed) and the killed-monitor summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "services/monitor-lost.h"
#include "store/btrfs.h"
#include "util/log.h"

static char dir[] = "/tmp/lxm-test-btrfs.XXXXXX";

static bool tmp_is_btrfs(void)
{
	struct statfs s;
	return statfs(dir, &s) == 0 && (unsigned long)s.f_type == 0x9123683EUL;
}

static void test_is_fs_walks_up(void **state)
{
	char missing[128];
	int expect = tmp_is_btrfs() ? 1 : 0;
	snprintf(missing, sizeof(missing), "%s/not/made/yet", dir);
	assert_int_equal(lxm_btrfs_is_fs(dir), expect);
	assert_int_equal(lxm_btrfs_is_fs(missing), expect); /* the nearest existing ancestor decides */
}

static void test_plain_dir_is_no_subvolume(void **state)
{
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(lxm_btrfs_is_subvol(sub), 0);
	assert_int_equal(lxm_btrfs_is_subvol("/nonexistent-lxm"), -ENOENT);
	assert_int_equal(rmdir(sub), 0);
}

static void test_ioctls_fail_off_btrfs(void **state)
{
	char sub[128], snap[128];
	if (tmp_is_btrfs())
		skip();
	snprintf(sub, sizeof(sub), "%s/sv", dir);
	snprintf(snap, sizeof(snap), "%s/snap", dir);
	assert_true(lxm_btrfs_subvol_create(sub) < 0);
	assert_int_equal(access(sub, F_OK), -1);
	assert_true(lxm_btrfs_snapshot(dir, snap, true) < 0);
	assert_true(lxm_btrfs_subvol_destroy(sub) < 0);
	assert_int_equal(lxm_btrfs_subvol_destroy_at(AT_FDCWD, "a/b"), -EINVAL);
}

static void test_monitor_lost_summary(void **state)
{
	struct lxm_state_info fine = { .state = LXM_STATE_RUNNING }, lost = fine, stale = { .stale = true };
	lost.monitor_lost = true;
	assert_null(lxm_monitor_lost_summary(&fine));
	assert_non_null(strstr(lxm_monitor_lost_summary(&lost), "killed while init ran"));
	assert_non_null(strstr(lxm_monitor_lost_summary(&stale), "init has exited since"));
	lxm_monitor_lost_warn("x", &fine, NULL); /* silent, and a NULL config is allowed */
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_fs_walks_up),
		cmocka_unit_test(test_plain_dir_is_no_subvolume),
		cmocka_unit_test(test_ioctls_fail_off_btrfs),
		cmocka_unit_test(test_monitor_lost_summary),
	};
	lxm_log_set_level(LXM_LOG_ERROR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
