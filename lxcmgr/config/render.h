/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing config text: quoting values as libconfuse reads them back, rendering sections. */
#pragma once

#include <confuse.h>
#include <stdio.h>

/* Writes s as a double-quoted libconfuse string ('\', '"', '$' and control characters escaped,
 * so "${VAR}" is never expanded on the next read). */
void lxm_config_quote(const char *s, FILE *f);

/* Writes a section title bare when it is a plain word ([A-Za-z0-9_.-]), quoted otherwise. */
void lxm_config_write_title(const char *title, FILE *f);

/* Writes value i of opt as config text (strings quoted). */
void lxm_config_format_value(cfg_opt_t *opt, unsigned i, FILE *f);

/* Writes the options of sec that were set explicitly (not schema defaults), one per line with
 * indent, lists as { "a", "b" }, nested sections recursively. Returns the number of lines. */
unsigned lxm_config_render_set(cfg_t *sec, const char *indent, FILE *f);
