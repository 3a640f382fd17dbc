/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One flock per container under the run dir serialises mutating commands. */
#include <fcntl.h>
#include <sys/file.h>

#include "store/store.h"
#include "util/log.h"

int lxm_lock_file_try(const char *path, int *ret_fd)
{
	/* O_NOFOLLOW: the locks directory is root's, but never let a planted symlink make us create
	 * or truncate a file elsewhere. */
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return negative_errno();
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int lxm_container_lock(const struct lxm_paths *paths, const char *name, int *ret_fd)
{
	int r = lxm_container_trylock(paths, name, ret_fd);
	return r == -EBUSY ? lxm_container_busy(name) : r;
}

int lxm_container_busy(const char *name)
{
	return log_error_errno(-EBUSY, "Container '%s' is busy: another lxcmgr command holds its lock", name);
}

int lxm_container_trylock(const struct lxm_paths *paths, const char *name, int *ret_fd)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *file = NULL;
	int r;

	r = lxm_path_join(&dir, paths->run_dir, "locks");
	if (r < 0)
		return r;
	if (asprintf(&file, "%s.lock", name) < 0)
		return -ENOMEM;
	r = lxm_path_join(&path, dir, file);
	if (r < 0)
		return r;

	r = lxm_lock_file_try(path, ret_fd);
	if (r == -ENOENT) { /* the locks directory is made once: not one mkdir per path level per command */
		r = lxm_mkdir_p(dir, 0700);
		if (r < 0)
			return log_error_errno(r, "Failed to create lock directory '%s': %m", dir);
		r = lxm_lock_file_try(path, ret_fd);
	}
	if (r == -EBUSY)
		return r;
	if (r < 0)
		return log_error_errno(r, "Failed to lock '%s': %m", path);
	return 0;
}
