/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running one phase of a template script (see templates/CONTRACT.md). */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

/* Resolves templates_dir/NAME to an executable file. -EINVAL for a bad name, -ENOENT (logged)
 * when there is no such template. */
int lxm_template_find(const struct lxm_paths *paths, const char *name, char **ret_path);

/* Runs argv (argv[0] is the template's path) with the contract's clean environment, stdin
 * /dev/null. When ret_stdout is set, stdout is captured (up to 64 KiB) and stderr handled like
 * output; otherwise stdout and stderr are the output: passed straight to the terminal when
 * stderr is one, else logged at info level with the last lines kept for the error message.
 * Returns 0, or -EINVAL (exit 2 or 3), -EIO (other failure or a signal), each logged as
 * "Template 'NAME' failed with exit code N". */
int lxm_template_run(const char *name, char *const argv[], bool progress, char **ret_stdout);

/* Parses "release=", "arch=", "init=" lines (from `defaults` or a build's result file). Missing
 * keys stay NULL. */
int lxm_template_parse_result(const char *text, char **ret_release, char **ret_arch, char **ret_init);
