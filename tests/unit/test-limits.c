/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcmgr limit` arguments: KEY=VALUE parsing into cgroup limits, config text, resets, the
 * online-cpuset check, size formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "resources/limits.h"
#include "util/macros.h"

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
	static const char *const bad[] = { "memory=12Q", "memory=-1", "cpus=-1", "cpus=0", "cpus=abc", "cpus=5000",
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values), cmocka_unit_test(test_resets), cmocka_unit_test(test_bad),
		cmocka_unit_test(test_online), cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
