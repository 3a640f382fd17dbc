/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* runtime/kill-wait.c: the fast kill's waits for the dying container. A file named cgroup.events
 * in a temporary directory stands in for the payload cgroup's, a pidfd of this process (never
 * readable while we run) or of a child for init's. Every wait runs under alarm(): a wait without
 * its deadline hangs, and the SIGALRM fails the test instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/kill-wait.h"
#include "util/macros.h"

#define GUARD_SEC 20 /* far above every deadline below, also on a loaded host */

struct fixture {
	char dir[64], events[96];
	int fd, self_pidfd;
};

static void write_events(const struct fixture *f, const char *text)
{
	int fd = open(f->events, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	static struct fixture f;
	snprintf(f.dir, sizeof(f.dir), "/tmp/test-kill-wait.XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	snprintf(f.events, sizeof(f.events), "%s/cgroup.events", f.dir);
	write_events(&f, "populated 1\nfrozen 0\n");
	f.fd = open(f.events, O_RDONLY | O_CLOEXEC);
	assert_true(f.fd >= 0);
	f.self_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	assert_true(f.self_pidfd >= 0);
	signal(SIGALRM, SIG_DFL);
	alarm(GUARD_SEC);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	alarm(0);
	close(f->fd);
	close(f->self_pidfd);
	unlink(f->events);
	rmdir(f->dir);
	return 0;
}

/* Neither "populated 0" nor init's end (a process stuck in D state): -ETIMEDOUT, not before the
 * deadline (the lower bound is exact; the upper one is the alarm). */
static void test_dying_deadline(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = lxm_mono_usec();
	assert_int_equal(lxm_kill_wait_dying(f->fd, f->self_pidfd, t0 + 50000), -ETIMEDOUT);
	assert_true(lxm_mono_usec() >= t0 + 50000);
	/* a deadline already past: one look at the cgroup, no wait */
	assert_int_equal(lxm_kill_wait_dying(f->fd, f->self_pidfd, 0), -ETIMEDOUT);
}

static void test_dying_empty(void **state)
{
	struct fixture *f = *state;
	write_events(f, "populated 0\nfrozen 0\n");
	assert_int_equal(lxm_kill_wait_dying(f->fd, f->self_pidfd, lxm_mono_usec() + 60000000), 0);
	/* the cgroup decides even past the deadline */
	assert_int_equal(lxm_kill_wait_dying(f->fd, f->self_pidfd, 0), 0);
}

/* The cgroup empties while we wait (read again every step: no notification is relied on). */
static void test_dying_empties_later(void **state)
{
	struct fixture *f = *state;
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		usleep(20000);
		int fd = open(f->events, O_WRONLY | O_CLOEXEC);
		_exit(fd >= 0 && pwrite(fd, "populated 0\n", 12, 0) == 12 ? 0 : 1);
	}
	assert_int_equal(lxm_kill_wait_dying(f->fd, f->self_pidfd, lxm_mono_usec() + 60000000), 0);
	int st;
	assert_int_equal(waitpid(kid, &st, 0), kid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Init's end wakes it, the cgroup still reading populated. */
static void test_dying_init_ended(void **state)
{
	struct fixture *f = *state;
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		usleep(20000);
		_exit(0);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, kid, 0);
	assert_true(pidfd >= 0);
	assert_int_equal(lxm_kill_wait_dying(f->fd, pidfd, lxm_mono_usec() + 60000000), 0);
	assert_int_equal(waitpid(kid, NULL, 0), kid);
	close(pidfd);
}

static void test_empty_deadline_and_gone(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = lxm_mono_usec();
	assert_int_equal(lxm_kill_wait_empty(f->dir, t0 + 50000), -ETIMEDOUT);
	assert_true(lxm_mono_usec() >= t0 + 50000);
	write_events(f, "populated 0\n");
	assert_int_equal(lxm_kill_wait_empty(f->dir, t0), 0);
	/* a cgroup already removed is empty */
	assert_int_equal(lxm_kill_wait_empty("/tmp/test-kill-wait.none", t0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dying_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dying_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dying_empties_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dying_init_ended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_deadline_and_gone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
