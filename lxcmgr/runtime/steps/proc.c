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
#include <sys/mount.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

static const char *const masked_files[] = {
	"proc/kcore", "proc/sysrq-trigger", "proc/keys", "proc/timer_list", "proc/timer_stats",
	"proc/sched_debug", "proc/latency_stats",
};
static const char *const masked_dirs[] = { "proc/acpi", "proc/scsi", "proc/asound" };
static const char *const readonly[] = { "proc/sys", "proc/bus", "proc/fs", "proc/irq" };

static int bind_self(int root_fd, const char *path, unsigned long flags)
{
	_cleanup_close_ int fd = -EBADF;
	char self[32];
	int r;

	r = lxm_open_in_root(root_fd, path, 0, &fd);
	if (r < 0)
		return r;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	return lxm_bind_in_root(root_fd, self, path, flags);
}

int lxm_child_step_proc(struct lxm_start_ctx *ctx)
{
	const unsigned long nosuid = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int r;

	r = lxm_mkdir_in_root(ctx->root_fd, "proc", 0555, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/proc' in the rootfs");
	r = lxm_mount_in_root(ctx->root_fd, "proc", "proc", "proc", nosuid, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting procfs on '/proc'");

	for (size_t i = 0; i < ARRAY_SIZE(masked_files); i++) {
		r = lxm_bind_in_root(ctx->root_fd, "/dev/null", masked_files[i], MS_RDONLY | MS_NODEV);
		if (r == -ENOENT)
			continue; /* not in this kernel */
		if (r < 0)
			return lxm_step_fail(ctx, r, "masking '/%s'", masked_files[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(masked_dirs); i++) {
		r = lxm_mount_in_root(ctx->root_fd, "tmpfs", masked_dirs[i], "tmpfs", nosuid | MS_RDONLY,
				      "mode=555");
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return lxm_step_fail(ctx, r, "masking '/%s'", masked_dirs[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(readonly); i++) {
		r = bind_self(ctx->root_fd, readonly[i], MS_REC | MS_RDONLY | nosuid);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return lxm_step_fail(ctx, r, "making '/%s' read-only", readonly[i]);
	}
	/* After /proc/sys: a bind of a sub-directory of a read-only mount is writable again.
	 * Only with an own network namespace: otherwise these are the host's sysctls. */
	if (!ctx->own_netns)
		return 0;
	r = bind_self(ctx->root_fd, "proc/sys/net", nosuid);
	if (r < 0 && r != -ENOENT)
		return lxm_step_fail(ctx, r, "making '/proc/sys/net' writable");
	return 0;
}
