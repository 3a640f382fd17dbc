/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The metadata of an export archive. An export is one archive (compression by the file's suffix)
 * holding exactly these members:
 *   lxcmgr-export.meta   this text
 *   config               the container config
 *   rootfs.tar           the root filesystem as an uncompressed tar (owners, modes, xattrs, hard
 *                        links, device nodes)
 *   snapshots.tar        optional: the snapshots directory, same format
 * The metadata carries the sha256 of each other member's bytes, so import verifies every byte
 * (the tar stream of the rootfs included) before it unpacks anything into a container:
 *   format = 1
 *   name = web
 *   config_sha256 = <64 hex>
 *   rootfs_sha256 = <64 hex>
 *   snapshots_sha256 = <64 hex>      (only with snapshots)
 */
#pragma once

#include <stdbool.h>

#include "util/sha256.h"

#define LXM_EXPORT_FORMAT 1
#define LXM_EXPORT_META "lxcmgr-export.meta"

struct lxm_export_meta {
	unsigned format;
	char name[64];
	char config_sha256[LXM_SHA256_HEX_SIZE];
	char rootfs_sha256[LXM_SHA256_HEX_SIZE];
	char snapshots_sha256[LXM_SHA256_HEX_SIZE]; /* "" without snapshots */
};

/* Renders m as text; *ret owned. */
int lxm_export_meta_format(const struct lxm_export_meta *m, char **ret);

/* Parses text: -EINVAL (logged, naming the line) for unknown keys, a missing key, a bad checksum
 * or name, or a format newer than LXM_EXPORT_FORMAT. */
int lxm_export_meta_parse(const char *text, struct lxm_export_meta *ret);

/* Checks the unpacked members in dir against m: exactly the expected files, regular, with the
 * recorded checksums. -EBADMSG (logged, naming the member) on any mismatch. */
int lxm_export_meta_verify(const struct lxm_export_meta *m, const char *dir);
