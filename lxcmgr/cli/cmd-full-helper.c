/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr __state-cleanup NAME: settles a container whose monitor was lost (lxm_state_cleanup()) for
 * the statically linked lxcmgr, which cannot load libnftables for its port forwards
 * (runtime/full-helper.h). Exit status 10 when something was killed, 0 when not.
 */
#include "cli/commands.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/log.h"

int lxm_cmd_internal_state_cleanup(struct lxm_context *ctx, int argc, char **argv)
{
	bool killed = false;
	if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr __state-cleanup NAME");
	int r = lxm_name_validate(argv[1]);
	if (r < 0)
		return r;
	r = lxm_state_cleanup(&ctx->paths, argv[1], &killed);
	if (r < 0)
		return r;
	return killed ? 10 : 0;
}
