/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "store/btrfs.h"
#include "store/storage.h"
#include "store/store.h"
#include "util/log.h"
#include "util/strv.h"

static const char *const type_names[] = {
	[LXM_STORAGE_DIR] = "dir",
	[LXM_STORAGE_OVERLAY] = "overlay",
	[LXM_STORAGE_BTRFS] = "btrfs",
};

const char *lxm_storage_type_to_string(enum lxm_storage_type t)
{
	return (size_t)t < ARRAY_SIZE(type_names) ? type_names[t] : NULL;
}

int lxm_storage_type_from_string(const char *s, enum lxm_storage_type *ret)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(type_names); i++)
		if (STREQ(s, type_names[i])) {
			*ret = (enum lxm_storage_type)i;
			return 0;
		}
	return -EINVAL;
}

enum lxm_storage_type lxm_storage_of(const struct lxm_container *c)
{
	enum lxm_storage_type t = LXM_STORAGE_DIR;
	if (c->config)
		(void)lxm_storage_type_from_string(cfg_getstr(c->config, "storage"), &t);
	return t;
}

int lxm_storage_data_dir(const struct lxm_container *c, char **ret)
{
	if (lxm_storage_of(c) == LXM_STORAGE_OVERLAY)
		return lxm_path_join(ret, c->dir, "upper");
	return (*ret = strdup(c->rootfs)) ? 0 : -ENOMEM;
}

enum lxm_storage_type lxm_storage_default(const struct lxm_paths *paths)
{
	/* Like machinectl/nspawn on a btrfs /var/lib/machines and LXC's `-B best`: a store on btrfs gets
	 * subvolumes, so snapshots and clones are instant and need no freeze. */
	return lxm_btrfs_is_fs(paths->containers_dir) > 0 ? LXM_STORAGE_BTRFS : LXM_STORAGE_DIR;
}

int lxm_storage_btrfs_rootfs(const char *rootfs)
{
	int r = lxm_btrfs_is_fs(rootfs);
	if (r < 0)
		return log_error_errno(r, "Failed to check the filesystem of '%s': %m", rootfs);
	if (r == 0)
		return log_error_errno(-EOPNOTSUPP, "Storage \"btrfs\" needs the container store on btrfs; '%s' is not", rootfs);
	if (rmdir(rootfs) < 0)
		return log_error_errno(negative_errno(), "Failed to remove '%s': %m", rootfs);
	if ((r = lxm_btrfs_subvol_create(rootfs)) < 0)
		return log_error_errno(r, "Failed to create the btrfs subvolume '%s': %m", rootfs);
	return 0;
}

int lxm_storage_btrfs_clone(const char *src_rootfs, const char *dst_rootfs)
{
	int r;
	if (lxm_btrfs_is_subvol(src_rootfs) <= 0)
		return log_error_errno(-EINVAL, "'%s' is not a btrfs subvolume", src_rootfs);
	if (rmdir(dst_rootfs) < 0)
		return log_error_errno(negative_errno(), "Failed to remove '%s': %m", dst_rootfs);
	if ((r = lxm_btrfs_snapshot(src_rootfs, dst_rootfs, false)) < 0)
		return log_error_errno(r, "Failed to snapshot '%s' to '%s': %m", src_rootfs, dst_rootfs);
	return 0;
}

int lxm_overlay_prepare(const char *dir)
{
	_cleanup_free_ char *upper = NULL, *work = NULL;
	int r;

	if ((r = lxm_path_join(&upper, dir, "upper")) < 0 || (r = lxm_path_join(&work, dir, "work")) < 0)
		return r;
	if (mkdir(upper, 0755) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", upper);
	if (mkdir(work, 0700) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", work);
	return 0;
}

static bool has_option_separator(const char *s)
{
	/* overlayfs splits its options at ',' and lowerdir lists at ':': a path holding either
	 * would be read as several (a base path naming other host directories). */
	return strpbrk(s, ",:\\") != NULL;
}

static int activate(const struct lxm_container *c, bool scratch)
{
	_cleanup_free_ char *opts = NULL;
	const char *base;
	struct stat st;

	if (lxm_storage_of(c) != LXM_STORAGE_OVERLAY)
		return 0;
	base = cfg_getstr(c->config, "storage_base");
	if (IS_EMPTY(base))
		return log_error_errno(-EINVAL, "Container '%s' has storage \"overlay\" but no storage_base", c->name);
	if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode))
		return log_error_errno(-ENOENT, "The overlay base '%s' of container '%s' is gone", base, c->name);
	if (has_option_separator(base) || has_option_separator(c->dir))
		return log_error_errno(-EINVAL, "Overlay paths of '%s' may not contain ',', ':' or '\\'", c->name);
	if (asprintf(&opts, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", base, c->dir, c->dir) < 0)
		return -ENOMEM;
	/* A leftover mount from a killed command would be stacked under ours. */
	(void)umount2(c->rootfs, MNT_DETACH | UMOUNT_NOFOLLOW);
	/* "volatile" (Linux >= 5.10): no sync of the upper filesystem at unmount; EINVAL without it. */
	if (scratch) {
		_cleanup_free_ char *vopts = NULL;
		if (asprintf(&vopts, "%s,volatile", opts) < 0)
			return -ENOMEM;
		if (mount("overlay", c->rootfs, "overlay", 0, vopts) >= 0)
			goto mounted;
		log_debug_errno(negative_errno(), "Failed to mount the overlay of '%s' volatile: %m, mounting it normally",
				c->name);
	}
	if (mount("overlay", c->rootfs, "overlay", 0, opts) < 0)
		return log_error_errno(negative_errno(), "Failed to mount the overlay of '%s' (%s): %m", c->name, opts);
mounted:
	/* Private: unmounting it later on the host must not reach a container's copy. */
	(void)mount(NULL, c->rootfs, NULL, MS_PRIVATE, NULL);
	return 0;
}

int lxm_storage_activate(const struct lxm_container *c)
{
	return activate(c, false);
}

void lxm_storage_deactivate(const struct lxm_container *c)
{
	if (lxm_storage_of(c) == LXM_STORAGE_OVERLAY && umount2(c->rootfs, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		log_debug_errno(negative_errno(), "Failed to unmount '%s': %m", c->rootfs);
}

int lxm_storage_private_view(const struct lxm_container *c)
{
	if (lxm_storage_of(c) != LXM_STORAGE_OVERLAY)
		return 0; /* dir and btrfs: DIR/rootfs is the tree */
	if (unshare(CLONE_NEWNS) < 0)
		return log_error_errno(negative_errno(), "Failed to create a mount namespace: %m");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return log_error_errno(negative_errno(), "Failed to make '/' private: %m");
	return lxm_storage_activate(c);
}

int lxm_storage_scratch_view(const struct lxm_container *c)
{
	if (lxm_storage_of(c) != LXM_STORAGE_OVERLAY)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return log_error_errno(negative_errno(), "Failed to create a mount namespace: %m");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return log_error_errno(negative_errno(), "Failed to make '/' private: %m");
	return activate(c, true);
}

int lxm_storage_scratch_view_end(const struct lxm_container *c)
{
	_cleanup_free_ char *incompat = NULL;
	int r;

	if (lxm_storage_of(c) != LXM_STORAGE_OVERLAY)
		return 0;
	lxm_storage_deactivate(c);
	/* A volatile mount leaves work/work/incompat/volatile/dirty, and overlayfs refuses every
	 * later mount of this upper/work while it exists (the next start would fail). */
	if (asprintf(&incompat, "%s/work/work/incompat", c->dir) < 0)
		return -ENOMEM;
	r = lxm_rm_rf(incompat);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "Failed to remove '%s': %m", incompat);
	return 0;
}

int lxm_storage_dependents(const struct lxm_paths *paths, const char *name, char ***ret)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_strv_free_ char **deps = calloc(1, sizeof(char *));
	_cleanup_free_ char *dir = NULL;
	size_t n = 0, len;
	int r;

	if (!deps)
		return -ENOMEM;
	if ((r = lxm_path_join(&dir, paths->containers_dir, name)) < 0)
		return r;
	len = strlen(dir);
	if ((r = lxm_store_list(paths, &names)) < 0)
		return r;
	for (char **i = names; *i; i++) {
		_cleanup_container_free_ struct lxm_container *c = NULL;
		if (STREQ(*i, name) || lxm_container_load(paths, *i, &c) < 0)
			continue;
		const char *base = cfg_getstr(c->config, "storage_base");
		if (!base || strncmp(base, dir, len) != 0 || (base[len] != '/' && base[len] != '\0'))
			continue;
		if (lxm_strv_append(&deps, &n, *i) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(deps);
	return 0;
}

int lxm_storage_check_no_dependents(const struct lxm_paths *paths, const char *name, const char *what)
{
	_cleanup_strv_free_ char **deps = NULL;
	_cleanup_free_ char *list = NULL;
	size_t len = 0;
	int r = lxm_storage_dependents(paths, name, &deps);

	if (r < 0)
		return r;
	if (!deps[0])
		return 0;
	for (char **d = deps; *d; d++)
		len += strlen(*d) + 4;
	if (!(list = calloc(1, len + 1)))
		return -ENOMEM;
	for (char **d = deps; *d; d++) {
		if (d != deps)
			strcat(list, ", ");
		strcat(list, "'");
		strcat(list, *d);
		strcat(list, "'");
	}
	return log_error_errno(-EBUSY, "Container '%s' is the base of the overlay clone(s) %s: destroy them, or "
			       "'lxcmgr copy' them into full copies, before %s", name, list, what);
}
