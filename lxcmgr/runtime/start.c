/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The start sequence: a readable list of steps (one file each under steps/), run by the parent on
 * the host and by the child inside the new namespaces, in lock-step over the sync socket.
 */
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime/start.h"
#include "runtime/state.h"
#include "runtime/steps/steps.h"
#include "runtime/sync.h"
#include "store/storage.h"
#include "util/log.h"

void lxm_start_ctx_init(struct lxm_start_ctx *ctx, const struct lxm_start_params *p)
{
	*ctx = (struct lxm_start_ctx){
		.params = p,
		.container = p ? p->container : NULL,
		.sync_fd = -EBADF,
		.pidfd = -EBADF,
		.root_fd = -EBADF,
		.console_master = -EBADF,
		.console_slave = -EBADF,
		.tree_fd = -EBADF,
		.lower_fd = -EBADF,
		.devpts_fd = -EBADF,
		.signals_set = ~UINT64_C(0),
	};
	for (unsigned i = 0; i < LXM_MAX_TTYS; i++)
		ctx->tty_masters[i] = ctx->tty_slaves[i] = -EBADF;
}

void lxm_start_ctx_done(struct lxm_start_ctx *ctx)
{
	lxm_start_payload_reap(ctx, NULL);
	lxm_seccomp_free(ctx->seccomp);
	free(ctx->apparmor_profile);
	closep(&ctx->tree_fd);
	closep(&ctx->lower_fd);
	closep(&ctx->devpts_fd);
	closep(&ctx->sync_fd);
	closep(&ctx->pidfd);
	closep(&ctx->root_fd);
	closep(&ctx->console_master);
	closep(&ctx->console_slave);
	for (unsigned i = 0; i < LXM_MAX_TTYS; i++) {
		closep(&ctx->tty_masters[i]);
		closep(&ctx->tty_slaves[i]);
	}
	lxm_start_ctx_init(ctx, ctx->params);
}

int lxm_step_fail(struct lxm_start_ctx *ctx, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error_text, sizeof(ctx->error_text), fmt, ap);
	va_end(ap);
	return r;
}

typedef int (*child_step_fn)(struct lxm_start_ctx *ctx);

static int child_send_done(struct lxm_start_ctx *ctx, enum lxm_step step)
{
	if (step == LXM_STEP_DEVPTS)
		return lxm_child_devpts_send(ctx); /* the record carries the devpts instance */
	return lxm_sync_send(ctx->sync_fd, step);
}

/* The child's steps after the parent's idmap and overlay steps, in order. The parent expects one
 * record per step, then end-of-file from the exec. */
static const struct {
	enum lxm_step step;
	child_step_fn fn;
} child_steps[] = {
	{ LXM_STEP_ROOTFS, lxm_child_step_rootfs },
	/* As early as possible, so the parent's pty opens in it overlap with all our mounts; not
	 * before 'rootfs', where we become the container's root: the instance's ptmx node gets the
	 * file ids of its maker. */
	{ LXM_STEP_DEVPTS, lxm_child_step_devpts },
	{ LXM_STEP_MOUNTS, lxm_child_step_mounts },
	{ LXM_STEP_PROC, lxm_child_step_proc },
	{ LXM_STEP_SYS, lxm_child_step_sys },
	{ LXM_STEP_DEV, lxm_child_step_dev },
	/* Before the wait for 'cgroup': the detach of the old root waits for an RCU grace period
	 * (0.1 ms quiet, 1-4 ms when the other CPUs are busy), which overlaps with the parent's
	 * payload cgroup and attach this way instead of adding to the start. Nothing after it
	 * needs the host's tree: they work below root_fd and the container's own /proc. */
	{ LXM_STEP_PIVOT_ROOT, lxm_child_step_pivot_root },
	{ LXM_STEP_NETWORK, lxm_child_step_network },
	{ LXM_STEP_CGROUPFS, lxm_child_step_cgroupfs },
	{ LXM_STEP_CONSOLE, lxm_child_step_console },
	{ LXM_STEP_HOSTNAME, lxm_child_step_hostname },
	{ LXM_STEP_CAPS, lxm_child_step_caps },
	{ LXM_STEP_LSM, lxm_child_step_lsm },
	{ LXM_STEP_SECCOMP, lxm_child_step_seccomp },
};

static _noreturn_ void child_fail(struct lxm_start_ctx *ctx, enum lxm_step step, int r)
{
	(void)lxm_sync_send_error(ctx->sync_fd, step, r, ctx->error_text);
	_exit(EXIT_FAILURE);
}

/* The child: never returns; ends in execve() of init or _exit().
 *
 * Ordering (parent | child):
 *   'clone': -                           | '/' private (user namespace), record 'clone'
 *   idmap, overlay                      | netns (record 'netns'); waits for both
 *   cgroup (attach of the child),       | rootfs, devpts (the record carries it), mounts,
 *   ptys (in the child's devpts, after  |   proc, sys, dev (attaches devpts),
 *   record 'devpts'),                   |   pivot_root, network (lo): meanwhile
 *   network (after record 'netns'),     | waits for 'cgroup', unshares the cgroup namespace,
 *   limits, then joins the monitor      |   cgroupfs; waits for 'ptys' (the slaves), console,
 *   cgroup                              |   hostname, capabilities, lsm;
 *                                       |   waits for 'network', 'limits'; seccomp, exec
 * Moving the child into its cgroups is the slow part of the parent's work on a default v1 host
 * (each burst of migrations waits for an RCU grace period, 8-25 ms), so it overlaps with the
 * child's first mounts, and so does making the payload cgroup (params.create_payload: ~20 mkdirs on
 * v1), its device list and its owner; the monitor moves itself into its own cgroup only after
 * telling the child 'limits', the last step the child waits for, so those ~10 v1 moves overlap with
 * its seccomp and exec (they came after 'cgroup' before: ~2.5-4% of a start, A/B session 16, as the
 * child then waited for 'ptys' behind them). Why that is safe: until 'cgroup' the child only runs
 * our own code, opens no device and creates no device node (the v1 devices controller and the v2
 * device program check at open() and mknod(); step 'dev' only mounts a tmpfs, creates regular files
 * and symlinks and bind-mounts the host's nodes over them, which opens none of them, and mounts a
 * new devpts, whose ptmx the kernel makes; 'devpts' makes that instance detached, 'pivot_root' and
 * 'lo' (a socket and an ioctl) open none either; the ptys are opened by the parent, still in its
 * caller's cgroup (whose device rules that open of the instance's ptmx meets: a caller denied the
 * ptmx gets that error), and the child only bind-mounts their slaves in 'console', after 'cgroup'),
 * forks nothing (pids) and is a single process; the device list is written to the payload cgroup
 * before the attach, and the limits before 'seccomp'; nothing of the container runs before exec. */
static _noreturn_ void child_main(struct lxm_start_ctx *ctx)
{
	int r;

	r = lxm_child_step_private(ctx);
	if (r < 0)
		child_fail(ctx, LXM_STEP_CLONE, r);
	if (lxm_sync_send(ctx->sync_fd, LXM_STEP_CLONE) < 0)
		_exit(EXIT_FAILURE);
	/* Step 'netns' (steps/network.c), while the parent writes the id maps. */
	if (ctx->own_netns) {
		r = lxm_child_step_netns(ctx);
		if (r < 0)
			child_fail(ctx, LXM_STEP_NETNS, r);
		if (lxm_sync_send(ctx->sync_fd, LXM_STEP_NETNS) < 0)
			_exit(EXIT_FAILURE);
	}
	/* With a user namespace, nothing may be mounted before the id maps exist, nor before an
	 * overlay rootfs is mounted over its id-mapped layers. */
	if (lxm_sync_wait(ctx->sync_fd, LXM_STEP_IDMAP, NULL) < 0 ||
	    lxm_sync_wait(ctx->sync_fd, LXM_STEP_OVERLAY, NULL) < 0)
		_exit(EXIT_FAILURE);

	for (size_t i = 0; i < ARRAY_SIZE(child_steps); i++) {
		/* The cgroup namespace is unshared only once we sit in the payload's inner cgroup
		 * (its root is the caller's cgroup), and that before anything opens a device. */
		if (child_steps[i].step == LXM_STEP_CGROUPFS) {
			if (lxm_sync_wait(ctx->sync_fd, LXM_STEP_CGROUP, NULL) < 0)
				_exit(EXIT_FAILURE);
			r = lxm_child_step_cgroupns(ctx);
			if (r < 0)
				child_fail(ctx, LXM_STEP_CGROUPNS, r);
			if (lxm_sync_send(ctx->sync_fd, LXM_STEP_CGROUPNS) < 0)
				_exit(EXIT_FAILURE);
		}
		/* The interfaces and the limits (and the cgroup's owner) must be in place before
		 * anything inside the container runs: waited for as late as possible, so the
		 * parent's steps 'network' and 'limits' overlap with ours up to here. Before
		 * 'seccomp': a profile need not allow recvmsg. */
		/* The ptys the parent opened meanwhile: usually there long before we get here. */
		if (child_steps[i].step == LXM_STEP_CONSOLE) {
			r = lxm_child_ptys_receive(ctx);
			if (r == -EPROTO)
				child_fail(ctx, LXM_STEP_CONSOLE, r);
			if (r < 0)
				_exit(EXIT_FAILURE);
		}
		if (child_steps[i].step == LXM_STEP_SECCOMP &&
		    (lxm_sync_wait(ctx->sync_fd, LXM_STEP_NETWORK, NULL) < 0 ||
		     lxm_sync_wait(ctx->sync_fd, LXM_STEP_LIMITS, NULL) < 0))
			_exit(EXIT_FAILURE);
		r = child_steps[i].fn(ctx);
		if (r < 0)
			child_fail(ctx, child_steps[i].step, r);
		if (child_send_done(ctx, child_steps[i].step) < 0)
			_exit(EXIT_FAILURE);
	}
	r = lxm_child_step_exec(ctx);
	child_fail(ctx, LXM_STEP_EXEC, r < 0 ? r : -EIO);
}

/* Logs a child's failure record once, as the user will read it. */
static int log_child_failure(const struct lxm_sync_msg *m)
{
	if (m->text[0])
		return log_error_errno(m->error, "Child failed at step '%s': %m: %s", lxm_step_to_string(m->step),
				       m->text);
	return log_error_errno(m->error, "Child failed at step '%s': %m", lxm_step_to_string(m->step));
}

/* After the parent's own steps: one record per child step, then end-of-file when execve()
 * closed the child's O_CLOEXEC end. */
static int parent_wait_child(struct lxm_start_ctx *ctx, enum lxm_step last_ok)
{
	for (;;) {
		struct lxm_sync_msg m;
		int fds[LXM_SYNC_FDS_MAX];
		size_t n_fds;
		int r = lxm_sync_recv_fds(ctx->sync_fd, &m, fds, ARRAY_SIZE(fds), &n_fds);
		if (r == -EPIPE) {
			if (last_ok == LXM_STEP_SECCOMP) {
				log_debug("Child exec'd init (sync socket closed on exec)");
				return 0;
			}
			return log_error_errno(ECHILD, "Child exited after step '%s' without saying why",
					       lxm_step_to_string(last_ok));
		}
		if (r < 0)
			return log_error_errno(r, "Failed to read from the child: %m");
		for (size_t i = 0; i < n_fds; i++) /* none is expected any more */
			close(fds[i]);
		if (m.error > 0)
			return log_child_failure(&m);
		log_debug("Child finished step '%s'", lxm_step_to_string(m.step));
		last_ok = m.step;
	}
}

/* A parent step failed or the child reported a failure out of turn: if the child left an error
 * record behind, that is the real cause. */
static int parent_drain_failure(struct lxm_start_ctx *ctx, int r)
{
	struct lxm_sync_msg m;

	while (lxm_sync_recv(ctx->sync_fd, &m) == 0)
		if (m.error > 0)
			return log_child_failure(&m);
	return r;
}

typedef int (*parent_step_fn)(struct lxm_start_ctx *ctx);

/* The child's records after 'clone', in their order: 'netns' (its own network namespace exists,
 * which step 'network' needs), 'rootfs', then 'devpts' with the instance step 'ptys' opens the
 * ptys in. */
static int parent_wait_devpts(struct lxm_start_ctx *ctx)
{
	struct lxm_sync_msg failed = {};
	size_t n = 0;
	int r;

	if (ctx->own_netns) {
		r = lxm_sync_wait(ctx->sync_fd, LXM_STEP_NETNS, &failed);
		if (r < 0 && failed.error > 0)
			return log_child_failure(&failed);
		if (r < 0)
			return log_error_errno(r, "Child went away before its network namespace: %m");
	}
	r = lxm_sync_wait(ctx->sync_fd, LXM_STEP_ROOTFS, &failed);
	if (r >= 0)
		r = lxm_sync_wait_fds(ctx->sync_fd, LXM_STEP_DEVPTS, NULL, &failed, &ctx->devpts_fd, 1, &n);
	if (r < 0 && failed.error > 0)
		return log_child_failure(&failed);
	if (r < 0)
		return log_error_errno(r, "Child went away before its devpts: %m");
	if (n != 1)
		return log_error_errno(EPROTO, "The child's record 'devpts' came without its devpts");
	return 0;
}

static int parent_steps(struct lxm_start_ctx *ctx)
{
	/* after: parent work that runs once the child was told (it does not wait for it). */
	static const struct {
		enum lxm_step step;
		parent_step_fn fn, after;
	} steps[] = {
		{ LXM_STEP_IDMAP, lxm_start_step_idmap, NULL },
		{ LXM_STEP_OVERLAY, lxm_start_step_overlay, NULL },
		{ LXM_STEP_CGROUP, lxm_start_step_cgroup, NULL },
		{ LXM_STEP_PTYS, lxm_start_step_ptys, NULL },
		{ LXM_STEP_NETWORK, lxm_start_step_network, NULL },
		{ LXM_STEP_LIMITS, lxm_start_step_limits, lxm_start_step_monitor_cgroup },
	};
	struct lxm_sync_msg failed = {};
	int r;

	/* Step 'idmap' attaches the rootfs in the child's mount namespace: only once it is private. */
	r = lxm_sync_wait(ctx->sync_fd, LXM_STEP_CLONE, &failed);
	if (r < 0 && failed.error > 0 && failed.step == LXM_STEP_CLONE)
		return log_child_failure(&failed);
	if (r < 0)
		return log_error_errno(r, "Child went away before making its mounts private: %m");

	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		if (steps[i].step == LXM_STEP_PTYS) {
			r = parent_wait_devpts(ctx);
			if (r < 0)
				return r;
		}
		r = steps[i].fn(ctx); /* logs its own failure */
		if (r < 0)
			return r; /* the child may wait for this step: nothing to drain */
		r = steps[i].step == LXM_STEP_PTYS ? lxm_start_ptys_send(ctx) : lxm_sync_send(ctx->sync_fd, steps[i].step);
		if (r < 0)
			return parent_drain_failure(ctx, log_error_errno(r, "Child went away before step '%s': %m",
									lxm_step_to_string(steps[i].step)));
		if (steps[i].after) {
			r = steps[i].after(ctx); /* logs its own failure */
			if (r < 0)
				return r;
		}
	}
	/* The child is on its own until 'seccomp' now: the caller's setup runs meanwhile. */
	if (ctx->params->overlap) {
		/* Logs its own failure; no drain: the child may well be fine and would run on. */
		r = ctx->params->overlap(ctx->params->overlap_data);
		if (r < 0)
			return r;
	}
	return parent_wait_child(ctx, LXM_STEP_CLONE);
}

/* Made by the helper for a start that never reached step 'cgroup': gone again, as if it had never
 * been made. */
static void drop_early_payload(struct lxm_start_ctx *ctx, struct lxm_cgroup *payload)
{
	bool made;

	if (ctx->payload_maker <= 0 && ctx->payload_report_fd <= 0)
		return;
	lxm_start_payload_reap(ctx, &made);
	if (made)
		(void)lxm_cgroup_destroy(payload);
}

static void kill_and_reap(struct lxm_start_ctx *ctx)
{
	siginfo_t si;

	if (ctx->pidfd < 0)
		return;
	/* The child is PID 1 of its pid namespace: killing it ends everything it started. */
	(void)syscall(SYS_pidfd_send_signal, ctx->pidfd, SIGKILL, NULL, 0);
	while (waitid((idtype_t)P_PIDFD, (id_t)ctx->pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
	log_debug("Child %d killed and reaped", (int)ctx->pid);
}

int lxm_start(const struct lxm_start_params *p, struct lxm_started *ret)
{
	struct lxm_start_ctx ctx;
	int fds[2], r;

	if (!p)
		return -EINVAL;
	lxm_start_ctx_init(&ctx, p);
	ctx.payload_maker = p->payload_maker; /* ours from here on, reaped on every path */
	ctx.payload_report_fd = p->payload_report_fd; /* the same */
	if (!p->container || !p->container->rootfs || p->n_ttys > LXM_MAX_TTYS) {
		drop_early_payload(&ctx, p->payload);
		return -EINVAL;
	}
	*ret = (struct lxm_started){ .init_pidfd = -EBADF, .console_master = -EBADF, .console_slave = -EBADF };
	for (unsigned i = 0; i < LXM_MAX_TTYS; i++)
		ret->tty_masters[i] = ret->tty_slaves[i] = -EBADF;

	/* An overlay rootfs is mounted on the host only until init runs: the container's mount
	 * namespace keeps its own copy. */
	r = lxm_storage_activate(p->container);
	if (r < 0) {
		drop_early_payload(&ctx, p->payload);
		return r;
	}
	r = lxm_init_detect(p->container->rootfs, &ret->init);
	if (r < 0)
		log_debug_errno(r, "Could not detect the init of '%s', ignoring: %m", p->container->name);
	/* In a user namespace the overlay is mounted again over id-mapped layers, in the container's
	 * mount namespace only (steps/overlay.c): the host's mount, which holds the upper directory
	 * in use, must not live on in it. */
	if (lxm_start_overlay_userns(p->container))
		lxm_storage_deactivate(p->container);

	/* Before the sync socket exists: the helper must never hold the child's end, whose
	 * end-of-file means "init runs". */
	lxm_start_payload_early(&ctx);
	r = lxm_sync_pair(fds);
	if (r < 0) {
		log_error_errno(r, "Failed to create the start sync socket: %m");
		goto fail;
	}
	ctx.sync_fd = fds[0];

	r = lxm_start_prepare_seccomp(&ctx);
	if (r >= 0)
		r = lxm_start_prepare_idmap(&ctx);
	if (r >= 0)
		r = lxm_start_prepare_lsm(&ctx);
	if (r < 0) {
		close(fds[1]);
		goto fail;
	}

	/* The child inherits our dispositions: it resets only those not at the default (steps/exec.c) */
	uint64_t caught, ignored;
	if (lxm_proc_self_signals(&caught, &ignored) >= 0)
		ctx.signals_set = caught | ignored;
	r = lxm_start_step_clone(&ctx);
	if (r < 0) {
		close(fds[1]);
		goto fail;
	}
	if (ctx.pid == 0) {
		close(fds[0]);
		ctx.sync_fd = fds[1];
		child_main(&ctx);
	}
	/* Only the child may hold its end: end-of-file must mean it exec'd or died. */
	close(fds[1]);

	r = parent_steps(&ctx);
	lxm_storage_deactivate(p->container);
	if (r < 0)
		goto fail;

	ret->init_pid = ctx.pid;
	ret->init_pidfd = TAKE_FD(ctx.pidfd);
	ret->console_master = TAKE_FD(ctx.console_master);
	ret->console_slave = TAKE_FD(ctx.console_slave);
	ret->n_ttys = ctx.n_ttys;
	for (unsigned i = 0; i < ctx.n_ttys; i++) {
		ret->tty_masters[i] = TAKE_FD(ctx.tty_masters[i]);
		ret->tty_slaves[i] = TAKE_FD(ctx.tty_slaves[i]);
	}
	log_debug("Container '%s' init running as pid %d", p->container->name, (int)ret->init_pid);
	lxm_start_ctx_done(&ctx);
	return 0;

fail:
	kill_and_reap(&ctx);
	drop_early_payload(&ctx, p->payload);
	lxm_storage_deactivate(p->container);
	lxm_start_network_undo(&ctx);
	lxm_start_ctx_done(&ctx);
	return r;
}
