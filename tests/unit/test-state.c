/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/state.h"
#include "util/macros.h"

static char root[64];
static struct lxm_paths paths;

static int setup(void **state)
{
	strcpy(root, "/tmp/test-state-XXXXXX");
	if (!mkdtemp(root) || lxm_paths_init(&paths, root) < 0)
		return -1;
	if (lxm_mkdir_p(paths.run_dir, 0755) < 0 || lxm_mkdir_p(paths.containers_dir, 0755) < 0)
		return -1;
	char d[256];
	snprintf(d, sizeof(d), "%s/web", paths.containers_dir);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/web", paths.run_dir);
	mkdir(d, 0700);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	(void)!system(cmd);
	lxm_paths_done(&paths);
	return 0;
}

static void test_stopped_without_state(void **state)
{
	struct lxm_state_info s;
	assert_int_equal(lxm_state_query(&paths, "nothing", &s), 0);
	assert_int_equal(s.state, LXM_STATE_STOPPED);
	assert_null(s.last_exit);
	assert_false(s.stale);
	lxm_state_info_done(&s);
}

static void test_alive_monitor_reads_running(void **state)
{
	struct lxm_state_info s;
	uint64_t me;
	assert_int_equal(lxm_proc_starttime(getpid(), &me), 0);
	/* this test process plays both monitor and init */
	struct lxm_state_record rec = { .state = LXM_STATE_RUNNING, .init_pid = getpid(), .init_start = me,
					.monitor_pid = getpid(), .monitor_start = me, .started_usec = 42,
					.init_system = "busybox", .uuid = "0000" };
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_set_last_exit(&paths, "web", "clean"), 0);
	assert_int_equal(lxm_state_query(&paths, "web", &s), 0);
	assert_int_equal(s.state, LXM_STATE_RUNNING);
	assert_int_equal(s.init_pid, getpid());
	assert_int_equal(s.started_usec, 42);
	assert_string_equal(s.init_system, "busybox");
	assert_string_equal(s.last_exit, "clean");
	assert_false(s.monitor_lost);
	lxm_state_info_done(&s);

	char *v = NULL;
	assert_int_equal(lxm_state_read_key(&paths, "web", "uuid", &v), 0);
	assert_string_equal(v, "0000");
	free(v);
}

static void test_recycled_pid_reads_stale(void **state)
{
	struct lxm_state_info s;
	uint64_t me;
	assert_int_equal(lxm_proc_starttime(getpid(), &me), 0);
	/* same pid, other start time: a recycled pid, not our monitor */
	struct lxm_state_record rec = { .state = LXM_STATE_RUNNING, .init_pid = getpid(), .init_start = me + 1,
					.monitor_pid = getpid(), .monitor_start = me + 1 };
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_query(&paths, "web", &s), 0);
	assert_int_equal(s.state, LXM_STATE_STOPPED);
	assert_true(s.stale);
	lxm_state_info_done(&s);
}

static void test_lost_monitor_keeps_running(void **state)
{
	struct lxm_state_info s;
	uint64_t me;
	assert_int_equal(lxm_proc_starttime(getpid(), &me), 0);
	struct lxm_state_record rec = { .state = LXM_STATE_STOPPING, .init_pid = getpid(), .init_start = me,
					.monitor_pid = 1, .monitor_start = 12345 };
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_query(&paths, "web", &s), 0);
	assert_int_equal(s.state, LXM_STATE_RUNNING);
	assert_true(s.monitor_lost);
	assert_int_equal(s.monitor_pid, 0);
	lxm_state_info_done(&s);
}

/* The monitor's liveness is proven by being init's parent (one /proc read fewer per container):
 * init here is a child of this test process, which plays the monitor with a start time that does
 * not match, so only the parent check can say it lives. */
static void test_init_parent_proves_monitor(void **state)
{
	struct lxm_state_info s;
	uint64_t child_start;
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(lxm_proc_starttime(child, &child_start), 0);
	struct lxm_state_record rec = { .state = LXM_STATE_RUNNING, .init_pid = child, .init_start = child_start,
					.monitor_pid = getpid(), .monitor_start = (uint64_t)1 << 60 };
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_query(&paths, "web", &s), 0);
	assert_int_equal(s.state, LXM_STATE_RUNNING);
	assert_false(s.monitor_lost);
	assert_int_equal(s.monitor_pid, getpid());
	assert_int_equal(s.init_pid, child);
	lxm_state_info_done(&s);

	/* a living process that is not init's parent, with the wrong start time, is no monitor */
	rec.monitor_pid = 1;
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_query(&paths, "web", &s), 0);
	assert_int_equal(s.state, LXM_STATE_RUNNING);
	assert_true(s.monitor_lost);
	assert_int_equal(s.monitor_pid, 0);
	lxm_state_info_done(&s);

	/* a dead init proves nothing: the parent check needs a living init */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	rec.monitor_pid = getpid();
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_query(&paths, "web", &s), 0);
	assert_int_equal(s.state, LXM_STATE_STOPPED);
	assert_true(s.stale);
	lxm_state_info_done(&s);
}

static void test_read_init(void **state)
{
	struct lxm_state_record rec = { .state = LXM_STATE_RUNNING, .init_pid = 4242, .init_start = 99,
					.monitor_pid = 4241, .monitor_start = 98 };
	bool running;
	pid_t pid;
	uint64_t start;
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_read_init(&paths, "web", &running, &pid, &start), 0);
	assert_true(running);
	assert_int_equal(pid, 4242);
	assert_int_equal(start, 99);
	rec.state = LXM_STATE_STOPPING;
	assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
	assert_int_equal(lxm_state_read_init(&paths, "web", &running, &pid, &start), 0);
	assert_false(running);
	assert_int_equal(lxm_state_read_init(&paths, "nothing", &running, &pid, &start), -ENOENT);
}

/* A rewrite swaps the new file in (RENAME_EXCHANGE, state.c) and removes the old one: the last
 * record wins and no temporary file is left behind. */
static void test_rewrite_replaces(void **state)
{
	struct lxm_state_record rec = { .state = LXM_STATE_STARTING, .init_pid = 0, .monitor_pid = 4241 };
	char tmp[512];
	struct stat st;
	bool running;
	pid_t pid;
	uint64_t start;

	snprintf(tmp, sizeof(tmp), "%s/web/state.tmp", paths.run_dir);
	for (int i = 1; i <= 3; i++) {
		rec.state = i == 2 ? LXM_STATE_RUNNING : LXM_STATE_STARTING;
		rec.init_pid = 1000 + i;
		assert_int_equal(lxm_state_write(&paths, "web", &rec), 0);
		assert_int_equal(lxm_state_read_init(&paths, "web", &running, &pid, &start), 0);
		assert_int_equal(pid, 1000 + i);
		assert_int_equal(running, i == 2);
		assert_int_equal(stat(tmp, &st), -1);
	}
}

static void test_starttime(void **state)
{
	uint64_t t;
	assert_int_equal(lxm_proc_starttime(getpid(), &t), 0);
	assert_true(t > 0);
	assert_int_equal(lxm_proc_starttime(0, &t), -ESRCH);
	assert_int_equal(lxm_proc_starttime(999999999, &t), -ESRCH);
}

static void test_state_names(void **state)
{
	enum lxm_state s;
	assert_int_equal(lxm_state_from_string("stopping", &s), 0);
	assert_int_equal(s, LXM_STATE_STOPPING);
	assert_string_equal(lxm_state_to_string(LXM_STATE_RUNNING), "running");
	assert_int_equal(lxm_state_from_string("bogus", &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stopped_without_state),
		cmocka_unit_test(test_alive_monitor_reads_running),
		cmocka_unit_test(test_recycled_pid_reads_stale),
		cmocka_unit_test(test_lost_monitor_keeps_running),
		cmocka_unit_test(test_init_parent_proves_monitor),
		cmocka_unit_test(test_read_init),
		cmocka_unit_test(test_rewrite_replaces),
		cmocka_unit_test(test_starttime),
		cmocka_unit_test(test_state_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
