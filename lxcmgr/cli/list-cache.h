/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `list` shows from each container's config, kept between runs in RUN/list-cache and used
 * while the config file is unchanged (same inode, size, mtime and ctime), so a list of N
 * containers does not parse N configs every time. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include "core/paths.h"

/* The config values of one row. Strings owned; NULL where the config has no value. */
struct lxm_list_fields {
	char *uuid;
	char *template_name;
	char *release;
	char *init;
	char *autostart;
	bool privileged;
	bool has_network;
};

void lxm_list_fields_done(struct lxm_list_fields *f);

struct lxm_list_cache;

/* Reads RUN/list-cache; an absent, unreadable or foreign file gives an empty cache. NULL: ENOMEM. */
struct lxm_list_cache *lxm_list_cache_load(const struct lxm_paths *paths);
/* Copies NAME's fields into *ret when its entry matches st (the config file's stat): 1, else 0;
 * -ENOMEM. */
int lxm_list_cache_get(struct lxm_list_cache *c, const char *name, const struct stat *st,
		       struct lxm_list_fields *ret);
/* Records NAME's fields (copied) for st, unless the config changed in the last seconds (a write in
 * the same clock tick would keep its times); the entries of a run are what the next one finds. */
int lxm_list_cache_put(struct lxm_list_cache *c, const char *name, const struct stat *st,
		       const struct lxm_list_fields *f);
/* Writes the entries put or got in this run (atomically, root only, only when something changed)
 * and frees the cache. Failures are ignored: the cache only saves work. */
void lxm_list_cache_finish(struct lxm_list_cache *c);
