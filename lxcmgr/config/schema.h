/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libconfuse schemas: the container config (also the `defaults` block of the global config)
 * and the global config. Every typed value has a validate callback; errors are reported as
 * "SOURCE:LINE: message" through the log.
 */
#pragma once

#include <confuse.h>

/* A fresh, empty container config with validators and the error reporter installed (NULL: OOM). */
cfg_t *lxm_schema_container_new(void);
/* Same for the global config. */
cfg_t *lxm_schema_global_new(void);

/* For schemas that embed the container options under prefix (e.g. "container|" in provisioning
 * files): installs the "PATH:LINE:" error reporter and the container validators. */
void lxm_schema_prepare(cfg_t *cfg, const char *prefix);

/* Parses text into cfg (from one of the constructors); source names it in messages.
 * 0, -EINVAL (logged, with the line) or -ENOMEM. */
int lxm_schema_parse(cfg_t *cfg, const char *text, const char *source);
/* Same without any message (a second look at a text whose errors were reported or do not matter). */
int lxm_schema_parse_quiet(cfg_t *cfg, const char *text);

/* Option table of the container schema's top level (sections carry subopts). */
cfg_opt_t *lxm_schema_container_opts(void);
/* Option table of the global config's top level. */
cfg_opt_t *lxm_schema_global_opts(void);
/* The option called name in a table, NULL when absent. */
cfg_opt_t *lxm_schema_find(cfg_opt_t *opts, const char *name);
