/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's cgroup mounts (detect.h) remembered in a file while the mount table is unchanged. */
#pragma once

#include "cgroup/detect.h"

/* Fills *ret with the cgroup mounts of /proc/self/mountinfo, served from the file cache_path
 * while listmount(2) reports the very same mounts as when it was written (mounts-cache.c: why
 * that is exact); otherwise parsed and the file rewritten (best effort). Free with
 * lxm_cgroup_mounts_done(). Returns 0 or -errno (as lxm_cgroup_parse_mountinfo()). */
int lxm_cgroup_mounts_load_cached(const char *cache_path, struct lxm_cgroup_mounts *ret);
