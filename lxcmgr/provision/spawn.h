/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running lxcmgr's own commands (create, start, restart, exec, destroy, net create) as child
 * processes of apply: the same code paths, locks and error messages as on the command line. */
#pragma once

#include "core/paths.h"

/* Runs "lxcmgr [--root ROOT] ARGS..." (args NULL-terminated). stdin is /dev/null. With ret_output
 * NULL the child's stdout goes to our stderr and its stderr is inherited; else both are captured
 * into *ret_output (owned). Returns its exit code (>= 0) or -errno. */
int lxm_prov_spawn(const struct lxm_paths *paths, const char *const *args, char **ret_output);
