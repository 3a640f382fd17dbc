/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ftw.h>
#include <stdio.h>

#include "image/rmtree.h"
#include "util/log.h"

/* nftw() has no user pointer; removal is single-threaded CLI work. */
static int rm_error;
static bool rm_keep_top;

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	/* The top directory itself is kept by lxm_image_rm_contents(). */
	if (ftw->level == 0 && rm_keep_top)
		return 0;
	if (remove(path) < 0 && errno != ENOENT && rm_error == 0)
		rm_error = -errno;
	return 0;
}

static int rm_tree(const char *path, bool keep_top)
{
	rm_error = 0;
	rm_keep_top = keep_top;
	/* FTW_PHYS: a symlink in the tree is removed, never followed (a container's rootfs may point
	 * anywhere). FTW_MOUNT: stay on this filesystem, a leftover bind mount is not emptied. */
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0) {
		if (errno == ENOENT)
			return 0;
		return negative_errno();
	}
	if (rm_error < 0)
		return log_debug_errno(rm_error, "Failed to remove '%s' completely: %m", path);
	return 0;
}

int lxm_image_rm_rf(const char *path)
{
	return rm_tree(path, false);
}

int lxm_image_rm_contents(const char *path)
{
	return rm_tree(path, true);
}
