/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `exec` and `shell` need from a container's config, remembered per config file version. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/paths.h"

struct lxm_exec_plan {
	char *name;
	char *uuid;     /* "" when unset */
	char *seccomp;  /* security.seccomp, NULL when unset */
	char *apparmor; /* security.apparmor, NULL when unset */
	bool no_new_privs;
	uint64_t cap_drop; /* the bounding-set drop mask, lxm_caps_drop_mask() */
	int cap_error;     /* its -errno (an unknown capability name): exec fails where it drops them */
};

/*
 * The plan of container NAME: from RUN/.exec-plan/NAME while it was written for exactly this
 * version of the config file, else from the parsed config (the same errors as
 * lxm_container_load()), then remembered. 0 or -errno (logged).
 */
int lxm_exec_plan_load(const struct lxm_paths *paths, const char *name, struct lxm_exec_plan *ret);
void lxm_exec_plan_done(struct lxm_exec_plan *p);
/* Removes NAME's remembered plan (destroy, rename): a stale one would never match a new config
 * file, but would stay behind. */
void lxm_exec_plan_forget(const struct lxm_paths *paths, const char *name);
