/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/validate.h"
#include "resources/limits.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/parse.h"

const char *const lxm_limit_keys[] = { "memory", "memory_high", "swap", "cpus", "cpu_weight", "cpuset",
	"pids", "io_weight", NULL };

void lxm_format_size(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";

	if (v == UINT64_MAX) {
		snprintf(buf, size, "max");
		return;
	}
	for (int i = 3; i >= 0; i--) {
		uint64_t u = 1ULL << (10 * (i + 1));
		if (v >= u && v % u == 0) {
			snprintf(buf, size, "%" PRIu64 "%c", v / u, units[i]);
			return;
		}
	}
	snprintf(buf, size, "%" PRIu64, v);
}

static int bad_value(const char *key, const char *value, const char *why)
{
	return log_error_errno(-EINVAL, "Invalid value '%s' for 'limits.%s': %s", value, key, why);
}

/* "1.5" -> 1500; "max" -> LXM_CGROUP_MAX. The range is lxm_cpus_to_milli()'s, as in the config. */
static int parse_cpus(const char *s, uint64_t *ret, char **ret_text)
{
	char *end = NULL;
	double d;

	if (STREQ(s, "max")) {
		*ret = LXM_CGROUP_MAX;
		*ret_text = NULL; /* the config has no "max" for a float: the key is removed */
		return 0;
	}
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || !end || *end || end == s || lxm_cpus_to_milli(d, ret) < 0)
		return -EINVAL;
	return asprintf(ret_text, "%.15g", d) < 0 ? -ENOMEM : 0;
}

static int parse_value(const char *key, const char *v, struct lxm_cgroup_limits *l, char **ret_text)
{
	uint64_t n;

	if (STREQ(key, "memory") || STREQ(key, "memory_high") || STREQ(key, "swap")) {
		if (lxm_parse_size(v, &n) < 0)
			return bad_value(key, v, "not a size (use a number with an optional K, M, G or T suffix, or max)");
		if (n == 0 && STREQ(key, "memory"))
			return bad_value(key, v, LXM_MEMORY_ZERO_WHY);
		*(STREQ(key, "memory") ? &l->memory : STREQ(key, "swap") ? &l->swap : &l->memory_high) = n;
	} else if (STREQ(key, "cpus")) {
		if (parse_cpus(v, &l->cpus_milli, ret_text) < 0)
			return bad_value(key, v, "the CPU quota is 0.01-1000 (1.5 = one and a half CPUs) or max");
		return 0;
	} else if (STREQ(key, "cpu_weight") || STREQ(key, "io_weight")) {
		if (lxm_parse_uint(v, 1, 10000, &n) < 0)
			return bad_value(key, v, "weights are within 1-10000");
		*(STREQ(key, "cpu_weight") ? &l->cpu_weight : &l->io_weight) = n;
	} else if (STREQ(key, "pids")) {
		if (STREQ(v, "max"))
			n = LXM_CGROUP_MAX;
		else if (lxm_parse_uint(v, 1, UINT32_MAX, &n) < 0)
			return bad_value(key, v, "expected a number of processes >= 1, or max");
		l->pids = n;
	} else if (STREQ(key, "cpuset")) {
		uint64_t mask[16];
		if (lxm_parse_cpuset(v, mask) < 0)
			return bad_value(key, v, "expected a CPU list such as 0-1,3");
		int r = lxm_cpuset_check_online(v, NULL);
		if (r < 0)
			return r;
	} else
		return log_error_errno(-EINVAL, "Unknown limit '%s' (memory, memory_high, swap, cpus, cpu_weight, "
					"cpuset, pids, io_weight)", key);
	*ret_text = strdup(v);
	return *ret_text ? 0 : -ENOMEM;
}

/* The value an empty VALUE resets KEY to in the cgroup. */
static int reset_value(const char *key, struct lxm_cgroup_limits *l, char **ret_cpuset)
{
	if (STREQ(key, "memory"))
		l->memory = LXM_CGROUP_MAX;
	else if (STREQ(key, "memory_high"))
		l->memory_high = LXM_CGROUP_MAX;
	else if (STREQ(key, "swap"))
		l->swap = LXM_CGROUP_MAX;
	else if (STREQ(key, "cpus"))
		l->cpus_milli = LXM_CGROUP_MAX;
	else if (STREQ(key, "cpu_weight"))
		l->cpu_weight = 100;
	else if (STREQ(key, "io_weight"))
		l->io_weight = 100;
	else if (STREQ(key, "pids"))
		l->pids = LXM_CGROUP_MAX;
	else if (STREQ(key, "cpuset")) {
		_cleanup_free_ char *online = NULL;
		_cleanup_fclose_ FILE *f = fopen("/sys/devices/system/cpu/online", "re");
		size_t n = 0;
		if (!f || getline(&online, &n, f) < 0)
			return -errno ?: -EIO;
		online[strcspn(online, "\n")] = '\0';
		l->cpuset = *ret_cpuset = TAKE_PTR(online);
	} else
		return log_error_errno(-EINVAL, "Unknown limit '%s'", key);
	return 0;
}

int lxm_limit_parse_kv(const char *kv, struct lxm_cgroup_limits *l, char **ret_key, char **ret_config_value,
		       char **ret_cpuset)
{
	const char *eq = strchr(kv, '=');
	_cleanup_free_ char *key = NULL, *text = NULL;
	int r;

	if (!eq || eq == kv)
		return log_error_errno(-EINVAL, "Expected KEY=VALUE, got '%s'", kv);
	key = strndup(kv, (size_t)(eq - kv));
	if (!key)
		return -ENOMEM;
	if (eq[1] == '\0')
		r = reset_value(key, l, ret_cpuset);
	else
		r = parse_value(key, eq + 1, l, &text);
	if (r < 0)
		return r;
	if (STREQ(key, "cpuset") && text) {
		*ret_cpuset = strdup(text);
		if (!*ret_cpuset)
			return -ENOMEM;
		l->cpuset = *ret_cpuset;
	}
	*ret_key = TAKE_PTR(key);
	*ret_config_value = TAKE_PTR(text);
	return 0;
}

int lxm_cpuset_check_online(const char *cpuset, const char *online_path)
{
	_cleanup_free_ char *online = NULL;
	_cleanup_fclose_ FILE *f = fopen(online_path ? online_path : "/sys/devices/system/cpu/online", "re");
	uint64_t want[16], have[16];
	size_t n = 0;

	if (!f || getline(&online, &n, f) < 0)
		return log_error_errno(-errno ?: -EIO, "Failed to read the host's online CPUs: %m");
	online[strcspn(online, "\n")] = '\0';
	if (lxm_parse_cpuset(cpuset, want) < 0)
		return log_error_errno(-EINVAL, "Invalid value '%s' for 'limits.cpuset': expected a CPU list such as 0-1,3",
				       cpuset);
	if (lxm_parse_cpuset(online, have) < 0)
		return log_error_errno(-EIO, "Cannot parse the host's online CPUs '%s'", online);
	/* A cpuset naming a CPU that is absent or offline is refused by the kernel (v1: EINVAL on
	 * cpuset.cpus; v2: silently not effective): name it here instead. */
	for (unsigned i = 0; i < 1024; i++)
		if ((want[i / 64] & (1ULL << (i % 64))) && !(have[i / 64] & (1ULL << (i % 64))))
			return log_error_errno(-EINVAL,
					       "Invalid value '%s' for 'limits.cpuset': CPU %u is not online on this host (online: %s)",
					       cpuset, i, online);
	return 0;
}
