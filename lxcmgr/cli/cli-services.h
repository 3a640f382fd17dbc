/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What snapshot, copy, rename, export and import share. */
#pragma once

#include "cli/context.h"

/* 0 when NAME is stopped; -EBUSY (logged: "Container 'NAME' is running: stop it before WHAT")
 * otherwise. Caller holds the lock. */
int lxm_cli_require_stopped(struct lxm_context *ctx, const char *name, const char *what);
