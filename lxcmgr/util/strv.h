/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Appends a copy of s to the NULL-terminated array *l (which may be NULL: a new one is made),
 * keeping it NULL-terminated. n, when not NULL, holds the number of entries (kept up to date:
 * lists built in a loop pass it to avoid counting each time). On -ENOMEM *l is unchanged and
 * still valid (and still owned by the caller). */
int lxm_strv_append(char ***l, size_t *n, const char *s);
