/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sys/prctl.h>

#include "cli/commands.h"
#include "cli/front.h"
#include "config/global.h"
#include "security/cloned-binary.h"
#include "util/log.h"

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (STREQ(argv[i], "--"))
			return false;
		if (STREQ(argv[i], "--help") || STREQ(argv[i], "-h"))
			return true;
	}
	return false;
}

/* Started with stdin, stdout or stderr closed (`lxcmgr start C 2>&-`), the next open would take
 * that number: the container lock on fd 2 would get our log lines and be inherited by hooks as
 * their stderr (a daemonizing hook then holds the lock for good), and the monitor's notify pipe
 * on fd 1 would be overwritten by its /dev/null. Fill the gaps with /dev/null first. */
static void open_std_fds(void)
{
	/* one poll() tells all three (POLLNVAL: not open), where an fcntl() each took three system
	 * calls on every command; timeout 0, no events asked: it only looks */
	struct pollfd p[3] = { { .fd = 0 }, { .fd = 1 }, { .fd = 2 } };
	bool polled = poll(p, 3, 0) >= 0;
	for (int fd = 0; fd <= 2; fd++) {
		bool closed = polled ? (p[fd].revents & POLLNVAL) : fcntl(fd, F_GETFD) < 0 && errno == EBADF;
		if (closed && open("/dev/null", O_RDWR) != fd)
			_exit(1);
	}
}

/* lxcmgr-full runs a command the user gave `lxcmgr` (cli/front.c): it goes by that name, as its
 * argv[0] already says (ps -C lxcmgr, pgrep -x lxcmgr, /proc/PID/comm as before the split). */
static void name_as_lxcmgr(void)
{
	char comm[16] = "";
	if (prctl(PR_GET_NAME, comm) == 0 && STREQ(comm, LXM_FRONT_FULL_NAME))
		(void)prctl(PR_SET_NAME, "lxcmgr");
}

/* The commands that read nothing of the global config but its path overrides (lib_dir, cache_dir,
 * run_dir), or read only values whose schema defaults they already fall back to without a file:
 * create's default_template/release/init are busybox/none/none there as in cmd-create.c, and a
 * `defaults` section nobody set renders nothing into a new config (render.c). config and help
 * show the file. Without a file these get no global config at all: no defaults schema built and
 * an empty text parsed (~5% of an overlay create's CPU, ~0.9 ms of a start). */
static bool paths_only(const char *cmd)
{
	return STREQ(cmd, "exec") || STREQ(cmd, "start") || STREQ(cmd, "stop") || STREQ(cmd, "kill") ||
	       STREQ(cmd, "create");
}

/* The end of every command (LXM_CLI_FREE_AT_END): what it allocated and the libraries'
 * destructors (libnl's caches) the exit drops anyway. Freeing them cost ~0.2 ms of an exec and, after
 * a fork whose child shares our pages copy-on-write (start's monitor, until it executes its
 * small program), ~1 ms of a start: each first write to one of those pages is a page fault,
 * 10-25 us on a virtualised host (bench/README.md). Nothing of ours needs exit()'s handlers but
 * stdio's flush. Not in the sanitizer build: its leak checker wants everything freed. */
static void end_command(int r)
{
	if (LXM_CLI_FREE_AT_END)
		return;
	fflush(NULL);
	_exit(lxm_exit_code(r));
}

/* Only `lxcmgr` links cli/front.c; lxcmgr-full runs whatever it is given. */
extern __typeof__(lxm_front_route) lxm_front_route __attribute__((weak));

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *root = NULL;
	struct lxm_context ctx = {};
	int c, r;

	/* a command may still hand itself to lxcmgr-full with the argv it was given (create) */
	_cleanup_free_ char **given = NULL;
	if (lxm_front_route) {
		lxm_front_route(argc, argv); /* returns when this binary runs the command */
		given = malloc((size_t)(argc + 1) * sizeof(char *));
		if (given)
			memcpy(given, argv, (size_t)(argc + 1) * sizeof(char *));
		ctx.argv = given;
	} else
		name_as_lxcmgr();
	open_std_fds();
	const char *env_level = getenv("LXCMGR_LOG_LEVEL");
	if (env_level) {
		enum lxm_log_level lvl;
		if (lxm_log_parse_level(env_level, &lvl) >= 0)
			lxm_log_set_level(lvl);
	}

	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'l': {
			enum lxm_log_level lvl;
			if (lxm_log_parse_level(optarg, &lvl) < 0) {
				log_error("Invalid log level '%s' (error, warning, info, debug, trace)", optarg);
				return LXM_EXIT_USAGE;
			}
			lxm_log_set_level(lvl);
			break;
		}
		case 'V':
			printf("lxcmgr %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			return lxm_cmd_help(&ctx, 1, argv);
		default:
			return LXM_EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		lxm_cmd_help(&ctx, 1, argv);
		return LXM_EXIT_USAGE;
	}

	const char *name = argv[optind];
	const struct lxm_command *cmd = lxm_command_find(name);
	if (!cmd) {
		log_error("Unknown command '%s', see 'lxcmgr help'", name);
		return LXM_EXIT_USAGE;
	}

	/* exec and shell may re-execute from a sealed copy of the binary once they know the container
	 * (security/cloned-binary.h, decided in runtime/attach.c): argv is untouched so far. */
	if (STREQ(cmd->name, "exec") || STREQ(cmd->name, "shell"))
		lxm_cloned_binary_init(argc, argv);

	int cargc = argc - optind;
	char **cargv = argv + optind;
	if (wants_help(cargc, cargv)) {
		lxm_command_print_usage(cmd, stdout);
		return 0;
	}

	r = lxm_paths_init(&ctx.paths, root);
	if (r < 0) {
		if (root && !*root)
			log_error_errno(r, "Invalid root directory '': must not be empty (without --root, the host's paths are used)");
		else
			log_error_errno(r, "Invalid root directory '%s': must be an absolute path", root ? root : "");
		return LXM_EXIT_USAGE;
	}

	/* An invalid global config stops every command but help (which must work to explain it). */
	if (!STREQ(cmd->name, "help")) {
		/* Commands that read none of its values use the paths only: no defaults schema
		 * without a file (~0.1 ms of every exec, ~0.9 ms of a start, built and then freed
		 * on the way back to the user) */
		ctx.global_paths_only = paths_only(cmd->name);
		r = ctx.global_paths_only ? lxm_global_config_load_paths(&ctx.paths, &ctx.global)
					  : lxm_global_config_load(&ctx.paths, &ctx.global);
		if (r < 0) {
			lxm_paths_done(&ctx.paths);
			return lxm_exit_code(r);
		}
	}

	optind = 0; /* commands parse their own options with getopt_long() from argv[0] */
	r = cmd->run(&ctx, cargc, cargv);
	end_command(r);

	if (ctx.global)
		cfg_free(ctx.global);
	lxm_paths_done(&ctx.paths);
	return lxm_exit_code(r);
}
