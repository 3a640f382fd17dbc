/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The legacy/hybrid (v1) back end, written to Documentation/admin-guide/cgroup-v1/. The cgroup
 * is created in every mounted hierarchy: each v1 controller hierarchy, the named "systemd" one
 * (systemd inside needs it) and on hybrid the controller-less unified one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/log.h"
#include "util/macros.h"

/* A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and attaching a task to it
 * fails with ENOSPC until both are set: copy them from the parent. */
static int cpuset_copy(const char *parent, const char *dir, bool made)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *mine = NULL, *theirs = NULL;
		int r;

		/* a directory this call made is empty: no need to look */
		if (!made && (lxm_cg_read(dir, files[i], &mine) < 0 || *mine))
			continue;
		r = lxm_cg_read(parent, files[i], &theirs);
		if (r < 0)
			return r;
		r = lxm_cg_write(NULL, dir, files[i], theirs);
		if (r < 0)
			return r;
	}
	return 0;
}

/* For a cgroup found there: fills in its cpuset only if it is still empty. */
static int cpuset_fixup(const char *parent, const char *dir)
{
	return cpuset_copy(parent, dir, false);
}

/* For each directory lxm_cg_mkdir_parents() just made. */
static int cpuset_new(const char *parent, const char *dir)
{
	return cpuset_copy(parent, dir, true);
}

static bool has_controller(const struct lxm_cgroup_hier *h, const char *ctrl)
{
	size_t l = strlen(ctrl);

	for (const char *p = h->controllers; p && *p; p += strcspn(p, ","), p += strspn(p, ","))
		if (strncmp(p, ctrl, l) == 0 && (p[l] == ',' || !p[l]))
			return true;
	return false;
}

static int v1_create(struct lxm_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct lxm_cgroup_hier *h = &cg->h[i];
		int r;

		/* Only a cpuset hierarchy starts a new cgroup with empty files to fill in: the others
		 * need no probing (4 needless opens per cgroup and hierarchy on every start). */
		bool cpuset = has_controller(h, "cpuset");
		int (*fixup)(const char *parent, const char *dir) = cpuset ? cpuset_fixup : NULL;

		r = lxm_cg_mkdir_parents(h->mount_path, h->path, cpuset ? cpuset_new : NULL);
		/* An existing cgroup (a retry, the shared monitor cgroup another start is making)
		 * may still have an empty cpuset; a new one was filled in by mkdir_parents. */
		if (r == 0 && fixup)
			r = fixup(h->parent, h->path);
		if (r < 0)
			return lxm_cg_set_error(cg, r, "Failed to create cgroup '%s': %m", h->path);
		/* The kernel refuses a new device list ("a" in devices.deny) in a cgroup with
		 * children, also for a while after rmdir: lxm_cgroup_set_devices() makes this one. */
		if (!h->inner || has_controller(h, "devices"))
			continue;
		r = lxm_cg_mkdir_parents(h->path, h->inner, cpuset ? cpuset_new : NULL);
		if (r == 0 && fixup)
			r = fixup(h->path, h->inner);
		if (r < 0)
			return lxm_cg_set_error(cg, r, "Failed to create cgroup '%s': %m", h->inner);
	}
	return 0;
}

/* The v1 freezer sends no notification of any kind (no events file, no poll support on
 * freezer.state); reading freezer.state is what moves FREEZING to FROZEN. So this is the one
 * place that re-reads with a short back-off (1 ms doubling to 32 ms), bounded by a deadline. */
static int wait_freezer(const char *dir, const char *want, int timeout_ms)
{
	int64_t deadline = lxm_mono_msec() + timeout_ms;
	long delay_us = 1000;

	for (;;) {
		_cleanup_free_ char *s = NULL;
		struct timespec ts;
		int r;

		r = lxm_cg_read(dir, "freezer.state", &s);
		if (r < 0)
			return r;
		if (STREQ(s, want))
			return 0;
		if (lxm_mono_msec() >= deadline)
			return -ETIMEDOUT;
		ts = (struct timespec){ .tv_nsec = delay_us * 1000 };
		nanosleep(&ts, NULL);
		if (delay_us < 32000)
			delay_us *= 2;
	}
}

static int v1_freeze(struct lxm_cgroup *cg, bool freeze)
{
	struct lxm_cgroup_hier *h = lxm_cg_hier(cg, "freezer");
	const char *want = freeze ? "FROZEN" : "THAWED";
	int r;

	if (!h)
		return lxm_cg_set_error(cg, -EOPNOTSUPP, "No freezer hierarchy: %m");
	r = lxm_cg_write(cg, h->path, "freezer.state", want);
	if (r < 0)
		return r;
	r = wait_freezer(h->path, want, LXM_CG_TIMEOUT_MS);
	if (r < 0)
		return lxm_cg_set_error(cg, r, "Failed to wait for '%s' in '%s/freezer.state': %m", want, h->path);
	return 0;
}

static int v1_is_frozen(struct lxm_cgroup *cg)
{
	struct lxm_cgroup_hier *h = lxm_cg_hier(cg, "freezer");
	_cleanup_free_ char *s = NULL;
	int r;

	if (!h)
		return -EOPNOTSUPP;
	r = lxm_cg_read(h->path, "freezer.state", &s);
	if (r < 0)
		return r;
	return STREQ(s, "FROZEN");
}

/* Freeze (no forks while we read the list), SIGKILL each pid through a pidfd, thaw (a v1-frozen
 * task cannot die), then wait on the pidfds. Repeat until a read finds the cgroup empty. */
static int v1_kill_pids(struct lxm_cgroup *cg)
{
	struct lxm_cgroup_hier *fz = lxm_cg_hier(cg, "freezer");
	struct lxm_cgroup_hier *h = fz ?: &cg->h[0];

	for (unsigned round = 0; round < 64; round++) {
		_cleanup_free_ struct pollfd *pfd = NULL;
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0, nfd = 0;
		int r, k;

		if (fz && v1_freeze(cg, true) < 0)
			log_debug("Freezing '%s' did not complete, killing anyway", fz->path);
		r = lxm_cg_pids_recursive(h->path, &pids, &n);
		if (r == -ENOENT) /* half-removed leftover: nothing in this hierarchy */
			r = 0;
		if (r >= 0)
			r = lxm_cg_pidfds_kill(pids, n, &pfd, &nfd);
		if (fz) {
			k = v1_freeze(cg, false);
			if (r >= 0)
				r = k;
		}
		if (r >= 0)
			r = lxm_cg_pidfds_wait(pfd, nfd, LXM_CG_TIMEOUT_MS);
		if (r < 0)
			return lxm_cg_set_error(cg, r, "Failed to kill the processes in '%s': %m", h->path);
		if (n == 0)
			return 0;
	}
	return lxm_cg_set_error(cg, -EBUSY, "Processes keep appearing in '%s': %m", h->path);
}

static int v1_kill(struct lxm_cgroup *cg)
{
	struct lxm_cgroup_hier *u = lxm_cg_unified(cg);

	/* On hybrid every process is also in the unified hierarchy, whose cgroup.kill and
	 * cgroup.events do the job atomically and with notification. */
	if (u && !cg->no_unified_kill && lxm_cg_file_exists(u->path, "cgroup.kill")) {
		struct lxm_cgroup_hier *fz = lxm_cg_hier(cg, "freezer");
		int r;

		/* A task frozen by the v1 freezer cannot act on SIGKILL: queue the kill first (no
		 * task runs a single instruction more), then thaw, then wait for the cgroup to empty. */
		r = lxm_cg_write(cg, u->path, "cgroup.kill", "1");
		if (r < 0)
			return r;
		if (fz)
			(void)lxm_cg_write(NULL, fz->path, "freezer.state", "THAWED");
		return lxm_cg_v2_kill(cg, u);
	}
	return v1_kill_pids(cg);
}

static void fmt_v1(char *buf, size_t size, uint64_t v)
{
	if (v == LXM_CGROUP_MAX)
		snprintf(buf, size, "-1");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

/* v1 reports "no limit" as PAGE_COUNTER_MAX pages (2^63 - page size on x86-64). */
#define V1_UNLIMITED (UINT64_C(1) << 62)

/* memory.memsw.limit_in_bytes for a new memory limit: memory + swap when swap is given; else the
 * swap allowance the cgroup had (memsw - memory) is kept, as v2's memory.swap.max would be. */
static uint64_t v1_memsw_target(uint64_t new_mem, uint64_t swap, uint64_t cur_mem, uint64_t cur_sw)
{
	if (swap != LXM_CGROUP_UNSET)
		return new_mem >= V1_UNLIMITED || swap == LXM_CGROUP_MAX ? LXM_CGROUP_MAX : new_mem + swap;
	if (cur_sw >= V1_UNLIMITED)
		return LXM_CGROUP_UNSET;
	if (new_mem >= V1_UNLIMITED)
		return LXM_CGROUP_MAX;
	return new_mem + (cur_sw > cur_mem ? cur_sw - cur_mem : 0);
}

/* memory.limit_in_bytes must stay <= memory.memsw.limit_in_bytes at every step, so the order
 * of the two writes depends on whether the limit goes up or down. */
static int v1_memory(struct lxm_cg_tx *tx, struct lxm_cgroup_hier *h, const struct lxm_cgroup_limits *l,
		     char **notes)
{
	bool memsw = lxm_cg_file_exists(h->path, "memory.memsw.limit_in_bytes");
	uint64_t cur_mem = LXM_CGROUP_MAX, cur_sw = LXM_CGROUP_MAX, new_mem, sw = LXM_CGROUP_UNSET;
	char buf[32];
	int r;

	if (l->swap != LXM_CGROUP_UNSET && !memsw)
		lxm_cg_note(notes, "swap is ignored: no memory.memsw.limit_in_bytes (kernel without swap accounting)");
	(void)lxm_cg_read_u64(h->path, "memory.limit_in_bytes", &cur_mem);
	new_mem = l->memory != LXM_CGROUP_UNSET ? l->memory : cur_mem;
	if (memsw) {
		(void)lxm_cg_read_u64(h->path, "memory.memsw.limit_in_bytes", &cur_sw);
		sw = v1_memsw_target(new_mem, l->swap, cur_mem, cur_sw);
	}
	/* Raise memsw first when the new memory limit would exceed the current memsw. */
	if (sw != LXM_CGROUP_UNSET && l->memory != LXM_CGROUP_UNSET && new_mem > cur_sw) {
		fmt_v1(buf, sizeof(buf), sw);
		r = lxm_cg_tx_write(tx, h->path, "memory.memsw.limit_in_bytes", buf);
		if (r < 0)
			return r;
		sw = LXM_CGROUP_UNSET;
	}
	if (l->memory != LXM_CGROUP_UNSET) {
		fmt_v1(buf, sizeof(buf), l->memory);
		r = lxm_cg_tx_write(tx, h->path, "memory.limit_in_bytes", buf);
		if (r < 0)
			return r;
	}
	if (sw != LXM_CGROUP_UNSET && sw != cur_sw) {
		fmt_v1(buf, sizeof(buf), sw);
		return lxm_cg_tx_write(tx, h->path, "memory.memsw.limit_in_bytes", buf);
	}
	return 0;
}

static struct lxm_cgroup_hier *need(struct lxm_cgroup *cg, const char *ctrl, const char *key, char **notes)
{
	struct lxm_cgroup_hier *h = lxm_cg_hier(cg, ctrl);

	if (!h)
		lxm_cg_note(notes, "%s is ignored: no %s hierarchy is mounted", key, ctrl);
	return h;
}

static int v1_io_weight(struct lxm_cg_tx *tx, struct lxm_cgroup_hier *h, uint64_t w, char **notes)
{
	char buf[32];

	/* blkio.weight belonged to CFQ (gone since 5.0); BFQ offers blkio.bfq.weight 1-1000. */
	if (lxm_cg_file_exists(h->path, "blkio.weight")) {
		snprintf(buf, sizeof(buf), "%" PRIu64, lxm_cgroup_io_weight_to_blkio(w));
		return lxm_cg_tx_write(tx, h->path, "blkio.weight", buf);
	}
	if (lxm_cg_file_exists(h->path, "blkio.bfq.weight")) {
		snprintf(buf, sizeof(buf), "%" PRIu64, lxm_cgroup_io_weight_to_bfq(w));
		return lxm_cg_tx_write(tx, h->path, "blkio.bfq.weight", buf);
	}
	return lxm_cg_note(notes, "io_weight is ignored: no blkio.weight or blkio.bfq.weight (no BFQ scheduler)");
}

/* v1 cpuset is not hierarchical by itself: a child's cpus must stay a subset of its parent's.
 * The inner cgroup gets the same set; narrowing goes child first, widening parent first (the
 * first order is tried first; the kernel refuses it when the set grows). */
static int v1_cpuset(struct lxm_cg_tx *tx, struct lxm_cgroup_hier *h, const char *cpus)
{
	int r;

	if (!h->inner || !lxm_cg_file_exists(h->inner, "cpuset.cpus"))
		return lxm_cg_tx_write(tx, h->path, "cpuset.cpus", cpus);
	r = lxm_cg_tx_write(tx, h->inner, "cpuset.cpus", cpus);
	if (r >= 0)
		return lxm_cg_tx_write(tx, h->path, "cpuset.cpus", cpus);
	r = lxm_cg_tx_write(tx, h->path, "cpuset.cpus", cpus);
	if (r >= 0)
		r = lxm_cg_tx_write(tx, h->inner, "cpuset.cpus", cpus);
	return r;
}

static int v1_apply(struct lxm_cgroup *cg, struct lxm_cg_tx *tx, const struct lxm_cgroup_limits *l, char **notes)
{
	struct lxm_cgroup_hier *h;
	char buf[32];
	int r = 0;

	if (l->memory_high != LXM_CGROUP_UNSET)
		lxm_cg_note(notes, "memory_high is ignored on cgroup v1");
	if ((l->memory != LXM_CGROUP_UNSET || l->swap != LXM_CGROUP_UNSET) && (h = need(cg, "memory", "memory", notes)))
		r = v1_memory(tx, h, l, notes);
	if (r >= 0 && l->cpus_milli != LXM_CGROUP_UNSET && (h = need(cg, "cpu", "cpus", notes))) {
		snprintf(buf, sizeof(buf), "%d", LXM_CGROUP_CPU_PERIOD_US);
		r = lxm_cg_tx_write(tx, h->path, "cpu.cfs_period_us", buf);
		if (l->cpus_milli == LXM_CGROUP_MAX)
			snprintf(buf, sizeof(buf), "-1");
		else
			snprintf(buf, sizeof(buf), "%" PRIu64, l->cpus_milli * LXM_CGROUP_CPU_PERIOD_US / 1000);
		if (r >= 0)
			r = lxm_cg_tx_write(tx, h->path, "cpu.cfs_quota_us", buf);
	}
	if (r >= 0 && l->cpu_weight != LXM_CGROUP_UNSET && (h = need(cg, "cpu", "cpu_weight", notes))) {
		snprintf(buf, sizeof(buf), "%" PRIu64, lxm_cgroup_cpu_weight_to_shares(l->cpu_weight));
		r = lxm_cg_tx_write(tx, h->path, "cpu.shares", buf);
	}
	if (r >= 0 && l->cpuset && (h = need(cg, "cpuset", "cpuset", notes)))
		r = v1_cpuset(tx, h, l->cpuset);
	if (r >= 0 && l->pids != LXM_CGROUP_UNSET && (h = need(cg, "pids", "pids", notes))) {
		if (l->pids == LXM_CGROUP_MAX)
			snprintf(buf, sizeof(buf), "max");
		else
			snprintf(buf, sizeof(buf), "%" PRIu64, l->pids);
		r = lxm_cg_tx_write(tx, h->path, "pids.max", buf);
	}
	if (r >= 0 && l->io_weight != LXM_CGROUP_UNSET && (h = need(cg, "blkio", "io_weight", notes)))
		r = v1_io_weight(tx, h, l->io_weight, notes);
	return r;
}

static int v1_set_limits(struct lxm_cgroup *cg, const struct lxm_cgroup_limits *l, char **notes)
{
	struct lxm_cg_tx tx = { .cg = cg };
	int r;

	r = v1_apply(cg, &tx, l, notes);
	if (r < 0)
		lxm_cg_tx_rollback(&tx);
	else
		lxm_cg_tx_done(&tx);
	return r;
}

static int v1_get_usage(struct lxm_cgroup *cg, struct lxm_cgroup_usage *u)
{
	struct lxm_cgroup_hier *h;
	uint64_t v, sw;

	if ((h = lxm_cg_hier(cg, "memory"))) {
		(void)lxm_cg_read_u64(h->path, "memory.usage_in_bytes", &u->memory_current);
		(void)lxm_cg_read_u64(h->path, "memory.max_usage_in_bytes", &u->memory_peak);
		if (lxm_cg_read_u64(h->path, "memory.memsw.usage_in_bytes", &sw) >= 0 &&
		    u->memory_current != LXM_CGROUP_USAGE_UNKNOWN)
			u->swap_current = sw > u->memory_current ? sw - u->memory_current : 0;
	}
	if ((h = lxm_cg_hier(cg, "cpuacct"))) {
		/* cpuacct.usage* are nanoseconds; cpuacct.stat is in USER_HZ ticks. */
		if (lxm_cg_read_u64(h->path, "cpuacct.usage", &v) >= 0)
			u->cpu_usage_usec = v / 1000;
		if (lxm_cg_read_u64(h->path, "cpuacct.usage_user", &v) >= 0)
			u->cpu_user_usec = v / 1000;
		else if (lxm_cg_read_key(h->path, "cpuacct.stat", "user", &v) >= 0)
			u->cpu_user_usec = v * 1000000 / (uint64_t)sysconf(_SC_CLK_TCK);
		if (lxm_cg_read_u64(h->path, "cpuacct.usage_sys", &v) >= 0)
			u->cpu_system_usec = v / 1000;
		else if (lxm_cg_read_key(h->path, "cpuacct.stat", "system", &v) >= 0)
			u->cpu_system_usec = v * 1000000 / (uint64_t)sysconf(_SC_CLK_TCK);
	}
	if ((h = lxm_cg_hier(cg, "pids")))
		(void)lxm_cg_read_u64(h->path, "pids.current", &u->pids_current);
	return 0;
}

/* One open for all the rules: the kernel parses every write() on its own, one rule each. */
static int write_rules(struct lxm_cgroup *cg, const char *dir, const char *file, const char *const *rules)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return lxm_cg_set_error(cg, negative_errno(), "Failed to write '%s' to '%s': %m", rules[0], p);
	for (size_t i = 0; rules[i]; i++) {
		size_t len = strlen(rules[i]);
		ssize_t n = write(fd, rules[i], len);
		if (n < 0 || (size_t)n != len)
			return lxm_cg_set_error(cg, n < 0 ? negative_errno() : -EIO, "Failed to write '%s' to '%s': %m",
						rules[i], p);
	}
	return 0;
}

static int v1_set_devices(struct lxm_cgroup *cg, const char *const *rules)
{
	struct lxm_cgroup_hier *h = lxm_cg_hier(cg, "devices");
	int r;

	if (!h)
		return lxm_cg_set_error(cg, -EOPNOTSUPP, "No devices hierarchy: %m");
	/* Deny everything first, so a device nobody listed (a host disk) stays out of reach. */
	r = lxm_cg_write(cg, h->path, "devices.deny", "a");
	if (r >= 0 && rules && rules[0])
		r = write_rules(cg, h->path, "devices.allow", rules);
	/* Only now the inner cgroup (v1_create): it starts with a copy of the payload's list. */
	if (h->inner && mkdir(h->inner, 0755) < 0 && errno != EEXIST && r >= 0)
		r = lxm_cg_set_error(cg, negative_errno(), "Failed to create cgroup '%s': %m", h->inner);
	return r;
}

const struct lxm_cgroup_ops lxm_cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.kill = v1_kill,
	.set_limits = v1_set_limits,
	.get_usage = v1_get_usage,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.set_devices = v1_set_devices,
};
