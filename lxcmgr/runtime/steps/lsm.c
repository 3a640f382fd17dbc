/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'lsm' (child): the place where init's AppArmor profile is set for the exec (aa_change_onexec
 * of the generated per-container profile). Filled by the security work; this kernel has no
 * AppArmor, so nothing happens yet.
 */
#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_child_step_lsm(struct lxm_start_ctx *ctx)
{
	return 0;
}
