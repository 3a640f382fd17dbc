/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'cgroupfs' (child): /sys/fs/cgroup as systemd inside expects it, built from what this
 * process sees in /proc/self/cgroup after unsharing the cgroup namespace (steps/cgroup.c), so it
 * follows the host's layout without asking the cgroup module:
 * - pure v2 ("0::/" only): a fresh cgroup2 mount on /sys/fs/cgroup;
 * - v1 or hybrid: a tmpfs on /sys/fs/cgroup holding one mount per v1 hierarchy the payload cgroup
 *   is in (cpu, memory, ..., named ones such as name=systemd at "systemd"), plus cgroup2 at "unified" when the host has it;
 *   co-mounted controllers ("cpu,cpuacct") get a directory of that name and a symlink per
 *   controller; the tmpfs is then made read-only, as on a host.
 * Config cgroup.layout = "unified" asks for the first on a hybrid host too: only the cgroup2
 * hierarchy (it has no controllers there, they are all bound to v1), so systemd inside runs in
 * unified mode (it decides by statfs() of /sys/fs/cgroup: cgroup2 = unified, tmpfs with cgroup2 at
 * "unified" = hybrid) and sets up one hierarchy per unit instead of five (unified, name=systemd,
 * memory, pids, devices). The container's processes stay in the payload's inner cgroup in every
 * v1 hierarchy, so the payload's limits and usage figures are unchanged; systemd's per-unit v1
 * accounting and limits (MemoryMax=, TasksMax= inside) are what goes. A v1-only host has no
 * cgroup2 hierarchy to show: refused.
 * Mounted inside the cgroup namespace, each hierarchy shows the payload's inner cgroup as its
 * root: the container manages its own subtree and never sees the host's or other containers'
 * cgroups, nor the payload cgroup above it that holds its limits.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/cfg-get.h"
#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

#define CGROUP_DIR "sys/fs/cgroup"

static const unsigned long cg_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

/* Below the tmpfs this step just mounted, plain *at() calls relative to its fd replace the
 * RESOLVE_IN_ROOT walks from the rootfs (5-6 openat2 per directory): the tmpfs is new, lives
 * in our own mount namespace only and nothing of the container runs yet, so nobody can have
 * planted a symlink in it (the walks block that attack in the container's own tree). */
static int mount_at(int dir_fd, const char *name, const char *source, const char *fstype, const char *data)
{
	_cleanup_close_ int fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char target[32];

	if (fd < 0)
		return negative_errno();
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(source, target, fstype, cg_flags, data) < 0)
		return negative_errno();
	return 0;
}

static int protect_devices_files(struct lxm_start_ctx *ctx, int tmp_fd, const char *name);

static int mount_v1(struct lxm_start_ctx *ctx, int tmp_fd, const char *controllers)
{
	_cleanup_free_ char *data = NULL;
	const char *name = controllers;
	int r;

	if (strncmp(controllers, "name=", 5) == 0) {
		name = controllers + 5;
		if (asprintf(&data, "none,%s", controllers) < 0)
			return -ENOMEM;
	} else if (!(data = strdup(controllers)))
		return -ENOMEM;
	if (!*name || strchr(name, '/') || STREQ(name, ".") || STREQ(name, ".."))
		return -EINVAL;
	if (mkdirat(tmp_fd, name, 0755) < 0 && errno != EEXIST)
		return lxm_step_fail(ctx, negative_errno(), "creating '/" CGROUP_DIR "/%s'", name);
	r = mount_at(tmp_fd, name, "cgroup", "cgroup", data);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting cgroup '%s' on '/" CGROUP_DIR "/%s'", data, name);
	if (STREQ(name, "devices")) {
		r = protect_devices_files(ctx, tmp_fd, name);
		if (r < 0)
			return r;
	}

	/* "cpu,cpuacct": symlinks cpu and cpuacct -> cpu,cpuacct, as on a host. */
	if (strchr(name, ',')) {
		_cleanup_free_ char *copy = strdup(name);
		char *save = NULL;
		if (!copy)
			return -ENOMEM;
		for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
			if (symlinkat(name, tmp_fd, c) < 0 && errno != EEXIST)
				return lxm_step_fail(ctx, negative_errno(), "creating '/" CGROUP_DIR "/%s'", c);
	}
	return 0;
}

/* name: below the tmpfs (tmp_fd), or NULL for pure v2: the cgroup2 mount replaces the tmpfs. */
static int mount_v2(struct lxm_start_ctx *ctx, int tmp_fd, const char *name)
{
	int r;

	if (!name) {
		r = lxm_mkdir_in_root(ctx->root_fd, CGROUP_DIR, 0755, NULL);
		if (r < 0)
			return lxm_step_fail(ctx, r, "creating '/" CGROUP_DIR "'");
		r = lxm_mount_in_root(ctx->root_fd, "cgroup2", CGROUP_DIR, "cgroup2", cg_flags, NULL);
		if (r < 0)
			return lxm_step_fail(ctx, r, "mounting cgroup2 on '/" CGROUP_DIR "'");
		return 0;
	}
	if (mkdirat(tmp_fd, name, 0755) < 0 && errno != EEXIST)
		return lxm_step_fail(ctx, negative_errno(), "creating '/" CGROUP_DIR "/%s'", name);
	r = mount_at(tmp_fd, name, "cgroup2", "cgroup2", NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting cgroup2 on '/" CGROUP_DIR "/%s'", name);
	return 0;
}

/* v1: devices.allow and devices.deny of the inner cgroup (the root of the container's devices
 * hierarchy) are bound read-only over themselves. The kernel checks a write there against the
 * parent, the payload, whose list lxcmgr set: a privileged container's root writing "a" to
 * devices.allow gets no more than that list; the read-only bind refuses it early. Sub-cgroups
 * stay writable (systemd's DevicePolicy); they can only narrow the list. With a user namespace
 * the kernel refuses the write anyway (CAP_SYS_ADMIN of the initial namespace). */
static int protect_devices_files(struct lxm_start_ctx *ctx, int tmp_fd, const char *name)
{
	static const char *const files[] = { "devices.allow", "devices.deny" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", name, files[i]) < 0)
			return -ENOMEM;
		_cleanup_close_ int fd = openat(tmp_fd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int bound = -EBADF;
		char self[32];
		int r = 0;

		if (fd < 0)
			return lxm_step_fail(ctx, negative_errno(), "'/" CGROUP_DIR "/%s'", path);
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (mount(self, self, NULL, MS_BIND, NULL) < 0)
			r = negative_errno();
		/* Reopen: the fd taken before the bind still names the file below it. */
		if (r >= 0 && (bound = openat(tmp_fd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
			r = negative_errno();
		if (r >= 0) {
			snprintf(self, sizeof(self), "/proc/self/fd/%d", bound);
			if (mount(NULL, self, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | cg_flags, NULL) < 0)
				r = negative_errno();
		}
		if (r < 0)
			return lxm_step_fail(ctx, r, "making '/" CGROUP_DIR "/%s' read-only", path);
	}
	return 0;
}

/* Hierarchies the payload cgroup is not in (steps/cgroup.c) stay out of the container. */
static bool skipped(uint64_t skip, const char *line)
{
	unsigned id;

	return sscanf(line, "%u:", &id) == 1 && id < 64 && (skip & (UINT64_C(1) << id));
}

int lxm_cgroupfs_view(FILE *proc_cgroup, uint64_t skip, bool unified, enum lxm_cgroupfs_view *ret)
{
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	bool v1 = false, v2 = false;

	while (getline(&line, &size, proc_cgroup) > 0) {
		if (skipped(skip, line))
			continue;
		if (strncmp(line, "0::", 3) == 0)
			v2 = true;
		else
			v1 = true;
	}
	if (unified && !v2)
		return -EOPNOTSUPP;
	if (v2 && (!v1 || unified))
		*ret = LXM_CGROUPFS_V2;
	else
		*ret = v2 ? LXM_CGROUPFS_HYBRID : LXM_CGROUPFS_V1;
	return 0;
}

int lxm_child_step_cgroupfs(struct lxm_start_ctx *ctx)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int tmp_fd = -EBADF;
	const char *layout = lxm_cfg_str(ctx->container->config, "cgroup.layout");
	enum lxm_cgroupfs_view view;
	size_t size = 0;
	int r;

	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return lxm_step_fail(ctx, negative_errno(), "'/proc/self/cgroup'");
	r = lxm_cgroupfs_view(f, ctx->cgroup_skip, layout && STREQ(layout, "unified"), &view);
	if (r == -EOPNOTSUPP)
		return lxm_step_fail(ctx, r, "cgroup.layout = \"unified\" needs a cgroup2 hierarchy and this host "
				     "has none (cgroup v1 only): set cgroup.layout = \"host\"");
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/proc/self/cgroup'");
	if (view == LXM_CGROUPFS_V2)
		return mount_v2(ctx, -EBADF, NULL);

	r = lxm_mount_in_root(ctx->root_fd, "tmpfs", CGROUP_DIR, "tmpfs", cg_flags, "mode=755,size=64k");
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting a tmpfs on '/" CGROUP_DIR "'");
	r = lxm_open_in_root(ctx->root_fd, CGROUP_DIR, O_DIRECTORY, &tmp_fd);
	if (r < 0)
		return lxm_step_fail(ctx, r, "'/" CGROUP_DIR "'");
	rewind(f);
	while (getline(&line, &size, f) > 0) {
		char *ctrl = strchr(line, ':'), *path;
		if (!ctrl || !(path = strchr(++ctrl, ':')) || skipped(ctx->cgroup_skip, line))
			continue;
		*path = 0;
		if (!*ctrl)
			continue; /* the v2 line, below */
		r = mount_v1(ctx, tmp_fd, ctrl);
		if (r < 0)
			return r;
	}
	if (view == LXM_CGROUPFS_HYBRID) {
		r = mount_v2(ctx, tmp_fd, "unified");
		if (r < 0)
			return r;
	}
	r = lxm_remount_in_root(ctx->root_fd, CGROUP_DIR, MS_RDONLY, 0);
	if (r < 0)
		return lxm_step_fail(ctx, r, "making '/" CGROUP_DIR "' read-only");
	return 0;
}
