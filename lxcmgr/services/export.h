/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export / import of one container as a single verified archive (format: services/export-meta.h). */
#pragma once

#include <stdbool.h>

#include "store/store.h"

/* Writes c (stopped, lock held) to file atomically; with_snapshots adds DIR/snapshots. The members
 * are staged in a hidden directory next to file and removed afterwards. */
int lxm_export_write(const struct lxm_container *c, const char *file, bool with_snapshots, bool progress);

/* Restores the archive file as container name (NULL: the name recorded in the archive), inside a
 * store transaction: unpacked into the hidden temporary, every checksum verified, only then renamed
 * into place. -EEXIST on a clash, -EBADMSG for a corrupt archive; nothing is left behind on error.
 * *ret_name (may be NULL) is the container's name, owned. Caller holds no lock: it is taken here. */
int lxm_import_read(const struct lxm_paths *paths, const char *file, const char *name, bool progress, char **ret_name);
