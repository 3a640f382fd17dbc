/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The standard configure of an overlay container written straight into its upper directory,
 * byte for byte what the same configure through a mounted overlay leaves there. */
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>

#include "image/configure-upper.h"
#include "util/log.h"

#define OVL_XATTR "trusted.overlay."
#define OVL_FH_MAGIC 0xfb

/* FS_IOC_GETFSUUID (Linux >= 6.5): the superblock uuid overlayfs puts in its file handles. */
#ifndef FS_IOC_GETFSUUID
struct fsuuid2 {
	uint8_t len;
	uint8_t uuid[16];
};
#define FS_IOC_GETFSUUID _IOR(0x15, 0, struct fsuuid2)
#endif

struct upper_ctx {
	uint8_t lower_uuid[16];
	int ldbus[3]; /* lower var, var/lib, var/lib/dbus; -EBADF when not all real directories */
};

static void upper_ctx_done(struct upper_ctx *c)
{
	for (size_t i = 0; i < 3; i++) {
		closep(&c->ldbus[i]);
	}
}

/* The layout this file reproduces is the one of Linux >= 6.6 (uuid=auto: trusted.overlay.uuid on
 * the first mount of an empty upper); older kernels take the mount path. */
static bool kernel_supported(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 6);
}

/* Flags overlayfs copies up in its own way (FS_SYNC_FL/FS_NOATIME_FL as flags, append/immutable
 * into trusted.overlay.protattr): a lower directory carrying any of them takes the mount path. */
static bool has_special_flags(int fd)
{
	int flags = 0;

	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return errno != ENOTTY && errno != EOPNOTSUPP && errno != EINVAL;
	return flags & (FS_SYNC_FL | FS_NOATIME_FL | FS_APPEND_FL | FS_IMMUTABLE_FL | FS_PROJINHERIT_FL);
}

/* A lower directory this code can copy up: real (no symlink on the way), no special flags, no
 * default ACL (files made in it through overlayfs get theirs computed by overlayfs itself). */
static int open_lower_dir(int parent, const char *name, int *ret)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	if (has_special_flags(fd) || fgetxattr(fd, "system.posix_acl_default", NULL, 0) >= 0) {
		close(fd);
		return -EOPNOTSUPP;
	}
	*ret = fd;
	return 0;
}

/* trusted.overlay.origin of a copied-up directory: overlayfs' struct ovl_fb (version 0, magic,
 * length, flags 0 = little endian lower, handle type, lower superblock uuid, handle bytes). */
static int set_origin(const struct upper_ctx *c, int lparent, const char *name, int ufd)
{
	union {
		struct file_handle fh;
		uint8_t buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	uint8_t fb[5 + 16 + MAX_HANDLE_SZ];
	int mnt_id;

	if (name_to_handle_at(lparent, name, &h.fh, &mnt_id, 0) < 0)
		return negative_errno();
	if (h.fh.handle_bytes > 255 - 21 || h.fh.handle_type < 0 || h.fh.handle_type > 255)
		return -EOPNOTSUPP;
	fb[0] = 0;
	fb[1] = OVL_FH_MAGIC;
	fb[2] = (uint8_t)(21 + h.fh.handle_bytes);
	fb[3] = 0;
	fb[4] = (uint8_t)h.fh.handle_type;
	memcpy(fb + 5, c->lower_uuid, 16);
	memcpy(fb + 21, h.fh.f_handle, h.fh.handle_bytes);
	return fsetxattr(ufd, OVL_XATTR "origin", fb, fb[2], 0) < 0 ? negative_errno() : 0;
}

/* Every xattr but overlayfs' own, as ovl_copy_xattr() does. */
static int copy_xattrs(int lfd, int ufd)
{
	static char names[XATTR_LIST_MAX], value[XATTR_SIZE_MAX]; /* the kernel's limits; one caller */
	ssize_t n = flistxattr(lfd, names, sizeof(names));

	if (n < 0)
		return errno == EOPNOTSUPP ? 0 : negative_errno();
	for (const char *x = names; x < names + n; x += strlen(x) + 1) {
		if (strncmp(x, OVL_XATTR, strlen(OVL_XATTR)) == 0)
			continue;
		ssize_t v = fgetxattr(lfd, x, value, sizeof(value));
		if (v < 0 || fsetxattr(ufd, x, value, (size_t)v, 0) < 0)
			return negative_errno();
	}
	return 0;
}

/* Copies up directory name of lower parent lparent into upper parent uparent, as ovl_copy_up()
 * does: xattrs, mode, owner, atime/mtime of the lower one, origin; the parent marked impure. */
static int copy_up_dir(const struct upper_ctx *c, int lparent, int uparent, const char *name, int lfd, int *ret)
{
	_cleanup_close_ int ufd = -EBADF;
	struct stat st, pst;
	int r;

	/* pst: the parent's times before the new entry bumps them; put back at the end, as overlayfs
	 * does after a copy-up (a copied-up parent keeps its lower mtime) */
	if (fstat(lfd, &st) < 0 || fstat(uparent, &pst) < 0)
		return negative_errno();
	if (mkdirat(uparent, name, 0700) < 0)
		return negative_errno();
	ufd = openat(uparent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ufd < 0)
		return negative_errno();
	if ((r = copy_xattrs(lfd, ufd)) < 0 || (r = set_origin(c, lparent, name, ufd)) < 0)
		return r;
	if (fchmod(ufd, st.st_mode & 07777) < 0 || fchown(ufd, st.st_uid, st.st_gid) < 0)
		return negative_errno();
	if (futimens(ufd, (struct timespec[]){ st.st_atim, st.st_mtim }) < 0)
		return negative_errno();
	if (fsetxattr(uparent, OVL_XATTR "impure", "y", 1, 0) < 0 ||
	    futimens(uparent, (struct timespec[]){ pst.st_atim, pst.st_mtim }) < 0)
		return negative_errno();
	*ret = TAKE_FD(ufd);
	return 0;
}

/* The mount path's unlinkat() fails with EISDIR on a directory: that case is left to it. */
static int lower_not_dir(int ldir, const char *name)
{
	struct stat st;

	if (fstatat(ldir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	return S_ISDIR(st.st_mode) ? -EOPNOTSUPP : 0;
}

static int write_new(int dirfd, const char *file, const char *content, mode_t mode)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	size_t len = strlen(content);

	if (fd < 0)
		return negative_errno();
	ssize_t w = len > 0 ? write(fd, content, len) : 0;
	if (w < 0)
		return negative_errno();
	if ((size_t)w != len)
		return -EIO; /* errno is not set by a short write: whatever it holds is stale */
	return fchmod(fd, mode) < 0 ? negative_errno() : 0;
}

/* Opens var/lib/dbus of the lower layer into c->ldbus when all three are real directories (the
 * standard configure touches it only then); -EOPNOTSUPP when the mount path must run. */
static int open_lower_dbus(struct upper_ctx *c, int lroot)
{
	static const char *const parts[] = { "var", "lib", "dbus" };

	for (size_t i = 0; i < 3; i++) {
		int r = open_lower_dir(i ? c->ldbus[i - 1] : lroot, parts[i], &c->ldbus[i]);
		if (r == -EOPNOTSUPP)
			return r;
		if (r < 0) {
			upper_ctx_done(c);
			return 0;
		}
	}
	return lower_not_dir(c->ldbus[2], "machine-id");
}

/* var/lib/dbus/machine-id -> /etc/machine-id, with var, var/lib and var/lib/dbus copied up. */
static int configure_dbus(const struct upper_ctx *c, int lroot, int uroot)
{
	static const char *const parts[] = { "var", "lib", "dbus" };
	int ufds[3] = { -EBADF, -EBADF, -EBADF };
	int r = 0;

	if (c->ldbus[2] < 0)
		return 0;
	for (size_t i = 0; r >= 0 && i < 3; i++)
		r = copy_up_dir(c, i ? c->ldbus[i - 1] : lroot, i ? ufds[i - 1] : uroot, parts[i], c->ldbus[i], &ufds[i]);
	if (r >= 0 && symlinkat("/etc/machine-id", ufds[2], "machine-id") < 0)
		r = negative_errno();
	for (size_t i = 0; i < 3; i++)
		closep(&ufds[i]);
	return r;
}

/* Read-only checks first: -EOPNOTSUPP before anything is written when the mount path must run. */
static int check_supported(struct upper_ctx *c, int lroot, int *ret_letc)
{
	struct fsuuid2 u = { .len = 16 };
	_cleanup_close_ int letc = -EBADF;
	int r;

	if (!kernel_supported() || ioctl(lroot, FS_IOC_GETFSUUID, &u) < 0 || u.len > 16)
		return -EOPNOTSUPP;
	memcpy(c->lower_uuid, u.uuid, u.len);
	/* No "etc" (overlayfs would make an opaque one), "etc" a symlink or a file (the mount path
	 * refuses it with its own message): left to the mount path, as is anything below it would
	 * not handle the same way. */
	r = open_lower_dir(lroot, "etc", &letc);
	if (r < 0)
		return -EOPNOTSUPP;
	if ((r = lower_not_dir(letc, "hostname")) < 0 || (r = lower_not_dir(letc, "hosts")) < 0 ||
	    (r = lower_not_dir(letc, "machine-id")) < 0 || (r = open_lower_dbus(c, lroot)) < 0)
		return r;
	*ret_letc = TAKE_FD(letc);
	return 0;
}

int lxm_configure_standard_upper(const char *base, const char *upper, const char *name)
{
	_cleanup_close_ int lroot = -EBADF, uroot = -EBADF, letc = -EBADF, uetc = -EBADF;
	_cleanup_free_ char *hosts = NULL, *hostname = NULL;
	_cleanup_(upper_ctx_done) struct upper_ctx c = { .ldbus = { -EBADF, -EBADF, -EBADF } };
	uint8_t ovl_uuid[16];
	int r;

	if (IS_EMPTY(name) || strpbrk(name, "/\n\r \t"))
		return log_error_errno(-EINVAL, "Invalid container name '%s'", name ? name : "");
	lroot = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uroot = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lroot < 0 || uroot < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s' or '%s': %m", base, upper);
	r = check_supported(&c, lroot, &letc);
	if (r < 0)
		return r == -EOPNOTSUPP ? r : log_error_errno(r, "Failed to inspect '%s': %m", base);
	/* What the first mount of an empty upper writes (uuid=auto): its persistent overlay uuid. */
	if (getrandom(ovl_uuid, sizeof(ovl_uuid), 0) != sizeof(ovl_uuid) ||
	    fsetxattr(uroot, OVL_XATTR "uuid", ovl_uuid, sizeof(ovl_uuid), 0) < 0)
		return log_error_errno(negative_errno(), "Failed to set the overlay uuid of '%s': %m", upper);
	r = copy_up_dir(&c, lroot, uroot, "etc", letc, &uetc);
	if (r < 0)
		return log_error_errno(r, "Failed to create '%s/etc': %m", upper);
	/* Byte for byte what templates/lib/common.sh (lxm_write_hostname, lxm_empty_machine_id) writes. */
	if (asprintf(&hostname, "%s\n", name) < 0 ||
	    asprintf(&hosts, "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
			     "ff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n", name) < 0)
		return -ENOMEM;
	if ((r = write_new(uetc, "hostname", hostname, 0644)) >= 0 && (r = write_new(uetc, "hosts", hosts, 0644)) >= 0 &&
	    (r = write_new(uetc, "machine-id", "", 0444)) >= 0)
		r = configure_dbus(&c, lroot, uroot);
	if (r < 0)
		return log_error_errno(r, "Failed to configure '%s': %m", upper);
	return 0;
}
