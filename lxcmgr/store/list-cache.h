/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `list` shows from each container's config, and the addresses start's check on a managed
 * network reads from every other container's, kept between runs in RUN/list-cache and used while
 * the config file is unchanged (same inode, size, mtime and ctime), so neither a list of N
 * containers nor a start beside N others parses N configs every time. */
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
	/* "IPV4@BRIDGE ..." for each network section whose ipv4 is not dhcp/auto/none (unparsed:
	 * the reader decides what is an address) */
	char *ipv4_claims;
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
/* Keeps NAME's entry as it is without reading it (a caller that skips one container): only an
 * entry nobody got or kept counts as gone at lxm_list_cache_finish(). c may be NULL. */
void lxm_list_cache_keep(struct lxm_list_cache *c, const char *name);
/* Records NAME's fields (copied) for st, unless the config changed in the last seconds (a write in
 * the same clock tick would keep its times); the entries of a run are what the next one finds. */
int lxm_list_cache_put(struct lxm_list_cache *c, const char *name, const struct stat *st,
		       const struct lxm_list_fields *f);
/* Writes the entries put or got in this run (atomically, root only, only when something changed)
 * and frees the cache. Failures are ignored: the cache only saves work. */
void lxm_list_cache_finish(struct lxm_list_cache *c);

struct lxm_container;
/* NAME's fields: from c while its config file is the one they came from, else from the config
 * (loaded, and put into c; c may be NULL). 0; -errno when the config cannot be loaded (logged by
 * the load) or ENOMEM. *ret_c (may be NULL): the loaded container, only when it was loaded. */
int lxm_list_cache_fields(struct lxm_list_cache *c, const struct lxm_paths *paths, const char *name,
			  struct lxm_list_fields *ret, struct lxm_container **ret_c);
