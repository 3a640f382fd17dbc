/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr import FILE [NAME] */
#include <stdio.h>
#include <unistd.h>

#include "cli/commands.h"
#include "services/import.h"
#include "util/log.h"

int lxm_cmd_import(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_free_ char *name = NULL;
	int r;

	if (argc < 2 || argc > 3)
		return log_error_errno(-EINVAL, "Usage: lxcmgr import FILE [NAME]");
	if (access(argv[1], R_OK) < 0)
		return log_error_errno(negative_errno(), "Cannot read '%s': %m", argv[1]);
	r = lxm_import_read(&ctx->paths, argv[1], argc == 3 ? argv[2] : NULL, isatty(STDERR_FILENO), &name);
	if (r < 0)
		return r;
	if (isatty(STDOUT_FILENO))
		printf("Imported container '%s'\n", name);
	return 0;
}
