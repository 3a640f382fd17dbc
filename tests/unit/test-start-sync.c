/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start sync protocol: named steps, error records, end-of-file on close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/sync.h"
#include "util/macros.h"

static void test_names(void **state)
{
	assert_string_equal(lxm_step_to_string(LXM_STEP_PIVOT_ROOT), "pivot_root");
	assert_string_equal(lxm_step_to_string(LXM_STEP_MOUNTS), "mounts");
	assert_string_equal(lxm_step_to_string(LXM_STEP_EXEC), "exec");
	assert_string_equal(lxm_step_to_string(LXM_STEP_CAPS), "capabilities");
	assert_string_equal(lxm_step_to_string(_LXM_STEP_MAX), "unknown");
	for (int s = LXM_STEP_NONE; s < _LXM_STEP_MAX; s++)
		assert_string_not_equal(lxm_step_to_string(s), "unknown");
}

static void test_steps_and_errors(void **state)
{
	struct lxm_sync_msg m = {};
	int fds[2];

	assert_int_equal(lxm_sync_pair(fds), 0);
	assert_int_equal(lxm_sync_send(fds[1], LXM_STEP_ROOTFS), 0);
	assert_int_equal(lxm_sync_wait(fds[0], LXM_STEP_ROOTFS, NULL), 0);

	assert_int_equal(lxm_sync_send(fds[1], LXM_STEP_PROC), 0);
	assert_int_equal(lxm_sync_wait(fds[0], LXM_STEP_SYS, NULL), -EPROTO);

	assert_int_equal(lxm_sync_send_error(fds[1], LXM_STEP_PIVOT_ROOT, -ENOENT, "into '/x'"), 0);
	assert_int_equal(lxm_sync_wait(fds[0], LXM_STEP_HOSTNAME, &m), -ENOENT);
	assert_int_equal(m.step, LXM_STEP_PIVOT_ROOT);
	assert_int_equal(m.error, ENOENT);
	assert_string_equal(m.text, "into '/x'");

	close(fds[1]);
	assert_int_equal(lxm_sync_recv(fds[0], &m), -EPIPE);
	/* The peer is gone: sending fails with -EPIPE and no SIGPIPE kills us. */
	assert_int_equal(lxm_sync_send(fds[0], LXM_STEP_CGROUP), -EPIPE);
	close(fds[0]);
}

/* Regression: a child that fails and exits while the parent's step records sit unread in its
 * socket makes the kernel report ECONNRESET before the child's queued error record; the record
 * must still be read ("Child failed at step 'mounts'", not "exited without saying why"). */
static void test_error_after_reset(void **state)
{
	struct lxm_sync_msg m = {};
	int fds[2];

	assert_int_equal(lxm_sync_pair(fds), 0);
	assert_int_equal(lxm_sync_send(fds[0], LXM_STEP_NETWORK), 0); /* never read by the child */
	assert_int_equal(lxm_sync_send_error(fds[1], LXM_STEP_MOUNTS, -ENOENT, "source '/nope'"), 0);
	close(fds[1]);
	assert_int_equal(lxm_sync_recv(fds[0], &m), 0);
	assert_int_equal(m.step, LXM_STEP_MOUNTS);
	assert_int_equal(m.error, ENOENT);
	assert_string_equal(m.text, "source '/nope'");
	assert_int_equal(lxm_sync_recv(fds[0], &m), -EPIPE);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_steps_and_errors),
		cmocka_unit_test(test_error_after_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
