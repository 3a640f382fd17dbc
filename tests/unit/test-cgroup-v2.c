/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Both back ends against fake cgroup trees in a temporary directory (no root needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/bpf.h>

#include "cgroup/cgroup-bpf.h"
#include "cgroup/cgroup.h"
#include "util/macros.h"
#include "fake-files.h"

#define NAME "lxcmgr.payload.0123abcd"

static const char mi_unified[] = "26 23 0:24 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
static const char mi_hybrid[] =
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

struct fake {
	char root[64];
	char mountinfo[96];
	char fs[96];
	char cg[160];
};

static void sub(char *buf, size_t size, const char *a, const char *b)
{
	snprintf(buf, size, "%s/%s", a, b);
	assert_true(mkdir(buf, 0755) == 0 || errno == EEXIST);
}

static int fake_setup(void **state, const char *mi)
{
	struct fake *f = calloc(1, sizeof(*f));

	snprintf(f->root, sizeof(f->root), "/tmp/test-cgroup-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->fs, sizeof(f->fs), "%s/fs", f->root);
	assert_int_equal(mkdir(f->fs, 0755), 0);
	snprintf(f->mountinfo, sizeof(f->mountinfo), "%s/mountinfo", f->root);
	put(f->root, "mountinfo", mi);
	*state = f;
	return 0;
}

static int v2_setup(void **state)
{
	struct fake *f;

	fake_setup(state, mi_unified);
	f = *state;
	put(f->fs, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(f->fs, "cgroup.subtree_control", "");
	snprintf(f->cg, sizeof(f->cg), "%s/%s", f->fs, NAME);
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* What the kernel would show in a new v2 cgroup. */
static void v2_populate(const char *d)
{
	static const char *const files[][2] = {
		{ "cgroup.procs", "" },	       { "cgroup.subtree_control", "" },
		{ "cgroup.freeze", "0\n" },    { "cgroup.kill", "" },
		{ "cgroup.events", "populated 0\nfrozen 0\n" },
		{ "memory.max", "max\n" },     { "memory.high", "max\n" },
		{ "memory.swap.max", "max\n" }, { "cpu.max", "max 100000\n" },
		{ "cpu.weight", "100\n" },     { "cpuset.cpus", "\n" },
		{ "pids.max", "max\n" },       { "io.weight", "default 100\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		put(d, files[i][0], files[i][1]);
}

static struct lxm_cgroup *v2_open(struct fake *f)
{
	struct lxm_cgroup *cg = NULL;

	assert_int_equal(lxm_cgroup_new(f->fs, f->mountinfo, NAME, &cg), 0);
	assert_int_equal(lxm_cgroup_layout(cg), LXM_CGROUP_LAYOUT_UNIFIED);
	assert_false(lxm_cgroup_exists(cg));
	assert_int_equal(lxm_cgroup_create(cg), 0);
	assert_true(lxm_cgroup_exists(cg));
	v2_populate(f->cg);
	return cg;
}

static void test_v2_create(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = v2_open(f);
	struct lxm_cgroup_hierarchy_info hi;
	struct stat st;

	assert_int_equal(stat(f->cg, &st), 0);
	/* One "+ctrl" write per controller; the fake file keeps the last. */
	assert_string_equal(get(f->fs, "cgroup.subtree_control"), "+pids");
	assert_int_equal(lxm_cgroup_n_hierarchies(cg), 1);
	assert_int_equal(lxm_cgroup_hierarchy(cg, 0, &hi), 0);
	assert_true(hi.v2);
	assert_string_equal(hi.path, f->cg);
	assert_string_equal(hi.controllers, "cpuset cpu io memory pids");
	assert_int_equal(lxm_cgroup_attach(cg, 42), 0);
	assert_string_equal(get(f->cg, "cgroup.procs"), "42");
}

static void test_v2_limits(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = v2_open(f);
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	char *notes = NULL;

	l.memory = 512ULL << 20;
	l.memory_high = 448ULL << 20;
	l.swap = 0;
	l.cpus_milli = 1500;
	l.cpu_weight = 200;
	l.cpuset = "0-1";
	l.pids = 1024;
	l.io_weight = 300;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, &notes), 0);
	assert_null(notes);
	assert_string_equal(get(f->cg, "memory.max"), "536870912");
	assert_string_equal(get(f->cg, "memory.high"), "469762048");
	assert_string_equal(get(f->cg, "memory.swap.max"), "0");
	assert_string_equal(get(f->cg, "cpu.max"), "150000 100000");
	assert_string_equal(get(f->cg, "cpu.weight"), "200");
	assert_string_equal(get(f->cg, "cpuset.cpus"), "0-1");
	assert_string_equal(get(f->cg, "pids.max"), "1024");
	assert_string_equal(get(f->cg, "io.weight"), "default 300");

	l = (struct lxm_cgroup_limits)LXM_CGROUP_LIMITS_INIT;
	l.memory = LXM_CGROUP_MAX;
	l.cpus_milli = LXM_CGROUP_MAX;
	l.pids = LXM_CGROUP_MAX;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(f->cg, "memory.max"), "max");
	assert_string_equal(get(f->cg, "cpu.max"), "max 100000");
	assert_string_equal(get(f->cg, "pids.max"), "max");
	/* Unset keys are left alone. */
	assert_string_equal(get(f->cg, "cpu.weight"), "200");

	l = (struct lxm_cgroup_limits)LXM_CGROUP_LIMITS_INIT;
	l.cpus_milli = 250;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(f->cg, "cpu.max"), "25000 100000");
}

static void test_v2_bfq(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = v2_open(f);
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	char p[256];

	snprintf(p, sizeof(p), "%s/io.weight", f->cg);
	assert_int_equal(unlink(p), 0);
	put(f->cg, "io.bfq.weight", "default 100\n");
	l.io_weight = 200;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(f->cg, "io.bfq.weight"), "default 109");
}

static void test_v2_refused(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = v2_open(f);
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	char p[256];
	const char *e;

	/* A directory where cpu.max should be: the write fails whoever we are (root too). */
	snprintf(p, sizeof(p), "%s/cpu.max", f->cg);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkdir(p, 0755), 0);
	l.memory = 1 << 30;
	l.cpus_milli = 1500;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), -EISDIR);
	e = lxm_cgroup_strerror(cg);
	assert_non_null(e);
	assert_non_null(strstr(e, "'150000 100000'"));
	assert_non_null(strstr(e, "/cpu.max'"));
	assert_non_null(strstr(e, "Is a directory"));
	/* All or nothing: memory.max has its old value back. */
	assert_string_equal(get(f->cg, "memory.max"), "max");
	assert_int_equal(rmdir(p), 0);

	l = (struct lxm_cgroup_limits)LXM_CGROUP_LIMITS_INIT;
	l.cpu_weight = 0;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), -EINVAL);
	assert_non_null(strstr(lxm_cgroup_strerror(cg), "cpu_weight"));
	l.cpu_weight = LXM_CGROUP_UNSET;
	l.cpus_milli = 5;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), -EINVAL);
}

static void test_v2_usage(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = v2_open(f);
	struct lxm_cgroup_usage u;

	put(f->cg, "memory.current", "1048576\n");
	put(f->cg, "memory.peak", "2097152\n");
	put(f->cg, "memory.swap.current", "4096\n");
	put(f->cg, "pids.current", "7\n");
	put(f->cg, "cpu.stat", "usage_usec 3000\nuser_usec 2000\nsystem_usec 1000\nnr_periods 0\n");
	assert_int_equal(lxm_cgroup_get_usage(cg, &u), 0);
	assert_int_equal(u.memory_current, 1048576);
	assert_int_equal(u.memory_peak, 2097152);
	assert_int_equal(u.swap_current, 4096);
	assert_int_equal(u.pids_current, 7);
	assert_int_equal(u.cpu_usage_usec, 3000);
	assert_int_equal(u.cpu_user_usec, 2000);
	assert_int_equal(u.cpu_system_usec, 1000);

	/* memory.peak exists only since 5.19: unknown, not an error. */
	put(f->cg, "memory.peak", "");
	{
		char p[256];
		snprintf(p, sizeof(p), "%s/memory.peak", f->cg);
		unlink(p);
	}
	assert_int_equal(lxm_cgroup_get_usage(cg, &u), 0);
	assert_true(u.memory_peak == LXM_CGROUP_USAGE_UNKNOWN);
}

static void test_v2_freeze(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = v2_open(f);
	pid_t pid;
	int status;

	/* The "kernel" reports frozen a little later: the wait must notice the change. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec ts = { .tv_nsec = 100 * 1000000 };
		nanosleep(&ts, NULL);
		put(f->cg, "cgroup.events", "populated 1\nfrozen 1\n");
		_exit(0);
	}
	assert_int_equal(lxm_cgroup_freeze(cg, true), 0);
	assert_string_equal(get(f->cg, "cgroup.freeze"), "1");
	assert_int_equal(lxm_cgroup_is_frozen(cg), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	put(f->cg, "cgroup.events", "populated 1\nfrozen 0\n");
	assert_int_equal(lxm_cgroup_freeze(cg, false), 0);
	assert_string_equal(get(f->cg, "cgroup.freeze"), "0");
	assert_int_equal(lxm_cgroup_is_frozen(cg), 0);
}

static void test_v2_kill_destroy(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = v2_open(f);
	_cleanup_free_ pid_t *pids = NULL;
	char child[256];
	size_t n;

	/* systemd inside made children. */
	sub(child, sizeof(child), f->cg, "init.scope");
	put(f->cg, "cgroup.procs", "12\n5\n");
	put(child, "cgroup.procs", "7\n5\n");
	assert_int_equal(lxm_cgroup_pids(cg, &pids, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 5);
	assert_int_equal(pids[1], 7);
	assert_int_equal(pids[2], 12);
	put(f->cg, "cgroup.procs", "");
	put(child, "cgroup.procs", "");

	assert_int_equal(lxm_cgroup_kill(cg), 0);
	assert_string_equal(get(f->cg, "cgroup.kill"), "1");
	/* A plain directory is no cgroup2: loading needs root, attaching fails either way. */
	assert_true(lxm_cgroup_set_devices(cg, NULL) < 0);
	assert_non_null(strstr(lxm_cgroup_strerror(cg), NAME "'"));
	assert_int_equal(lxm_cgroup_destroy(cg), 0);
	assert_false(lxm_cgroup_exists(cg));
	assert_int_equal(lxm_cgroup_kill(cg), 0); /* gone: nothing to do */
	assert_int_equal(lxm_cgroup_destroy(cg), 0);
}

static void test_v2_base(void **state)
{
	struct fake *f = *state;
	struct lxm_cgroup_params p = { .fs_root = f->fs, .mountinfo = f->mountinfo, .base = "lxcmgr/x" };
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	char d[256];
	struct stat st;

	assert_int_equal(lxm_cgroup_new_full(&p, NAME, &cg), 0);
	assert_int_equal(lxm_cgroup_create(cg), 0);
	snprintf(d, sizeof(d), "%s/lxcmgr/x/%s", f->fs, NAME);
	assert_int_equal(stat(d, &st), 0);
	p.base = "../etc";
	assert_int_equal(lxm_cgroup_new_full(&p, NAME, &cg), -EINVAL);
	assert_int_equal(lxm_cgroup_new(f->fs, f->mountinfo, "a/../b", &cg), -EINVAL);
	assert_int_equal(lxm_cgroup_open_by_id("x; rm", LXM_CGROUP_PAYLOAD, &cg), -EINVAL);
}

/* Every container's monitor shares one cgroup: the name does not depend on the uuid (the uuid is
 * still checked), the payload's does. */
static void test_open_by_id_names(void **state)
{
	(void)state;
	struct lxm_cgroup *a = NULL, *b = NULL;

	if (lxm_cgroup_open_by_id("0123abcd", LXM_CGROUP_MONITOR, &a) < 0) {
		skip(); /* no cgroup mounted here */
		return;
	}
	assert_int_equal(lxm_cgroup_open_by_id("4567ef01", LXM_CGROUP_MONITOR, &b), 0);
	assert_string_equal(lxm_cgroup_name(a), "lxcmgr.monitor");
	assert_string_equal(lxm_cgroup_name(b), "lxcmgr.monitor");
	lxm_cgroup_free(b);
	assert_int_equal(lxm_cgroup_open_by_id("4567ef01", LXM_CGROUP_PAYLOAD, &b), 0);
	assert_string_equal(lxm_cgroup_name(b), "lxcmgr.payload.4567ef01");
	lxm_cgroup_free(a);
	lxm_cgroup_free(b);
	assert_int_equal(lxm_cgroup_open_by_id("x; rm", LXM_CGROUP_MONITOR, &a), -EINVAL);
}

static void test_conversions(void **state)
{
	assert_int_equal(lxm_cgroup_cpu_weight_to_shares(100), 1024);
	assert_int_equal(lxm_cgroup_cpu_weight_to_shares(1), 10);
	assert_int_equal(lxm_cgroup_cpu_weight_to_shares(10000), 102400);
	assert_int_equal(lxm_cgroup_io_weight_to_blkio(100), 500);
	assert_int_equal(lxm_cgroup_io_weight_to_blkio(1), 10);
	assert_int_equal(lxm_cgroup_io_weight_to_blkio(10000), 1000);
	assert_int_equal(lxm_cgroup_io_weight_to_bfq(1), 1);
	assert_int_equal(lxm_cgroup_io_weight_to_bfq(100), 100);
	assert_int_equal(lxm_cgroup_io_weight_to_bfq(10000), 1000);
}

static void test_device_rules(void **state)
{
	struct lxm_device_rule r;
	struct bpf_insn *p = NULL;
	size_t n;

	assert_int_equal(lxm_cgroup_parse_device_rule("c 1:3 rwm", &r), 0);
	assert_int_equal(r.type, 'c');
	assert_int_equal(r.major, 1);
	assert_int_equal(r.minor, 3);
	assert_int_equal(r.access, BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE);
	assert_int_equal(lxm_cgroup_parse_device_rule("b *:* m", &r), 0);
	assert_int_equal(r.major, -1);
	assert_int_equal(r.minor, -1);
	assert_int_equal(r.access, BPF_DEVCG_ACC_MKNOD);
	assert_int_equal(lxm_cgroup_parse_device_rule("c 136:*", &r), 0);
	assert_int_equal(r.access, 7);
	assert_int_equal(lxm_cgroup_parse_device_rule("x 1:3 rw", &r), -EINVAL);
	assert_int_equal(lxm_cgroup_parse_device_rule("c 1:3 rwz", &r), -EINVAL);
	assert_int_equal(lxm_cgroup_parse_device_rule("c 1", &r), -EINVAL);

	/* 6 loads, one 8-instruction block (type, access x3, major, minor, allow), deny. */
	assert_int_equal(lxm_cgroup_bpf_devices_program((const char *const[]){ "c 1:3 rw", NULL }, &p, &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(p[6].code, BPF_JMP | BPF_JNE | BPF_K);
	assert_int_equal(p[6].imm, BPF_DEVCG_DEV_CHAR);
	assert_int_equal(p[6].off, 7); /* to the deny */
	assert_int_equal(p[14].imm, 0);
	assert_int_equal(p[15].code, BPF_JMP | BPF_EXIT);
	free(p);
	/* "a" ends the program: nothing unreachable after it. */
	assert_int_equal(lxm_cgroup_bpf_devices_program((const char *const[]){ "a", "c 1:3", NULL }, &p, &n), 0);
	assert_int_equal(n, 8);
	free(p);
	assert_int_equal(lxm_cgroup_bpf_devices_program((const char *const[]){ "bad", NULL }, &p, &n), -EINVAL);
}

/* v1 hybrid, this host's layout. */
static int v1_setup(void **state)
{
	static const char *const dirs[] = { "cpu",     "cpuacct", "cpuset", "memory",  "devices",
					    "freezer", "blkio",   "pids",   "systemd", "unified" };
	struct fake *f;
	char d[256];

	fake_setup(state, mi_hybrid);
	f = *state;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		sub(d, sizeof(d), f->fs, dirs[i]);
	snprintf(d, sizeof(d), "%s/cpuset", f->fs);
	put(d, "cpuset.cpus", "0-1\n");
	put(d, "cpuset.mems", "0\n");
	/* The payload cpuset as the kernel makes it: empty cpus and mems. */
	snprintf(f->cg, sizeof(f->cg), "%s/cpuset/%s", f->fs, NAME);
	assert_int_equal(mkdir(f->cg, 0755), 0);
	put(f->cg, "cpuset.cpus", "\n");
	put(f->cg, "cpuset.mems", "\n");
	return 0;
}

static const char *v1_dir(struct fake *f, const char *h)
{
	static char d[256];

	snprintf(d, sizeof(d), "%s/%s/%s", f->fs, h, NAME);
	return d;
}

static void test_v1(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	struct lxm_cgroup_usage u;
	_cleanup_free_ char *notes = NULL;
	const char *const rules[] = { "c 1:3 rwm", "c 5:2 rwm", NULL };

	assert_int_equal(lxm_cgroup_new(f->fs, f->mountinfo, NAME, &cg), 0);
	assert_int_equal(lxm_cgroup_layout(cg), LXM_CGROUP_LAYOUT_HYBRID);
	assert_int_equal(lxm_cgroup_n_hierarchies(cg), 10);
	assert_int_equal(lxm_cgroup_create(cg), 0);
	assert_string_equal(get(v1_dir(f, "cpuset"), "cpuset.cpus"), "0-1");
	assert_string_equal(get(v1_dir(f, "cpuset"), "cpuset.mems"), "0");

	put(v1_dir(f, "memory"), "memory.limit_in_bytes", "9223372036854771712\n");
	put(v1_dir(f, "memory"), "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	put(v1_dir(f, "cpu"), "cpu.cfs_period_us", "100000\n");
	put(v1_dir(f, "cpu"), "cpu.cfs_quota_us", "-1\n");
	put(v1_dir(f, "cpu"), "cpu.shares", "1024\n");
	put(v1_dir(f, "pids"), "pids.max", "max\n");
	put(v1_dir(f, "blkio"), "blkio.bfq.weight", "100\n");
	l.memory = 512ULL << 20;
	l.memory_high = 448ULL << 20;
	l.swap = 0;
	l.cpus_milli = 1500;
	l.cpu_weight = 50;
	l.cpuset = "1";
	l.pids = 16;
	l.io_weight = 10000;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, &notes), 0);
	assert_string_equal(notes, "memory_high is ignored on cgroup v1");
	assert_string_equal(get(v1_dir(f, "memory"), "memory.limit_in_bytes"), "536870912");
	assert_string_equal(get(v1_dir(f, "memory"), "memory.memsw.limit_in_bytes"), "536870912");
	assert_string_equal(get(v1_dir(f, "cpu"), "cpu.cfs_period_us"), "100000");
	assert_string_equal(get(v1_dir(f, "cpu"), "cpu.cfs_quota_us"), "150000");
	assert_string_equal(get(v1_dir(f, "cpu"), "cpu.shares"), "512");
	assert_string_equal(get(v1_dir(f, "cpuset"), "cpuset.cpus"), "1");
	assert_string_equal(get(v1_dir(f, "pids"), "pids.max"), "16");
	assert_string_equal(get(v1_dir(f, "blkio"), "blkio.bfq.weight"), "1000");

	/* Swap alone: memsw = current memory limit + swap. */
	l = (struct lxm_cgroup_limits)LXM_CGROUP_LIMITS_INIT;
	l.swap = 1 << 20;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(v1_dir(f, "memory"), "memory.memsw.limit_in_bytes"), "537919488");
	/* Memory alone keeps the 1M swap allowance (v2 keeps memory.swap.max too). */
	l.swap = LXM_CGROUP_UNSET;
	l.memory = 1 << 30;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(v1_dir(f, "memory"), "memory.limit_in_bytes"), "1073741824");
	assert_string_equal(get(v1_dir(f, "memory"), "memory.memsw.limit_in_bytes"), "1074790400");
	l.memory = 256 << 20;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(v1_dir(f, "memory"), "memory.memsw.limit_in_bytes"), "269484032");
	l = (struct lxm_cgroup_limits)LXM_CGROUP_LIMITS_INIT;
	l.memory = LXM_CGROUP_MAX;
	l.cpus_milli = LXM_CGROUP_MAX;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(v1_dir(f, "memory"), "memory.limit_in_bytes"), "-1");
	assert_string_equal(get(v1_dir(f, "memory"), "memory.memsw.limit_in_bytes"), "-1");
	assert_string_equal(get(v1_dir(f, "cpu"), "cpu.cfs_quota_us"), "-1");

	put(v1_dir(f, "memory"), "memory.usage_in_bytes", "1000\n");
	put(v1_dir(f, "memory"), "memory.max_usage_in_bytes", "2000\n");
	put(v1_dir(f, "memory"), "memory.memsw.usage_in_bytes", "1500\n");
	put(v1_dir(f, "cpuacct"), "cpuacct.usage", "5000000\n");
	put(v1_dir(f, "cpuacct"), "cpuacct.usage_user", "3000000\n");
	put(v1_dir(f, "cpuacct"), "cpuacct.stat", "user 1\nsystem 2\n");
	put(v1_dir(f, "pids"), "pids.current", "3\n");
	assert_int_equal(lxm_cgroup_get_usage(cg, &u), 0);
	assert_int_equal(u.memory_current, 1000);
	assert_int_equal(u.memory_peak, 2000);
	assert_int_equal(u.swap_current, 500);
	assert_int_equal(u.cpu_usage_usec, 5000);
	assert_int_equal(u.cpu_user_usec, 3000);
	assert_int_equal(u.cpu_system_usec, 2 * 1000000 / sysconf(_SC_CLK_TCK)); /* ticks fallback */
	assert_int_equal(u.pids_current, 3);

	put(v1_dir(f, "devices"), "devices.deny", "");
	put(v1_dir(f, "devices"), "devices.allow", "");
	assert_int_equal(lxm_cgroup_set_devices(cg, rules), 0);
	assert_string_equal(get(v1_dir(f, "devices"), "devices.deny"), "a");
	/* Every rule, in order, through one open file (the kernel takes one rule per write; a
	 * plain file here shows them concatenated). */
	assert_string_equal(get(v1_dir(f, "devices"), "devices.allow"), "c 1:3 rwmc 5:2 rwm");

	put(v1_dir(f, "freezer"), "freezer.state", "THAWED\n");
	assert_int_equal(lxm_cgroup_freeze(cg, true), 0);
	assert_int_equal(lxm_cgroup_is_frozen(cg), 1);
	assert_int_equal(lxm_cgroup_freeze(cg, false), 0);
	assert_int_equal(lxm_cgroup_is_frozen(cg), 0);

	assert_int_equal(lxm_cgroup_chown(cg, getuid(), getgid()), 0);
	assert_int_equal(lxm_cgroup_destroy(cg), 0);
	assert_false(lxm_cgroup_exists(cg));
}

/* The payload's inner cgroup (LXC's lxc.cgroup.dir.container.inner): processes join NAME/init,
 * the container's root gets NAME/init, limits, usage, kill and removal stay on NAME. */
static void test_v2_inner(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	struct lxm_cgroup_hierarchy_info hi;
	pid_t *pids = NULL;
	size_t n = 0;
	char in[256];
	struct stat st;

	assert_int_equal(lxm_cgroup_new(f->fs, f->mountinfo, NAME, &cg), 0);
	assert_int_equal(lxm_cgroup_set_inner(cg, "a/b"), -EINVAL);
	assert_int_equal(lxm_cgroup_set_inner(cg, ".."), -EINVAL);
	assert_int_equal(lxm_cgroup_set_inner(cg, ""), -EINVAL);
	assert_int_equal(lxm_cgroup_set_inner(cg, LXM_CGROUP_INNER), 0);
	/* The payload as the kernel makes it, so that enabling its controllers can be seen. */
	assert_int_equal(mkdir(f->cg, 0755), 0);
	put(f->cg, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(f->cg, "cgroup.subtree_control", "");
	assert_int_equal(lxm_cgroup_create(cg), 0);
	v2_populate(f->cg);
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, f->cg);
	assert_int_equal(stat(in, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_string_equal(get(f->fs, "cgroup.subtree_control"), "+pids");
	/* v2_populate reset it: create again (a retry) enables them in the payload. */
	put(f->cg, "cgroup.controllers", "cpuset cpu io memory pids\n");
	assert_int_equal(lxm_cgroup_create(cg), 0);
	assert_string_equal(get(f->cg, "cgroup.subtree_control"), "+pids");
	v2_populate(in);
	assert_int_equal(lxm_cgroup_hierarchy(cg, 0, &hi), 0);
	assert_string_equal(hi.path, f->cg);
	assert_string_equal(hi.inner, in);

	assert_int_equal(lxm_cgroup_attach(cg, 42), 0);
	assert_string_equal(get(in, "cgroup.procs"), "42");
	assert_string_equal(get(f->cg, "cgroup.procs"), "");
	assert_int_equal(lxm_cgroup_pids(cg, &pids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], 42);
	free(pids);

	l.pids = 500;
	l.memory = 256ULL << 20;
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(f->cg, "pids.max"), "500");
	assert_string_equal(get(f->cg, "memory.max"), "268435456");
	assert_string_equal(get(in, "pids.max"), "max\n");

	/* Unprivileged hand-over: the inner cgroup only, never the payload and its limit files. */
	if (getuid() == 0) {
		assert_int_equal(lxm_cgroup_chown(cg, 4242, 4242), 0);
		assert_int_equal(stat(in, &st), 0);
		assert_int_equal(st.st_uid, 4242);
		snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER "/cgroup.subtree_control", f->cg);
		assert_int_equal(stat(in, &st), 0);
		assert_int_equal(st.st_uid, 4242);
		assert_int_equal(stat(f->cg, &st), 0);
		assert_int_equal(st.st_uid, 0);
		snprintf(in, sizeof(in), "%s/cgroup.subtree_control", f->cg);
		assert_int_equal(stat(in, &st), 0);
		assert_int_equal(st.st_uid, 0);
	} else
		assert_int_equal(lxm_cgroup_chown(cg, getuid(), getgid()), 0);

	/* freeze and kill act on the payload: its whole subtree, the inner cgroup included. */
	put(f->cg, "cgroup.events", "populated 1\nfrozen 1\n");
	assert_int_equal(lxm_cgroup_freeze(cg, true), 0);
	assert_string_equal(get(f->cg, "cgroup.freeze"), "1");
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, f->cg);
	assert_string_equal(get(in, "cgroup.freeze"), "0\n");
	put(f->cg, "cgroup.events", "populated 0\nfrozen 0\n");
	assert_int_equal(lxm_cgroup_kill(cg), 0);
	assert_string_equal(get(f->cg, "cgroup.kill"), "1");
	assert_int_equal(lxm_cgroup_destroy(cg), 0);
	assert_false(lxm_cgroup_exists(cg));
}

static void test_v1_inner(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	char in[512];
	struct stat st;

	assert_int_equal(lxm_cgroup_new(f->fs, f->mountinfo, NAME, &cg), 0);
	assert_int_equal(lxm_cgroup_set_inner(cg, LXM_CGROUP_INNER), 0);
	/* The inner cpuset as the kernel makes it: empty, filled from the payload. */
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, f->cg);
	assert_int_equal(mkdir(in, 0755), 0);
	put(in, "cpuset.cpus", "\n");
	put(in, "cpuset.mems", "\n");
	assert_int_equal(lxm_cgroup_create(cg), 0);
	assert_string_equal(get(in, "cpuset.cpus"), "0-1");
	assert_string_equal(get(in, "cpuset.mems"), "0");
	/* v1 devices: a new list is refused in a cgroup with children; set_devices makes it. */
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, v1_dir(f, "devices"));
	assert_int_not_equal(stat(in, &st), 0);
	put(v1_dir(f, "devices"), "devices.deny", "");
	put(v1_dir(f, "devices"), "devices.allow", "");
	assert_int_equal(lxm_cgroup_set_devices(cg, (const char *const[]){ "c 1:3 rwm", NULL }), 0);
	assert_string_equal(get(v1_dir(f, "devices"), "devices.deny"), "a");
	assert_int_equal(stat(in, &st), 0);
	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(cg); i++) {
		struct lxm_cgroup_hierarchy_info hi;

		assert_int_equal(lxm_cgroup_hierarchy(cg, i, &hi), 0);
		snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, hi.path);
		assert_string_equal(hi.inner, in);
		assert_int_equal(stat(in, &st), 0);
		put(hi.inner, "cgroup.procs", "");
	}
	assert_int_equal(lxm_cgroup_attach(cg, 7), 0);
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, v1_dir(f, "memory"));
	assert_string_equal(get(in, "cgroup.procs"), "7");
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, v1_dir(f, "unified"));
	assert_string_equal(get(in, "cgroup.procs"), "7");
	put(v1_dir(f, "pids"), "pids.max", "max\n");
	l.pids = 500;
	l.cpuset = "1";
	assert_int_equal(lxm_cgroup_set_limits(cg, &l, NULL), 0);
	assert_string_equal(get(v1_dir(f, "pids"), "pids.max"), "500");
	/* v1 cpuset: a child's cpus must stay within its parent's, the inner cgroup follows. */
	assert_string_equal(get(v1_dir(f, "cpuset"), "cpuset.cpus"), "1");
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, v1_dir(f, "cpuset"));
	assert_string_equal(get(in, "cpuset.cpus"), "1");
	snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, v1_dir(f, "pids"));
	if (getuid() == 0) {
		assert_int_equal(lxm_cgroup_chown(cg, 4242, 4242), 0);
		snprintf(in, sizeof(in), "%s/" LXM_CGROUP_INNER, v1_dir(f, "pids"));
		assert_int_equal(stat(in, &st), 0);
		assert_int_equal(st.st_uid, 4242);
		assert_int_equal(stat(v1_dir(f, "pids"), &st), 0);
		assert_int_equal(st.st_uid, 0);
	}
	assert_int_equal(lxm_cgroup_destroy(cg), 0);
	assert_false(lxm_cgroup_exists(cg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_create, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_limits, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_bfq, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_refused, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_usage, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_freeze, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_kill_destroy, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_base, v2_setup, teardown),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_device_rules),
		cmocka_unit_test_setup_teardown(test_v1, v1_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_inner, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_inner, v1_setup, teardown),
		cmocka_unit_test(test_open_by_id_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
