/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'dev' (child): a minimal /dev on a tmpfs, never the host's: the host's /dev would hand the
 * container every disk and device of the machine. It holds the standard character devices
 * (bind mounts of the host's nodes, which also works inside a user namespace where mknod does
 * not), a new devpts instance (its own pty numbering; the host's ptys stay invisible), ptmx,
 * shm, mqueue (the container's own IPC namespace) and the /proc/self/fd symlinks.
 */
#include <sys/mount.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const struct {
	const char *target;
	const char *path;
} links[] = {
	{ "pts/ptmx", "dev/ptmx" },
	{ "/proc/self/fd", "dev/fd" },
	{ "/proc/self/fd/0", "dev/stdin" },
	{ "/proc/self/fd/1", "dev/stdout" },
	{ "/proc/self/fd/2", "dev/stderr" },
};

static int dev_mount(struct lxm_start_ctx *ctx, const char *path, mode_t mode, const char *fstype,
		     unsigned long flags, const char *data)
{
	int r = lxm_mkdir_in_root(ctx->root_fd, path, mode, NULL);

	if (r < 0)
		return lxm_step_fail(ctx, r, "creating '/%s'", path);
	r = lxm_mount_in_root(ctx->root_fd, fstype, path, fstype, flags, data);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting %s on '/%s'", fstype, path);
	return 0;
}

int lxm_child_step_dev(struct lxm_start_ctx *ctx)
{
	int r;

	r = dev_mount(ctx, "dev", 0755, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=1m");
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		char src[32], dst[32];
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), "dev/%s", nodes[i]);
		r = lxm_touch_in_root(ctx->root_fd, dst, 0666);
		if (r < 0)
			return lxm_step_fail(ctx, r, "creating '/%s'", dst);
		r = lxm_bind_in_root(ctx->root_fd, src, dst, MS_NOSUID | MS_NOEXEC);
		if (r < 0)
			return lxm_step_fail(ctx, r, "bind-mounting '%s'", src);
	}
	/* gid=5 (tty) and mode 620: what Debian's getty and login expect for a pty slave. */
	r = dev_mount(ctx, "dev/pts", 0755, "devpts", MS_NOSUID | MS_NOEXEC,
		      "newinstance,ptmxmode=0666,mode=0620,gid=5");
	if (r < 0)
		return r;
	r = dev_mount(ctx, "dev/shm", 01777, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	if (r < 0)
		return r;
	r = dev_mount(ctx, "dev/mqueue", 0755, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		r = lxm_symlink_in_root(ctx->root_fd, links[i].target, links[i].path);
		if (r < 0)
			return lxm_step_fail(ctx, r, "creating '/%s'", links[i].path);
	}
	return 0;
}
