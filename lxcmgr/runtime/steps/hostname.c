/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Step 'hostname' (child): the config's hostname, else the container's name, in its own UTS
 * namespace (the host's name is untouched). */
#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"

int lxm_child_step_hostname(struct lxm_start_ctx *ctx)
{
	const char *h = lxm_cfg_str(ctx->container->config, "hostname") ?: ctx->container->name;

	if (!h)
		return 0;
	if (sethostname(h, strlen(h)) < 0)
		return lxm_step_fail(ctx, negative_errno(), "hostname '%s'", h);
	return 0;
}
