/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's real cgroups (root only): limits enforced, freeze, usage, kill, destroy. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <cmocka.h>

#include "cgroup/cgroup-bpf.h"
#include "cgroup/cgroup.h"
#include "util/macros.h"

struct real {
	struct lxm_cgroup *cg;
	char name[80];
};

static int setup(void **state)
{
	struct real *t = calloc(1, sizeof(*t));
	char id[37];
	uuid_t u;

	uuid_generate(u);
	uuid_unparse_lower(u, id);
	snprintf(t->name, sizeof(t->name), "lxcmgr.test.%s", id);
	assert_int_equal(lxm_cgroup_new(NULL, NULL, t->name, &t->cg), 0);
	assert_int_equal(lxm_cgroup_create(t->cg), 0);
	*state = t;
	return 0;
}

/* Runs also after a failed test: nothing may stay behind on the host. */
static int teardown(void **state)
{
	struct real *t = *state;
	size_t n = lxm_cgroup_n_hierarchies(t->cg);
	int r;

	r = lxm_cgroup_kill(t->cg);
	if (r < 0) {
		/* Whatever the failure, no test process may stay behind frozen. */
		fprintf(stderr, "cleanup: %s\n", lxm_cgroup_strerror(t->cg) ?: strerror(-r));
		(void)lxm_cgroup_freeze(t->cg, false);
		r = lxm_cgroup_kill(t->cg);
	}
	if (r >= 0)
		r = lxm_cgroup_destroy(t->cg);
	if (r < 0)
		fprintf(stderr, "cleanup: %s\n", lxm_cgroup_strerror(t->cg) ?: strerror(-r));
	for (size_t i = 0; i < n; i++) {
		struct lxm_cgroup_hierarchy_info hi;
		struct stat st;

		assert_int_equal(lxm_cgroup_hierarchy(t->cg, i, &hi), 0);
		if (stat(hi.path, &st) == 0) {
			fprintf(stderr, "leftover cgroup '%s'\n", hi.path);
			r = -EEXIST;
		}
	}
	lxm_cgroup_free(t->cg);
	free(t);
	return r < 0 ? -1 : 0;
}

/* Forks a child that attaches itself, then runs fn; returns its pid. */
static pid_t spawn(struct lxm_cgroup *cg, int (*fn)(void))
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (lxm_cgroup_attach(cg, 0) < 0)
			_exit(100);
		if (write(p[1], "x", 1) != 1)
			_exit(101);
		close(p[1]);
		_exit(fn());
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1); /* attached */
	close(p[0]);
	return pid;
}

static int hog(void)
{
	size_t size = 64 << 20;
	char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return 2;
	memset(m, 1, size); /* every page charged to the cgroup */
	return 0;
}

_noreturn_ static int idle(void)
{
	for (;;)
		pause();
}

static int forker(void)
{
	int n = 0;

	for (; n < 100; n++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (pid == 0)
			idle();
	}
	return n;
}

static void test_memory_oom(void **state)
{
	struct real *t = *state;
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	struct lxm_cgroup_usage u;
	_cleanup_free_ char *notes = NULL;
	int status;
	pid_t pid;

	l.memory = 32 << 20;
	l.swap = 0; /* no escape into swap either */
	/* v1: ignored with a note. v2: a memory.high below the hog's size throttles it (reclaim
	 * sleeps, no swap to go to) instead of letting it reach memory.max: keep it above. */
	l.memory_high = lxm_cgroup_layout(t->cg) == LXM_CGROUP_LAYOUT_UNIFIED ? 48 << 20 : 16 << 20;
	assert_int_equal(lxm_cgroup_set_limits(t->cg, &l, &notes), 0);
	if (lxm_cgroup_layout(t->cg) != LXM_CGROUP_LAYOUT_UNIFIED)
		assert_non_null(strstr(notes, "memory_high is ignored"));
	pid = spawn(t->cg, hog);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(lxm_cgroup_get_usage(t->cg, &u), 0);
	assert_true(u.memory_peak >= 30 << 20 && u.memory_peak <= 33 << 20);
	assert_true(u.memory_current < 32 << 20);
	assert_true(u.cpu_usage_usec > 0 && u.cpu_usage_usec != LXM_CGROUP_USAGE_UNKNOWN);
	assert_true(u.cpu_user_usec + u.cpu_system_usec > 0);
	assert_int_equal(u.pids_current, 0);
}

static void test_pids_freeze_kill(void **state, bool no_unified_kill)
{
	struct real *t = *state;
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	struct lxm_cgroup_usage u;
	_cleanup_free_ pid_t *pids = NULL;
	struct lxm_cgroup *k = NULL;
	size_t n;
	int status;
	pid_t pid;

	l.pids = 16;
	assert_int_equal(lxm_cgroup_set_limits(t->cg, &l, NULL), 0);
	pid = spawn(t->cg, forker);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 15); /* 16 with the forker itself */
	assert_int_equal(lxm_cgroup_pids(t->cg, &pids, &n), 0);
	assert_int_equal(n, 15);
	assert_int_equal(lxm_cgroup_get_usage(t->cg, &u), 0);
	assert_int_equal(u.pids_current, 15);

	assert_int_equal(lxm_cgroup_freeze(t->cg, true), 0);
	assert_int_equal(lxm_cgroup_is_frozen(t->cg), 1);
	assert_int_equal(lxm_cgroup_freeze(t->cg, false), 0);
	assert_int_equal(lxm_cgroup_is_frozen(t->cg), 0);
	/* `stop -k` of a frozen container: the kill must still end it. */
	assert_int_equal(lxm_cgroup_freeze(t->cg, true), 0);

	/* A second handle from the name alone (a restarted monitor) finds and kills them. */
	{
		struct lxm_cgroup_params p = { .no_unified_kill = no_unified_kill };
		assert_int_equal(lxm_cgroup_new_full(&p, t->name, &k), 0);
	}
	assert_true(lxm_cgroup_exists(k));
	assert_int_equal(lxm_cgroup_kill(k), 0);
	free(pids);
	pids = NULL;
	assert_int_equal(lxm_cgroup_pids(t->cg, &pids, &n), 0);
	assert_int_equal(n, 0);
	lxm_cgroup_free(k);
}

static void test_kill_unified(void **state)
{
	test_pids_freeze_kill(state, false);
}

static void test_kill_freezer(void **state)
{
	test_pids_freeze_kill(state, true);
}

/* systemd inside makes child cgroups and moves processes into them: destroy goes depth-first. */
static void test_nested(void **state)
{
	struct real *t = *state;
	size_t n = lxm_cgroup_n_hierarchies(t->cg);
	char buf[32];
	pid_t pid;

	pid = spawn(t->cg, idle);
	snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	for (size_t i = 0; i < n; i++) {
		struct lxm_cgroup_hierarchy_info hi;
		char d[512], p[600];
		FILE *f;

		assert_int_equal(lxm_cgroup_hierarchy(t->cg, i, &hi), 0);
		snprintf(d, sizeof(d), "%s/init.scope", hi.path);
		assert_int_equal(mkdir(d, 0755), 0);
		snprintf(d, sizeof(d), "%s/init.scope/sub", hi.path);
		assert_int_equal(mkdir(d, 0755), 0);
		if (!hi.v2 && strstr(hi.controllers, "cpuset"))
			continue; /* empty cpuset: moving there fails, and is not our job */
		snprintf(p, sizeof(p), "%s/cgroup.procs", d);
		f = fopen(p, "we");
		assert_non_null(f);
		fputs(buf, f);
		assert_int_equal(fclose(f), 0);
	}
	assert_int_equal(lxm_cgroup_destroy(t->cg), -EBUSY); /* populated */
	assert_int_equal(lxm_cgroup_kill(t->cg), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(lxm_cgroup_destroy(t->cg), 0);
	assert_false(lxm_cgroup_exists(t->cg));
}

/* The first line of FILE in whichever hierarchy has it. */
static char *read_cg(struct real *t, const char *file)
{
	static char buf[256];

	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(t->cg); i++) {
		struct lxm_cgroup_hierarchy_info hi;
		char p[512];
		FILE *f;

		assert_int_equal(lxm_cgroup_hierarchy(t->cg, i, &hi), 0);
		snprintf(p, sizeof(p), "%s/%s", hi.path, file);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
		return buf;
	}
	fail_msg("no hierarchy has '%s'", file);
	return NULL;
}

static void test_limits(void **state)
{
	struct real *t = *state;
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	bool v2 = lxm_cgroup_layout(t->cg) == LXM_CGROUP_LAYOUT_UNIFIED;
	_cleanup_free_ char *notes = NULL;

	l.memory = 256 << 20;
	l.swap = 64 << 20;
	l.cpus_milli = 1500;
	l.cpu_weight = 200;
	l.cpuset = "0";
	l.pids = 64;
	l.io_weight = 100;
	assert_int_equal(lxm_cgroup_set_limits(t->cg, &l, &notes), 0);
	if (notes)
		printf("notes: %s\n", notes);
	assert_string_equal(read_cg(t, "cpuset.cpus"), "0");
	assert_string_equal(read_cg(t, "pids.max"), "64");
	if (v2) {
		assert_string_equal(read_cg(t, "memory.max"), "268435456");
		assert_string_equal(read_cg(t, "memory.swap.max"), "67108864");
		assert_string_equal(read_cg(t, "cpu.max"), "150000 100000");
		assert_string_equal(read_cg(t, "cpu.weight"), "200");
	} else {
		assert_string_equal(read_cg(t, "memory.limit_in_bytes"), "268435456");
		assert_string_equal(read_cg(t, "memory.memsw.limit_in_bytes"), "335544320");
		assert_string_equal(read_cg(t, "cpu.cfs_quota_us"), "150000");
		assert_string_equal(read_cg(t, "cpu.cfs_period_us"), "100000");
		assert_string_equal(read_cg(t, "cpu.shares"), "2048");
	}

	/* Live change downwards and back up: memory and memsw in the order the kernel needs. */
	l = (struct lxm_cgroup_limits)LXM_CGROUP_LIMITS_INIT;
	l.memory = 64 << 20;
	l.swap = 0;
	assert_int_equal(lxm_cgroup_set_limits(t->cg, &l, NULL), 0);
	l.memory = 1 << 30;
	l.swap = LXM_CGROUP_UNSET; /* swap 0 from before stays */
	assert_int_equal(lxm_cgroup_set_limits(t->cg, &l, NULL), 0);
	assert_string_equal(read_cg(t, v2 ? "memory.max" : "memory.limit_in_bytes"), "1073741824");
	assert_string_equal(read_cg(t, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes"),
			    v2 ? "0" : "1073741824");
	l.memory = 128 << 20;
	assert_int_equal(lxm_cgroup_set_limits(t->cg, &l, NULL), 0);
	assert_string_equal(read_cg(t, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes"),
			    v2 ? "0" : "134217728");
	l.memory = LXM_CGROUP_MAX;
	l.swap = LXM_CGROUP_MAX;
	l.cpus_milli = LXM_CGROUP_MAX;
	assert_int_equal(lxm_cgroup_set_limits(t->cg, &l, NULL), 0);
	assert_string_equal(read_cg(t, v2 ? "cpu.max" : "cpu.cfs_quota_us"), v2 ? "max 100000" : "-1");
}

/* The monitor pattern: attach itself, leave, destroy. */
static void test_leave(void **state)
{
	struct real *t = *state;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t *p = NULL;
		size_t k = 0;

		if (lxm_cgroup_attach(t->cg, 0) < 0 || lxm_cgroup_pids(t->cg, &p, &k) < 0 || k != 1)
			_exit(1);
		free(p);
		if (lxm_cgroup_leave(t->cg, 0) < 0 || lxm_cgroup_destroy(t->cg) < 0)
			_exit(2);
		_exit(lxm_cgroup_exists(t->cg) ? 3 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(lxm_cgroup_pids(t->cg, &pids, &n), 0);
	assert_int_equal(n, 0);
}

/* Exit code: bit 0 /dev/null refused, bit 1 /dev/zero allowed, bit 2 mknod of /dev/zero's
 * numbers allowed: 0 when only "c 1:3 rw" holds. */
static int probe_devices(void)
{
	char node[64];
	int fd, rc = 0;

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		rc |= 1;
	else
		close(fd);
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		rc |= 2;
		close(fd);
	} else if (errno != EPERM)
		rc |= 8;
	snprintf(node, sizeof(node), "/tmp/lxcmgr-test-node.%d", (int)getpid());
	if (mknod(node, S_IFCHR | 0600, makedev(1, 5)) == 0) {
		rc |= 4;
		unlink(node);
	}
	return rc;
}

static void check_devices(struct real *t, int expected)
{
	int status;
	pid_t pid;

	pid = spawn(t->cg, probe_devices);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), expected);
}

static const char *const dev_rules[] = { "c 1:3 rw", NULL };

/* v1: devices.deny/allow; v2: the BPF program. */
static void test_devices(void **state)
{
	struct real *t = *state;

	assert_int_equal(lxm_cgroup_set_devices(t->cg, dev_rules), 0);
	check_devices(t, 0);
	assert_true(lxm_cgroup_set_devices(t->cg, (const char *const[]){ "x 1:3", NULL }) < 0);
}

/* Hybrid: the BPF program on the unified hierarchy works here too (tests the v2 code path). */
static void test_devices_bpf(void **state)
{
	struct real *t = *state;

	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(t->cg); i++) {
		struct lxm_cgroup_hierarchy_info hi;

		assert_int_equal(lxm_cgroup_hierarchy(t->cg, i, &hi), 0);
		if (!hi.v2)
			continue;
		/* Attach twice: the second replaces the first (a live change). */
		assert_int_equal(lxm_cgroup_bpf_devices_attach(hi.path, (const char *const[]){ "a", NULL }), 0);
		check_devices(t, 6); /* everything allowed */
		assert_int_equal(lxm_cgroup_bpf_devices_attach(hi.path, dev_rules), 0);
		check_devices(t, 0);
		assert_int_equal(lxm_cgroup_bpf_devices_attach(hi.path, (const char *const[]){ "c 1:* r", "c 1:3 w", NULL }), 0);
		check_devices(t, 1 | 2); /* null needs r and w from two rules: one rule must grant all */
		return;
	}
	skip();
}

static void test_refused(void **state)
{
	struct real *t = *state;
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	bool v2 = lxm_cgroup_layout(t->cg) == LXM_CGROUP_LAYOUT_UNIFIED;
	const char *mem = v2 ? "memory.max" : "memory.limit_in_bytes";
	char before[64];

	snprintf(before, sizeof(before), "%s", read_cg(t, mem));
	l.memory = 100 << 20; /* accepted, then rolled back when cpuset is refused */

	l.cpuset = "0-4095"; /* beyond the host's cpus */
	l.pids = 100;
	assert_true(lxm_cgroup_set_limits(t->cg, &l, NULL) < 0);
	assert_non_null(strstr(lxm_cgroup_strerror(t->cg), "cpuset.cpus'"));
	assert_non_null(strstr(lxm_cgroup_strerror(t->cg), "'0-4095'"));
	assert_string_equal(read_cg(t, mem), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_memory_oom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_unified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_freezer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_bpf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};
	enum lxm_cgroup_layout layout;

	if (geteuid() != 0) {
		printf("test-cgroup-real: needs root to create cgroups, skipping\n");
		return 77;
	}
	if (lxm_cgroup_detect(NULL, &layout) < 0 || layout == LXM_CGROUP_LAYOUT_UNKNOWN) {
		printf("test-cgroup-real: no cgroup hierarchy mounted, skipping\n");
		return 77;
	}
	if (access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) < 0 &&
	    layout != LXM_CGROUP_LAYOUT_UNIFIED) {
		printf("test-cgroup-real: v1 without swap accounting, skipping\n");
		return 77;
	}
	alarm(60); /* a hang fails the test instead of blocking make check */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
