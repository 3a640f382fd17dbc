/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'overlay' (parent): the overlay rootfs of an unprivileged container. The kernel refuses to
 * id-map an overlay mount (EINVAL), but since Linux 5.19 overlayfs accepts id-mapped layers. So
 * before clone the container directory (upper and work: overlayfs wants both on one mount) and the
 * base are cloned as detached mounts; step 'idmap' id-maps both with the child's user namespace and
 * attaches the directory's at DIR in the child's mount namespace; this step then mounts the overlay
 * at DIR/rootfs there, from a short-lived process: the base is attached at DIR/rootfs for as long
 * as the overlay takes to find it (the overlay keeps its own reference), then detached, and the
 * new overlay is moved in its place. Files keep their owners on disk, as with a dir rootfs.
 */
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/securebits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "core/paths.h"
#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "security/summary.h"
#include "store/storage.h"
#include "util/log.h"

bool lxm_start_overlay_userns(const struct lxm_container *c)
{
	return lxm_storage_of(c) == LXM_STORAGE_OVERLAY && lxm_security_wants_userns(c->config);
}

int lxm_start_prepare_overlay(struct lxm_start_ctx *ctx)
{
	const struct lxm_container *c = ctx->container;
	const char *base = lxm_cfg_str(c->config, "storage_base");

	/* lxm_storage_activate() checked the base (it exists, no option separators). */
	if (IS_EMPTY(base))
		return log_error_errno(-EINVAL, "Container '%s' has storage \"overlay\" but no storage_base", c->name);
	/* Owners shifted on disk (security/idshift.h, e.g. a clone of a shifted container): an
	 * id-mapped base would show them shifted twice. */
	if (!IS_EMPTY(lxm_cfg_str(c->config, "security.idmap_shifted")))
		return log_error_errno(-EOPNOTSUPP, "Container '%s' is an overlay whose files are recorded as shifted on disk "
				       "(security.idmap_shifted): its layers cannot be id-mapped; make a full copy of it "
				       "('lxcmgr copy')", c->name);
	ctx->tree_fd = (int)syscall(SYS_open_tree, AT_FDCWD, c->dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (ctx->tree_fd < 0)
		return log_error_errno(negative_errno(), "Failed to clone the mount of '%s': %m", c->dir);
	ctx->lower_fd = (int)syscall(SYS_open_tree, AT_FDCWD, base, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (ctx->lower_fd < 0)
		return log_error_errno(negative_errno(), "Failed to clone the mount of '%s': %m", base);
	return 0;
}

/* What the mounting process reports back when it fails. */
struct overlay_report {
	int stage;
	int error;
	char text[256]; /* the kernel's own message from the fs context, if any */
};

static const char *const stage_names[] = {
	"enter the container's mount namespace",
	"attach the id-mapped base",
	"take the container root's file ids",
	"create the overlay over the id-mapped layers",
	"detach the base",
	"attach the overlay",
};

static _noreturn_ void helper_fail(int pipe_fd, int stage, int fs_fd)
{
	struct overlay_report rep = { .stage = stage, .error = errno };
	if (fs_fd >= 0) {
		/* The fs context's first message, "e overlay: ...\n". */
		char buf[sizeof(rep.text) + 2];
		ssize_t n = read(fs_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		const char *t = strncmp(buf, "e ", 2) == 0 ? buf + 2 : buf;
		size_t len = strnlen(t, sizeof(rep.text) - 1);
		memcpy(rep.text, t, len);
		rep.text[len] = '\0';
	}
	(void)!write(pipe_fd, &rep, sizeof(rep));
	_exit(EXIT_FAILURE);
}

static int fs_set(int fs_fd, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fs_fd, FSCONFIG_SET_STRING, key, value, 0);
}

/* The mounting process: never returns. */
static _noreturn_ void helper(struct lxm_start_ctx *ctx, int ns, const char *upper, const char *work, uid_t uid,
			      gid_t gid, int pipe_fd)
{
	const char *rootfs = ctx->container->rootfs;
	int fs_fd = -1, mnt_fd;

	if (setns(ns, CLONE_NEWNS) < 0)
		helper_fail(pipe_fd, 0, -1);
	if (syscall(SYS_move_mount, ctx->lower_fd, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		helper_fail(pipe_fd, 1, -1);
	/* overlayfs works on its layers with the mounter's credentials. Mounted by host root, its
	 * work dir and whiteouts would be created as host uid 0, which the id-mapped upper cannot
	 * store (EOVERFLOW). So the file ids become the container root's, keeping the capabilities
	 * (no setuid fix-up) a privileged overlay's mounter has. This gives the container nothing:
	 * overlayfs checks every request against the caller's own credentials on the overlay inode
	 * first (a container user cannot reach a file of the base it could not reach as itself);
	 * only the layer operations it then decided on run as the mounter. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) < 0)
		helper_fail(pipe_fd, 2, -1);
	(void)setfsgid(gid);
	(void)setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid || (gid_t)setfsgid((gid_t)-1) != gid) {
		errno = EPERM;
		helper_fail(pipe_fd, 2, -1);
	}
	fs_fd = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs_fd < 0)
		helper_fail(pipe_fd, 3, -1);
	if (fs_set(fs_fd, "lowerdir", rootfs) < 0 || fs_set(fs_fd, "upperdir", upper) < 0 ||
	    fs_set(fs_fd, "workdir", work) < 0 ||
	    syscall(SYS_fsconfig, fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		helper_fail(pipe_fd, 3, fs_fd);
	mnt_fd = (int)syscall(SYS_fsmount, fs_fd, FSMOUNT_CLOEXEC, 0);
	if (mnt_fd < 0)
		helper_fail(pipe_fd, 3, fs_fd);
	if (umount2(rootfs, MNT_DETACH) < 0)
		helper_fail(pipe_fd, 4, -1);
	if (syscall(SYS_move_mount, mnt_fd, "", AT_FDCWD, rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		helper_fail(pipe_fd, 5, -1);
	_exit(0);
}

static int run_helper(struct lxm_start_ctx *ctx, const char *upper, const char *work, uid_t uid, gid_t gid,
		      struct overlay_report *rep)
{
	char path[64];
	int p[2], status;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)ctx->pid);
	_cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return negative_errno();
	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	_cleanup_close_ int rd = p[0], wr = p[1];
	pid_t pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0)
		helper(ctx, ns, upper, work, uid, gid, wr);
	closep(&wr);
	ssize_t n;
	while ((n = read(rd, rep, sizeof(*rep))) < 0 && errno == EINTR)
		;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (n == (ssize_t)sizeof(*rep) && rep->stage >= 0 && (size_t)rep->stage < ARRAY_SIZE(stage_names))
		return rep->error > 0 ? -rep->error : -EIO;
	rep->stage = -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int lxm_start_step_overlay(struct lxm_start_ctx *ctx)
{
	const struct lxm_container *c = ctx->container;
	_cleanup_free_ char *upper = NULL, *work = NULL;
	struct overlay_report rep = { .stage = -1 };
	uint32_t uid, gid;
	int r;

	if (ctx->lower_fd < 0)
		return 0;
	if ((r = lxm_path_join(&upper, c->dir, "upper")) < 0 || (r = lxm_path_join(&work, c->dir, "work")) < 0)
		return r;
	if (lxm_idmap_map_id(&ctx->idmap, LXM_IDMAP_UID, 0, true, &uid) < 0 ||
	    lxm_idmap_map_id(&ctx->idmap, LXM_IDMAP_GID, 0, true, &gid) < 0)
		return log_error_errno(-ERANGE, "The id map of '%s' does not map root", c->name);
	r = run_helper(ctx, upper, work, (uid_t)uid, (gid_t)gid, &rep);
	if (r < 0 && rep.stage == 3)
		/* Before Linux 5.19 overlayfs refuses id-mapped layers ("idmapped layers are
		 * currently not supported"). */
		return log_error_errno(r, "Failed to %s of '%s' (overlayfs takes id-mapped layers since Linux 5.19; "
				       "on an older kernel set 'security.privileged = true'): %m%s%s",
				       stage_names[3], c->name, rep.text[0] ? ": " : "", rep.text);
	if (r < 0 && rep.stage >= 0)
		return log_error_errno(r, "Failed to %s for '%s': %m", stage_names[rep.stage], c->name);
	if (r < 0)
		return log_error_errno(r, "Failed to mount the overlay of '%s': %m", c->name);
	closep(&ctx->lower_fd);
	log_debug("Step 'overlay': '%s' mounted over id-mapped layers, files created as host %u:%u", c->rootfs, uid,
		  gid);
	return 0;
}
