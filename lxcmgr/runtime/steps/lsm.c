/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'lsm' (child): init enters the container's AppArmor profile at its execve()
 * (aa_change_onexec), so nothing of lxcmgr's own setup runs confined and init never runs
 * unconfined. The parent generated and loaded the profile before clone
 * (lxm_start_prepare_lsm). Where the kernel has no AppArmor the container starts unconfined and
 * `info` says why (lxm_apparmor_status()).
 */
#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "security/apparmor.h"
#include "util/log.h"

int lxm_start_prepare_lsm(struct lxm_start_ctx *ctx)
{
	const char *setting = lxm_cfg_str(ctx->container->config, "security.apparmor");
	const char *uuid = lxm_cfg_str(ctx->container->config, "uuid");
	const char *note;
	int r = lxm_apparmor_plan(setting, uuid, &ctx->apparmor_profile, &note);
	if (r < 0)
		return log_error_errno(r, "Failed to plan the AppArmor profile of '%s': %m", ctx->container->name);
	if (!ctx->apparmor_profile) {
		log_debug("AppArmor for '%s': %s", ctx->container->name, note);
		return 0;
	}
	if (!IS_EMPTY(setting) && !STREQ(setting, "generated"))
		return 0; /* a named profile: the administrator loaded it */

	_cleanup_free_ char *text = NULL;
	r = lxm_apparmor_generate(uuid, &text);
	if (r < 0)
		return r;
	r = lxm_apparmor_load(text);
	if (r < 0)
		return log_error_errno(r, "Failed to load the AppArmor profile '%s': %m", ctx->apparmor_profile);
	log_debug("AppArmor profile '%s' loaded", ctx->apparmor_profile);
	return 0;
}

int lxm_child_step_lsm(struct lxm_start_ctx *ctx)
{
	if (!ctx->apparmor_profile)
		return 0;
	int r = lxm_apparmor_exec_into(ctx->apparmor_profile);
	if (r < 0)
		return lxm_step_fail(ctx, r, "aa_change_onexec('%s')", ctx->apparmor_profile);
	return 0;
}
