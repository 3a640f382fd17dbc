/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unified (v2) back end, written to Documentation/admin-guide/cgroup-v2.rst.
 *
 * Delegation for systemd inside: the payload cgroup holds the limits; its parent's
 * cgroup.subtree_control enables the controllers so the limits apply. Without an inner cgroup
 * init runs in the payload itself, which then must not enable its subtree_control
 * (no-internal-process rule). With an inner cgroup (the payload's
 * "init", lxm_cgroup_set_inner()) the payload has no process and enables every controller in
 * its own subtree_control; init runs in the inner cgroup, the root of its cgroup namespace, so
 * it sees that one as "/"; systemd moves itself into "/init.scope" and then enables the
 * controllers it wants in the inner cgroup's subtree_control, which it owns.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup/cgroup-bpf.h"
#include "cgroup/internal.h"
#include "util/log.h"
#include "util/macros.h"

static const char *const wanted[] = { "cpuset", "cpu", "io", "memory", "pids" };

/* Enables every wanted controller available in dir for its children, one at a time so one the
 * kernel refuses (cpu with realtime tasks in the root) does not block the others. */
static int enable_controllers(const char *dir)
{
	_cleanup_free_ char *avail = NULL, *on = NULL;

	if (lxm_cg_read(dir, "cgroup.controllers", &avail) < 0)
		return 0;
	if (lxm_cg_read(dir, "cgroup.subtree_control", &on) < 0)
		on = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++) {
		char buf[32];
		size_t l = strlen(wanted[i]);
		bool in_avail = false, in_on = false;

		for (const char *p = avail; *p; p += strcspn(p, " "), p += strspn(p, " "))
			in_avail |= strncmp(p, wanted[i], l) == 0 && (p[l] == ' ' || !p[l]);
		for (const char *p = on ?: ""; *p; p += strcspn(p, " "), p += strspn(p, " "))
			in_on |= strncmp(p, wanted[i], l) == 0 && (p[l] == ' ' || !p[l]);
		if (!in_avail || in_on)
			continue;
		snprintf(buf, sizeof(buf), "+%s", wanted[i]);
		if (lxm_cg_write(NULL, dir, "cgroup.subtree_control", buf) < 0)
			log_debug("Failed to enable %s in '%s', ignoring", wanted[i], dir);
	}
	return 0;
}

static int enable_fixup(const char *parent, const char *dir)
{
	return enable_controllers(parent);
}

static int v2_create(struct lxm_cgroup *cg)
{
	struct lxm_cgroup_hier *h = &cg->h[0];
	int r;

	r = enable_controllers(h->mount_path);
	if (r >= 0 && STRNEQ(h->parent, h->mount_path))
		r = lxm_cg_mkdir_parents(h->mount_path, h->parent, enable_fixup);
	if (r >= 0)
		r = enable_controllers(h->parent);
	if (r >= 0 && mkdir(h->path, 0755) < 0 && errno != EEXIST)
		r = negative_errno();
	if (r < 0)
		return lxm_cg_set_error(cg, r, "Failed to create cgroup '%s': %m", h->path);
	if (!h->inner)
		return 0;
	/* The payload holds no process (they all run in the inner cgroup), so it may distribute
	 * its controllers: the inner cgroup, the container's root, gets them for systemd inside. */
	r = enable_controllers(h->path);
	if (r >= 0 && mkdir(h->inner, 0755) < 0 && errno != EEXIST)
		r = negative_errno();
	if (r < 0)
		return lxm_cg_set_error(cg, r, "Failed to create cgroup '%s': %m", h->inner);
	return 0;
}

static int freeze_hier(struct lxm_cgroup *cg, struct lxm_cgroup_hier *h, bool freeze)
{
	int r;

	r = lxm_cg_write(cg, h->path, "cgroup.freeze", freeze ? "1" : "0");
	if (r < 0)
		return r;
	/* cgroup.events gets "frozen 1" once every task is frozen, with a modify event. */
	r = lxm_cg_wait_key(h->path, "cgroup.events", "frozen", freeze ? 1 : 0, LXM_CG_TIMEOUT_MS);
	if (r < 0)
		return lxm_cg_set_error(cg, r, "Failed to wait for 'frozen %d' in '%s/cgroup.events': %m",
					freeze, h->path);
	return 0;
}

static int v2_freeze(struct lxm_cgroup *cg, bool freeze)
{
	return freeze_hier(cg, &cg->h[0], freeze);
}

static int v2_is_frozen(struct lxm_cgroup *cg)
{
	uint64_t v;
	int r;

	r = lxm_cg_read_key(cg->h[0].path, "cgroup.events", "frozen", &v);
	if (r < 0)
		return r == -ENOENT ? -EOPNOTSUPP : r;
	return v != 0;
}

int lxm_cg_v2_kill(struct lxm_cgroup *cg, struct lxm_cgroup_hier *h)
{
	int r;

	if (lxm_cg_file_exists(h->path, "cgroup.kill")) {
		/* Kernel >= 5.14: kills the whole subtree atomically, forks included. */
		r = lxm_cg_write(cg, h->path, "cgroup.kill", "1");
		if (r < 0)
			return r;
	} else {
		_cleanup_free_ struct pollfd *pfd = NULL;
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0, nfd = 0;

		/* Frozen tasks cannot fork; v2 lets SIGKILL end frozen tasks. */
		r = freeze_hier(cg, h, true);
		if (r >= 0)
			r = lxm_cg_pids_recursive(h->path, &pids, &n);
		if (r >= 0)
			r = lxm_cg_pidfds_kill(pids, n, &pfd, &nfd);
		if (r >= 0)
			r = lxm_cg_pidfds_wait(pfd, nfd, LXM_CG_TIMEOUT_MS);
		(void)lxm_cg_write(NULL, h->path, "cgroup.freeze", "0");
		if (r < 0)
			return lxm_cg_set_error(cg, r, "Failed to kill the processes in '%s': %m", h->path);
	}
	r = lxm_cg_wait_key(h->path, "cgroup.events", "populated", 0, LXM_CG_TIMEOUT_MS);
	if (r < 0)
		return lxm_cg_set_error(cg, r, "Failed to wait for '%s' to become empty: %m", h->path);
	return 0;
}

static int v2_kill(struct lxm_cgroup *cg)
{
	return lxm_cg_v2_kill(cg, &cg->h[0]);
}

static void fmt_max(char *buf, size_t size, uint64_t v)
{
	if (v == LXM_CGROUP_MAX)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static int v2_apply(struct lxm_cg_tx *tx, const char *dir, const struct lxm_cgroup_limits *l, char **notes)
{
	char buf[64];
	int r = 0;

	if (l->memory != LXM_CGROUP_UNSET) {
		fmt_max(buf, sizeof(buf), l->memory);
		r = lxm_cg_tx_write(tx, dir, "memory.max", buf);
	}
	if (r >= 0 && l->memory_high != LXM_CGROUP_UNSET) {
		fmt_max(buf, sizeof(buf), l->memory_high);
		r = lxm_cg_tx_write(tx, dir, "memory.high", buf);
	}
	if (r >= 0 && l->swap != LXM_CGROUP_UNSET) {
		fmt_max(buf, sizeof(buf), l->swap);
		r = lxm_cg_tx_write(tx, dir, "memory.swap.max", buf);
	}
	if (r >= 0 && l->cpus_milli != LXM_CGROUP_UNSET) {
		if (l->cpus_milli == LXM_CGROUP_MAX)
			snprintf(buf, sizeof(buf), "max %d", LXM_CGROUP_CPU_PERIOD_US);
		else
			snprintf(buf, sizeof(buf), "%" PRIu64 " %d",
				 l->cpus_milli * LXM_CGROUP_CPU_PERIOD_US / 1000, LXM_CGROUP_CPU_PERIOD_US);
		r = lxm_cg_tx_write(tx, dir, "cpu.max", buf);
	}
	if (r >= 0 && l->cpu_weight != LXM_CGROUP_UNSET) {
		snprintf(buf, sizeof(buf), "%" PRIu64, l->cpu_weight);
		r = lxm_cg_tx_write(tx, dir, "cpu.weight", buf);
	}
	if (r >= 0 && l->cpuset)
		r = lxm_cg_tx_write(tx, dir, "cpuset.cpus", l->cpuset);
	if (r >= 0 && l->pids != LXM_CGROUP_UNSET) {
		fmt_max(buf, sizeof(buf), l->pids);
		r = lxm_cg_tx_write(tx, dir, "pids.max", buf);
	}
	if (r >= 0 && l->io_weight != LXM_CGROUP_UNSET) {
		/* io.weight needs the CFQ-successor io.cost; with BFQ only io.bfq.weight (1-1000) exists. */
		if (!lxm_cg_file_exists(dir, "io.weight") && !lxm_cg_file_exists(dir, "io.bfq.weight"))
			r = lxm_cg_note(notes, "io_weight is ignored: no io.weight or io.bfq.weight (io controller "
					       "off, or neither io.cost nor BFQ in the kernel)");
		else if (lxm_cg_file_exists(dir, "io.weight")) {
			snprintf(buf, sizeof(buf), "default %" PRIu64, l->io_weight);
			r = lxm_cg_tx_write(tx, dir, "io.weight", buf);
		} else {
			snprintf(buf, sizeof(buf), "default %" PRIu64, lxm_cgroup_io_weight_to_bfq(l->io_weight));
			r = lxm_cg_tx_write(tx, dir, "io.bfq.weight", buf);
		}
	}
	return r;
}

static int v2_set_limits(struct lxm_cgroup *cg, const struct lxm_cgroup_limits *l, char **notes)
{
	struct lxm_cg_tx tx = { .cg = cg };
	int r;

	r = v2_apply(&tx, cg->h[0].path, l, notes);
	if (r < 0)
		lxm_cg_tx_rollback(&tx);
	else
		lxm_cg_tx_done(&tx);
	return r;
}

static int v2_get_usage(struct lxm_cgroup *cg, struct lxm_cgroup_usage *u)
{
	const char *dir = cg->h[0].path;

	(void)lxm_cg_read_u64(dir, "memory.current", &u->memory_current);
	(void)lxm_cg_read_u64(dir, "memory.peak", &u->memory_peak);
	(void)lxm_cg_read_u64(dir, "memory.swap.current", &u->swap_current);
	(void)lxm_cg_read_u64(dir, "pids.current", &u->pids_current);
	(void)lxm_cg_read_key(dir, "cpu.stat", "usage_usec", &u->cpu_usage_usec);
	(void)lxm_cg_read_key(dir, "cpu.stat", "user_usec", &u->cpu_user_usec);
	(void)lxm_cg_read_key(dir, "cpu.stat", "system_usec", &u->cpu_system_usec);
	return 0;
}

static int v2_set_devices(struct lxm_cgroup *cg, const char *const *rules)
{
	int r;

	/* v2 has no devices.* files: the allow-list is a BPF_CGROUP_DEVICE program. */
	r = lxm_cgroup_bpf_devices_attach(cg->h[0].path, rules);
	if (r < 0)
		return lxm_cg_set_error(cg, r, "Failed to attach the device allow-list program to '%s': %m",
					cg->h[0].path);
	return 0;
}

const struct lxm_cgroup_ops lxm_cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.kill = v2_kill,
	.set_limits = v2_set_limits,
	.get_usage = v2_get_usage,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.set_devices = v2_set_devices,
};
