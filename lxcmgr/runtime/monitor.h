/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-container monitor: `lxcmgr __monitor NAME FD`, forked detached by `start`
 * (monitor-spawn.h). It creates the cgroups, runs lxm_start(), holds the console, serves
 * RUN/NAME/control (control.h), reaps init, restarts it on reboot and tears everything down when
 * the container ends. It reports the start's result on FD: a 4-byte int, 0 or -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/paths.h"

struct lxm_container;

/* A container config the process read and parsed before it forked the monitor: the text and its
 * parse (see lxm_monitor_run()), both owned. */
struct lxm_monitor_config {
	char *text;
	size_t size;
	struct lxm_container *c;
	/* > 0: where the CLI's detacher reports that it made the payload cgroup (monitor-spawn.c), for
	 * lxm_start_params.payload_report_fd; 0: none, the monitor forks its own maker. */
	int payload_fd;
};

/* Runs the monitor until the container ends. Returns 0 or -errno (the process exit status).
 * preloaded (may be NULL; its contents are ours): the caller's parse of the config, taken over
 * when the file still holds exactly that text, else the file is parsed again. */
int lxm_monitor_run(const struct lxm_paths *paths, const char *name, int notify_fd,
		    struct lxm_monitor_config *preloaded);

/* `lxcmgr __monitor NAME --resume FD [fallback]`: the small monitor (lxcmgr-monitor) exec'ed back into
 * the full one with its state in memfd FD (handover.h); serves on as lxm_monitor_run() does.
 * fallback: the small program refused the hand-over, so do not hand over again. */
int lxm_monitor_resume(const struct lxm_paths *paths, const char *name, int state_fd, bool fallback);
