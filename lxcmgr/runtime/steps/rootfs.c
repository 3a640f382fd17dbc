/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'rootfs' (child): makes every mount in our new mount namespace private, so nothing we
 * mount propagates back to the host (and no host mount event reaches in), then bind-mounts the
 * rootfs onto itself: pivot_root() needs the new root to be a mount point.
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <grp.h>
#include <unistd.h>

#include "runtime/steps/steps.h"
#include "util/log.h"

/* In a user namespace: attach the rootfs the parent id-mapped (steps/idmap.c; an overlay's was
 * attached by the parent) in our mount namespace, become the container's root, then use the
 * rootfs through the fd inherited from before clone. The attach comes first: until setresuid()
 * our file ids are still the host's root's (the path to the rootfs may pass a 0700 directory the
 * mapped root cannot search), and it is our own mount namespace, which we may change (the tree
 * is the one the parent cloned and id-mapped: nothing of the host's comes along with it). */
static int rootfs_userns(struct lxm_start_ctx *ctx)
{
	if (ctx->lower_fd < 0 &&
	    syscall(SYS_move_mount, ctx->tree_fd, "", AT_FDCWD, ctx->container->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return lxm_step_fail(ctx, negative_errno(), "attaching the id-mapped rootfs at '%s'", ctx->container->rootfs);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0)
		return lxm_step_fail(ctx, negative_errno(), "becoming root in the user namespace");
	/* An overlay's tree is the container directory, with the overlay mounted on its 'rootfs'
	 * (steps/overlay.c): the lookup crosses into it. */
	ctx->root_fd = openat(ctx->tree_fd, ctx->lower_fd >= 0 ? "rootfs" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->root_fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "opening the id-mapped rootfs");
	closep(&ctx->tree_fd);
	closep(&ctx->lower_fd);
	return 0;
}

int lxm_child_step_rootfs(struct lxm_start_ctx *ctx)
{
	const char *rootfs = ctx->container->rootfs;
	struct stat st;

	if (ctx->userns)
		return rootfs_userns(ctx);

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return lxm_step_fail(ctx, negative_errno(), "making '/' private");
	if (stat(rootfs, &st) < 0)
		return lxm_step_fail(ctx, negative_errno(), "'%s'", rootfs);
	if (!S_ISDIR(st.st_mode))
		return lxm_step_fail(ctx, -ENOTDIR, "'%s'", rootfs);
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return lxm_step_fail(ctx, negative_errno(), "bind-mounting '%s' onto itself", rootfs);
	/* Opened after the bind: the fd names the root of the new mount, which every later step
	 * resolves its paths in. */
	ctx->root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->root_fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "'%s'", rootfs);
	return 0;
}
