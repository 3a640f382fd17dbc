/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include "cli/cli-common.h"
#include "config/config.h"
#include "config/global.h"
#include "util/log.h"

int lxm_cli_load_global(struct lxm_context *ctx)
{
	if (ctx->global || ctx->global_paths_only)
		return 0;
	return lxm_global_config_load(&ctx->paths, &ctx->global);
}

int lxm_output_format_from_string(const char *s, enum lxm_output_format *ret)
{
	if (STREQ(s, "table"))
		*ret = LXM_FORMAT_TABLE;
	else if (STREQ(s, "json"))
		*ret = LXM_FORMAT_JSON;
	else
		return log_error_errno(-EINVAL, "Unknown format '%s' (table, json)", s);
	return 0;
}

char *lxm_cli_config_str(void *cfg, const char *key)
{
	char *v = NULL;
	if (!cfg || lxm_config_get(cfg, key, &v) < 0)
		return NULL;
	return v;
}

int lxm_cli_one_name(int argc, char **argv, const char *cmd, const char **ret)
{
	if (optind >= argc)
		return log_error_errno(-EINVAL, "Missing container name, see 'lxcmgr %s --help'", cmd);
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL, "Unexpected argument '%s', see 'lxcmgr %s --help'", argv[optind + 1], cmd);
	*ret = argv[optind];
	return 0;
}
