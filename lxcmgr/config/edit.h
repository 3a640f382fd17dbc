/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text-level edits of a container config (lxm_config_set_in_file() is declared in config.h). */
#pragma once

/* Returns in *ret a copy of text with key (dotted, see config.h) set to value, or removed when value
 * is NULL ("network.eth0" or "limits" as key with value NULL removes the whole section). Comments
 * and layout outside the edited statement are kept. The result is not validated against the
 * schema's value rules (the caller parses it). -EINVAL (logged) for keys not in the schema,
 * values of the wrong type, or text that cannot be tokenized. */
int lxm_config_edit_text(const char *text, const char *key, const char *value, char **ret);

/* The same on *text in place: *text (owned) is replaced by the edited copy; unchanged on error. */
int lxm_config_edit_text_in_place(char **text, const char *key, const char *value);
