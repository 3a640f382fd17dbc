/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The console and ttys: one pty each from the container's OWN devpts instance (made by the child
 * in step 'devpts', steps/dev.c), as LXC does. Each slave is bind-mounted onto /dev/console and
 * /dev/tty1..N inside; the monitor keeps masters and slaves (console ring, log, attach), so the
 * console outlives anything the container later does to its devpts.
 *
 * Step 'ptys' (parent): the ptys are opened by the parent in the child's detached devpts while
 * the child mounts its rootfs, /proc, /sys and /dev, and only their slaves travel to the child
 * (SCM_RIGHTS on the step's record). Why the parent: each ptmx open costs the kernel 0.2-0.5 ms
 * here (n_tty_open() vmallocs and clears the buffers of both ends), ~2 ms for the console and 4
 * ttys, which were all on the child's critical path before init's exec; the parent is idle then.
 * Step 'console' (child) binds the slaves it received.
 *
 * Why not the host's /dev/ptmx: a host pty would have to be chowned to the container's root for a
 * user-namespaced init to open /dev/console (impossible where the host's devpts is read-only), and
 * it would show in the host's /dev/pts and count against the host's pty limit. A pty of the
 * container's instance belongs to the container's root: the slave node gets the fsuid of the
 * ptmx opener, which the parent sets to the container root's host uid around the opens (the gid
 * is the mount's gid=5, the container's tty group), so the nodes are what the child's own opens
 * made before, in both modes, without uid= on the mount (which would own every later pty).
 * The opens run in the monitor's cgroup, not the payload's: the payload's device list always
 * allows ptmx and the pts nodes (security/devices.c), and init's own open of /dev/console is
 * checked against it as before.
 *
 * Each tty's number in that devpts (TIOCGPTN: the container's own /dev/pts/N, in both modes) goes
 * into init's `container_ttys` (steps/exec.c); the parent sends them in the record's text.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <termios.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

/* The rest of a pty whose master was just opened: unlocked, its number, its slave (through the
 * master: no path lookup), a sane size until a console client sends its own (0x0 confuses
 * full-screen programs). */
static int pty_finish(int master, int *ret_slave, unsigned *ret_ptn)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int unlock = 0, slave;

	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, ret_ptn) < 0)
		return negative_errno();
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return negative_errno();
	(void)ioctl(master, TIOCSWINSZ, &ws);
	*ret_slave = slave;
	return 0;
}

/* The child's detached mount must be a devpts instance of its own: never the host's, whose ptys
 * the container must not get. The child is still our own code here; this is the parent not
 * trusting that blindly. */
static int check_devpts(int fd)
{
	struct statfs sfs;
	struct stat st, host;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return log_error_errno(errno, "Failed to inspect the child's devpts: %m");
	if (sfs.f_type != DEVPTS_SUPER_MAGIC)
		return log_error_errno(EPROTO, "The child's devpts is no devpts");
	if (stat("/dev/pts", &host) >= 0 && host.st_dev == st.st_dev)
		return log_error_errno(EPROTO, "The child's devpts is the host's instance");
	return 0;
}

/* The masters, opened with the container root's uid as fsuid: the slave nodes belong to it. Only
 * the opens run with it, and the fsuid is back to ours on every path. */
static int open_masters(struct lxm_start_ctx *ctx, int *masters, unsigned n)
{
	uint32_t uid = 0;
	int r = 0;

	if (ctx->userns) {
		r = lxm_idmap_map_id(&ctx->idmap, LXM_IDMAP_UID, 0, true, &uid);
		if (r < 0)
			return log_error_errno(r, "The container's root has no host uid: %m");
	}
	uid_t old = (uid_t)setfsuid((uid_t)uid);
	if ((uid_t)setfsuid((uid_t)-1) != (uid_t)uid)
		r = log_error_errno(EPERM, "Failed to take the container root's uid %u to open its ptys", uid);
	for (unsigned i = 0; r >= 0 && i < n; i++) {
		/* O_NOFOLLOW: the instance's own ptmx node, nothing else. */
		masters[i] = openat(ctx->devpts_fd, "ptmx", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
		if (masters[i] < 0)
			r = log_error_errno(errno, "Failed to allocate a pty in the container's devpts: %m");
	}
	(void)setfsuid(old);
	if ((uid_t)setfsuid((uid_t)-1) != old) {
		/* Cannot happen as root; if it did, going on with another fsuid would be worse. */
		log_error("Failed to restore the fsuid after opening the ptys");
		abort();
	}
	return r;
}

int lxm_start_step_ptys(struct lxm_start_ctx *ctx)
{
	int masters[1 + LXM_MAX_TTYS], slaves[1 + LXM_MAX_TTYS];
	unsigned ptn[1 + LXM_MAX_TTYS], n = 1 + ctx->params->n_ttys;
	int r;

	for (unsigned i = 0; i < n; i++)
		masters[i] = slaves[i] = -EBADF;
	r = check_devpts(ctx->devpts_fd);
	if (r >= 0)
		r = open_masters(ctx, masters, n);
	for (unsigned i = 0; r >= 0 && i < n; i++) {
		r = pty_finish(masters[i], &slaves[i], &ptn[i]);
		if (r < 0)
			log_error_errno(r, "Failed to set up the pty for %s%u: %m", i ? "tty" : "the console", i);
	}
	closep(&ctx->devpts_fd); /* the child attaches its own copy */
	if (r < 0) {
		for (unsigned i = 0; i < n; i++) {
			closep(&masters[i]);
			closep(&slaves[i]);
		}
		return r;
	}
	ctx->console_master = masters[0];
	ctx->console_slave = slaves[0];
	for (unsigned i = 1; i < n; i++) {
		ctx->tty_masters[i - 1] = masters[i];
		ctx->tty_slaves[i - 1] = slaves[i];
		ctx->tty_ptn[i - 1] = ptn[i];
	}
	ctx->n_ttys = n - 1;
	return 0;
}

/* Step 'ptys' done: the slaves (console, then tty1..N) to the child, with the ttys' numbers in
 * the text. The masters stay here; the parent keeps its slaves too. */
int lxm_start_ptys_send(struct lxm_start_ctx *ctx)
{
	int fds[1 + LXM_MAX_TTYS];
	char text[LXM_MAX_TTYS * 12 + 1] = "";
	size_t len = 0;

	fds[0] = ctx->console_slave;
	for (unsigned i = 0; i < ctx->n_ttys; i++) {
		fds[1 + i] = ctx->tty_slaves[i];
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%u", i ? " " : "", ctx->tty_ptn[i]);
	}
	return lxm_sync_send_text_fds(ctx->sync_fd, LXM_STEP_PTYS, text, fds, 1 + ctx->n_ttys);
}

/* Child, before step 'console': the parent's record 'ptys' with exactly one slave for the console
 * and one per tty, and the ttys' numbers. */
int lxm_child_ptys_receive(struct lxm_start_ctx *ctx)
{
	int fds[LXM_SYNC_FDS_MAX];
	unsigned n = ctx->params->n_ttys;
	struct lxm_sync_msg m;
	size_t got;
	int r;

	r = lxm_sync_wait_fds(ctx->sync_fd, LXM_STEP_PTYS, &m, NULL, fds, ARRAY_SIZE(fds), &got);
	if (r < 0)
		return r;
	const char *p = m.text;
	for (unsigned i = 0; i < n && got == 1 + (size_t)n; i++) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p || v > INT_MAX)
			break;
		ctx->tty_ptn[i] = (unsigned)v;
		ctx->tty_slaves[i] = fds[1 + i];
		ctx->n_ttys = i + 1;
		p = end;
	}
	if (got != 1 + (size_t)n || ctx->n_ttys != n) {
		for (size_t i = 0; i < got; i++)
			close(fds[i]);
		for (unsigned i = 0; i < n; i++)
			ctx->tty_slaves[i] = -EBADF;
		ctx->n_ttys = 0;
		return lxm_step_fail(ctx, -EPROTO, "the parent sent %zu ptys for %u ttys (%s)", got, n, m.text);
	}
	ctx->console_slave = fds[0];
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
	/* The slave's path is on our /dev/pts (step 'dev' attached the instance the parent opened it
	 * in), so it is a valid bind source in our mount namespace. */
	r = lxm_bind_onto(slave, "", fd, dev_fd, name, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, MOUNT_ATTR_RDONLY, false);
	if (r < 0)
		return lxm_step_fail(ctx, r, "bind-mounting the pty onto '/dev/%s'", name);
	return 0;
}

int lxm_child_step_console(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int dev_fd = -EBADF;
	int r;

	r = lxm_open_in_root(ctx->root_fd, "dev", O_DIRECTORY, &dev_fd);
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/dev'");
	r = bind_slave(ctx, dev_fd, ctx->console_slave, "console");
	if (r < 0)
		return r;
	for (unsigned i = 0; i < ctx->n_ttys; i++) {
		char path[32];
		snprintf(path, sizeof(path), "tty%u", i + 1);
		r = bind_slave(ctx, dev_fd, ctx->tty_slaves[i], path);
		if (r < 0)
			return r;
	}
	return 0;
}
