/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

int lxm_strv_append(char ***l, size_t *n, const char *s)
{
	size_t len = 0;

	if (n)
		len = *n;
	else
		while (*l && (*l)[len])
			len++;
	char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	char **nl = realloc(*l, (len + 2) * sizeof(char *));
	if (!nl) {
		free(copy);
		return -ENOMEM;
	}
	nl[len] = copy;
	nl[len + 1] = NULL;
	*l = nl;
	if (n)
		*n = len + 1;
	return 0;
}
