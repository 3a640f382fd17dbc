/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'proc' (child): a fresh procfs for the new pid namespace, with the host-wide dangerous
 * entries masked, as LXC's proc:mixed and the OCI default masks do:
 * - files that refuse to be opened at all (a read-only, nodev bind of /dev/null: without nodev
 *   the device node behind the mask still opens and a write "succeeds" into /dev/null, which
 *   hides the mask from whoever checks it): kcore (host memory),
 *   sysrq-trigger (reboot or crash the host), keys (the kernel keyring, shared), timer_list /
 *   sched_debug / latency_stats / timer_stats (host scheduling details that leak other tenants'
 *   activity);
 * - directories hidden under an empty read-only tmpfs: acpi, scsi, asound (host hardware control);
 * - read-only: /proc/sys (sysctls are mostly host-wide: kernel.core_pattern alone would let the
 *   container run a program as host root), bus, fs, irq; but /proc/sys/net stays writable, the
 *   container has its own network namespace and those sysctls are its own.
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

static const char *const masked_files[] = {
	"kcore", "sysrq-trigger", "keys", "timer_list", "timer_stats", "sched_debug", "latency_stats",
};
static const char *const masked_dirs[] = { "acpi", "scsi", "asound" };
static const char *const readonly[] = { "sys", "bus", "fs", "irq" };

static const uint64_t noexec = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

/* Below the procfs just mounted, which nothing of the container can have touched yet: plain
 * *at() calls relative to it (mount-util.h). Each path is skipped when this kernel lacks it. */
static int proc_masks(struct lxm_start_ctx *ctx, int proc_fd)
{
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(masked_files); i++) {
		r = lxm_bind_at(AT_FDCWD, "/dev/null", proc_fd, masked_files[i], MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV, 0,
				false);
		if (r < 0 && r != -ENOENT)
			return lxm_step_fail(ctx, r, "masking '/proc/%s'", masked_files[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(masked_dirs); i++) {
		r = lxm_mount_at(proc_fd, masked_dirs[i], "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
				 "mode=555");
		if (r < 0 && r != -ENOENT)
			return lxm_step_fail(ctx, r, "masking '/proc/%s'", masked_dirs[i]);
	}
	/* Read-only recursively: the flags are set on the whole detached copy before it is
	 * attached, so no window and no submount stays writable. */
	for (size_t i = 0; i < ARRAY_SIZE(readonly); i++) {
		r = lxm_bind_at(proc_fd, readonly[i], proc_fd, readonly[i], MOUNT_ATTR_RDONLY | noexec, 0, true);
		if (r < 0 && r != -ENOENT)
			return lxm_step_fail(ctx, r, "making '/proc/%s' read-only", readonly[i]);
	}
	/* After /proc/sys: a bind of a sub-directory of a read-only mount is writable again.
	 * Only with an own network namespace: otherwise these are the host's sysctls. */
	if (!ctx->own_netns)
		return 0;
	r = lxm_bind_at(proc_fd, "sys/net", proc_fd, "sys/net", noexec, MOUNT_ATTR_RDONLY, false);
	if (r < 0 && r != -ENOENT)
		return lxm_step_fail(ctx, r, "making '/proc/sys/net' writable");
	return 0;
}

int lxm_child_step_proc(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int proc_fd = -EBADF;
	int r;

	r = lxm_mkdir_in_root(ctx->root_fd, "proc", 0555, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/proc' in the rootfs");
	r = lxm_mount_in_root(ctx->root_fd, "proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting procfs on '/proc'");
	/* Opened after the mount: the fd names the new procfs. */
	r = lxm_open_in_root(ctx->root_fd, "proc", O_DIRECTORY, &proc_fd);
	if (r < 0)
		return lxm_step_fail(ctx, r, "opening '/proc'");
	return proc_masks(ctx, proc_fd);
}
