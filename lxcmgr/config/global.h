/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The global config, PATHS->config_file (optional): lib_dir, cache_dir, run_dir overrides,
 * default_template ("busybox"), default_release and default_init (no default: the template's own),
 * and a `defaults { ... }` block with the
 * container keys applied to new containers.
 */
#pragma once

#include <confuse.h>

#include "core/paths.h"

/* Loads the global config (an absent file gives all defaults) and applies its path overrides to
 * paths. -EINVAL (logged with line numbers) when invalid. *ret owned by caller. */
int lxm_global_config_load(struct lxm_paths *paths, cfg_t **ret);

/* The same for a command that needs only the paths (exec): without a file *ret is NULL and the
 * defaults schema is not built (nothing overrides the paths then); with one, as above. */
int lxm_global_config_load_paths(struct lxm_paths *paths, cfg_t **ret);
