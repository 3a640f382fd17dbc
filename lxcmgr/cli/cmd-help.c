/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/commands.h"
#include "util/log.h"

int lxm_cmd_help(struct lxm_context *ctx, int argc, char **argv)
{
	if (argc > 1) {
		const struct lxm_command *c = lxm_command_find(argv[1]);
		if (!c)
			return log_error_errno(-EINVAL, "Unknown command '%s'", argv[1]);
		lxm_command_print_usage(c, stdout);
		return 0;
	}
	printf("Usage: lxcmgr [--root DIR] [--log-level LEVEL] COMMAND [ARGS...]\n\n"
	       "Manage VM-like system containers.\n\n"
	       "Global options:\n"
	       "  --root DIR          prefix every path lxcmgr uses with DIR (also $LXCMGR_ROOT)\n"
	       "  --log-level LEVEL   error, warning, info, debug or trace (default warning)\n"
	       "  --version           print the version\n"
	       "  -h, --help          show this help\n\n"
	       "Commands:\n");
	lxm_commands_print(stdout);
	printf("\nRun 'lxcmgr COMMAND --help' for a command's options.\n");
	return 0;
}
