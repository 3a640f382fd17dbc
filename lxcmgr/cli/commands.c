/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/commands.h"
#include "util/macros.h"

static const struct lxm_command commands[] = {
	{ "help", lxm_cmd_help, "Show help for lxcmgr or one command", "[COMMAND]" },
	{ "start", lxm_cmd_start, "Start a container (boots its init under a monitor)", "NAME [--console] [-q]" },
	{ "stop", lxm_cmd_stop, "Stop a container cleanly (SIGKILL after the timeout)", "NAME [-t SECONDS] [-k] [-q]" },
	{ "restart", lxm_cmd_restart, "Stop and start a container", "NAME [-t SECONDS]" },
	{ "kill", lxm_cmd_kill, "Kill a container, or send a signal to its init", "NAME [SIGNAL]" },
	{ "console", lxm_cmd_console, "Attach to a container's console (Ctrl-a q detaches)",
	  "NAME [--tty N] [--escape C] [--log]" },
	{ "exec", lxm_cmd_exec, "Run a command inside a running container",
	  "NAME [--user U[:G]] [--cwd DIR] [--env K=V]... [-t|-T] -- COMMAND..." },
	{ "shell", lxm_cmd_shell, "Open a root login shell in a running container", "NAME" },
	{ "__monitor", lxm_cmd_monitor, NULL, "NAME FD" },
	{ "metrics", lxm_cmd_metrics, "Print per-container figures in the Prometheus text format",
	  "[--disk] [NAME...]" },
	{ "__commands", lxm_cmd_internal_commands, NULL, "" },
	{ "__config-keys", lxm_cmd_internal_config_keys, NULL, "[--global]" },
	{ "__state-cleanup", lxm_cmd_internal_state_cleanup, NULL, "NAME" },
	{ "__network-up", lxm_cmd_internal_network_up, NULL, "NETWORK" },
	{ "__net-forwards", lxm_cmd_internal_net_forwards, NULL, "add|remove NAME" },
	{ "__warm-text", lxm_cmd_internal_warm_text, NULL, "FILE..." },
	{ "config", lxm_cmd_config, "Show, get, set, unset or edit a container's config",
	  "NAME show | get KEY | set KEY VALUE | unset KEY | edit\n\nKEY is a dotted path: hostname, limits.memory, network.eth0.ipv4" },
	{ "create", lxm_cmd_create, "Create a container from a template or a rootfs tarball",
	  "NAME [-t TEMPLATE] [-r RELEASE] [--init INIT] [--arch ARCH] [--mirror URL] [--no-cache] [--storage dir|overlay] [-q]\n"
	  "       lxcmgr create NAME --from FILE [-r RELEASE] [--init INIT] [-q]" },
	{ "list", lxm_cmd_list, "List containers", "[--format table|json]" },
	{ "info", lxm_cmd_info, "Show a container's identity, state, paths and config summary",
	  "NAME [--format table|json] [--disk]" },
	{ "destroy", lxm_cmd_destroy, "Remove a container and its root filesystem", "NAME [--force] [-q]" },
	{ "net", lxm_cmd_net, "Create, list, show, delete or bring up managed networks",
	  "create NAME [--ipv4 CIDR|none] [--ipv6 CIDR] [--nat|--no-nat] [--dhcp|--no-dhcp] [--domain D]\n"
	  "                  [--dns-upstream host|none|IP[,IP]]\n"
	  "       lxcmgr net list [--format table|json] | show NAME | delete NAME | up NAME" },
	{ "port", lxm_cmd_port, "Add, remove or list a container's port forwards",
	  "NAME add [tcp|udp] HOST_PORT CONTAINER_PORT | remove [tcp|udp] HOST_PORT | list [--format table|json]" },
	{ "plan", lxm_cmd_plan, "Show what 'apply' would change (exit 0: nothing, 2: changes)", "FILE [--only NAME] [--prune]" },
	{ "apply", lxm_cmd_apply, "Create and update containers and networks declared in a provisioning file",
	  "FILE [--restart] [--prune] [--only NAME]" },
	{ "export-config", lxm_cmd_export_config, "Write a provisioning file describing existing containers",
	  "[NAME...]" },
	{ "check", lxm_cmd_check, "Report what the host kernel and tools support", "[--format table|json]" },
	{ "template", lxm_cmd_template, "List, build, refresh or remove cached templates",
	  "list [--format table|json] | build TEMPLATE [--release R] [--arch A] [--init I] [--mirror URL] "
	  "[--rootfs DIR] [--no-cache] | refresh KEY | remove KEY" },
	{ "limit", lxm_cmd_limit, "Show or change a container's resource limits (live and in its config)",
	  "NAME [KEY=VALUE...]\n\nKEYS: memory memory_high swap cpus cpu_weight cpuset pids io_weight; KEY= resets one" },
	{ "stats", lxm_cmd_stats, "Show the resource usage of running containers",
	  "[NAME...] [--format table|json|prometheus] [--disk] [--watch [--interval SECONDS]]" },
	{ "freeze", lxm_cmd_freeze, "Freeze every process of a running container", "NAME" },
	{ "unfreeze", lxm_cmd_unfreeze, "Thaw a frozen container", "NAME" },
	{ "snapshot", lxm_cmd_snapshot, "Create (a running one frozen meanwhile), list, restore or delete snapshots",
	  "NAME create [SNAP] | list | restore SNAP | delete SNAP" },
	{ "copy", lxm_cmd_copy, "Copy a stopped container (new uuid, MAC, hostname, machine-id)", "SRC DST [--snapshot]" },
	{ "rename", lxm_cmd_rename, "Rename a stopped container", "OLD NEW" },
	{ "export", lxm_cmd_export, "Write a container (config, rootfs, snapshots) to one archive",
	  "NAME FILE [--snapshots]" },
	{ "import", lxm_cmd_import, "Restore a container from an export archive (verified first)", "FILE [NAME]" },
	{ "autostart", lxm_cmd_autostart, "Start (or stop) the autostart containers in order",
	  "[--group G] [--dry-run] | --shutdown [--group G] [--timeout S] [--dry-run]" },
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
		if (commands[i].summary) /* hidden commands (__monitor) have none */
			fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

void lxm_commands_print_names(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].summary)
			fprintf(f, "%s\n", commands[i].name);
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
	case -EBADMSG: /* a corrupt or hostile archive: bad input like a bad option */
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
