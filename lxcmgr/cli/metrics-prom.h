/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Prometheus text exposition format (version 0.0.4) for per-container figures: one HELP and
 * TYPE line per metric family, then one sample per container that has the figure. Label values
 * are escaped (backslash, double quote, newline). Used by `lxcmgr metrics`.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

/* A figure that is not known (stopped container, controller missing) is left out of the output. */
#define LXM_METRICS_UNKNOWN UINT64_MAX

struct lxm_metrics_container {
	const char *name;
	const char *state;        /* "running", "stopped", "frozen", ... */
	uint64_t memory_current;  /* bytes */
	uint64_t memory_peak;     /* bytes */
	uint64_t cpu_user_usec;   /* microseconds of CPU time */
	uint64_t cpu_system_usec;
	uint64_t pids;
	uint64_t rx_bytes;        /* summed over the container's interfaces, as the container sees them */
	uint64_t tx_bytes;
	uint64_t disk_bytes;      /* root filesystem */
	uint64_t restarts;        /* restarts done by the restart policy */
};

/* Sets every figure of c to LXM_METRICS_UNKNOWN (name and state untouched). */
void lxm_metrics_container_init(struct lxm_metrics_container *c);

/* Writes the exposition of n containers to f. 0, or -EIO when f reports a write error. */
int lxm_metrics_prom_write(FILE *f, const struct lxm_metrics_container *c, size_t n);
