/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'idmap' (parent): the place for the user namespace's uid/gid maps (written by the parent
 * into /proc/PID/{uid,gid}_map before the child mounts anything). Filled by the security work;
 * a privileged container has no user namespace and nothing to do here.
 */
#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_start_step_idmap(struct lxm_start_ctx *ctx)
{
	cfg_t *cfg = ctx->container->config;

	if (!lxm_cfg_bool(cfg, "security.privileged", true))
		log_warning("Container '%s' asks for a user namespace, which is not implemented yet: "
			    "it runs privileged",
			    ctx->container->name);
	return 0;
}
