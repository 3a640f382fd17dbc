/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* runtime/kill-spread.c: the dying threads of a kill pinned over the CPUs, a thread of ours moved
 * off our CPU. Children that wait in pause() stand in for the container's threads, a file named
 * cgroup.threads in a temporary directory for the cgroup's list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/kill-spread.h"

#define KIDS 7
#define SPREAD_BUF 8192 /* kill-spread.c: what one read takes */

struct fixture {
	char dir[64];
	pid_t kids[KIDS];
	int ncpu;
};

static int setup(void **state)
{
	static struct fixture f;
	cpu_set_t mine;
	memset(&f, 0, sizeof(f));
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	f.ncpu = CPU_COUNT(&mine);
	snprintf(f.dir, sizeof(f.dir), "/tmp/test-kill-spread.XXXXXX");
	assert_non_null(mkdtemp(f.dir));
	for (int i = 0; i < KIDS; i++) {
		f.kids[i] = fork();
		assert_true(f.kids[i] >= 0);
		if (f.kids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];
	for (int i = 0; i < KIDS; i++) {
		kill(f->kids[i], SIGKILL);
		waitpid(f->kids[i], NULL, 0);
	}
	snprintf(path, sizeof(path), "%s/cgroup.threads", f->dir);
	unlink(path);
	rmdir(f->dir);
	return 0;
}

static void write_threads(const struct fixture *f, const char *text, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/cgroup.threads", f->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static int cpus_of(pid_t pid, int *ret_cpu)
{
	cpu_set_t set;
	assert_int_equal(sched_getaffinity(pid, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			*ret_cpu = c;
	return CPU_COUNT(&set);
}

static void test_spread_over_cpus(void **state)
{
	struct fixture *f = *state;
	char text[KIDS * 16] = "", line[16];
	int count[CPU_SETSIZE] = { 0 }, used = 0, lo = KIDS, hi = 0;
	if (f->ncpu < 2)
		skip();
	for (int i = 0; i < KIDS; i++) {
		snprintf(line, sizeof(line), "%d\n", (int)f->kids[i]);
		strcat(text, line);
	}
	write_threads(f, text, strlen(text));
	assert_int_equal(lxm_kill_spread(f->dir), KIDS);
	for (int i = 0; i < KIDS; i++) {
		int cpu = -1;
		assert_int_equal(cpus_of(f->kids[i], &cpu), 1); /* each on one CPU */
		used += count[cpu]++ == 0;
	}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (count[c]) {
			lo = count[c] < lo ? count[c] : lo;
			hi = count[c] > hi ? count[c] : hi;
		}
	/* every CPU takes its share (ours one less: it counts as busy) */
	assert_int_equal(used, f->ncpu < KIDS ? f->ncpu : KIDS);
	assert_true(hi - lo <= 2);
}

/* A list longer than one read: the line the read cut is not taken for a shorter thread id (here a
 * child's id is the cut line's prefix; it must keep its mask). */
static void test_cut_line_ignored(void **state)
{
	struct fixture *f = *state;
	static char text[SPREAD_BUF + 64];
	char id[16];
	int cpu;
	if (f->ncpu < 2)
		skip();
	int n = snprintf(id, sizeof(id), "%d", (int)f->kids[0]);
	/* whole lines of thread id 0 (skipped) up to where the read cuts the child's id + "7" */
	size_t cut = SPREAD_BUF - 1 - (size_t)n, len = 0;
	if (cut % 2) {
		memcpy(text, "00\n", 3);
		len = 3;
	}
	for (; len < cut; len += 2)
		memcpy(text + len, "0\n", 2);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "%s7\n", id);
	assert_true(len > SPREAD_BUF - 1);
	write_threads(f, text, len);
	assert_int_equal(lxm_kill_spread(f->dir), 0);
	assert_int_equal(cpus_of(f->kids[0], &cpu), f->ncpu);
}

static void test_no_list(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(lxm_kill_spread(f->dir), 0); /* no cgroup.threads */
	assert_int_equal(lxm_kill_spread("/nonexistent/cgroup"), 0);
}

static void test_pin_elsewhere(void **state)
{
	struct fixture *f = *state;
	int cpu = -1;
	if (f->ncpu < 2)
		skip();
	lxm_kill_pin_elsewhere(f->kids[1]);
	assert_int_equal(cpus_of(f->kids[1], &cpu), 1);
	lxm_kill_pin_elsewhere(0); /* nothing to pin */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spread_over_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_line_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_elsewhere, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
