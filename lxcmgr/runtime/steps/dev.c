/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'dev' (child): a minimal /dev on a tmpfs, never the host's: the host's /dev would hand the
 * container every disk and device of the machine. It holds the standard character devices
 * (bind mounts of the host's nodes, which also works inside a user namespace where mknod does
 * not), a new devpts instance (its own pty numbering; the host's ptys stay invisible), ptmx,
 * shm, mqueue (the container's own IPC namespace) and the /proc/self/fd symlinks.
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const struct {
	const char *target;
	const char *path;
} links[] = {
	{ "pts/ptmx", "ptmx" },
	{ "/proc/self/fd", "fd" },
	{ "/proc/self/fd/0", "stdin" },
	{ "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" },
};

/* Below the /dev tmpfs this step just mounted: plain *at() calls (mount-util.h says why). */
static int dev_sub_mount(struct lxm_start_ctx *ctx, int dev_fd, const char *name, mode_t mode, const char *fstype,
			 unsigned long flags, const char *data)
{
	int r;

	if (mkdirat(dev_fd, name, mode) < 0 && errno != EEXIST)
		return lxm_step_fail(ctx, negative_errno(), "creating '/dev/%s'", name);
	r = lxm_mount_at(dev_fd, name, fstype, fstype, flags, data);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting %s on '/dev/%s'", fstype, name);
	return 0;
}

/* The host's node, bound read-write (whatever the host's /dev is), nosuid, noexec. */
static int dev_node(struct lxm_start_ctx *ctx, int dev_fd, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	char src[32];
	int r;

	/* O_EXCL|O_NOFOLLOW: a fresh regular file, never something already there. */
	fd = openat(dev_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "creating '/dev/%s'", name);
	snprintf(src, sizeof(src), "/dev/%s", name);
	r = lxm_bind_onto(AT_FDCWD, src, fd, dev_fd, name, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, MOUNT_ATTR_RDONLY,
			  false);
	if (r < 0)
		return lxm_step_fail(ctx, r, "bind-mounting '%s'", src);
	return 0;
}

int lxm_child_step_dev(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int dev_fd = -EBADF;
	int r;

	r = lxm_mkdir_in_root(ctx->root_fd, "dev", 0755, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "creating '/dev'");
	r = lxm_mount_in_root(ctx->root_fd, "tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=1m");
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting tmpfs on '/dev'");
	/* Opened after the mount: the fd names the new tmpfs, not the rootfs' directory below. */
	r = lxm_open_in_root(ctx->root_fd, "dev", O_DIRECTORY, &dev_fd);
	if (r < 0)
		return lxm_step_fail(ctx, r, "opening '/dev'");
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		r = dev_node(ctx, dev_fd, nodes[i]);
		if (r < 0)
			return r;
	}
	/* gid=5 (tty) and mode 620: what Debian's getty and login expect for a pty slave. */
	r = dev_sub_mount(ctx, dev_fd, "pts", 0755, "devpts", MS_NOSUID | MS_NOEXEC,
			  "newinstance,ptmxmode=0666,mode=0620,gid=5");
	if (r < 0)
		return r;
	r = dev_sub_mount(ctx, dev_fd, "shm", 01777, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	if (r < 0)
		return r;
	r = dev_sub_mount(ctx, dev_fd, "mqueue", 0755, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i].target, dev_fd, links[i].path) < 0 && errno != EEXIST)
			return lxm_step_fail(ctx, negative_errno(), "creating '/dev/%s'", links[i].path);
	return 0;
}
