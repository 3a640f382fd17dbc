/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxm_limit_read_effective(): what the kernel holds for a limit key, read back from the cgroup. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "resources/limits.h"
#include "util/macros.h"

/* v1 reports "unlimited" as a page-rounded LONG_MAX. */
#define V1_UNLIMITED_MIN (UINT64_C(1) << 62)

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		size_t l = strcspn(p, ", \n");
		if (l == n && strncmp(p, word, n) == 0)
			return true;
		p += l;
		p += strspn(p, ", \n");
	}
	return false;
}

/* The cgroup's directory holding controller's files (v2: the one directory). */
static const char *dir_of(struct lxm_cgroup *cg, const char *controller, bool *ret_v2)
{
	struct lxm_cgroup_hierarchy_info h;

	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(cg); i++) {
		if (lxm_cgroup_hierarchy(cg, i, &h) < 0)
			continue;
		bool v2 = lxm_cgroup_layout(cg) == LXM_CGROUP_LAYOUT_UNIFIED && h.v2;
		if (v2 || (!h.v2 && has_word(h.controllers, controller))) {
			*ret_v2 = v2;
			return h.path;
		}
	}
	return NULL;
}

static int read_line(const char *dir, const char *file, char *buf, size_t size)
{
	_cleanup_free_ char *path = NULL;
	if (!dir)
		return -ENOENT;
	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char buf[64];
	int r = read_line(dir, file, buf, sizeof(buf));
	if (r < 0)
		return r;
	if (STREQ(buf, "max") || STREQ(buf, "-1")) {
		*ret = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	*ret = strtoull(buf, &end, 10);
	return errno || end == buf ? -EIO : 0;
}

static void size_text(uint64_t v, bool v2, char *buf, size_t size)
{
	lxm_format_size(!v2 && v >= V1_UNLIMITED_MIN ? UINT64_MAX : v, buf, size);
}

static int memory_effective(const char *key, const char *d, bool v2, char *buf, size_t size)
{
	uint64_t v, m;
	int r;

	if (STREQ(key, "memory"))
		r = read_u64(d, v2 ? "memory.max" : "memory.limit_in_bytes", &v);
	else if (STREQ(key, "memory_high")) {
		if (!v2) {
			snprintf(buf, size, "ignored on cgroup v1");
			return 0;
		}
		r = read_u64(d, "memory.high", &v);
	} else if (v2)
		r = read_u64(d, "memory.swap.max", &v);
	else {
		/* v1 holds memory + swap in memsw */
		if ((r = read_u64(d, "memory.memsw.limit_in_bytes", &v)) < 0 ||
		    (r = read_u64(d, "memory.limit_in_bytes", &m)) < 0)
			return r;
		if (v < V1_UNLIMITED_MIN)
			v = v >= m ? v - m : 0;
	}
	if (r < 0)
		return r;
	size_text(v, v2, buf, size);
	return 0;
}

static int cpu_effective(const char *key, struct lxm_cgroup *cg, char *buf, size_t size)
{
	bool v2 = false;
	const char *d = dir_of(cg, STREQ(key, "cpuset") ? "cpuset" : "cpu", &v2);
	uint64_t q, p;
	char line[256];
	int r;

	if (STREQ(key, "cpuset")) {
		r = read_line(d, v2 ? "cpuset.cpus.effective" : "cpuset.cpus", line, sizeof(line));
		if (r >= 0)
			snprintf(buf, size, "%s", line);
		return r;
	}
	if (STREQ(key, "cpu_weight")) {
		if ((r = read_u64(d, v2 ? "cpu.weight" : "cpu.shares", &q)) < 0)
			return r;
		snprintf(buf, size, v2 ? "%" PRIu64 : "shares %" PRIu64, q);
		return 0;
	}
	if (v2) {
		if ((r = read_line(d, "cpu.max", line, sizeof(line))) < 0)
			return r;
		if (strncmp(line, "max", 3) == 0) {
			snprintf(buf, size, "max");
			return 0;
		}
		if (sscanf(line, "%" SCNu64 " %" SCNu64, &q, &p) != 2 || p == 0)
			return -EIO;
	} else {
		if ((r = read_u64(d, "cpu.cfs_quota_us", &q)) < 0 || (r = read_u64(d, "cpu.cfs_period_us", &p)) < 0)
			return r;
		if (q == UINT64_MAX || p == 0) {
			snprintf(buf, size, "max");
			return 0;
		}
	}
	snprintf(buf, size, "%g", (double)q / (double)p);
	return 0;
}

int lxm_limit_read_effective(struct lxm_cgroup *cg, const char *key, char **ret)
{
	char buf[256], line[128];
	bool v2 = false;
	const char *d;
	uint64_t v;
	int r;

	if (STREQ(key, "memory") || STREQ(key, "memory_high") || STREQ(key, "swap")) {
		d = dir_of(cg, "memory", &v2);
		r = memory_effective(key, d, v2, buf, sizeof(buf));
	} else if (STREQ(key, "cpus") || STREQ(key, "cpu_weight") || STREQ(key, "cpuset"))
		r = cpu_effective(key, cg, buf, sizeof(buf));
	else if (STREQ(key, "pids")) {
		d = dir_of(cg, "pids", &v2);
		if ((r = read_u64(d, "pids.max", &v)) >= 0)
			snprintf(buf, sizeof(buf), v == UINT64_MAX ? "max" : "%" PRIu64, v);
	} else if (STREQ(key, "io_weight")) {
		d = dir_of(cg, v2 ? "io" : "blkio", &v2);
		if (!v2)
			d = dir_of(cg, "blkio", &v2);
		if (v2) {
			r = read_line(d, "io.weight", line, sizeof(line));
			if (r == -ENOENT)
				r = read_line(d, "io.bfq.weight", line, sizeof(line));
			if (r >= 0)
				snprintf(buf, sizeof(buf), "%s", strncmp(line, "default ", 8) == 0 ? line + 8 : line);
		} else {
			r = read_u64(d, "blkio.weight", &v);
			if (r >= 0)
				snprintf(buf, sizeof(buf), "blkio %" PRIu64, v);
			else if ((r = read_u64(d, "blkio.bfq.weight", &v)) >= 0)
				snprintf(buf, sizeof(buf), "bfq %" PRIu64, v);
		}
	} else
		return -EINVAL;
	if (r < 0)
		return r;
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}
