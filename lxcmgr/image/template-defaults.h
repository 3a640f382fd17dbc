/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A template's `defaults` answer, recorded and reused while nothing it depends on changed
 * (templates/CONTRACT.md: a template opts in with "cache=yes"). Records live in
 * CACHE_DIR/templates/.defaults/, one file per template path and argument list.
 */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

/* Runs argv (argv[0] the template's path, argv[1] "defaults", then its options) like
 * lxm_template_run() with ret_stdout, or returns the recorded stdout of an earlier run when the
 * template file, its lib/ directory with every file in it and each path the answer named with
 * "depends=" are unchanged (device, inode, size, mtime and ctime). use_cache false: always runs
 * and records nothing. A record that cannot be read or written is ignored (debug log). */
int lxm_template_defaults_run(const struct lxm_paths *paths, const char *name, char *const argv[], bool use_cache,
			      char **ret_stdout);

/* The recorded stdout only, as lxm_template_defaults_run() would return it without running
 * anything; -ENOENT when there is no valid record (missing, stale, other arguments). */
int lxm_template_defaults_recorded(const struct lxm_paths *paths, char *const argv[], char **ret_stdout);
/* lxm_template_defaults_recorded() keeps the last valid answer for the rest of the process (one
 * command asks several times); this drops it (tests, and the leak checker at the end). */
void lxm_template_defaults_forget(void);
