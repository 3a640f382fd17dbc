/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr export NAME FILE [--snapshots] */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli-runtime.h"
#include "cli/cli-services.h"
#include "cli/commands.h"
#include "services/export.h"
#include "util/log.h"

int lxm_cmd_export(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "snapshots", no_argument, NULL, 's' },
		{},
	};
	_cleanup_container_free_ struct lxm_container *c = NULL;
	_cleanup_close_ int lock = -EBADF;
	bool snapshots = false;
	int o, r;

	while ((o = getopt_long(argc, argv, "s", options, NULL)) != -1) {
		if (o != 's')
			return -EINVAL;
		snapshots = true;
	}
	if (argc - optind != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr export NAME FILE [--snapshots]");
	const char *name = argv[optind], *file = argv[optind + 1];
	if ((r = lxm_cli_runtime_open(ctx, name, &c, &lock)) < 0)
		return r;
	/* A running container's rootfs changes while it is read: the archive would be inconsistent. */
	if ((r = lxm_cli_require_stopped(ctx, name, "exporting it")) < 0)
		return r;
	if ((r = lxm_export_write(c, file, snapshots, isatty(STDERR_FILENO))) < 0)
		return r;
	if (isatty(STDOUT_FILENO))
		printf("Exported '%s' to '%s'\n", name, file);
	return 0;
}
