/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'exec' (child): init's stdio on /dev/console (no controlling terminal), systemd's
 * container interface (the `container=`, `container_uuid=` and `container_ttys=` environment,
 * /run/systemd/container), a clean environment and signal state, then execve() of init. Success
 * closes the O_CLOEXEC sync socket, which the parent reads as "init runs"; a failure returns to
 * start.c, which reports it.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

#define INIT_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int attach_console(struct lxm_start_ctx *ctx)
{
	_cleanup_close_ int fd = -EBADF;

	/* A new session, and /dev/console as stdio but NOT as init's controlling terminal: the
	 * kernel starts a real init that way too. A getty on the console takes it with
	 * TIOCSCTTY, which cannot steal a terminal from another session without CAP_SYS_ADMIN in
	 * the host's user namespace: with init holding it, an unprivileged container's console
	 * getty would fail forever ("TIOCSCTTY: Operation not permitted"). And ^C typed on the
	 * console must not become a SIGINT (ctrl-alt-del: reboot) to init. */
	if (setsid() < 0)
		return lxm_step_fail(ctx, negative_errno(), "setsid()");
	fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return lxm_step_fail(ctx, negative_errno(), "'/dev/console'");
	for (int i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return lxm_step_fail(ctx, negative_errno(), "stdio on '/dev/console'");
	closep(&ctx->console_slave);
	for (unsigned i = 0; i < ctx->n_ttys; i++)
		closep(&ctx->tty_slaves[i]);
	return 0;
}

/* Whether /run/systemd/container already says exactly "lxcmgr\n": on a rootfs without a /run
 * tmpfs (busybox) it does from the second start on, and rewriting it (O_TRUNC + write on the
 * rootfs's file system, 0.2-0.4 ms on ext4) sat right before the execve of init. */
static bool container_file_current(void)
{
	_cleanup_close_ int fd = open("/run/systemd/container", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	char buf[8];
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 7)
		return false;
	return read(fd, buf, sizeof(buf)) == 7 && memcmp(buf, "lxcmgr\n", 7) == 0;
}

/* systemd reads this (and rewrites it on its own /run); other inits and tools read it too.
 * Best effort: a read-only rootfs is legitimate. */
static void write_container_file(void)
{
	_cleanup_close_ int fd = -EBADF;

	if (container_file_current())
		return;
	(void)mkdir("/run", 0755);
	(void)mkdir("/run/systemd", 0755);
	fd = open("/run/systemd/container", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0 || write(fd, "lxcmgr\n", 7) != 7)
		log_debug_errno(errno, "Failed to write '/run/systemd/container', ignoring: %m");
}

/* systemd's getty generator starts container-getty@N (agetty on /dev/pts/N) for each `pts/N` word
 * of PID 1's `container_ttys`, as LXC and libvirt-lxc set it; getty@ttyN needs /dev/tty0, which no
 * container has. Other inits run gettys from their inittab on /dev/ttyN and ignore it. Without
 * ttys the variable is left out (LXC does the same). */
static int container_ttys_env(const struct lxm_start_ctx *ctx, char **ret)
{
	char buf[sizeof("container_ttys=") + LXM_MAX_TTYS * sizeof(" pts/4294967295")];
	size_t n = 0;

	*ret = NULL;
	if (ctx->n_ttys == 0)
		return 0;
	n += (size_t)snprintf(buf, sizeof(buf), "container_ttys=");
	for (unsigned i = 0; i < ctx->n_ttys && i < LXM_MAX_TTYS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%spts/%u", i ? " " : "", ctx->tty_ptn[i]);
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

static void reset_signals(const struct lxm_start_ctx *ctx)
{
	sigset_t all;

	/* Signal dispositions set to ignore and the blocked mask survive execve(): the monitor's
	 * must not reach init (a PID 1 with SIGCHLD blocked never reaps). Only the ones the parent
	 * saw not at SIG_DFL when it cloned us (we are single-threaded and changed none since):
	 * a signal() per signal cost ~95 us here right before the exec of init. */
	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && ((ctx->signals_set >> (sig - 1)) & 1))
			(void)signal(sig, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
}

int lxm_child_step_exec(struct lxm_start_ctx *ctx)
{
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_free_ char *uuid_env = NULL, *ttys_env = NULL;
	const char *uuid = lxm_cfg_str(ctx->container->config, "uuid");
	int r;

	r = lxm_strv_split(lxm_cfg_str(ctx->container->config, "init") ?: "/sbin/init", " \t", &argv);
	if (r < 0 || !argv[0])
		return lxm_step_fail(ctx, r < 0 ? r : -EINVAL, "init command line");
	if (uuid && asprintf(&uuid_env, "container_uuid=%s", uuid) < 0)
		return -ENOMEM;
	if (container_ttys_env(ctx, &ttys_env) < 0)
		return -ENOMEM;
	/* NULLs end the list early: uuid_env then ttys_env may each be missing. */
	char *envp[4 + 3] = { "container=lxcmgr", INIT_PATH_ENV, "TERM=linux", "HOME=/" };
	size_t k = 4;
	if (uuid_env)
		envp[k++] = uuid_env;
	if (ttys_env)
		envp[k++] = ttys_env;
	envp[k] = NULL;

	reset_signals(ctx);
	r = attach_console(ctx);
	if (r < 0)
		return r;
	write_container_file();
	/* Nothing of ours but the sync socket may reach init; that one closes on exec. */
	(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(argv[0], argv, envp);
	return lxm_step_fail(ctx, negative_errno(), "'%s'", argv[0]);
}
