/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The autostart plan: which containers start at host boot, in which order (pure logic + loading). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/paths.h"

struct lxm_autostart_entry {
	char *name;
	long order;
	long delay; /* seconds */
	char *group; /* NULL when unset */
	char **networks; /* managed networks its veth interfaces use, NULL-terminated */
};

struct lxm_autostart_plan {
	struct lxm_autostart_entry *entries;
	size_t n;
};

/* Sorts ascending by order, ties by name (strcmp). */
void lxm_autostart_sort(struct lxm_autostart_entry *e, size_t n);

/* Start index ranges of the order levels for shutdown: levels are walked from the last to the
 * first; *ret_starts[k] is the index of level k's first entry, *ret_n the number of levels.
 * e must be sorted. */
int lxm_autostart_levels(const struct lxm_autostart_entry *e, size_t n, size_t **ret_starts, size_t *ret_n);

/* Every container of the store with autostart.enabled (and, when group is not NULL, that group),
 * sorted. Containers with a broken config are skipped with a warning. */
int lxm_autostart_plan_load(const struct lxm_paths *paths, const char *group, struct lxm_autostart_plan *ret);
void lxm_autostart_plan_done(struct lxm_autostart_plan *p);
