/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Layout detection: cgroup mounts from mountinfo, the caller's cgroups from /proc/self/cgroup. */
#pragma once

#include <stddef.h>

#include "cgroup/cgroup.h"

#define LXM_CGROUP_FS_ROOT "/sys/fs/cgroup"

struct lxm_cgroup_mount {
	char *mountpoint;  /* as in mountinfo, unescaped: "/sys/fs/cgroup/memory" */
	char *name;        /* mountpoint below /sys/fs/cgroup: "memory", "systemd", "unified", "" */
	char *root;        /* the mount's root inside its hierarchy ("/" on the host) */
	char *controllers; /* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
	bool v2;
};

struct lxm_cgroup_mounts {
	enum lxm_cgroup_layout layout;
	struct lxm_cgroup_mount *m;
	size_t n;
};
void lxm_cgroup_mounts_done(struct lxm_cgroup_mounts *ms);

/* Parses a mountinfo file: every cgroup/cgroup2 mount at or below /sys/fs/cgroup (one per
 * hierarchy, the first wins) and the layout. -ENOENT when there is none. */
int lxm_cgroup_parse_mountinfo(const char *path, struct lxm_cgroup_mounts *ret);
/* The same, and how many lines (mounts) the file had. */
int lxm_cgroup_parse_mountinfo_counted(const char *path, struct lxm_cgroup_mounts *ret, size_t *ret_lines);

struct lxm_cgroup_self {
	unsigned id;       /* hierarchy id; 0 is the unified one */
	char *controllers; /* "cpu,cpuacct", "name=systemd", "" */
	char *path;        /* "/user.slice/..." */
};
/* Parses /proc/PID/cgroup text. *ret is an array of *ret_n entries, freed with
 * lxm_cgroup_self_free(). */
int lxm_cgroup_parse_proc_cgroup(const char *path, struct lxm_cgroup_self **ret, size_t *ret_n);
void lxm_cgroup_self_free(struct lxm_cgroup_self *s, size_t n);
/* The entry of the hierarchy of mount m, or NULL. */
const struct lxm_cgroup_self *lxm_cgroup_self_find(const struct lxm_cgroup_self *s, size_t n,
						   const struct lxm_cgroup_mount *m);
/* The caller's cgroup below the mount (the proc path without the mount's root): *ret owned. */
int lxm_cgroup_self_relative(const struct lxm_cgroup_self *s, const struct lxm_cgroup_mount *m, char **ret);
