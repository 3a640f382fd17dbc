/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every command receives: the paths of this world and the global configuration. */
#pragma once

#include <confuse.h>
#include <stdbool.h>

#include "core/paths.h"

/* Exit codes, documented in README.md and lxcmgr(1). exec/shell return the command's own code. */
enum {
	LXM_EXIT_OK = 0,
	LXM_EXIT_FAILURE = 1,   /* anything else that went wrong */
	LXM_EXIT_USAGE = 2,     /* bad arguments, bad name, invalid config value, corrupt or hostile archive */
	LXM_EXIT_NOT_FOUND = 3, /* no such container, network, template or snapshot */
	LXM_EXIT_STATE = 4,     /* exists already, running / not running, locked by another command */
};

struct lxm_context {
	struct lxm_paths paths;
	cfg_t *global; /* the global config (defaults when the file is absent); may be NULL in early code */
	/* main() loaded the global config for its paths only (the commands that read none of its
	 * values, or, as create, only values whose schema defaults they fall back to anyway: main.c):
	 * global is NULL when there is no file, and lxm_cli_load_global() leaves it so. */
	bool global_paths_only;
	char **argv;   /* main()'s argv as given (getopt permutes it), in `lxcmgr` only (cli/front.h) */
};

/* Whether a command frees what the exit drops anyway (main.c, end_command()). Only the sanitizer
 * build does, for its leak checker; elsewhere the frees and the libraries' destructors are work
 * on the way back to the user, and after a fork (start's monitor) each first write to a page
 * shared copy-on-write with the child is a page fault as well. */
#ifdef __SANITIZE_ADDRESS__
#define LXM_CLI_FREE_AT_END true
#else
#define LXM_CLI_FREE_AT_END false
#endif

/* Maps a command's result (>= 0: exit code, < 0: -errno) to the process exit code. */
int lxm_exit_code(int r);
