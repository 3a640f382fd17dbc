/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which binary runs a create (cli/front.c). The statically linked `lxcmgr` runs it when the
 * template cache is warm: recorded defaults (no template script), a cache entry whose base is
 * unpacked already (a copy of it, an overlay on it, or a btrfs snapshot of its btrfs base, made
 * from it when missing: no libarchive) and the standard configure (no script). Those steps call
 * no NSS function either (no getpwnam(), getaddrinfo() or libnl).
 * Everything else (--from, --no-cache, a cold or missing entry) runs in lxcmgr-full,
 * executed with the argv as given, before the create has a side effect (lock, gc, temporary).
 * The work itself has one code path in both binaries; the static one only sets
 * lxm_template_request.cache_only, so a cache that changed between the check and the use (its
 * base removed by `template refresh`) is answered with -ELIBACC instead of a library load, and the
 * create, aborted with nothing left behind, is handed over then (lxm_create_hand_over()).
 */
#pragma once

#include <stdbool.h>

#include "cli/context.h"
#include "image/template.h"

/* 1: this process runs the create with req->cache_only set; 0: it runs it as before (lxcmgr-full,
 * a build without the split, or lxcmgr-full could not be executed); -errno (logged): the template
 * does not exist. Does not return when lxcmgr-full was executed. */
int lxm_create_route(struct lxm_context *ctx, struct lxm_template_request *req, bool from);

/* Executes lxcmgr-full for a create that found it needs it after all (-ELIBACC from a cache_only
 * step, the transaction aborted, the container lock released); returns -ELIBACC (logged) when it
 * cannot be executed. */
int lxm_create_hand_over(struct lxm_context *ctx);
