/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'sys' (child): a read-only sysfs. Read-only because most of /sys controls the host's
 * hardware and kernel (writing there is how a root process would unbind drivers or change
 * firmware settings); systemd treats a read-only /sys as the sign of a container and skips udev.
 * Mounted from inside the new network namespace, it lists the container's own net devices.
 */
#include <sys/mount.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"

int lxm_child_step_sys(struct lxm_start_ctx *ctx)
{
	int r;

	r = lxm_mkdir_in_root(ctx->root_fd, "sys", 0555, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/sys' in the rootfs");
	r = lxm_mount_in_root(ctx->root_fd, "sysfs", "sys", "sysfs",
			      MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	/* A new sysfs needs CAP_SYS_ADMIN over the owner of the network namespace: an unprivileged
	 * container on the host's network (type "none") cannot have one. It gets the host's /sys
	 * instead, read-only, recursively (a user namespace may not bind a mount without the mounts
	 * under it), as LXC does; it sees the host's links anyway, and owns nothing there. */
	if (r == -EPERM && ctx->userns && !ctx->own_netns)
		r = lxm_bind_in_root(ctx->root_fd, "/sys", "sys", MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting sysfs on '/sys'");
	return 0;
}
