/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The start sync protocol: named steps, error records, end-of-file on close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The record 'ptys' (parent to child) carries the slaves and the ttys' numbers as text:
 * lxm_sync_wait_fds() returns both; a record of another step or an error record leaves no fd
 * open; text too long for a record is refused. */
static void test_wait_fds(void **state)
{
	struct lxm_sync_msg m = {}, failed = {};
	int fds[2], pipe_fds[2], got[4];
	size_t n = 99;
	char big[LXM_SYNC_TEXT_MAX + 1];

	assert_int_equal(lxm_sync_pair(fds), 0);
	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
	assert_int_equal(lxm_sync_send_text_fds(fds[0], LXM_STEP_PTYS, "1 2", pipe_fds, 2), 0);
	assert_int_equal(lxm_sync_wait_fds(fds[1], LXM_STEP_PTYS, &m, NULL, got, ARRAY_SIZE(got), &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(m.text, "1 2");
	close(got[0]);
	close(got[1]);

	/* the fds of a record of another step: closed (the lowest free fd is got[0] again) */
	assert_int_equal(lxm_sync_send_text_fds(fds[0], LXM_STEP_NETWORK, NULL, pipe_fds, 2), 0);
	assert_int_equal(lxm_sync_wait_fds(fds[1], LXM_STEP_PTYS, NULL, NULL, got + 2, 2, &n), -EPROTO);
	assert_int_equal(n, 0);
	int probe = dup(pipe_fds[0]);
	assert_int_equal(probe, got[0]);
	close(probe);

	/* an error record: its step and text, no fd */
	assert_int_equal(lxm_sync_send_error(fds[1], LXM_STEP_DEVPTS, -EPERM, "fsopen(devpts)"), 0);
	assert_int_equal(lxm_sync_wait_fds(fds[0], LXM_STEP_DEVPTS, NULL, &failed, got, 1, &n), -EPERM);
	assert_int_equal(n, 0);
	assert_int_equal(failed.step, LXM_STEP_DEVPTS);
	assert_string_equal(failed.text, "fsopen(devpts)");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(lxm_sync_send_text_fds(fds[0], LXM_STEP_PTYS, big, NULL, 0), -E2BIG);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	close(fds[0]);
	close(fds[1]);
}

/* A record can carry fds (SCM_RIGHTS: 'devpts', 'ptys'); a plain recv closes unexpected fds,
 * and more fds than the receiver takes is -EPROTO with nothing left open. */
static void test_fds(void **state)
{
	struct lxm_sync_msg m = {};
	int fds[2], pipe_fds[2], got[4];
	size_t n = 99;
	struct stat a, b;

	assert_int_equal(lxm_sync_pair(fds), 0);
	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
	assert_int_equal(lxm_sync_send_fds(fds[1], LXM_STEP_CONSOLE, pipe_fds, 2), 0);
	assert_int_equal(lxm_sync_recv_fds(fds[0], &m, got, ARRAY_SIZE(got), &n), 0);
	assert_int_equal(m.step, LXM_STEP_CONSOLE);
	assert_int_equal(n, 2);
	assert_int_equal(fstat(got[0], &a), 0);
	assert_int_equal(fstat(pipe_fds[0], &b), 0);
	assert_true(a.st_ino == b.st_ino);
	assert_true(fcntl(got[1], F_GETFD) & FD_CLOEXEC);
	close(got[0]);
	close(got[1]);

	/* no room: refused, and the fds that came are closed */
	assert_int_equal(lxm_sync_send_fds(fds[1], LXM_STEP_CONSOLE, pipe_fds, 2), 0);
	assert_int_equal(lxm_sync_recv_fds(fds[0], &m, got, 1, &n), -EPROTO);
	assert_int_equal(n, 0);

	/* a plain recv drops them */
	assert_int_equal(lxm_sync_send_fds(fds[1], LXM_STEP_CONSOLE, pipe_fds, 1), 0);
	assert_int_equal(lxm_sync_recv(fds[0], &m), 0);
	assert_int_equal(m.step, LXM_STEP_CONSOLE);
	assert_int_equal(lxm_sync_send_fds(fds[1], LXM_STEP_CONSOLE, pipe_fds, LXM_SYNC_FDS_MAX + 1), -E2BIG);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_steps_and_errors),
		cmocka_unit_test(test_error_after_reset),
		cmocka_unit_test(test_fds),
		cmocka_unit_test(test_wait_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
