/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cgroup interface, two back ends: unified (v2) and legacy/hybrid (v1). Each container gets a
 * payload cgroup "lxcmgr.payload.ID" and the shared monitor cgroup "lxcmgr.monitor" (ID from the uuid,
 * never the bare name: cgroups are global across --root worlds). A struct lxm_cgroup is one
 * logical cgroup: the same relative path in every hierarchy of the layout (v2: the one cgroup2
 * mount; v1/hybrid: every v1 hierarchy, the named "systemd" one and, on hybrid, the unified one).
 *
 * How the runtime uses it (see lxcmgr/cgroup/README.md for the /sys/fs/cgroup layout inside):
 *   lxm_cgroup_open_by_id(uuid, LXM_CGROUP_PAYLOAD, &cg); lxm_cgroup_create(cg);
 *   lxm_cgroup_set_limits(cg, &limits, &notes)      before init runs (the cgroup is empty)
 *   child: lxm_cgroup_attach(cg, 0) or parent: lxm_cgroup_attach(cg, child_pid)
 *   child, after it is attached: unshare(CLONE_NEWCGROUP) so the inner cgroup is its cgroup root
 * The payload has an inner cgroup "lxcmgr.payload.ID/init" (LXC's lxc.cgroup.dir.container.inner):
 * attach puts processes there, limits/usage/freeze/kill/destroy work on the payload. The
 * container's cgroup namespace is rooted at the inner cgroup, so the payload's limit files are
 * outside everything it can see or mount (a privileged root mounting a fresh cgroupfs included).
 *   stop: lxm_cgroup_kill(cg); lxm_cgroup_destroy(cg)
 * After a killed monitor, lxm_cgroup_open_by_id() with the uuid finds the same cgroup again.
 *
 * Every function returns >= 0 or -errno; library code logs at debug level only. When a write is
 * refused, lxm_cgroup_strerror() gives "Failed to write 'VALUE' to 'FILE': REASON" for the caller
 * to log once.
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

/* Text for `lxcmgr check`: layout, each hierarchy with its mount point and controllers, and the
 * controllers available (v1: /proc/cgroups enabled; v2: cgroup.controllers at the root).
 * NULL arguments mean the real host files. *ret owned by caller. */
int lxm_cgroup_describe(const char *fs_root, const char *mountinfo_path, char **ret);

struct lxm_cgroup; /* opaque: one logical cgroup across all hierarchies */

enum lxm_cgroup_kind {
	LXM_CGROUP_PAYLOAD = 0, /* lxcmgr.payload.ID */
	LXM_CGROUP_MONITOR,     /* lxcmgr.monitor: shared by every container's monitor, never removed */
	LXM_CGROUP_MONITOR_OLD, /* lxcmgr.monitor.ID: one monitor's own, made by lxcmgr before the
				 * shared one (a lost monitor of that version leaves it behind) */
};

#define LXM_CGROUP_MONITOR_NAME "lxcmgr.monitor"

struct lxm_cgroup_params {
	const char *fs_root;       /* NULL: "/sys/fs/cgroup"; else mounts under /sys/fs/cgroup are rebased here */
	const char *mountinfo;     /* NULL: /proc/self/mountinfo */
	const char *proc_cgroup;   /* NULL: /proc/self/cgroup */
	const char *base;          /* NULL or "": the root of each hierarchy (what LXC does); else a
				    * path relative to each hierarchy root ("lxcmgr" -> .../memory/lxcmgr/NAME),
				    * created on demand, never removed by destroy */
	bool no_unified_kill;      /* v1 hybrid: do not use unified cgroup.kill (tests force the freezer path) */
	bool no_v2_controllers;    /* leave a v2 hierarchy's controllers "" instead of reading its
				    * cgroup.controllers: for a handle that only reads state files (list's
				    * frozen check, one per container) or joins (exec) */
};

/* Opens (does not create) the cgroup NAME ("lxcmgr.payload.ID") for the host. fs_root is
 * "/sys/fs/cgroup" normally (a fake tree in tests); mountinfo_path as above. *ret owned. */
int lxm_cgroup_new(const char *fs_root, const char *mountinfo_path, const char *name,
		   struct lxm_cgroup **ret);
int lxm_cgroup_new_full(const struct lxm_cgroup_params *p, const char *name, struct lxm_cgroup **ret);
/* Real host, default base: "lxcmgr.payload.UUID" / "lxcmgr.monitor" (the same for every uuid).
 * uuid: [0-9a-fA-F-]. */
int lxm_cgroup_open_by_id(const char *uuid, enum lxm_cgroup_kind kind, struct lxm_cgroup **ret);
/* The same from mounts the caller parsed once (detect.h: lxm_cgroup_parse_mountinfo()), for a
 * caller opening many cgroups (list); ms NULL parses /proc/self/mountinfo like the above. */
struct lxm_cgroup_mounts;
int lxm_cgroup_new_from_mounts(const struct lxm_cgroup_params *p, const struct lxm_cgroup_mounts *ms,
			       const char *name, struct lxm_cgroup **ret);
int lxm_cgroup_open_by_id_in(const struct lxm_cgroup_mounts *ms, const char *uuid, enum lxm_cgroup_kind kind,
			     struct lxm_cgroup **ret);
/* The same with params (p NULL: defaults; fs_root, mountinfo and base are not used). */
int lxm_cgroup_open_by_id_full(const struct lxm_cgroup_params *p, const struct lxm_cgroup_mounts *ms,
			       const char *uuid, enum lxm_cgroup_kind kind, struct lxm_cgroup **ret);
void lxm_cgroup_free(struct lxm_cgroup *cg);
/* The payload's inner cgroup, the root of the container's cgroup namespace. */
#define LXM_CGROUP_INNER "init"
/* Where exec'd processes go: a leaf below the inner cgroup in the cgroup2 and name=systemd
 * hierarchies (exec-leaf.c: why, and why the name cannot collide with systemd's cgroups). */
#define LXM_CGROUP_EXEC_LEAF ".lxcmgr-exec"
/* Makes create also make NAME/INNER (v2: with the controllers enabled in NAME), attach join
 * NAME/INNER and chown hand over NAME/INNER only. inner: one path component. open_by_id() sets
 * LXM_CGROUP_INNER for LXM_CGROUP_PAYLOAD. */
int lxm_cgroup_set_inner(struct lxm_cgroup *cg, const char *inner);
static inline void lxm_cgroup_freep(struct lxm_cgroup **cg)
{
	if (*cg)
		lxm_cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(lxm_cgroup_freep)))

/* mkdir in every hierarchy (EEXIST is fine). v1: cpuset.cpus/mems copied from the parent; v2: the
 * parent's cgroup.subtree_control gets every available controller (memory pids cpu cpuset io). */
int lxm_cgroup_create(struct lxm_cgroup *cg);
/* Writes pid (0 = the caller) to cgroup.procs in every hierarchy (of the inner cgroup if set). */
int lxm_cgroup_attach(struct lxm_cgroup *cg, pid_t pid);
/* The same for exec: joins INNER/LXM_CGROUP_EXEC_LEAF in the cgroup2 hierarchy and the named
 * systemd one (made on the first exec, owned like the inner cgroup), the inner cgroup elsewhere.
 * A v2 leaf the container made or froze is replaced or refused (-EPERM), never joined. */
int lxm_cgroup_attach_exec(struct lxm_cgroup *cg, pid_t pid);
/* Moves pid (0 = the caller) out: into the directory the cgroup was created in (the hierarchy
 * root, or base). The monitor calls it on itself before destroying its own cgroup, since a cgroup
 * cannot be removed while a process is in it. */
int lxm_cgroup_leave(struct lxm_cgroup *cg, pid_t pid);
/* SIGKILLs every process in the cgroup and its children; returns once it is empty (no sleeps:
 * cgroup.kill + cgroup.events, or freezer + pidfds). 0 also when the cgroup does not exist. */
int lxm_cgroup_kill(struct lxm_cgroup *cg);
/* rmdir in every hierarchy, child cgroups depth-first. Missing dirs are fine. -EBUSY if populated. */
int lxm_cgroup_destroy(struct lxm_cgroup *cg);
bool lxm_cgroup_exists(struct lxm_cgroup *cg);
/* Every pid in the cgroup and its descendants (one hierarchy), sorted, unique. *ret owned. */
int lxm_cgroup_pids(struct lxm_cgroup *cg, pid_t **ret, size_t *ret_n);
enum lxm_cgroup_layout lxm_cgroup_layout(const struct lxm_cgroup *cg);
const char *lxm_cgroup_name(const struct lxm_cgroup *cg);
/* Last failure text (a write the kernel refused, names file and value), or NULL. */
const char *lxm_cgroup_strerror(const struct lxm_cgroup *cg);

/* The hierarchies, for building /sys/fs/cgroup inside the container. */
struct lxm_cgroup_hierarchy_info {
	const char *mount_name;  /* "cpu", "memory", "systemd", "unified", "net_cls,net_prio"; "" for pure v2 */
	const char *controllers; /* "cpu", "name=systemd", "" (hybrid unified), "cpuset cpu io memory pids" (v2) */
	const char *path;        /* the cgroup's directory on the host */
	const char *inner;       /* where its processes run: path/INNER, or path without an inner cgroup */
	bool v2;
};
size_t lxm_cgroup_n_hierarchies(const struct lxm_cgroup *cg);
int lxm_cgroup_hierarchy(const struct lxm_cgroup *cg, size_t i, struct lxm_cgroup_hierarchy_info *ret);

/* chown the cgroup dirs and the files a delegated owner writes (v2: cgroup.procs, cgroup.threads,
 * cgroup.subtree_control; v1: tasks, cgroup.procs, cgroup.clone_children) for unprivileged use.
 * With an inner cgroup only the inner one: the payload and its limit files stay host root's. */
int lxm_cgroup_chown(struct lxm_cgroup *cg, uid_t uid, gid_t gid);

/* Limits. Integer fields: LXM_CGROUP_UNSET leaves the file alone, LXM_CGROUP_MAX means "max". */
#define LXM_CGROUP_UNSET (UINT64_MAX - 1)
#define LXM_CGROUP_MAX UINT64_MAX
struct lxm_cgroup_limits {
	uint64_t memory;      /* bytes: v2 memory.max; v1 memory.limit_in_bytes */
	uint64_t memory_high; /* bytes: v2 memory.high; v1 ignored (a note) */
	uint64_t swap;        /* bytes: v2 memory.swap.max; v1 memory.memsw.limit_in_bytes = memory + swap */
	uint64_t cpus_milli;  /* 1500 = 1.5 CPUs: v2 cpu.max "150000 100000"; v1 cfs_quota_us/cfs_period_us */
	uint64_t cpu_weight;  /* 1-10000: v2 cpu.weight; v1 cpu.shares = clamp(w * 1024 / 100, 2, 262144) */
	const char *cpuset;   /* NULL = unset: cpuset.cpus */
	uint64_t pids;        /* pids.max */
	uint64_t io_weight;   /* 1-10000: v2 io.weight "default N"; v1 see lxm_cgroup_io_weight_to_blkio() */
};
#define LXM_CGROUP_LIMITS_INIT                                                                  \
	{ .memory = LXM_CGROUP_UNSET, .memory_high = LXM_CGROUP_UNSET, .swap = LXM_CGROUP_UNSET, \
	  .cpus_milli = LXM_CGROUP_UNSET, .cpu_weight = LXM_CGROUP_UNSET, .cpuset = NULL,        \
	  .pids = LXM_CGROUP_UNSET, .io_weight = LXM_CGROUP_UNSET }
#define LXM_CGROUP_CPU_PERIOD_US 100000

/* Applies every set limit. All or nothing: when the kernel refuses one value, the files already
 * written in this call get their old values back and -errno is returned (lxm_cgroup_strerror()
 * names file and value). Limits this layout cannot apply are skipped and described in *ret_notes
 * ("memory_high is ignored on cgroup v1", one per line; NULL when none; ret_notes may be NULL). */
int lxm_cgroup_set_limits(struct lxm_cgroup *cg, const struct lxm_cgroup_limits *l, char **ret_notes);

/* systemd's mappings (src/basic/cgroup-util.h). */
uint64_t lxm_cgroup_cpu_weight_to_shares(uint64_t weight);   /* 100 -> 1024 */
uint64_t lxm_cgroup_io_weight_to_blkio(uint64_t weight);     /* blkio.weight (10-1000): 100 -> 500 */
uint64_t lxm_cgroup_io_weight_to_bfq(uint64_t weight);       /* blkio.bfq.weight (1-1000): 100 -> 100 */

#define LXM_CGROUP_USAGE_UNKNOWN UINT64_MAX
struct lxm_cgroup_usage {
	uint64_t memory_current; /* bytes; LXM_CGROUP_USAGE_UNKNOWN when the file is missing */
	uint64_t memory_peak;    /* v2 memory.peak (kernel >= 5.19); v1 memory.max_usage_in_bytes */
	uint64_t swap_current;   /* v2 memory.swap.current; v1 memsw.usage - usage */
	uint64_t cpu_user_usec;
	uint64_t cpu_system_usec;
	uint64_t cpu_usage_usec; /* total */
	uint64_t pids_current;
};
int lxm_cgroup_get_usage(struct lxm_cgroup *cg, struct lxm_cgroup_usage *ret);

/* Freezes (true) or thaws (false) and waits until the kernel reports the new state. */
int lxm_cgroup_freeze(struct lxm_cgroup *cg, bool freeze);
/* 1 frozen, 0 not, -EOPNOTSUPP without a freezer. */
int lxm_cgroup_is_frozen(struct lxm_cgroup *cg);

/* Device allow-list (issue 6), rules as in v1's devices.allow: "c 1:3 rwm", "c 136:* rw",
 * "b *:* m", "a". Default deny. v1: "a" into devices.deny, then each rule into devices.allow.
 * v2: a generated BPF_CGROUP_DEVICE program attached to the payload (replacing an earlier one). */
int lxm_cgroup_set_devices(struct lxm_cgroup *cg, const char *const *allow_rules);
