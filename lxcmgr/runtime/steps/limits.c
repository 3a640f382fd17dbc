/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'limits' (parent): applies the config's limits section to the payload cgroup before init
 * runs. The place for the resources work (cgroup module); nothing is applied yet.
 */
#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_start_step_limits(struct lxm_start_ctx *ctx)
{
	log_debug("Step 'limits': no limit support in the cgroup module yet");
	return 0;
}
