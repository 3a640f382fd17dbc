/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Executing a plan (lxcmgr apply). */
#pragma once

#include <stdbool.h>

#include "core/paths.h"
#include "provision/plan.h"

struct lxm_apply_options {
	bool restart; /* restart running containers whose changes need it */
};

/* Carries out plan (computed from p): networks, creates, config keys, files, first-boot `run`
 * commands, prunes. Continues with the next container when one fails; returns 0 when everything
 * was done, else the first error (each failure logged where it happened). */
int lxm_apply_plan(const struct lxm_paths *paths, const struct lxm_provision *p, const struct lxm_plan *plan,
		   const struct lxm_apply_options *o);

/* Takes the lock serialising applies of the file at abs_path (RUN/provision/HASH.lock), waiting
 * for another apply holding it. *ret_fd is the lock. */
int lxm_apply_lock(const struct lxm_paths *paths, const char *abs_path, int *ret_fd);
