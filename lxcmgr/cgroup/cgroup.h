/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cgroup interface, two back ends: unified (v2) and legacy/hybrid (v1). Each container gets a
 * payload cgroup "lxcmgr.payload.ID" and a monitor cgroup "lxcmgr.monitor.ID" (ID from the uuid,
 * never the bare name: cgroups are global across --root worlds).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum lxm_cgroup_layout {
	LXM_CGROUP_LAYOUT_UNKNOWN = 0,
	LXM_CGROUP_LAYOUT_LEGACY,  /* v1 controllers only */
	LXM_CGROUP_LAYOUT_HYBRID,  /* v1 controllers + cgroup2 at /sys/fs/cgroup/unified */
	LXM_CGROUP_LAYOUT_UNIFIED, /* pure v2 */
};
const char *lxm_cgroup_layout_to_string(enum lxm_cgroup_layout l);

/* Detects the layout from a mountinfo file (normally /proc/self/mountinfo; tests pass a fake). */
int lxm_cgroup_detect(const char *mountinfo_path, enum lxm_cgroup_layout *ret);

struct lxm_cgroup; /* opaque: one logical cgroup across all hierarchies */

/* Opens the cgroup manager for the host. fs_root is "/sys/fs/cgroup" normally (a fake tree in
 * tests); mountinfo_path as above. */
struct lxm_cgroup_ops;
int lxm_cgroup_new(const char *fs_root, const char *mountinfo_path, const char *name,
		   struct lxm_cgroup **ret);
void lxm_cgroup_free(struct lxm_cgroup *cg);

int lxm_cgroup_create(struct lxm_cgroup *cg);              /* mkdir in every hierarchy */
int lxm_cgroup_attach(struct lxm_cgroup *cg, pid_t pid);   /* write pid to cgroup.procs everywhere */
int lxm_cgroup_kill(struct lxm_cgroup *cg);                /* SIGKILL every process in it; waits until empty */
int lxm_cgroup_destroy(struct lxm_cgroup *cg);             /* rmdir (recursive, children first) */
bool lxm_cgroup_exists(struct lxm_cgroup *cg);
int lxm_cgroup_pids(struct lxm_cgroup *cg, pid_t **ret, size_t *ret_n);
/* Path of this cgroup in the hierarchy the container's init should see as its root (for cgroupns
 * and for the /sys/fs/cgroup layout inside). */
enum lxm_cgroup_layout lxm_cgroup_layout(const struct lxm_cgroup *cg);
