/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'seccomp' (child): the place where the default deny-list filter is loaded, last before the
 * exec so no earlier step is filtered. Filled by the security work; nothing is loaded yet.
 */
#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_child_step_seccomp(struct lxm_start_ctx *ctx)
{
	return 0;
}
