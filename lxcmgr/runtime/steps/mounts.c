/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'mounts' (child): the config's `mount NAME { source target options }` bind mounts, before
 * /proc, /sys and /dev so those always win. Options (comma-separated): ro, rw, nosuid, nodev,
 * noexec, bind (single level instead of recursive), optional (a missing source is skipped). A
 * missing target is created (directory or empty file, like the source).
 *
 * Attack: root in the container owns the rootfs and can plant `/srv/data -> /../../etc` (or a
 * relative `../../../../etc`) before a restart; a mount onto that path resolved by the host would
 * cover the host's /etc. Targets are resolved by the kernel with RESOLVE_IN_ROOT as the container
 * will see them (mount-util.h), so such a link lands inside the rootfs, never outside it; the
 * component-walk fallback refuses symlinks outright.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "runtime/cfg-get.h"
#include "runtime/mount-util.h"
#include "runtime/steps/steps.h"
#include "util/log.h"

struct mount_opts {
	unsigned long flags;
	bool recursive;
	bool optional;
};

static int parse_opts(char **l, struct mount_opts *o)
{
	*o = (struct mount_opts){ .recursive = true };
	for (char **t = l; *t; t++) {
		if (STREQ(*t, "ro"))
			o->flags |= MS_RDONLY;
		else if (STREQ(*t, "rw"))
			o->flags &= ~(unsigned long)MS_RDONLY;
		else if (STREQ(*t, "nosuid"))
			o->flags |= MS_NOSUID;
		else if (STREQ(*t, "nodev"))
			o->flags |= MS_NODEV;
		else if (STREQ(*t, "noexec"))
			o->flags |= MS_NOEXEC;
		else if (STREQ(*t, "bind"))
			o->recursive = false;
		else if (STREQ(*t, "rbind"))
			o->recursive = true;
		else if (STREQ(*t, "optional"))
			o->optional = true;
		else if (STREQ(*t, "create=dir") || STREQ(*t, "create=file"))
			; /* the target is always created like the source */
		else
			return log_debug_errno(EINVAL, "Unknown mount option '%s'", *t);
	}
	return 0;
}

static int mount_one(struct lxm_start_ctx *ctx, cfg_t *sec)
{
	const char *name = cfg_title(sec) ?: "?";
	const char *source = lxm_cfg_str(sec, "source"), *target = lxm_cfg_str(sec, "target");
	_cleanup_strv_free_ char **optv = NULL;
	struct mount_opts o;
	struct stat st;
	int r;

	if (!source || !target || target[0] != '/')
		return lxm_step_fail(ctx, -EINVAL, "mount '%s' needs a source and an absolute target", name);
	r = lxm_cfg_strv(sec, "options", &optv);
	if (r < 0)
		return lxm_step_fail(ctx, r, "options of mount '%s'", name);
	r = parse_opts(optv, &o);
	if (r < 0)
		return lxm_step_fail(ctx, r, "options of mount '%s'", name);

	/* The source is a host path chosen by the host's admin: resolved normally. */
	if (stat(source, &st) < 0) {
		if (errno == ENOENT && o.optional)
			return 0;
		return lxm_step_fail(ctx, negative_errno(), "source '%s' of mount '%s'", source, name);
	}
	/* A missing target is created like the source, inside the rootfs. */
	if (S_ISDIR(st.st_mode))
		r = lxm_mkdir_in_root(ctx->root_fd, target, 0755, NULL);
	else
		r = lxm_touch_in_root(ctx->root_fd, target, 0644);
	if (r < 0)
		return lxm_step_fail(ctx, r, "target '%s' of mount '%s'", target, name);
	r = lxm_bind_in_root(ctx->root_fd, source, target, o.flags | (o.recursive ? MS_REC : 0));
	if (r < 0)
		return lxm_step_fail(ctx, r, "bind-mounting '%s' onto '%s' (mount '%s')", source, target, name);
	return 0;
}

int lxm_child_step_mounts(struct lxm_start_ctx *ctx)
{
	cfg_t *cfg = ctx->container->config;
	unsigned n = lxm_cfg_nsec(cfg, "mount");
	int r;

	for (unsigned i = 0; i < n; i++) {
		r = mount_one(ctx, lxm_cfg_sec(cfg, "mount", i));
		if (r < 0)
			return r;
	}
	return 0;
}
