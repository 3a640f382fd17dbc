/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A template's revision: what a template cache entry was built by. The cache key names only the
 * template, release, arch and init, so an entry outlives changes to the template that built it
 * (a newer lxcmgr's template, an edited one); `template list` compares each entry's recorded
 * revision with the template's current one and marks the entry outdated.
 */
#pragma once

#define LXM_TEMPLATE_REV_HEX 16
#define LXM_TEMPLATE_REV_SIZE (LXM_TEMPLATE_REV_HEX + 1)

/* The first 16 hex digits of a SHA-256 over the template file and each regular file of the lib/
 * directory beside it (templates source those), in name order, each as "NAME\0SIZE\0CONTENT".
 * -errno when the template cannot be read. */
int lxm_template_rev(const char *template_path, char ret[LXM_TEMPLATE_REV_SIZE]);
