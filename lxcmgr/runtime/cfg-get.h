/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Schema-tolerant reads of a container's config for the runtime: a key the schema lacks reads as
 * unset (no libconfuse error), a list may also be written as one "a,b c" string.
 */
#pragma once

#include <confuse.h>
#include <stdbool.h>

/* Dotted key ("hostname", "security.cap_drop"); sections: their first instance. NULL if absent. */
cfg_opt_t *lxm_cfg_find(cfg_t *cfg, const char *key);

/* The string value, NULL when unset, empty or not in the schema. Borrowed from cfg. */
const char *lxm_cfg_str(cfg_t *cfg, const char *key);

/* A list (or one string split at ',' and white space): *ret NULL-terminated, owned, maybe empty. */
int lxm_cfg_strv(cfg_t *cfg, const char *key, char ***ret);

/* A boolean (or a "yes/no/true/false/1/0/on/off" string); def when unset or unknown. */
bool lxm_cfg_bool(cfg_t *cfg, const char *key, bool def);

/* Instances of a (multi, titled) section such as "mount": count, and instance i. */
unsigned lxm_cfg_nsec(cfg_t *cfg, const char *name);
cfg_t *lxm_cfg_sec(cfg_t *cfg, const char *name, unsigned i);

/* Splits s at ',' and white space into a NULL-terminated owned list (empty items skipped). */
int lxm_strv_split(const char *s, const char *seps, char ***ret);
