/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'limits' (parent): the config's limits section onto the payload cgroup, before init runs
 * (lxm_cgroup_set_limits is all or nothing). Values were validated when the config was loaded;
 * a value the kernel refuses fails the start with the file and value named.
 */
#include "resources/limits.h"
#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "util/log.h"
#include "util/parse.h"

static int size_of(cfg_t *sec, const char *key, uint64_t *ret)
{
	const char *s = lxm_cfg_str(sec, key);

	if (!s)
		return 0;
	return lxm_parse_size(s, ret);
}

static void int_of(cfg_t *sec, const char *key, uint64_t *ret)
{
	cfg_opt_t *o = lxm_cfg_find(sec, key);

	if (o && o->type == CFGT_INT && cfg_opt_size(o) > 0 && cfg_opt_getnint(o, 0) > 0)
		*ret = (uint64_t)cfg_opt_getnint(o, 0);
}

/* The config's limits section as cgroup limits (unset keys stay LXM_CGROUP_UNSET). */
static int limits_from_config(cfg_t *sec, struct lxm_cgroup_limits *l)
{
	const char *pids = lxm_cfg_str(sec, "pids");
	cfg_opt_t *cpus = lxm_cfg_find(sec, "cpus");
	int r;

	if ((r = size_of(sec, "memory", &l->memory)) < 0 || (r = size_of(sec, "memory_high", &l->memory_high)) < 0 ||
	    (r = size_of(sec, "swap", &l->swap)) < 0)
		return r;
	if (cpus && cpus->type == CFGT_FLOAT && cfg_opt_size(cpus) > 0 &&
	    (r = lxm_cpus_to_milli(cfg_opt_getnfloat(cpus, 0), &l->cpus_milli)) < 0)
		return r;
	int_of(sec, "cpu_weight", &l->cpu_weight);
	int_of(sec, "io_weight", &l->io_weight);
	l->cpuset = lxm_cfg_str(sec, "cpuset");
	if (pids) {
		if (STREQ(pids, "max") || STREQ(pids, "unlimited"))
			l->pids = LXM_CGROUP_MAX;
		else if ((r = lxm_parse_uint(pids, 1, UINT32_MAX, &l->pids)) < 0)
			return r;
	}
	return 0;
}

int lxm_start_step_limits(struct lxm_start_ctx *ctx)
{
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	_cleanup_free_ char *notes = NULL;
	cfg_t *sec = lxm_cfg_sec(ctx->container->config, "limits", 0);
	/* The inner cgroup goes to the container's root here, while the child builds its cgroupfs
	 * and /dev (it waits for this step before its network step, pivot_root and exec) */
	int r = lxm_start_cgroup_hand_over(ctx);
	if (r < 0)
		return r;

	if (!sec || !ctx->params->payload)
		return 0;
	r = limits_from_config(sec, &l);
	if (r < 0)
		return log_error_errno(r, "Invalid limits in the config of '%s': %m", ctx->container->name);
	/* CPUs offline since the config was written: say which one instead of the kernel's EINVAL */
	if (l.cpuset && (r = lxm_cpuset_check_online(l.cpuset, NULL)) < 0)
		return r;
	r = lxm_cgroup_set_limits(ctx->params->payload, &l, &notes);
	if (r < 0 && lxm_cgroup_strerror(ctx->params->payload))
		return log_error_errno(r, "Failed to apply the limits of '%s': %s", ctx->container->name,
				       lxm_cgroup_strerror(ctx->params->payload));
	if (r < 0)
		return log_error_errno(r, "Failed to apply the limits of '%s': %m", ctx->container->name);
	if (notes)
		log_warning("Limits of '%s': %s", ctx->container->name, notes);
	return 0;
}
