/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by cgroup.c and the two back ends: the object, the ops table and file helpers. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

struct lxm_cgroup_hier {
	char *mount_name;  /* "memory", "systemd", "unified", "" */
	char *controllers; /* v1 "cpu,cpuacct" / "name=systemd"; v2 cgroup.controllers of the root */
	char *mount_path;  /* the hierarchy's root on this host (rebased onto fs_root) */
	char *parent;      /* mount_path/base: where the cgroup is created */
	char *path;        /* parent/name: limits, usage, freezer, kill, removal */
	char *inner;       /* path/INNER where the processes run (lxm_cgroup_set_inner()), or NULL */
	bool v2;
};

struct lxm_cgroup {
	char *name;
	enum lxm_cgroup_layout layout;
	struct lxm_cgroup_hier *h;
	size_t n;
	const struct lxm_cgroup_ops *ops;
	char *error;
	bool no_unified_kill;
};

struct lxm_cgroup_ops {
	const char *name;
	int (*create)(struct lxm_cgroup *cg);
	int (*kill)(struct lxm_cgroup *cg);
	int (*set_limits)(struct lxm_cgroup *cg, const struct lxm_cgroup_limits *l, char **notes);
	int (*get_usage)(struct lxm_cgroup *cg, struct lxm_cgroup_usage *u);
	int (*freeze)(struct lxm_cgroup *cg, bool freeze);
	int (*is_frozen)(struct lxm_cgroup *cg);
	int (*set_devices)(struct lxm_cgroup *cg, const char *const *rules);
};

extern const struct lxm_cgroup_ops lxm_cgroup_v1_ops;
extern const struct lxm_cgroup_ops lxm_cgroup_v2_ops;

/* Kills everything in the v2 hierarchy h (cgroup.kill, or freeze + pidfds) and waits for
 * "populated 0"; the v1 back end uses it for the hybrid unified hierarchy. */
int lxm_cg_v2_kill(struct lxm_cgroup *cg, struct lxm_cgroup_hier *h);

/* Where processes join in h: the inner cgroup when there is one, else the cgroup itself. */
static inline const char *lxm_cg_join_path(const struct lxm_cgroup_hier *h)
{
	return h->inner ?: h->path;
}

/* exec-leaf.c: whether exec joins a leaf below the inner cgroup in h (the cgroup2 hierarchy and
 * the named "systemd" one), and the join itself (pid: the text written to cgroup.procs). */
bool lxm_cg_wants_exec_leaf(const struct lxm_cgroup_hier *h);
int lxm_cg_join_exec_leaf(struct lxm_cgroup *cg, const struct lxm_cgroup_hier *h, const char *pid);
/* chown of a cgroup directory and the files a delegated owner writes (lxm_cgroup_chown()). */
int lxm_cg_chown_dir(struct lxm_cgroup *cg, const char *dir, bool v2, uid_t uid, gid_t gid);

/* The hierarchy that has controller (v1 "memory" inside "cpu,memory"; v2 the one hierarchy when
 * its cgroup.controllers lists it), or NULL. */
struct lxm_cgroup_hier *lxm_cg_hier(struct lxm_cgroup *cg, const char *controller);
/* The hybrid unified hierarchy or the v2 one, or NULL. */
struct lxm_cgroup_hier *lxm_cg_unified(struct lxm_cgroup *cg);

/* Remembers "Failed to write 'VALUE' to 'PATH': %m" for lxm_cgroup_strerror(); returns r. */
int lxm_cg_set_error(struct lxm_cgroup *cg, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes value to DIR/FILE (no O_CREAT); on failure records the error naming file and value. */
int lxm_cg_write(struct lxm_cgroup *cg, const char *dir, const char *file, const char *value);
/* lxm_cg_write() for a process that executes or exits next (exec's child): the file stays open,
 * O_CLOEXEC, for the kernel to close at the execve() or the exit, one close() less a cgroup
 * hierarchy (ten on a hybrid host; each system call a hypervisor round trip here). */
int lxm_cg_write_exiting(struct lxm_cgroup *cg, const char *dir, const char *file, const char *value);
/* Reads DIR/FILE, trailing newline removed. *ret owned. */
int lxm_cg_read(const char *dir, const char *file, char **ret);
/* Reads a number ("max" and "-1" read as UINT64_MAX). */
int lxm_cg_read_u64(const char *dir, const char *file, uint64_t *ret);
/* "key N" line of a flat keyed file (memory.stat, cpu.stat, cgroup.events). */
int lxm_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret);
bool lxm_cg_file_exists(const char *dir, const char *file);

/* A set of writes that can be undone: each write first reads the old value. */
struct lxm_cg_tx {
	struct lxm_cgroup *cg;
	struct {
		char *dir, *file, *old;
	} *e;
	size_t n;
};
int lxm_cg_tx_write(struct lxm_cg_tx *tx, const char *dir, const char *file, const char *value);
/* Restores every old value in reverse order (keeps the first error text), frees the set. */
void lxm_cg_tx_rollback(struct lxm_cg_tx *tx);
void lxm_cg_tx_done(struct lxm_cg_tx *tx);
/* Appends a line to *notes. */
int lxm_cg_note(char **notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waits until the flat keyed file DIR/FILE has "key value" (inotify on the file: cgroup v2 sends
 * a modify event on cgroup.events changes). -ETIMEDOUT after timeout_ms. */
int lxm_cg_wait_key(const char *dir, const char *file, const char *key, uint64_t value, int timeout_ms);
/* Every pid in cgroup.procs of dir and its child cgroups; sorted, unique. */
int lxm_cg_pids_recursive(const char *dir, pid_t **ret, size_t *ret_n);
/* SIGKILLs pids through pidfds; *ret holds a pollfd per pid still alive (owned). */
struct pollfd;
int lxm_cg_pidfds_kill(const pid_t *pids, size_t n, struct pollfd **ret, size_t *ret_n);
/* Waits until each pidfd's process has exited (poll on the pidfds), closes them. */
int lxm_cg_pidfds_wait(struct pollfd *pfd, size_t n, int timeout_ms);
/* mkdir -p below an existing root; calls fixup(dir) for each directory it creates. 1 when it
 * created path itself, 0 when path existed. */
int lxm_cg_mkdir_parents(const char *root, const char *path, int (*fixup)(const char *parent, const char *dir));

#define LXM_CG_TIMEOUT_MS 10000
