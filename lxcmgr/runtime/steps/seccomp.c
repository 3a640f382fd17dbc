/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'seccomp' (child): no_new_privs when the config asks for it, then the deny-list filter
 * (security.seccomp = "default" | "none" | PATH), last before the exec so no earlier step is
 * filtered. The filter was parsed and compiled by the parent before clone
 * (lxm_start_prepare_seccomp), so a broken profile fails the start before any namespace exists
 * and the child only makes one system call.
 */
#include <sys/prctl.h>

#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "security/seccomp.h"
#include "util/log.h"

int lxm_start_prepare_seccomp(struct lxm_start_ctx *ctx)
{
	const char *setting = lxm_cfg_str(ctx->container->config, "security.seccomp");
	int r = lxm_seccomp_load(setting ? setting : "default", ctx->params->paths, &ctx->seccomp);
	if (r < 0)
		return log_error_errno(r, "Failed to prepare the seccomp filter of '%s': %m", ctx->container->name);
	return 0;
}

int lxm_child_step_seccomp(struct lxm_start_ctx *ctx)
{
	/* no_new_privs: setuid binaries and file capabilities inside stop granting privileges, so
	 * a process that lost a capability cannot win it back through a setuid-root program. Off
	 * by default: a distro's su, sudo, ping and passwd rely on setuid. */
	if (lxm_cfg_bool(ctx->container->config, "security.no_new_privs", false) &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return lxm_step_fail(ctx, negative_errno(), "PR_SET_NO_NEW_PRIVS");
	int r = lxm_seccomp_apply(ctx->seccomp);
	if (r == -EACCES)
		return lxm_step_fail(ctx, r, "loading the seccomp filter needs CAP_SYS_ADMIN or "
					     "security.no_new_privs = true (sys_admin is in cap_drop)");
	if (r < 0)
		return lxm_step_fail(ctx, r, "loading the seccomp filter");
	return 0;
}
