/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'console' (child): one pty per console and tty from the container's OWN devpts instance
 * (mounted newinstance by steps/dev.c), as LXC does. Each slave is bind-mounted onto /dev/console
 * and /dev/tty1..N inside, and the masters and slaves travel to the parent with SCM_RIGHTS on the
 * step's sync record; the monitor keeps them (console ring, log, attach), so the console outlives
 * anything the container later does to its devpts.
 *
 * Why not the host's /dev/ptmx: a host pty would have to be chowned to the container's root for a
 * user-namespaced init to open /dev/console (impossible where the host's devpts is read-only), and
 * it would show in the host's /dev/pts and count against the host's pty limit. A pty of the
 * container's instance already belongs to the container's root (created by it, gid=5 from the
 * mount options), in both modes.
 *
 * Each tty's number in that devpts (TIOCGPTN: the container's own /dev/pts/N, in both modes) goes
 * into init's `container_ttys` (steps/exec.c).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <linux/mount.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

/* A pty from the devpts whose ptmx is open at ptmx_path (an O_PATH fd, reopened for real);
 * ret_ptn: its number, /dev/pts/N in the container's devpts (NULL: not wanted). */
static int pty_open(int ptmx_path, int *ret_master, int *ret_slave, unsigned *ret_ptn)
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	char p[32];
	int unlock = 0;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", ptmx_path);
	master = open(p, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return negative_errno();
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return negative_errno();
	if (ret_ptn && ioctl(master, TIOCGPTN, ret_ptn) < 0)
		return negative_errno();
	/* The peer through the master: no path lookup in a devpts the container could change. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return negative_errno();
	/* A sane size until a console client sends its own: 0x0 confuses full-screen programs. */
	(void)ioctl(master, TIOCSWINSZ, &ws);
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

/* Onto a fresh file in the /dev tmpfs of step 'dev' (plain *at() calls: mount-util.h). */
static int bind_slave(struct lxm_start_ctx *ctx, int dev_fd, int slave, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dev_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0620);
	if (fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "creating '/dev/%s'", name);
	/* The slave was opened in our mount namespace, so its own path is a valid bind source. */
	r = lxm_bind_onto(slave, "", fd, dev_fd, name, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, MOUNT_ATTR_RDONLY, false);
	if (r < 0)
		return lxm_step_fail(ctx, r, "bind-mounting the pty onto '/dev/%s'", name);
	return 0;
}

int lxm_child_step_console(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int ptmx = -EBADF, dev_fd = -EBADF;
	int r;

	r = lxm_open_in_root(ctx->root_fd, "dev", O_DIRECTORY, &dev_fd);
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/dev'");
	r = lxm_open_in_root(ctx->root_fd, "dev/pts/ptmx", 0, &ptmx);
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/dev/pts/ptmx'");
	r = pty_open(ptmx, &ctx->console_master, &ctx->console_slave, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "allocating the console pty");
	r = bind_slave(ctx, dev_fd, ctx->console_slave, "console");
	if (r < 0)
		return r;
	for (unsigned i = 0; i < ctx->params->n_ttys; i++) {
		char path[32];
		r = pty_open(ptmx, &ctx->tty_masters[i], &ctx->tty_slaves[i], &ctx->tty_ptn[i]);
		if (r < 0)
			return lxm_step_fail(ctx, r, "allocating a pty for tty%u", i + 1);
		ctx->n_ttys = i + 1;
		snprintf(path, sizeof(path), "tty%u", i + 1);
		r = bind_slave(ctx, dev_fd, ctx->tty_slaves[i], path);
		if (r < 0)
			return r;
	}
	return 0;
}

int lxm_child_console_send(struct lxm_start_ctx *ctx)
{
	int fds[2 * (1 + LXM_MAX_TTYS)];
	size_t n = 0;

	fds[n++] = ctx->console_master;
	fds[n++] = ctx->console_slave;
	for (unsigned i = 0; i < ctx->n_ttys; i++) {
		fds[n++] = ctx->tty_masters[i];
		fds[n++] = ctx->tty_slaves[i];
	}
	int r = lxm_sync_send_fds(ctx->sync_fd, LXM_STEP_CONSOLE, fds, n);
	if (r < 0)
		return r;
	/* The masters are the monitor's now; the slaves stay open until init's stdio is on
	 * /dev/console (steps/exec.c). */
	closep(&ctx->console_master);
	for (unsigned i = 0; i < ctx->n_ttys; i++)
		closep(&ctx->tty_masters[i]);
	return 0;
}

int lxm_start_console_received(struct lxm_start_ctx *ctx, int *fds, size_t n)
{
	/* Exactly the child's pairs: console, then one per tty asked for. */
	if (n != 2 * (1 + (size_t)ctx->params->n_ttys)) {
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
		return log_error_errno(-EPROTO, "The child sent %zu pty fds for %u ttys", n, ctx->params->n_ttys);
	}
	ctx->console_master = fds[0];
	ctx->console_slave = fds[1];
	for (unsigned i = 0; i < ctx->params->n_ttys; i++) {
		ctx->tty_masters[i] = fds[2 + 2 * i];
		ctx->tty_slaves[i] = fds[3 + 2 * i];
	}
	ctx->n_ttys = ctx->params->n_ttys;
	return 0;
}
