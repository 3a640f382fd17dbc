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
 * Mounted inside the cgroup namespace, each hierarchy shows the payload's inner cgroup as its
 * root: the container manages its own subtree and never sees the host's or other containers'
 * cgroups, nor the payload cgroup above it that holds its limits.
 */
#include <sys/mount.h>

#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

#define CGROUP_DIR "sys/fs/cgroup"

static const unsigned long cg_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

static int protect_devices_files(struct lxm_start_ctx *ctx, const char *dir);

static int mount_v1(struct lxm_start_ctx *ctx, const char *controllers)
{
	_cleanup_free_ char *dir = NULL, *data = NULL;
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
	if (asprintf(&dir, CGROUP_DIR "/%s", name) < 0)
		return -ENOMEM;
	r = lxm_mkdir_in_root(ctx->root_fd, dir, 0755, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "creating '/%s'", dir);
	r = lxm_mount_in_root(ctx->root_fd, "cgroup", dir, "cgroup", cg_flags, data);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting cgroup '%s' on '/%s'", data, dir);
	if (STREQ(name, "devices")) {
		r = protect_devices_files(ctx, dir);
		if (r < 0)
			return r;
	}

	/* "cpu,cpuacct": symlinks cpu and cpuacct -> cpu,cpuacct, as on a host. */
	if (strchr(name, ',')) {
		_cleanup_free_ char *copy = strdup(name);
		char *save = NULL;
		if (!copy)
			return -ENOMEM;
		for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			_cleanup_free_ char *link = NULL;
			if (asprintf(&link, CGROUP_DIR "/%s", c) < 0)
				return -ENOMEM;
			r = lxm_symlink_in_root(ctx->root_fd, name, link);
			if (r < 0)
				return lxm_step_fail(ctx, r, "creating '/%s'", link);
		}
	}
	return 0;
}

static int mount_v2(struct lxm_start_ctx *ctx, const char *dir)
{
	int r = lxm_mkdir_in_root(ctx->root_fd, dir, 0755, NULL);

	if (r < 0)
		return lxm_step_fail(ctx, r, "creating '/%s'", dir);
	r = lxm_mount_in_root(ctx->root_fd, "cgroup2", dir, "cgroup2", cg_flags, NULL);
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting cgroup2 on '/%s'", dir);
	return 0;
}

/* v1: devices.allow and devices.deny of the inner cgroup (the root of the container's devices
 * hierarchy) are bound read-only over themselves. The kernel checks a write there against the
 * parent, the payload, whose list lxcmgr set: a privileged container's root writing "a" to
 * devices.allow gets no more than that list; the read-only bind refuses it early. Sub-cgroups
 * stay writable (systemd's DevicePolicy); they can only narrow the list. With a user namespace
 * the kernel refuses the write anyway (CAP_SYS_ADMIN of the initial namespace). */
static int protect_devices_files(struct lxm_start_ctx *ctx, const char *dir)
{
	static const char *const files[] = { "devices.allow", "devices.deny" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int fd = -EBADF;
		char src[64];
		if (asprintf(&path, "%s/%s", dir, files[i]) < 0)
			return -ENOMEM;
		int r = lxm_open_in_root(ctx->root_fd, path, 0, &fd);
		if (r < 0)
			return lxm_step_fail(ctx, r, "'/%s'", path);
		snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
		r = lxm_bind_in_root(ctx->root_fd, src, path, 0);
		if (r >= 0)
			r = lxm_remount_in_root(ctx->root_fd, path, MS_RDONLY, 0);
		if (r < 0)
			return lxm_step_fail(ctx, r, "making '/%s' read-only", path);
	}
	return 0;
}

/* Hierarchies the payload cgroup is not in (steps/cgroup.c) stay out of the container. */
static bool skipped(const struct lxm_start_ctx *ctx, const char *line)
{
	unsigned id;

	return sscanf(line, "%u:", &id) == 1 && id < 64 && (ctx->cgroup_skip & (UINT64_C(1) << id));
}

int lxm_child_step_cgroupfs(struct lxm_start_ctx *ctx)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	bool v1 = false, v2 = false;
	int r;

	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return lxm_step_fail(ctx, negative_errno(), "'/proc/self/cgroup'");
	while (getline(&line, &size, f) > 0) {
		if (skipped(ctx, line))
			continue;
		if (strncmp(line, "0::", 3) == 0)
			v2 = true;
		else
			v1 = true;
	}
	if (v2 && !v1)
		return mount_v2(ctx, CGROUP_DIR);

	r = lxm_mount_in_root(ctx->root_fd, "tmpfs", CGROUP_DIR, "tmpfs", cg_flags, "mode=755,size=64k");
	if (r < 0)
		return lxm_step_fail(ctx, r, "mounting a tmpfs on '/" CGROUP_DIR "'");
	rewind(f);
	while (getline(&line, &size, f) > 0) {
		char *ctrl = strchr(line, ':'), *path;
		if (!ctrl || !(path = strchr(++ctrl, ':')) || skipped(ctx, line))
			continue;
		*path = 0;
		if (!*ctrl)
			continue; /* the v2 line, below */
		r = mount_v1(ctx, ctrl);
		if (r < 0)
			return r;
	}
	if (v2) {
		r = mount_v2(ctx, CGROUP_DIR "/unified");
		if (r < 0)
			return r;
	}
	r = lxm_remount_in_root(ctx->root_fd, CGROUP_DIR, MS_RDONLY, 0);
	if (r < 0)
		return lxm_step_fail(ctx, r, "making '/" CGROUP_DIR "' read-only");
	return 0;
}
