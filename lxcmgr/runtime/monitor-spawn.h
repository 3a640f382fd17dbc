/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI side of `start`: launching the detached monitor and waiting for its verdict. */
#pragma once

#include "core/paths.h"

/* Starts container NAME (the caller holds its lock and made sure it is stopped and clean): forks a
 * detached monitor named `lxcmgr __monitor NAME 3` (double fork, no exec, own session, cwd /, stdin/stdout /dev/null;
 * stderr is the caller's until the start is decided, so the child's own error text reaches the
 * user), waits for its 4-byte report. 0 when init runs; -errno when the start failed (the monitor
 * logged why and removed everything). */
int lxm_monitor_spawn(const struct lxm_paths *paths, const char *name);
