/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* RTM_DELLINK of the link called name in the caller's netns: 0, or -errno (-ENODEV: no such
 * link). Returns once the kernel has unregistered it; the name is free (unlisted) well before. */
int lxm_link_delete_raw(const char *name);

/* The same for the link with that index. Indexes are not handed out again soon (they count up),
 * so a late request cannot hit a new link that took the old one's name: -ENODEV instead. */
int lxm_link_delete_raw_index(int ifindex);

/* A name the kernel could have given a link: 1-15 of [A-Za-z0-9_.-]. */
bool lxm_link_name_ok(const char *name);
