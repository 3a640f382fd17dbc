/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Work that may load a library (libnftables), done by lxcmgr-full when the running binary is the
 * statically linked `lxcmgr` (cli/front.c), which cannot load one. The commands `lxcmgr` runs
 * itself reach such work in one place only: settling a container whose monitor was lost
 * (lxm_state_cleanup(): its port forwards are nftables rules).
 */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

/* Whether this process is `lxcmgr` of a build with lxcmgr-full (cli/front.c links into it): the
 * static one, and a sanitizer build's dynamic one, which delegates the same way so the tests
 * exercise it. False in lxcmgr-full and in a build without the split. */
bool lxm_full_helper_wanted(void);

/* Runs `lxcmgr-full [--root ROOT] ARGS...` and waits: its exit status (0-255), or -errno when it
 * could not be run (no lxcmgr-full: the caller does the work itself). */
int lxm_full_helper_run(const struct lxm_paths *paths, const char *const *args);
