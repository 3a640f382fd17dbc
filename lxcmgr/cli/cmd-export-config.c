/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr export-config [NAME...]: existing containers as a provisioning file, on stdout. */
#include "cli/commands.h"
#include "provision/export.h"
#include "store/store.h"
#include "util/log.h"

int lxm_cmd_export_config(struct lxm_context *ctx, int argc, char **argv)
{
	int r;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return log_error_errno(-EINVAL, "Usage: lxcmgr export-config [NAME...]");
		r = lxm_name_validate(argv[i]);
		if (r < 0)
			return r;
	}
	r = lxm_provision_export(&ctx->paths, argv + 1, stdout);
	if (r < 0)
		return r == -ENOENT ? r : log_error_errno(r, "Failed to export: %m");
	return fflush(stdout) == 0 ? 0 : -EIO;
}
