/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "util/log.h"
#include "util/parse.h"

int lxm_cmd_restart(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "timeout", required_argument, NULL, 't' },
		{},
	};
	uint64_t timeout = 30;
	int c, r;

	while ((c = getopt_long(argc, argv, "t:", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (lxm_parse_uint(optarg, 0, 86400, &timeout) < 0)
				return log_error_errno(-EINVAL, "Invalid timeout '%s'", optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr restart NAME [-t SECONDS]");
	const char *name = argv[optind];
	_cleanup_close_ int lock = -EBADF;
	r = lxm_cli_runtime_open(ctx, name, NULL, &lock);
	if (r < 0)
		return r;
	r = lxm_cli_stop_locked(ctx, name, (unsigned)timeout, true);
	if (r < 0)
		return r;
	r = lxm_cli_start_locked(ctx, name);
	return r < 0 ? -EIO : 0;
}
