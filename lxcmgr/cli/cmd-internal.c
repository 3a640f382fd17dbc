/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hidden commands that print what the code knows, for the man page check and the bash completion:
 *   lxcmgr __commands               the command table's non-hidden names, one a line
 *   lxcmgr __config-keys [--global]  every key of the container (or global) config schema, dotted;
 *                                     a titled section (network, mount, forward) appears as
 *                                     SECTION.NAME.KEY, as `config get/set` spell it
 *   lxcmgr __warm-text FILE...       the read-only segments of FILE (the static lxcmgr) into huge
 *                                     page-cache folios (util/huge-text.h); run by the build,
 *                                     `make install` and the boot service
 */
#include "cli/commands.h"
#include "config/schema.h"
#include "util/huge-text.h"
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

/* In lxcmgr-full, never in the static lxcmgr (not in cli/front.c's list): a process that maps the
 * file pins the 4 KiB pages the warm-up drops. Blocks left in 4 KiB pages are not an error: the
 * static lxcmgr runs as before, only without its huge pages. */
int lxm_cmd_internal_warm_text(struct lxm_context *ctx, int argc, char **argv)
{
	int r = 0;

	(void)ctx;
	if (argc < 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr __warm-text FILE...");
	for (int i = 1; i < argc; i++) {
		struct lxm_huge_text_result res;
		int k = lxm_huge_text_warm(argv[i], &res);
		if (k < 0) {
			r = log_error_errno(k, "Failed to read the program headers of '%s': %m", argv[i]);
			continue;
		}
		if (res.blocks == 0)
			printf("%s: no segment laid out for huge pages\n", argv[i]);
		else
			printf("%s: %u of %u blocks of 2 MiB in huge pages%s\n", argv[i], res.warmed, res.blocks,
			       res.warmed < res.blocks ? " (the others stay in 4 KiB pages: mapped by a running process, "
							 "no large folios on this filesystem, or no free 2 MiB of memory)"
							 : "");
	}
	return r;
}
