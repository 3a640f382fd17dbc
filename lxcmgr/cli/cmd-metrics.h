/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The figures of `lxcmgr metrics`, also behind `lxcmgr stats --format prometheus`. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli/context.h"

/* Gathers the figures of the n containers in names (every container when n is 0) and writes
 * them to stdout in the Prometheus text format. 0 or -errno (logged). */
int lxm_metrics_print(struct lxm_context *ctx, char **names, size_t n, bool disk);
