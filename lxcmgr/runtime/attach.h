/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running a command inside a running container (`exec`, `shell`). */
#pragma once

#include <stdbool.h>

#include "core/paths.h"
#include "runtime/exec-plan.h"

struct lxm_attach_options {
	char **argv;            /* the command; NULL-terminated */
	char ***alternatives;   /* shell: NULL-terminated list of argvs, the first that exists runs */
	const char *user;       /* "USER[:GROUP]" resolved in the container; NULL: root */
	const char *cwd;        /* NULL: the user's home directory, else "/" */
	char **env;             /* extra "K=V", NULL-terminated or NULL */
	int pty;                /* 1 with a pty, 0 without, -1 when stdin is a terminal */
};

/* Runs the command in every namespace of NAME's init and in its payload cgroup, with init's
 * capability bounding set, a clean environment and the resolved user. Returns the command's exit
 * code (0-255; 128+N when killed by signal N; 127 when it does not exist) or -errno (logged). */
int lxm_attach_run(const struct lxm_paths *paths, const struct lxm_exec_plan *plan,
		   const struct lxm_attach_options *o);
