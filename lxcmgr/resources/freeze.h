/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Freezing a running container's payload cgroup (v2 cgroup.freeze, v1 freezer). */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

/* Freezes (true) or thaws (false) NAME and waits until the kernel reports it. -ESRCH when it is
 * not running, -EALREADY when it is already in that state, -EOPNOTSUPP without a freezer. Logs
 * nothing: the caller decides. */
int lxm_container_freeze(const struct lxm_paths *paths, const char *name, bool freeze);

/* For stop/kill: thaws NAME when it is frozen (a frozen init cannot act on its halt signal, and
 * frozen v1 tasks cannot even die). 1 when it was frozen, 0 otherwise. */
int lxm_container_thaw_if_frozen(const struct lxm_paths *paths, const char *name);

/* True when NAME runs and its payload cgroup is frozen (exec refuses then). */
bool lxm_container_is_frozen(const struct lxm_paths *paths, const char *name);
