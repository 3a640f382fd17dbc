/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'cgroup' (parent): the child joins the payload's inner cgroup ("lxcmgr.payload.ID/init")
 * in every hierarchy, while the child makes its first mounts (start.c says why that is safe).
 * Step 'cgroupns' (child): only then it unshares the cgroup namespace, so the
 * inner cgroup becomes the root of what the container sees in /proc/self/cgroup and in the
 * cgroupfs it mounts (steps/cgroupfs.c); the payload's limit files stay outside its view.
 * This order works on v1 and v2 alike; CLONE_INTO_CGROUP would only help on v2.
 */
#include <sched.h>
#include <sys/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "runtime/steps/steps.h"
#include "util/log.h"

/* The ~20 mkdirs of a v1 payload cgroup (and the cpuset copies) take 2-3 ms of kernel time:
 * a forked process makes them while the parent prepares, clones and writes the id maps, so
 * step 'cgroup' is left with the device list and the attach. Nothing is ever decided by the
 * helper alone: the device list is still written by step 'cgroup' before init joins, and if
 * the helper failed, step 'cgroup' makes the cgroup again itself and reports that error.
 * The monitor is single-threaded, so the forked copy may use libc; it only ends in _exit(). */
pid_t lxm_start_payload_fork(struct lxm_cgroup *payload)
{
	pid_t pid = fork();

	if (pid < 0)
		return log_debug_errno(errno, "Failed to fork the payload cgroup maker, step 'cgroup' makes it: %m");
	if (pid == 0)
		_exit(lxm_cgroup_create(payload) < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
	return pid;
}

bool lxm_start_payload_wait(pid_t pid)
{
	int status = 0;
	pid_t r;

	if (pid <= 0)
		return false;
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	return r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SUCCESS;
}

bool lxm_start_payload_report_wait(int fd)
{
	char made = 1;
	ssize_t n;

	if (fd <= 0)
		return false;
	while ((n = read(fd, &made, 1)) < 0 && errno == EINTR)
		;
	close(fd);
	return n == 1 && made == 0;
}

/* The caller's helper (lxm_start_params.payload_maker or payload_report_fd: the CLI's detacher
 * makes it while the monitor sets up, or a fork of the monitor does), else our own. */
void lxm_start_payload_early(struct lxm_start_ctx *ctx)
{
	pid_t pid;

	if (ctx->payload_maker > 0 || ctx->payload_report_fd > 0 || !ctx->params->payload ||
	    !ctx->params->create_payload)
		return;
	pid = lxm_start_payload_fork(ctx->params->payload);
	if (pid > 0)
		ctx->payload_maker = pid;
}

void lxm_start_payload_reap(struct lxm_start_ctx *ctx, bool *ret_made)
{
	bool made = ctx->payload_report_fd > 0 ? lxm_start_payload_report_wait(ctx->payload_report_fd)
					       : lxm_start_payload_wait(ctx->payload_maker);

	ctx->payload_maker = 0;
	ctx->payload_report_fd = 0;
	if (ret_made)
		*ret_made = made;
}

int lxm_start_step_cgroup(struct lxm_start_ctx *ctx)
{
	struct lxm_cgroup *cg = ctx->params->payload;
	int r;

	if (!cg) {
		log_debug("Step 'cgroup': no payload cgroup given, the child stays in ours");
		return 0;
	}
	/* Both while the child makes its first mounts (start.c: why that is safe): the cgroup and
	 * its device list, before init joins it. (The inner cgroup's owner follows in step
	 * 'limits', before anything of the container runs: the child's cgroupfs binds need no
	 * ownership.) */
	bool made;
	lxm_start_payload_reap(ctx, &made);
	if (ctx->params->create_payload && !made) {
		r = lxm_cgroup_create(cg);
		if (r < 0)
			return log_error_errno(r, "Failed to create the payload cgroup: %m");
	}
	r = lxm_start_step_devices(ctx);
	if (r < 0)
		return r;
	r = lxm_cgroup_attach(cg, ctx->pid);
	if (r < 0)
		return log_error_errno(r, "Failed to move the container's init into its cgroup: %m");
	log_debug("Step 'cgroup': child %d attached to the payload's inner cgroup", (int)ctx->pid);
	return 0;
}

/* After the child was told 'limits' (start.c), the last step it waits for: the monitor's own
 * cgroup is none of the child's business, so the ~10 v1 moves are off the child's path. */
int lxm_start_step_monitor_cgroup(struct lxm_start_ctx *ctx)
{
	int r;

	if (!ctx->params->payload)
		return 0; /* as before: no payload cgroup, the child stays in ours */
	if (ctx->params->self_cgroup) {
		/* Made when joining fails: missing (the first start on this host, a hierarchy
		 * mounted since) or, on v1, a cpuset another start just made and has not filled in
		 * yet (ENOSPC); create fills in an empty cpuset and leaves the rest alone. */
		r = lxm_cgroup_attach(ctx->params->self_cgroup, 0);
		if (r < 0) {
			log_debug_errno(r, "Joining the caller's cgroup failed, creating it: %m");
			r = lxm_cgroup_create(ctx->params->self_cgroup);
			if (r >= 0)
				r = lxm_cgroup_attach(ctx->params->self_cgroup, 0);
		}
		if (r < 0)
			return log_error_errno(r, "Failed to join the monitor cgroup: %m");
	}
	return 0;
}

/* Hierarchies where we still sit in the root cgroup while the payload cgroup placed us below
 * the root elsewhere: ones the cgroup module does not manage (a stray "name=openrc" left by some
 * tool). Mounted inside, they would hand the container the host's whole hierarchy, writable. */
static uint64_t unmanaged_hierarchies(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	_cleanup_free_ char *line = NULL;
	uint64_t at_root = 0;
	bool placed = false;
	size_t size = 0;

	if (!f)
		return 0;
	while (getline(&line, &size, f) > 0) {
		unsigned id;
		char *path = strrchr(line, ':');
		if (!path || sscanf(line, "%u:", &id) != 1 || id >= 64)
			continue;
		if (STREQ(path, ":/\n"))
			at_root |= UINT64_C(1) << id;
		else
			placed = true;
	}
	return placed ? at_root : 0;
}

int lxm_child_step_private(struct lxm_start_ctx *ctx)
{
	/* In a user namespace the parent attaches the rootfs into our mount namespace in step
	 * 'idmap': everything must be private before, or that mount would propagate to the host. */
	if (ctx->userns && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return lxm_step_fail(ctx, negative_errno(), "making '/' private");
	return 0;
}

int lxm_child_step_cgroupns(struct lxm_start_ctx *ctx)
{
	ctx->cgroup_skip = unmanaged_hierarchies();
	if (unshare(CLONE_NEWCGROUP) < 0)
		return lxm_step_fail(ctx, negative_errno(), "unshare(CLONE_NEWCGROUP)");
	return 0;
}
