/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcmgr limit` arguments: KEY=VALUE parsing into cgroup limits, config text, resets, the
 * online-cpuset check, size formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "resources/limits.h"
#include "util/macros.h"
#include "fake-files.h"

struct parsed {
	struct lxm_cgroup_limits l;
	char *key, *value, *cpuset;
};

static int parse(const char *kv, struct parsed *p)
{
	*p = (struct parsed){ .l = LXM_CGROUP_LIMITS_INIT };
	return lxm_limit_parse_kv(kv, &p->l, &p->key, &p->value, &p->cpuset);
}

static void done(struct parsed *p)
{
	free(p->key);
	free(p->value);
	free(p->cpuset);
}

static void test_values(void **state)
{
	struct parsed p;

	assert_int_equal(parse("memory=512M", &p), 0);
	assert_string_equal(p.key, "memory");
	assert_string_equal(p.value, "512M");
	assert_int_equal(p.l.memory, 512ULL << 20);
	assert_int_equal(p.l.cpus_milli, LXM_CGROUP_UNSET);
	done(&p);
	assert_int_equal(parse("memory_high=1G", &p), 0);
	assert_int_equal(p.l.memory_high, 1ULL << 30);
	done(&p);
	assert_int_equal(parse("swap=0", &p), 0);
	assert_int_equal(p.l.swap, 0);
	done(&p);
	assert_int_equal(parse("cpus=1.5", &p), 0);
	assert_int_equal(p.l.cpus_milli, 1500);
	assert_string_equal(p.value, "1.5");
	done(&p);
	assert_int_equal(parse("cpus=0.25", &p), 0);
	assert_int_equal(p.l.cpus_milli, 250);
	done(&p);
	/* the ends of the range the config and the cgroup library share */
	static const struct {
		const char *kv;
		uint64_t milli;
	} edges[] = { { "cpus=0.01", 10 }, { "cpus=1000", 1000000 } };
	for (size_t i = 0; i < ARRAY_SIZE(edges); i++) {
		assert_int_equal(parse(edges[i].kv, &p), 0);
		assert_int_equal(p.l.cpus_milli, edges[i].milli);
		done(&p);
	}
	assert_int_equal(parse("memory_high=0", &p), 0); /* memory_high and swap may be 0 */
	done(&p);
	assert_int_equal(parse("cpus=max", &p), 0);
	assert_int_equal(p.l.cpus_milli, LXM_CGROUP_MAX);
	assert_null(p.value); /* "max" removes the float key from the config */
	done(&p);
	assert_int_equal(parse("cpu_weight=200", &p), 0);
	assert_int_equal(p.l.cpu_weight, 200);
	done(&p);
	assert_int_equal(parse("io_weight=10000", &p), 0);
	assert_int_equal(p.l.io_weight, 10000);
	done(&p);
	assert_int_equal(parse("pids=64", &p), 0);
	assert_int_equal(p.l.pids, 64);
	done(&p);
	assert_int_equal(parse("pids=max", &p), 0);
	assert_int_equal(p.l.pids, LXM_CGROUP_MAX);
	assert_string_equal(p.value, "max");
	done(&p);
	assert_int_equal(parse("cpuset=0", &p), 0); /* CPU 0 is online everywhere */
	assert_string_equal(p.l.cpuset, "0");
	assert_string_equal(p.value, "0");
	done(&p);
	(void)state;
}

static void test_resets(void **state)
{
	struct parsed p;

	assert_int_equal(parse("memory=", &p), 0);
	assert_int_equal(p.l.memory, LXM_CGROUP_MAX);
	assert_null(p.value);
	done(&p);
	assert_int_equal(parse("cpu_weight=", &p), 0);
	assert_int_equal(p.l.cpu_weight, 100);
	done(&p);
	assert_int_equal(parse("pids=", &p), 0);
	assert_int_equal(p.l.pids, LXM_CGROUP_MAX);
	done(&p);
	assert_int_equal(parse("cpuset=", &p), 0);
	assert_non_null(p.l.cpuset); /* every online CPU */
	done(&p);
	(void)state;
}

static void test_bad(void **state)
{
	static const char *const bad[] = { "memory=12Q", "memory=-1", "cpus=-1", "cpus=0", "cpus=abc", "cpus=5000", "cpus=0.001", "cpus=1e9", "cpus=nan",
		"cpus=0.0099", "cpus=1000.0001", "memory=0", "memory=0M",
		"cpu_weight=0", "cpu_weight=10001", "io_weight=x", "pids=0", "pids=-5", "cpuset=a-b",
		"cpuset=1023", "nosuch=1", "=1", "memory", "" };
	struct parsed p;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(parse(bad[i], &p), -EINVAL);
		assert_null(p.key);
		done(&p);
	}
	(void)state;
}

static void test_online(void **state)
{
	char path[] = "/tmp/test-limits-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0-3,6\n", 6), 6);
	close(fd);
	assert_int_equal(lxm_cpuset_check_online("0-3", path), 0);
	assert_int_equal(lxm_cpuset_check_online("1,6", path), 0);
	assert_int_equal(lxm_cpuset_check_online("4", path), -EINVAL);
	assert_int_equal(lxm_cpuset_check_online("0-6", path), -EINVAL);
	assert_int_equal(lxm_cpuset_check_online("x", path), -EINVAL);
	unlink(path);
	(void)state;
}

static void test_format(void **state)
{
	char buf[32];
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = { { 0, "0" }, { 1000, "1000" }, { 1024, "1K" }, { 512ULL << 20, "512M" },
		      { 3ULL << 30, "3G" }, { 1ULL << 40, "1T" }, { (1ULL << 30) + 4096, "1048580K" },
		      { UINT64_MAX, "max" } };
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		lxm_format_size(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
	}
	(void)state;
}

/* Reading back what the kernel holds, on fake trees (the file names and values a kernel shows). */
#define CG "lxcmgr.payload.0123abcd"

static char *effective(struct lxm_cgroup *cg, const char *key)
{
	static char buf[128];
	char *v = NULL;

	assert_int_equal(lxm_limit_read_effective(cg, key, &v), 0);
	snprintf(buf, sizeof(buf), "%s", v);
	free(v);
	return buf;
}

static void test_effective_v2(void **state)
{
	char root[] = "/tmp/test-limits-v2-XXXXXX", fs[128], dir[256], mi[128], cmd[160];
	struct lxm_cgroup *cg = NULL;

	assert_non_null(mkdtemp(root));
	snprintf(fs, sizeof(fs), "%s/fs", root);
	snprintf(dir, sizeof(dir), "%s/" CG, fs);
	assert_int_equal(mkdir(fs, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(root, "mountinfo", "26 23 0:24 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
	put(fs, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(dir, "memory.max", "536870912\n");
	put(dir, "memory.high", "max\n");
	put(dir, "memory.swap.max", "0\n");
	put(dir, "cpu.max", "150000 100000\n");
	put(dir, "cpu.weight", "100\n");
	put(dir, "cpuset.cpus.effective", "0-1\n");
	put(dir, "pids.max", "1024\n");
	put(dir, "io.weight", "default 200\n");
	snprintf(mi, sizeof(mi), "%s/mountinfo", root);
	assert_int_equal(lxm_cgroup_new(fs, mi, CG, &cg), 0);
	assert_string_equal(effective(cg, "memory"), "512M");
	assert_string_equal(effective(cg, "memory_high"), "max");
	assert_string_equal(effective(cg, "swap"), "0");
	assert_string_equal(effective(cg, "cpus"), "1.5");
	assert_string_equal(effective(cg, "cpu_weight"), "100");
	assert_string_equal(effective(cg, "cpuset"), "0-1");
	assert_string_equal(effective(cg, "pids"), "1024");
	assert_string_equal(effective(cg, "io_weight"), "200");
	put(dir, "cpu.max", "max 100000\n");
	assert_string_equal(effective(cg, "cpus"), "max");
	lxm_cgroup_free(cg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	(void)state;
}

static void test_effective_v1(void **state)
{
	static const char *const hier[] = { "cpu", "cpuacct", "cpuset", "memory", "blkio", "pids" };
	char root[] = "/tmp/test-limits-v1-XXXXXX", fs[128], d[256], mi[2048], mip[128], cmd[160];
	struct lxm_cgroup *cg = NULL;
	size_t off = 0;

	assert_non_null(mkdtemp(root));
	snprintf(fs, sizeof(fs), "%s/fs", root);
	assert_int_equal(mkdir(fs, 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(hier); i++) {
		snprintf(d, sizeof(d), "%s/%s", fs, hier[i]);
		assert_int_equal(mkdir(d, 0755), 0);
		snprintf(d, sizeof(d), "%s/%s/" CG, fs, hier[i]);
		assert_int_equal(mkdir(d, 0755), 0);
		off += (size_t)snprintf(mi + off, sizeof(mi) - off,
					"%zu 31 0:%zu / /sys/fs/cgroup/%s rw,relatime - cgroup cgroup rw,%s\n", 32 + i,
					29 + i, hier[i], hier[i]);
	}
	put(root, "mountinfo", mi);
	snprintf(d, sizeof(d), "%s/memory/" CG, fs);
	put(d, "memory.limit_in_bytes", "9223372036854771712\n"); /* v1's "unlimited" */
	put(d, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	snprintf(d, sizeof(d), "%s/cpu/" CG, fs);
	put(d, "cpu.cfs_quota_us", "50000\n");
	put(d, "cpu.cfs_period_us", "100000\n");
	put(d, "cpu.shares", "1024\n");
	snprintf(d, sizeof(d), "%s/cpuset/" CG, fs);
	put(d, "cpuset.cpus", "0\n");
	snprintf(d, sizeof(d), "%s/pids/" CG, fs);
	put(d, "pids.max", "max\n");
	snprintf(d, sizeof(d), "%s/blkio/" CG, fs);
	put(d, "blkio.bfq.weight", "100\n");
	snprintf(mip, sizeof(mip), "%s/mountinfo", root);
	assert_int_equal(lxm_cgroup_new(fs, mip, CG, &cg), 0);
	assert_string_equal(effective(cg, "memory"), "max");
	assert_string_equal(effective(cg, "swap"), "max");
	assert_string_equal(effective(cg, "memory_high"), "ignored on cgroup v1");
	assert_string_equal(effective(cg, "cpus"), "0.5");
	assert_string_equal(effective(cg, "cpu_weight"), "shares 1024");
	assert_string_equal(effective(cg, "cpuset"), "0");
	assert_string_equal(effective(cg, "pids"), "max");
	assert_string_equal(effective(cg, "io_weight"), "bfq 100");
	/* memsw = memory + swap: 256M + 64M of swap */
	snprintf(d, sizeof(d), "%s/memory/" CG, fs);
	put(d, "memory.limit_in_bytes", "268435456\n");
	put(d, "memory.memsw.limit_in_bytes", "335544320\n");
	assert_string_equal(effective(cg, "memory"), "256M");
	assert_string_equal(effective(cg, "swap"), "64M");
	snprintf(d, sizeof(d), "%s/cpu/" CG, fs);
	put(d, "cpu.cfs_quota_us", "-1\n");
	assert_string_equal(effective(cg, "cpus"), "max");
	lxm_cgroup_free(cg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values), cmocka_unit_test(test_resets), cmocka_unit_test(test_bad),
		cmocka_unit_test(test_online), cmocka_unit_test(test_format),
		cmocka_unit_test(test_effective_v2), cmocka_unit_test(test_effective_v1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
