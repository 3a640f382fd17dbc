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

struct lxm_monitor_config;
/* The same with the caller's parse of the config (monitor.h: lxm_monitor_run()), which the
 * monitor takes over if the file still holds that text once it reads it. config (may be NULL)
 * stays the caller's: a CLI that exits next had better leave it to its exit, whose pages are
 * shared copy-on-write with the monitor (each first write is a page fault; main.c). */
int lxm_monitor_spawn_config(const struct lxm_paths *paths, const char *name, struct lxm_monitor_config *config);
