/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The standard configure phase of templates/CONTRACT.md, in C (no shell run per create). */
#include <fcntl.h>
#include <sys/stat.h>

#include "image/configure-standard.h"
#include "util/log.h"

const char *const lxm_configure_standard_replaces[] = {
	"etc/hostname", "etc/hosts", "etc/machine-id", "var/lib/dbus/machine-id", NULL,
};

/* Replaces etc/FILE with content and mode (a symlink or file there is removed, never followed). */
static int replace_file_mode(int dirfd, const char *file, const char *content, mode_t mode)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(content);

	if (unlinkat(dirfd, file, 0) < 0 && errno != ENOENT)
		return negative_errno();
	fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return negative_errno();
	ssize_t w = len > 0 ? write(fd, content, len) : 0;
	if (w < 0)
		return negative_errno();
	if ((size_t)w != len)
		return -EIO; /* errno is not set by a short write: whatever it holds is stale */
	return fchmod(fd, mode) < 0 ? negative_errno() : 0;
}

/* var/lib/dbus as a real directory (no component a symlink), or -1: dbus' machine-id link is only
 * made where lib/common.sh's lxm_is_real_dir would. */
static int open_real_dir(int root, const char *const *parts)
{
	_cleanup_close_ int fd = -EBADF;

	for (size_t i = 0; parts[i]; i++) {
		int nfd = openat(fd >= 0 ? fd : root, parts[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return -1;
		closep(&fd);
		fd = nfd;
	}
	return TAKE_FD(fd);
}

int lxm_template_configure_standard(const char *rootfs, const char *name)
{
	static const char *const dbus[] = { "var", "lib", "dbus", NULL };
	_cleanup_close_ int root = -EBADF, etc = -EBADF, dbusfd = -EBADF;
	_cleanup_free_ char *hosts = NULL, *hostname = NULL;
	int r;

	if (IS_EMPTY(name) || strpbrk(name, "/\n\r \t"))
		return log_error_errno(-EINVAL, "Invalid container name '%s'", name ? name : "");
	root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s': %m", rootfs);
	struct stat st, st_root;
	if (fstat(root, &st) < 0 || stat("/", &st_root) < 0)
		return negative_errno();
	if (st.st_dev == st_root.st_dev && st.st_ino == st_root.st_ino)
		return log_error_errno(-EINVAL, "Refusing to configure '/'");
	/* Attack: "etc -> /etc" in the rootfs would make us rewrite the host's files (the shell
	 * version refuses the same, lxm_check_rootfs). */
	etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0 && errno == ENOENT && mkdirat(root, "etc", 0755) == 0)
		etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0 && (errno == ELOOP || errno == ENOTDIR))
		return log_error_errno(-EINVAL, "'%s/etc' is a symlink or not a directory, refusing", rootfs);
	if (etc < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s/etc': %m", rootfs);
	/* Byte for byte what templates/lib/common.sh (lxm_write_hostname, lxm_empty_machine_id) writes. */
	if (asprintf(&hostname, "%s\n", name) < 0 ||
	    asprintf(&hosts, "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
			     "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n", name) < 0)
		return -ENOMEM;
	r = replace_file_mode(etc, "hostname", hostname, 0644);
	if (r >= 0)
		r = replace_file_mode(etc, "hosts", hosts, 0644);
	if (r >= 0)
		r = replace_file_mode(etc, "machine-id", "", 0444);
	if (r >= 0 && (dbusfd = open_real_dir(root, dbus)) >= 0) {
		/* Attack: a planted var/lib/dbus/machine-id symlink is replaced, never followed. */
		if (unlinkat(dbusfd, "machine-id", 0) < 0 && errno != ENOENT)
			r = negative_errno();
		else if (symlinkat("/etc/machine-id", dbusfd, "machine-id") < 0)
			r = negative_errno();
	}
	if (r < 0)
		return log_error_errno(r, "Failed to configure '%s': %m", rootfs);
	return 0;
}
