/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* RTM_DELLINK of the link called name in the caller's netns: 0, or -errno (-ENODEV: no such
 * link). Returns once the kernel has unregistered it; the name is free (unlisted) well before. */
int lxm_link_delete_raw(const char *name);

/* A name the kernel could have given a link: 1-15 of [A-Za-z0-9_.-]. */
bool lxm_link_name_ok(const char *name);
