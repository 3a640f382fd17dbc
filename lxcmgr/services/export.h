/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export of one container as a single verified archive (format: services/export-meta.h; import:
 * services/import.h). */
#pragma once

#include <stdbool.h>

#include "store/store.h"

/* Writes c (stopped, lock held) to file atomically; with_snapshots adds DIR/snapshots. The members
 * are staged in a hidden directory next to file, flocked while in use and removed afterwards; what
 * killed exports into that directory left (their staging directories, file's temporaries) is
 * removed first. */
int lxm_export_write(const struct lxm_container *c, const char *file, bool with_snapshots, bool progress);
