/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Part of step 'cgroup' (parent): the device allow-list on the payload cgroup, before init joins
 * it. The minimal /dev (steps/dev.c) only decides which nodes exist; this decides which nodes
 * can be opened, so a node the container makes itself (mknod b 8 0 for the host's disk) stays
 * useless. Fails the start when it cannot be enforced: a container that silently runs without it
 * could read every disk of the host.
 */
#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "security/devices.h"
#include "util/log.h"

int lxm_start_step_devices(struct lxm_start_ctx *ctx)
{
	struct lxm_cgroup *cg = ctx->params->payload;
	_cleanup_strv_free_ char **extra = NULL;
	_cleanup_free_ struct lxm_device_rule *rules = NULL;
	size_t n;
	const char *how = NULL;

	if (!cg)
		return 0;
	int r = lxm_cfg_strv(ctx->container->config, "security.devices", &extra);
	if (r < 0)
		return log_error_errno(r, "Failed to read security.devices: %m");
	r = lxm_devices_rules((const char *const *)extra, &rules, &n);
	if (r < 0)
		return r;
	r = lxm_devices_apply(cg, rules, n, &how);
	if (r < 0) {
		const char *why = lxm_cgroup_strerror(cg);
		return log_error_errno(r, "Failed to apply the device allow-list through the %s%s%s: %m", how,
				       why ? ": " : "", why ? why : "");
	}
	log_debug("Step 'cgroup': device allow-list (%zu rules) through the %s", n, how);
	return 0;
}
