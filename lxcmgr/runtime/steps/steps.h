/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal to the runtime: the start steps, one file each, and the state they share. start.c calls
 * them in order; parent steps run on the host, child steps inside the new namespaces (they return
 * -errno and describe the failure in ctx->error_text, which travels back to the parent).
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "runtime/start.h"
#include "runtime/sync.h"
#include "security/idmap.h"
#include "security/seccomp.h"
#include "util/macros.h"

struct lxm_start_ctx {
	const struct lxm_start_params *params;
	const struct lxm_container *container;
	int sync_fd;   /* our end of the sync socket */
	pid_t pid;     /* child (host pid), parent side only */
	int pidfd;     /* parent side only */
	int root_fd;   /* child: O_PATH fd of the rootfs bind mount */
	/* The ptys of the container's own devpts (steps/console.c): opened by the parent in step
	 * 'ptys', their slaves sent to the child with its record. */
	int console_master;
	int console_slave;
	int tty_masters[LXM_MAX_TTYS];
	int tty_slaves[LXM_MAX_TTYS];
	unsigned tty_ptn[LXM_MAX_TTYS]; /* /dev/pts/N of each tty inside (container_ttys) */
	int devpts_fd; /* the container's devpts instance, detached (step 'devpts'); -EBADF once used */
	unsigned n_ttys;
	uint64_t cgroup_skip; /* child: hierarchy ids (bit N) the payload cgroup is not in */
	uint64_t signals_set; /* not at SIG_DFL when cloned (bit N-1: signal N; all when unknown): step 'exec' resets these */
	bool own_netns;       /* cloned with CLONE_NEWNET (not network type "none") */
	bool net_started;     /* parent: lxm_net_start() succeeded; undone on failure */
	char error_text[LXM_SYNC_TEXT_MAX];
	/* Security, prepared by the parent before clone (steps/seccomp.c, steps/lsm.c). */
	struct lxm_seccomp *seccomp; /* NULL: no filter */
	char *apparmor_profile;      /* NULL: no profile to enter */
	/* User namespace (steps/idmap.c): the maps, and the rootfs as a detached mount (open_tree
	 * before clone, id-mapped and attached in the child's mount namespace by the parent). */
	bool userns;
	bool shifted; /* the rootfs' owners are shifted on disk (security.idmap_shifted): no id-mapped mount */
	struct lxm_idmap idmap;
	int tree_fd;
	/* An overlay rootfs in a user namespace (steps/overlay.c): tree_fd is the container
	 * directory, lower_fd the base, both id-mapped; >= 0 until step 'overlay' mounted it. */
	int lower_fd;
	/* Parent: the process making the payload cgroup while clone and 'idmap' run (steps/cgroup.c),
	 * 0 when none or reaped. */
	pid_t payload_maker;
	int payload_report_fd; /* or the peer reporting it made it (lxm_start_params), 0 when none */
};

void lxm_start_ctx_init(struct lxm_start_ctx *ctx, const struct lxm_start_params *p);
/* Closes every fd the context still owns (pty masters that were not handed out included). */
void lxm_start_ctx_done(struct lxm_start_ctx *ctx);

/* Child steps: records what failed for the parent's message and returns r. */
int lxm_step_fail(struct lxm_start_ctx *ctx, int r, const char *fmt, ...) _printf_(3, 4);

/* Parent side, on the host, before clone: compile the seccomp filter, generate and load the
 * AppArmor profile (the child only applies them). */
int lxm_start_prepare_seccomp(struct lxm_start_ctx *ctx);     /* steps/seccomp.c */
int lxm_start_prepare_lsm(struct lxm_start_ctx *ctx);         /* steps/lsm.c */
int lxm_start_prepare_idmap(struct lxm_start_ctx *ctx);       /* steps/idmap.c */
/* From 'prepare_idmap': clones the container directory and the base as detached mounts. */
int lxm_start_prepare_overlay(struct lxm_start_ctx *ctx);     /* steps/overlay.c */
/* The container has an overlay rootfs and a user namespace (its layers are id-mapped). */
bool lxm_start_overlay_userns(const struct lxm_container *c); /* steps/overlay.c */

/* Parent side, on the host. */
/* Opens the console's and ttys' ptys in ctx->devpts_fd (the child's record 'devpts'), which it
 * closes; lxm_start_ptys_send() reports the step with the slaves. */
int lxm_start_step_ptys(struct lxm_start_ctx *ctx);           /* steps/console.c */
int lxm_start_ptys_send(struct lxm_start_ctx *ctx);           /* steps/console.c */
int lxm_start_step_clone(struct lxm_start_ctx *ctx);           /* steps/clone.c; returns 0 in both */
int lxm_start_step_cgroup(struct lxm_start_ctx *ctx);          /* steps/cgroup.c */
int lxm_start_step_monitor_cgroup(struct lxm_start_ctx *ctx);  /* steps/cgroup.c */
/* Parent, first thing in lxm_start(): forks the process that makes the payload cgroup; step
 * 'cgroup' waits for it (and makes the cgroup itself if it failed). Reaped by ctx_done at the
 * latest. */
void lxm_start_payload_early(struct lxm_start_ctx *ctx);     /* steps/cgroup.c */
void lxm_start_payload_reap(struct lxm_start_ctx *ctx, bool *ret_made); /* steps/cgroup.c */
int lxm_start_step_devices(struct lxm_start_ctx *ctx);         /* steps/devices.c, in 'cgroup' */
int lxm_start_cgroup_hand_over(struct lxm_start_ctx *ctx);     /* steps/idmap.c, in 'limits' */
int lxm_start_step_idmap(struct lxm_start_ctx *ctx);           /* steps/idmap.c */
int lxm_start_step_overlay(struct lxm_start_ctx *ctx);         /* steps/overlay.c */
int lxm_start_step_network(struct lxm_start_ctx *ctx);         /* steps/network.c */
void lxm_start_network_undo(struct lxm_start_ctx *ctx);        /* steps/network.c: on failure */
int lxm_start_step_limits(struct lxm_start_ctx *ctx);          /* steps/limits.c */

/* Child side, inside the namespaces, in this order. */
int lxm_child_step_private(struct lxm_start_ctx *ctx);         /* steps/cgroup.c: '/' private (userns) */
int lxm_child_step_cgroupns(struct lxm_start_ctx *ctx);        /* steps/cgroup.c */
int lxm_child_step_network(struct lxm_start_ctx *ctx);         /* steps/network.c: lo up */
int lxm_child_step_netns(struct lxm_start_ctx *ctx);          /* steps/network.c */
int lxm_child_step_rootfs(struct lxm_start_ctx *ctx);          /* steps/rootfs.c */
int lxm_child_step_mounts(struct lxm_start_ctx *ctx);          /* steps/mounts.c */
int lxm_child_step_proc(struct lxm_start_ctx *ctx);            /* steps/proc.c */
int lxm_child_step_sys(struct lxm_start_ctx *ctx);             /* steps/sys.c */
int lxm_child_step_cgroupfs(struct lxm_start_ctx *ctx);        /* steps/cgroupfs.c */

/* What step 'cgroupfs' mounts on /sys/fs/cgroup, from the caller's /proc/self/cgroup text
 * (hierarchy ids in skip left out) and config cgroup.layout ("unified": true): cgroup2 alone;
 * a tmpfs of v1 hierarchies; the same with cgroup2 at "unified". -EOPNOTSUPP when unified is asked
 * for and there is no cgroup2 hierarchy. */
enum lxm_cgroupfs_view { LXM_CGROUPFS_V2, LXM_CGROUPFS_V1, LXM_CGROUPFS_HYBRID };
int lxm_cgroupfs_view(FILE *proc_cgroup, uint64_t skip, bool unified, enum lxm_cgroupfs_view *ret);
/* Right after 'idmap': the devpts instance, detached, in ctx->devpts_fd; the step's record
 * carries it to the parent (lxm_child_devpts_send). */
int lxm_child_step_devpts(struct lxm_start_ctx *ctx);          /* steps/dev.c */
int lxm_child_devpts_send(struct lxm_start_ctx *ctx);          /* steps/dev.c */
int lxm_child_step_dev(struct lxm_start_ctx *ctx);             /* steps/dev.c */
int lxm_child_step_console(struct lxm_start_ctx *ctx);         /* steps/console.c */
/* Before 'console': waits for the parent's record 'ptys' and takes its slaves and tty numbers. */
int lxm_child_ptys_receive(struct lxm_start_ctx *ctx);         /* steps/console.c */
int lxm_child_step_pivot_root(struct lxm_start_ctx *ctx);      /* steps/pivot-root.c */
int lxm_child_step_hostname(struct lxm_start_ctx *ctx);        /* steps/hostname.c */
int lxm_child_step_caps(struct lxm_start_ctx *ctx);            /* steps/caps.c */
int lxm_child_step_lsm(struct lxm_start_ctx *ctx);             /* steps/lsm.c */
int lxm_child_step_seccomp(struct lxm_start_ctx *ctx);         /* steps/seccomp.c */
/* Sets up stdio on /dev/console and execs init; returns only on failure. */
int lxm_child_step_exec(struct lxm_start_ctx *ctx);            /* steps/exec.c */
