/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the command files. */
#pragma once

#include <stdbool.h>

#include "cli/context.h"

/* Makes sure ctx->global is loaded (main() loads it for every command but help; this is a no-op
 * then, also where main() loaded it for its paths only: NULL without a file) and its path
 * overrides applied. -EINVAL (logged) for an invalid file. */
int lxm_cli_load_global(struct lxm_context *ctx);

enum lxm_output_format {
	LXM_FORMAT_TABLE = 0,
	LXM_FORMAT_JSON,
};
/* "table" | "json"; -EINVAL (logged) otherwise. */
int lxm_output_format_from_string(const char *s, enum lxm_output_format *ret);

/* A string value of the container config through its dotted key; NULL when unset or on error. */
char *lxm_cli_config_str(void *cfg, const char *key);

/* Exactly one positional argument after the options (argv[optind]); -EINVAL (logged) otherwise. */
int lxm_cli_one_name(int argc, char **argv, const char *cmd, const char **ret);
