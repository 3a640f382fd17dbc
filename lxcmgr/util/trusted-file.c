/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/macros.h"
#include "util/trusted-file.h"

/* us: our euid, asked once per file (a system call each, and exec reads three such files) */
static bool ours_alone(int fd, bool dir, uid_t us, off_t *ret_size)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !(dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) || st.st_uid != us ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return false;
	*ret_size = st.st_size;
	return true;
}

int lxm_open_trusted_file(const char *path, off_t *ret_size)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const uid_t us = geteuid();

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	_cleanup_close_ int dfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	if (!ours_alone(dfd, true, us, ret_size))
		return -EPERM;
	_cleanup_close_ int fd = openat(dfd, slash + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (!ours_alone(fd, false, us, ret_size))
		return -EPERM;
	return TAKE_FD(fd);
}

int lxm_read_trusted_file(const char *path, char *buf, size_t size)
{
	off_t file_size;

	if (size < 2)
		return -EINVAL;
	_cleanup_close_ int fd = lxm_open_trusted_file(path, &file_size);
	if (fd < 0)
		return fd;
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	if ((size_t)n >= size - 1)
		return -EFBIG;
	buf[n] = '\0';
	return 0;
}

int lxm_find_helper_binary(const char *name, char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash && slash != exe) {
			*slash = '\0';
			if (!STREQ(exe, LXCMGR_BINDIR)) {
				snprintf(buf, size, "%s/%s", exe, name);
				if (access(buf, X_OK) == 0)
					return 0;
			}
		}
	}
	snprintf(buf, size, "%s/%s", LXCMGR_LIBEXECDIR, name);
	return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}
