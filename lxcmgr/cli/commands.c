/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/commands.h"
#include "util/macros.h"

static const struct lxm_command commands[] = {
	{ "help", lxm_cmd_help, "Show help for lxcmgr or one command", "[COMMAND]" },
	{ "template", lxm_cmd_template, "List, build, refresh or remove cached templates",
	  "list [--format table|json] | build TEMPLATE [--release R] [--arch A] [--init I] [--mirror URL] "
	  "[--rootfs DIR] [--no-cache] | refresh KEY | remove KEY" },
};

const struct lxm_command *lxm_command_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (STREQ(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void lxm_commands_print(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

void lxm_command_print_usage(const struct lxm_command *c, FILE *f)
{
	fprintf(f, "Usage: lxcmgr %s %s\n\n%s\n", c->name, c->usage, c->summary);
}

int lxm_exit_code(int r)
{
	switch (r) {
	case -EINVAL:
	case -ENAMETOOLONG:
	case -E2BIG:
		return LXM_EXIT_USAGE;
	case -ENOENT:
	case -ENXIO:
		return LXM_EXIT_NOT_FOUND;
	case -EEXIST:
	case -EBUSY:
	case -EALREADY:
	case -EAGAIN:
	case -ESRCH:
		return LXM_EXIT_STATE;
	default:
		return r < 0 ? LXM_EXIT_FAILURE : r;
	}
}
