/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr export-config: a provisioning file describing existing containers. */
#pragma once

#include <stdio.h>

#include "core/paths.h"

/* Writes to f a `network` block for each managed network the containers use and a `container`
 * block per container (names NULL-terminated; NULL or empty: all), holding every key its config
 * sets except identity (name, uuid, created, arch). Applying the output plans nothing. */
int lxm_provision_export(const struct lxm_paths *paths, char *const *names, FILE *f);
