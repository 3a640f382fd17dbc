/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "cli/front.h"
#include "runtime/attach.h"
#include "util/log.h"

/* Only `lxcmgr` links cli/front.c; lxcmgr-full runs exec without it. */
extern __typeof__(lxm_front_prefault_heap) lxm_front_prefault_heap __attribute__((weak));

/* What exec allocates from here on, its child's environment included: ~12 KiB of small strings and
 * lists (the plan, the cgroup mounts and paths, the seccomp program), with room for a longer
 * config's values and more cgroup hierarchies. */
#define EXEC_HEAP_PREFAULT (24 * 1024UL)

static const struct option options[] = {
	{ "user", required_argument, NULL, 'u' },
	{ "cwd", required_argument, NULL, 'w' },
	{ "env", required_argument, NULL, 'e' },
	{ "tty", no_argument, NULL, 't' },
	{ "no-tty", no_argument, NULL, 'T' },
	{},
};

static int apply_option(int c, struct lxm_attach_options *o, char **env, size_t *n_env)
{
	switch (c) {
	case 'u':
		o->user = optarg;
		return 0;
	case 'w':
		if (optarg[0] != '/')
			return log_error_errno(-EINVAL, "The working directory must be absolute: '%s'", optarg);
		o->cwd = optarg;
		return 0;
	case 'e':
		if (!strchr(optarg, '=') || optarg[0] == '=')
			return log_error_errno(-EINVAL, "Invalid --env '%s': expected KEY=VALUE", optarg);
		env[(*n_env)++] = optarg;
		return 0;
	case 't':
		o->pty = 1;
		return 0;
	case 'T':
		o->pty = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

int lxm_cmd_exec(struct lxm_context *ctx, int argc, char **argv)
{
	struct lxm_attach_options o = { .pty = -1 };
	_cleanup_free_ char **env = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_env = 0;
	int c, r;

	if (!env)
		return -ENOMEM;
	if (lxm_front_prefault_heap)
		lxm_front_prefault_heap(env, EXEC_HEAP_PREFAULT);
	/* "+": options end at the first non-option (the container name); more may follow it */
	while ((c = getopt_long(argc, argv, "+u:w:e:tT", options, NULL)) != -1)
		if ((r = apply_option(c, &o, env, &n_env)) < 0)
			return r;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr exec NAME [OPTIONS] -- COMMAND...");
	const char *name = argv[optind++];
	while (optind < argc && STRNEQ(argv[optind], "--") && argv[optind][0] == '-') {
		c = getopt_long(argc, argv, "+u:w:e:tT", options, NULL);
		if (c == -1)
			break;
		if ((r = apply_option(c, &o, env, &n_env)) < 0)
			return r;
	}
	if (optind < argc && STREQ(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr exec NAME [OPTIONS] -- COMMAND...");
	o.argv = argv + optind;
	o.env = env;

	struct lxm_exec_plan plan = {};
	/* Not lxm_cli_runtime_open(): it would build the global config that main() left out (exec
	 * needs the paths only, lxm_global_config_load_paths()); exec takes no lock either. The
	 * name is validated by the load; the config is parsed only when it changed since the last
	 * exec (runtime/exec-plan.c). */
	r = lxm_exec_plan_load(&ctx->paths, name, &plan);
	if (r < 0)
		return r;
	r = lxm_attach_run(&ctx->paths, &plan, &o);
	lxm_exec_plan_done(&plan);
	if (r == -ESRCH || r == -EBUSY)
		return r; /* "not running" or "frozen" was printed: exit code 4 */
	return r < 0 ? -EIO : r;
}
