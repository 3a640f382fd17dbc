/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'pivot_root' (child): the rootfs becomes "/" and the host's tree is detached from this
 * mount namespace entirely, unlike chroot(), which a root process can leave. pivot_root(".", ".")
 * stacks the old root on top of the new one at "/"; a lazy unmount of "." then drops it without
 * needing a directory for it inside the rootfs.
 */
#include <sys/mount.h>
#include <sys/syscall.h>

#include "runtime/steps/steps.h"
#include "util/log.h"

int lxm_child_step_pivot_root(struct lxm_start_ctx *ctx)
{
	if (fchdir(ctx->root_fd) < 0)
		return lxm_step_fail(ctx, negative_errno(), "changing into the rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return lxm_step_fail(ctx, negative_errno(), "pivot_root into '%s'", ctx->container->rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return lxm_step_fail(ctx, negative_errno(), "detaching the old root");
	if (chdir("/") < 0)
		return lxm_step_fail(ctx, negative_errno(), "changing into '/'");
	/* root_fd stays open: it names the new "/" (the mount stacked on it is gone), and the
	 * steps after this one (cgroupfs, console) work below it. Closed by the exec. */
	return 0;
}
