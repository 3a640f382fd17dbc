/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console and ttys. Parent ('console' allocation, before clone): one pty per console and
 * tty from the HOST's /dev/ptmx; the monitor keeps the masters, so the console outlives anything
 * the container does to its own devpts. Child (step 'console'): each slave is bind-mounted onto
 * /dev/console and /dev/tty1..N inside (a file bind, so it works in a user namespace too); init's
 * stdio is attached in steps/exec.c.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

static int pty_open(int *ret_master, int *ret_slave, char ret_name[64])
{
	_cleanup_close_ int master = -EBADF, slave = -EBADF;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	char name[64];

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return negative_errno();
	if (unlockpt(master) < 0)
		return negative_errno();
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return negative_errno();
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return negative_errno();
	/* A sane size until a console client sends its own: 0x0 confuses full-screen programs. */
	(void)ioctl(master, TIOCSWINSZ, &ws);
	snprintf(ret_name, 64, "%s", name);
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int lxm_start_step_console_alloc(struct lxm_start_ctx *ctx)
{
	int r;

	r = pty_open(&ctx->console_master, &ctx->console_slave, ctx->console_name);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate the console pty: %m");
	for (unsigned i = 0; i < ctx->params->n_ttys; i++) {
		r = pty_open(&ctx->tty_masters[i], &ctx->tty_slaves[i], ctx->tty_names[i]);
		if (r < 0)
			return log_error_errno(r, "Failed to allocate a pty for tty%u: %m", i + 1);
		ctx->n_ttys = i + 1;
	}
	return 0;
}

static int bind_slave(struct lxm_start_ctx *ctx, int slave, const char *name, const char *path)
{
	struct stat a, b;
	int r;

	/* By path, not through /proc/self/fd/N: the fd was opened in the host's mount namespace
	 * and a bind mount's source must be in ours (EINVAL otherwise). The path must still be
	 * the very pty we allocated. */
	if (fstat(slave, &a) < 0 || stat(name, &b) < 0)
		return lxm_step_fail(ctx, negative_errno(), "'%s'", name);
	if (a.st_rdev != b.st_rdev || a.st_ino != b.st_ino || !S_ISCHR(b.st_mode))
		return lxm_step_fail(ctx, -ENXIO, "'%s' is not the allocated pty", name);
	r = lxm_touch_in_root(ctx->root_fd, path, 0620);
	if (r < 0)
		return lxm_step_fail(ctx, r, "creating '/%s'", path);
	r = lxm_bind_in_root(ctx->root_fd, name, path, MS_NOSUID | MS_NOEXEC);
	if (r < 0)
		return lxm_step_fail(ctx, r, "bind-mounting the pty onto '/%s'", path);
	return 0;
}

int lxm_child_step_console(struct lxm_start_ctx *ctx)
{
	int r;

	r = bind_slave(ctx, ctx->console_slave, ctx->console_name, "dev/console");
	if (r < 0)
		return r;
	for (unsigned i = 0; i < ctx->n_ttys; i++) {
		char path[32];
		snprintf(path, sizeof(path), "dev/tty%u", i + 1);
		r = bind_slave(ctx, ctx->tty_slaves[i], ctx->tty_names[i], path);
		if (r < 0)
			return r;
	}
	/* The masters stay with the monitor; the child needs no copy of them. */
	closep(&ctx->console_master);
	for (unsigned i = 0; i < ctx->n_ttys; i++)
		closep(&ctx->tty_masters[i]);
	return 0;
}
