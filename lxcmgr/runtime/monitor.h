/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-container monitor: `lxcmgr __monitor NAME FD`, forked detached by `start`
 * (monitor-spawn.h). It creates the cgroups, runs lxm_start(), holds the console, serves
 * RUN/NAME/control (control.h), reaps init, restarts it on reboot and tears everything down when
 * the container ends. It reports the start's result on FD: a 4-byte int, 0 or -errno.
 */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

/* Runs the monitor until the container ends. Returns 0 or -errno (the process exit status). */
int lxm_monitor_run(const struct lxm_paths *paths, const char *name, int notify_fd);

/* `lxcmgr __monitor NAME --resume FD [fallback]`: the small monitor (lxcmgr-monitor) exec'ed back into
 * the full one with its state in memfd FD (handover.h); serves on as lxm_monitor_run() does.
 * fallback: the small program refused the hand-over, so do not hand over again. */
int lxm_monitor_resume(const struct lxm_paths *paths, const char *name, int state_fd, bool fallback);
