/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command table: matched exactly, never by prefix. */
#pragma once

#include "cli/context.h"

struct lxm_command {
	const char *name;
	/* argv[0] is the command name; returns an exit code (>= 0) or -errno. */
	int (*run)(struct lxm_context *ctx, int argc, char **argv);
	const char *summary;
	const char *usage; /* text after "Usage: lxcmgr NAME", options included */
};

const struct lxm_command *lxm_command_find(const char *name);
void lxm_commands_print(FILE *f);
/* The names of the non-hidden commands, one a line (man page check, completion). */
void lxm_commands_print_names(FILE *f);
void lxm_command_print_usage(const struct lxm_command *c, FILE *f);

int lxm_cmd_help(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_start(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_stop(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_restart(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_kill(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_console(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_exec(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_shell(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_monitor(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_config(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_create(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_list(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_info(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_destroy(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_check(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_template(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_net(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_plan(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_apply(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_export_config(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_port(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_limit(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_stats(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_freeze(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_unfreeze(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_internal_commands(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_internal_config_keys(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_internal_state_cleanup(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_internal_network_up(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_internal_net_forwards(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_internal_warm_text(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_metrics(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_snapshot(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_copy(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_rename(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_export(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_import(struct lxm_context *ctx, int argc, char **argv);
int lxm_cmd_autostart(struct lxm_context *ctx, int argc, char **argv);
