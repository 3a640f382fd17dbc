/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Removing trees that may hold a whole root filesystem (never following symlinks or crossing mounts). */
#pragma once

#include <stdbool.h>

/* rm -rf path. 0 when it is gone (or was never there), else -errno of the first failure. */
int lxm_image_rm_rf(const char *path);
/* Empties the directory path but keeps it. */
int lxm_image_rm_contents(const char *path);
