/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* import of an export archive (format: services/export-meta.h) as a new container. */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

/* Restores the archive file as container name (NULL: the name recorded in the archive), inside a
 * store transaction: unpacked into the hidden temporary, every checksum verified and the config
 * validated, only then renamed into place. Under a new name the container gets a new identity (as
 * `copy`); under the recorded name it keeps it, but for a uuid another container of the store has.
 * -EEXIST on a clash, -EBADMSG for a corrupt or hostile archive (logged once); nothing is left
 * behind on error. *ret_name (may be NULL) is the container's name, owned. Caller holds no lock:
 * it is taken here. */
int lxm_import_read(const struct lxm_paths *paths, const char *file, const char *name, bool progress, char **ret_name);
