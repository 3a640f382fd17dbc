/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'clone': the child in new mount, pid, uts and ipc namespaces; its network namespace follows
 * in step 'netns' (none for network type "none"). The cgroup
 * namespace comes later (steps/cgroup.c): it must be unshared after the child sits in the payload
 * cgroup, or its root would be the monitor's cgroup. Unprivileged containers add
 * CLONE_NEWUSER (steps/idmap.c writes the maps).
 */
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>

#include "cli/front.h"
#include "runtime/net-setup.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

/* Only the static lxcmgr has it (cli/front.c); elsewhere the faults come as before. */
extern __typeof__(lxm_front_prefault_code) lxm_front_prefault_code __attribute__((weak));

int lxm_start_step_clone(struct lxm_start_ctx *ctx)
{
	int pidfd = -EBADF;
	struct clone_args args = {
		.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid;

	/* Network type "none" shares the host's network namespace. The child makes its own network
	 * namespace itself right after clone (start.c): creating one costs ~0.5-0.7 ms of CPU, which
	 * then overlaps with the parent's step 'idmap' instead of delaying everything here. */
	ctx->own_netns = lxm_net_wants_netns(ctx->container->config);
	/* Unprivileged: the user namespace comes with the others, so it owns them (mounting proc and
	 * sysfs inside needs that); the parent writes its maps in step 'idmap'. */
	if (ctx->userns)
		args.flags |= CLONE_NEWUSER;

	/* Raw clone3 (no stack: fork semantics). The monitor is single-threaded, so the child may use
	 * libc until it execs. CLONE_PIDFD: a pidfd that cannot name a recycled pid. */
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return log_error_errno(errno, "Failed to clone the container's init with new namespaces: %m");
	if (pid == 0) {
		ctx->pid = 0;
		if (lxm_front_prefault_code)
			lxm_front_prefault_code(); /* a fork of the monitor: none of our code is mapped */
		return 0;
	}
	ctx->pid = (pid_t)pid;
	ctx->pidfd = pidfd;
	log_debug("Step 'clone': child %ld in new mount, pid, uts, ipc%s namespaces", pid,
		  ctx->userns ? ", user" : "");
	return 0;
}
