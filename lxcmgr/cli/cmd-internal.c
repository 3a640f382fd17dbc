/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hidden commands that print what the code knows, for the man page check and the bash completion:
 *   lxcmgr __commands               the command table's non-hidden names, one a line
 *   lxcmgr __config-keys [--global]  every key of the container (or global) config schema, dotted;
 *                                     a titled section (network, mount, forward) appears as
 *                                     SECTION.NAME.KEY, as `config get/set` spell it
 */
#include "cli/commands.h"
#include "config/schema.h"
#include "util/log.h"

int lxm_cmd_internal_commands(struct lxm_context *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argv;
	if (argc > 1)
		return log_error_errno(-EINVAL, "Usage: lxcmgr __commands");
	lxm_commands_print_names(stdout);
	return 0;
}

static void print_keys(cfg_opt_t *opts, const char *prefix, bool skip_defaults)
{
	for (; opts && opts->name; opts++) {
		char key[256];
		snprintf(key, sizeof(key), "%s%s", prefix, opts->name);
		if (opts->type != CFGT_SEC) {
			printf("%s\n", key);
			continue;
		}
		/* The global `defaults` block holds container sections: documented once, with them. */
		if (skip_defaults && STREQ(opts->name, "defaults")) {
			printf("%s\n", key);
			continue;
		}
		char sub[300];
		snprintf(sub, sizeof(sub), "%s%s", key, (opts->flags & CFGF_TITLE) ? ".NAME." : ".");
		print_keys(opts->subopts, sub, skip_defaults);
	}
}

int lxm_cmd_internal_config_keys(struct lxm_context *ctx, int argc, char **argv)
{
	(void)ctx;
	if (argc == 1)
		print_keys(lxm_schema_container_opts(), "", false);
	else if (argc == 2 && STREQ(argv[1], "--global"))
		print_keys(lxm_schema_global_opts(), "", true);
	else
		return log_error_errno(-EINVAL, "Usage: lxcmgr __config-keys [--global]");
	return 0;
}
