/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/cli-services.h"
#include "runtime/state.h"
#include "util/log.h"

int lxm_cli_require_stopped(struct lxm_context *ctx, const char *name, const char *what)
{
	struct lxm_state_info si;
	int r = lxm_state_query(&ctx->paths, name, &si);
	if (r < 0)
		return log_error_errno(r, "Failed to read the state of '%s': %m", name);
	enum lxm_state s = si.state;
	lxm_state_info_done(&si);
	if (s != LXM_STATE_STOPPED)
		return log_error_errno(-EBUSY, "Container '%s' is %s: stop it before %s", name, lxm_state_to_string(s),
				       what);
	return 0;
}
