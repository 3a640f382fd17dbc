/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <getopt.h>

#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "runtime/console-client.h"
#include "util/log.h"
#include "util/parse.h"

int lxm_cmd_console(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "tty", required_argument, NULL, 't' },
		{ "escape", required_argument, NULL, 'e' },
		{ "log", no_argument, NULL, 'l' },
		{},
	};
	uint64_t tty = 0;
	char escape = 'a';
	bool log = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "t:e:l", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (lxm_parse_uint(optarg, 0, 63, &tty) < 0)
				return log_error_errno(-EINVAL, "Invalid tty '%s'", optarg);
			break;
		case 'e':
			if (strlen(optarg) != 1 || !isalpha((unsigned char)optarg[0]))
				return log_error_errno(-EINVAL, "Invalid escape '%s': one letter, a for Ctrl-a",
						       optarg);
			escape = (char)tolower((unsigned char)optarg[0]);
			break;
		case 'l':
			log = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr console NAME [--tty N] [--escape C] [--log]");
	const char *name = argv[optind];
	r = lxm_cli_runtime_open(ctx, name, NULL, NULL);
	if (r < 0)
		return r;
	if (log)
		return lxm_console_print_log(&ctx->paths, name);
	return lxm_console_client(&ctx->paths, name, (unsigned)tty, escape);
}
