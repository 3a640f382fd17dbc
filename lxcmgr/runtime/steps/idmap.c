/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'idmap' (parent): the user namespace of an unprivileged container. Before clone the id
 * range is resolved (security.idmap: subuid/subgid) and the rootfs is cloned as a detached mount
 * (open_tree). After clone the parent writes the child's uid_map/gid_map, id-maps that mount
 * with the child's user namespace (mount_setattr MOUNT_ATTR_IDMAP: files keep their owners on
 * disk, the container's root sees them as its own), attaches it in the child's mount namespace,
 * and hands the container's root the payload cgroup.
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "config/config.h"
#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "security/idshift.h"
#include "security/summary.h"
#include "util/log.h"

/* A rootfs whose owners were shifted on disk (security/idshift.h) must match the map this start
 * uses: a copy with its own "isolated" block, an import or an edited idmap shift it again; a
 * container made privileged gets its container ids back. want NULL: privileged. */
static int reconcile_shift(struct lxm_start_ctx *ctx, const struct lxm_idmap *want)
{
	const struct lxm_container *c = ctx->container;
	_cleanup_free_ char *record = NULL;
	int r = lxm_idshift_reconcile(c->rootfs, lxm_cfg_str(c->config, "security.idmap_shifted"), want, &record);
	if (r < 0)
		return log_error_errno(r, "Failed to shift the ownership of the rootfs of '%s': %m", c->name);
	ctx->shifted = r > 0;
	if (record && c->config_path) {
		r = lxm_config_set_in_file(c->config_path, "security.idmap_shifted", IS_EMPTY(record) ? NULL : record);
		if (r < 0)
			return log_error_errno(r, "Failed to record the shifted ownership in '%s': %m", c->config_path);
	}
	return 0;
}

/* The filesystem refused the id-mapped mount: shift the owners on disk once (the clone shows the
 * same inodes) and record it, so later starts skip the attempt. */
static int shift_now(struct lxm_start_ctx *ctx)
{
	const struct lxm_container *c = ctx->container;
	_cleanup_free_ char *record = NULL;
	int r = lxm_idshift_now(c->name, c->rootfs, &ctx->idmap, &record);
	if (r < 0)
		return r;
	ctx->shifted = true;
	if (c->config_path && (r = lxm_config_set_in_file(c->config_path, "security.idmap_shifted", record)) < 0)
		return log_error_errno(r, "Failed to record the shifted ownership in '%s': %m", c->config_path);
	return 0;
}

int lxm_start_prepare_idmap(struct lxm_start_ctx *ctx)
{
	cfg_t *cfg = ctx->container->config;
	struct lxm_idmap_files files;

	if (!lxm_security_wants_userns(cfg))
		return reconcile_shift(ctx, NULL);
	lxm_idmap_files_default(&files);
	int r = lxm_idmap_resolve(lxm_cfg_str(cfg, "security.idmap"), lxm_cfg_str(cfg, "uuid"), &files, &ctx->idmap);
	if (r < 0)
		return log_error_errno(r, "Failed to find the id range of '%s': %m", ctx->container->name);
	/* The kernel id-maps an overlay's layers, never the overlay mount itself (EINVAL). */
	if (lxm_start_overlay_userns(ctx->container)) {
		r = lxm_start_prepare_overlay(ctx);
		if (r < 0)
			return r;
		ctx->userns = true;
		return 0;
	}
	r = reconcile_shift(ctx, &ctx->idmap);
	if (r < 0)
		return r;
	ctx->tree_fd = (int)syscall(SYS_open_tree, AT_FDCWD, ctx->container->rootfs,
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (ctx->tree_fd < 0)
		return log_error_errno(negative_errno(), "Failed to clone the mount of '%s': %m", ctx->container->rootfs);
	ctx->userns = true;
	return 0;
}

/* Attaches an overlay's id-mapped container directory at its path (steps/overlay.c) inside the
 * child's mount namespace, from a short-lived process so the monitor's own namespace and working
 * directory never change. */
static int attach_tree(struct lxm_start_ctx *ctx)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)ctx->pid);
	_cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return negative_errno();
	/* vfork: no copy of the monitor's page tables for two syscalls; the child has its own fs
	 * struct (no CLONE_FS), so its setns() leaves ours alone, and it only makes raw syscalls */
	pid_t pid = vfork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		if (setns(ns, CLONE_NEWNS) < 0)
			_exit(10);
		if (syscall(SYS_move_mount, ctx->tree_fd, "", AT_FDCWD, ctx->container->dir, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			_exit(11);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return WIFEXITED(status) && WEXITSTATUS(status) == 10 ? -EPERM : -EIO;
	return 0;
}

/* Id-maps the detached tree, and an overlay's base, with the child's user namespace. */
static int idmap_tree(struct lxm_start_ctx *ctx)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)ctx->pid);
	_cleanup_close_ int userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return negative_errno();
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
	if (syscall(SYS_mount_setattr, ctx->tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return negative_errno();
	if (ctx->lower_fd >= 0 &&
	    syscall(SYS_mount_setattr, ctx->lower_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
		return negative_errno();
	return 0;
}

/* The container's root owns its cgroup, the payload's inner one: systemd inside makes
 * sub-cgroups. Never the payload itself: an owner may write the limit files of its cgroup, and
 * the container would raise its own limits. (Its ptys need no hand-over: they come from its own
 * devpts, steps/console.c.) Called by step 'limits', before anything of the container runs. */
int lxm_start_cgroup_hand_over(struct lxm_start_ctx *ctx)
{
	uint32_t uid, gid;
	int r;

	if (!ctx->userns || !ctx->params->payload)
		return 0;
	if (lxm_idmap_map_id(&ctx->idmap, LXM_IDMAP_UID, 0, true, &uid) < 0 ||
	    lxm_idmap_map_id(&ctx->idmap, LXM_IDMAP_GID, 0, true, &gid) < 0)
		return log_error_errno(-ERANGE, "The id map of '%s' does not map root", ctx->container->name);
	r = lxm_cgroup_chown(ctx->params->payload, uid, gid);
	if (r < 0)
		return log_error_errno(r, "Failed to hand the cgroup to the container's root: %m");
	return 0;
}

int lxm_start_step_idmap(struct lxm_start_ctx *ctx)
{
	uint32_t uid, gid;
	int r;

	if (!ctx->userns)
		return 0;
	r = lxm_idmap_write(ctx->pid, &ctx->idmap);
	if (r < 0)
		return log_error_errno(r, "Failed to write the id maps of '%s': %m", ctx->container->name);
	if (lxm_idmap_map_id(&ctx->idmap, LXM_IDMAP_UID, 0, true, &uid) < 0 ||
	    lxm_idmap_map_id(&ctx->idmap, LXM_IDMAP_GID, 0, true, &gid) < 0)
		return log_error_errno(-ERANGE, "The id map of '%s' does not map root", ctx->container->name);
	/* Shifted owners: the plain clone already shows the container's root its files. */
	r = ctx->shifted ? 0 : idmap_tree(ctx);
	/* An overlay's layers are never shifted (that would copy the whole base up). */
	if ((r == -EINVAL || r == -EOPNOTSUPP) && ctx->lower_fd < 0)
		r = shift_now(ctx); /* a container created elsewhere (or privileged) on such a store */
	if (r < 0)
		return log_error_errno(r, "Failed to id-map the rootfs '%s' (does its filesystem support id-mapped mounts?): %m",
				       ctx->container->rootfs);
	/* A plain rootfs is attached by the child itself (steps/rootfs.c), with the fd it inherited:
	 * no process of ours has to be scheduled for it on the way. An overlay's directory is
	 * needed in place by step 'overlay', which runs before the child's next step. */
	r = ctx->lower_fd >= 0 ? attach_tree(ctx) : 0;
	if (r < 0)
		return log_error_errno(r, "Failed to attach the rootfs in the container's mount namespace: %m");
	/* The cgroup goes to the container's root in step 'limits' (lxm_start_cgroup_hand_over()):
	 * the child waits for this step before its first mount. */
	log_debug("Step 'idmap': user namespace with root = host uid %u", uid);
	return 0;
}
