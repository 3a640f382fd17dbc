/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'dev' (child): a minimal /dev on a tmpfs, never the host's: the host's /dev would hand the
 * container every disk and device of the machine. It holds the standard character devices
 * (bind mounts of the host's nodes, which also works inside a user namespace where mknod does
 * not), a new devpts instance (its own pty numbering; the host's ptys stay invisible), ptmx,
 * shm, mqueue (the container's own IPC namespace) and the /proc/self/fd symlinks.
 *
 * Step 'devpts' (child) makes that devpts instance earlier, as a detached mount, right after
 * 'rootfs' (where we became the container's root: mknod of the instance's ptmx node takes our
 * file ids): the parent opens the console's and ttys' ptys in it while we mount the rest
 * (steps/console.c says why), and 'dev' only attaches it at /dev/pts.
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* fsconfig(FSCONFIG_SET_STRING) of one option; the name for the failure message. */
static int devpts_option(struct lxm_start_ctx *ctx, int fs_fd, const char *key, const char *value)
{
	if (syscall(SYS_fsconfig, fs_fd, FSCONFIG_SET_STRING, key, value, 0) < 0)
		return lxm_step_fail(ctx, negative_errno(), "devpts option %s=%s", key, value);
	return 0;
}

int lxm_child_step_devpts(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int fs_fd = -EBADF;
	int r, fd;

	/* In our user namespace, so the instance belongs to the container's root and gid=5 is the
	 * container's tty group. Every fsopen() of devpts is a new instance (its own numbering; the
	 * host's ptys stay invisible). */
	fs_fd = (int)syscall(SYS_fsopen, "devpts", FSOPEN_CLOEXEC);
	if (fs_fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "fsopen(devpts)");
	/* gid=5 (tty) and mode 620: what Debian's getty and login expect for a pty slave. No uid=:
	 * a slave belongs to the fsuid of whoever opens ptmx, the container's root for the parent's
	 * ptys (steps/console.c) and whoever opens one inside later, as with LXC. */
	r = devpts_option(ctx, fs_fd, "source", "devpts"); /* what mount(2) showed in /proc/mounts */
	if (r >= 0)
		r = devpts_option(ctx, fs_fd, "ptmxmode", "0666");
	if (r >= 0)
		r = devpts_option(ctx, fs_fd, "mode", "0620");
	if (r >= 0)
		r = devpts_option(ctx, fs_fd, "gid", "5");
	if (r < 0)
		return r;
	if (syscall(SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return lxm_step_fail(ctx, negative_errno(), "creating the devpts instance");
	fd = (int)syscall(SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "fsmount(devpts)");
	ctx->devpts_fd = fd;
	return 0;
}

/* Step 'devpts' done: the parent gets the detached instance (we keep ours for 'dev'). */
int lxm_child_devpts_send(struct lxm_start_ctx *ctx)
{
	return lxm_sync_send_fds(ctx->sync_fd, LXM_STEP_DEVPTS, &ctx->devpts_fd, 1);
}

/* Attaches step 'devpts''s instance at /dev/pts: the same mount the parent's ptys live on, so
 * their slaves are the nodes the container sees there. */
static int dev_pts(struct lxm_start_ctx *ctx, int dev_fd)
{
	if (mkdirat(dev_fd, "pts", 0755) < 0 && errno != EEXIST)
		return lxm_step_fail(ctx, negative_errno(), "creating '/dev/pts'");
	if (syscall(SYS_move_mount, ctx->devpts_fd, "", dev_fd, "pts", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return lxm_step_fail(ctx, negative_errno(), "mounting devpts on '/dev/pts'");
	closep(&ctx->devpts_fd);
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
	r = dev_pts(ctx, dev_fd);
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
