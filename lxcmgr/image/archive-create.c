/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing a directory tree as a (compressed) pax tar, atomically. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/archive-dl.h"
#include "image/archive.h"
#include "util/log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_read_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive *, archive_write_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry_linkresolver *, archive_entry_linkresolver_free)

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && STREQ(s + a - b, suffix);
}

static int add_filter(struct archive *w, const char *out_path)
{
	int r;

	if (has_suffix(out_path, ".tar"))
		return 0;
	if (has_suffix(out_path, ".tar.gz") || has_suffix(out_path, ".tgz"))
		r = archive_write_add_filter_gzip(w);
	else if (has_suffix(out_path, ".tar.xz"))
		r = archive_write_add_filter_xz(w);
	else if (has_suffix(out_path, ".tar.bz2"))
		r = archive_write_add_filter_bzip2(w);
	else {
		r = archive_write_add_filter_zstd(w);
		/* Both cores: a Debian rootfs takes seconds otherwise. Older libarchive lacks the option. */
		if (r >= ARCHIVE_WARN)
			(void)archive_write_set_filter_option(w, "zstd", "threads", "2");
	}
	if (r < ARCHIVE_WARN)
		return log_debug_errno(-EOPNOTSUPP, "Compression for '%s' unavailable: %s", out_path,
				       archive_error_string(w));
	return 0;
}

/* Copies file data, writing zeros for holes (the pax writer drops them again for sparse entries). */
static int copy_data(struct archive *disk, struct archive *w, const char *name, uint64_t *bytes)
{
	static const char zeros[16384];
	int64_t progress = 0;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int r = archive_read_data_block(disk, &buf, &size, &offset);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return log_debug_errno(-EIO, "Failed to read '%s': %s", name, archive_error_string(disk));
		while (offset > progress) {
			size_t n = offset - progress < (int64_t)sizeof(zeros) ? (size_t)(offset - progress) : sizeof(zeros);
			if (archive_write_data(w, zeros, n) < 0)
				return log_debug_errno(lxm_archive_errno(w, -EIO), "Failed to write archive: %s", archive_error_string(w));
			progress += (int64_t)n;
		}
		if (size > 0 && archive_write_data(w, buf, size) < 0)
			return log_debug_errno(lxm_archive_errno(w, -EIO), "Failed to write archive: %s", archive_error_string(w));
		progress += (int64_t)size;
		*bytes += size;
	}
}

/* Names members relative to src ("." for src itself, then "bin", "bin/sh", ...). */
static int rename_entry(struct archive_entry *e, const char *src)
{
	const char *path = archive_entry_pathname(e);
	size_t n = strlen(src);

	if (!path || strncmp(path, src, n) != 0 || (path[n] != '\0' && path[n] != '/'))
		return log_debug_errno(-EINVAL, "Unexpected path '%s' under '%s'", path ? path : "(null)", src);
	archive_entry_copy_pathname(e, path[n] ? path + n + 1 : ".");
	return 0;
}

static int write_one(struct archive *disk, struct archive *w, struct archive_entry *e, uint64_t *bytes)
{
	const char *name = archive_entry_pathname(e);
	int r = archive_write_header(w, e);

	if (r == ARCHIVE_FAILED) {
		/* Sockets and the like cannot be stored in tar: skip them as tar(1) does. */
		log_debug("Skipping '%s': %s", name, archive_error_string(w));
		return 0;
	}
	if (r < ARCHIVE_WARN)
		return log_debug_errno(lxm_archive_errno(w, -EIO), "Failed to write header of '%s': %s", name, archive_error_string(w));
	if (archive_entry_size(e) > 0 && !archive_entry_hardlink(e))
		return copy_data(disk, w, name, bytes);
	return 0;
}

static int mount_id_of(const char *path, uint64_t *ret)
{
	struct statx sx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0)
		return negative_errno();
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	*ret = sx.stx_mnt_id;
	return 0;
}

/* Mounts below src (a running container's /proc) are not crossed; btrfs subvolumes (a btrfs
 * container's snapshots: another st_dev, the same mount) are. By mount id, which libarchive's
 * NO_TRAVERSE_MOUNTS (st_dev) can't tell apart. */
static void descend_same_mount(struct archive *disk, struct archive_entry *e, uint64_t root_mnt)
{
	uint64_t mnt;
	const char *path = archive_entry_pathname(e); /* still the path on disk (before rename_entry) */
	if (archive_entry_filetype(e) != AE_IFDIR || !path || mount_id_of(path, &mnt) < 0 || mnt != root_mnt)
		return;
	archive_read_disk_descend(disk);
}

static int create_loop(struct archive *disk, struct archive *w, const char *src, bool progress)
{
	_cleanup_(archive_entry_linkresolver_freep) struct archive_entry_linkresolver *lr = NULL;
	uint64_t bytes = 0, shown = 0, root_mnt;
	int r;

	if ((r = mount_id_of(src, &root_mnt)) < 0)
		return log_debug_errno(r, "Failed to find the mount of '%s': %m", src);
	lr = archive_entry_linkresolver_new();
	if (!lr)
		return -ENOMEM;
	archive_entry_linkresolver_set_strategy(lr, archive_format(w));

	for (;;) {
		_cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
		_cleanup_(archive_entry_freep) struct archive_entry *spare = NULL;

		if (!e)
			return -ENOMEM;
		r = archive_read_next_header2(disk, e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN)
			log_debug("Reading '%s': %s", src, archive_error_string(disk));
		else if (r < ARCHIVE_WARN)
			return log_debug_errno(-EIO, "Failed to read '%s': %s", src, archive_error_string(disk));
		descend_same_mount(disk, e, root_mnt);
		if (archive_entry_filetype(e) == AE_IFSOCK)
			continue;
		r = rename_entry(e, src);
		if (r < 0)
			return r;
		/* The first link of a file carries its data, later ones become hard link members. */
		archive_entry_linkify(lr, &e, &spare);
		if (e) {
			r = write_one(disk, w, e, &bytes);
			if (r < 0)
				return r;
		}
		if (progress && bytes - shown >= (1 << 20)) {
			shown = bytes;
			fprintf(stderr, "\rArchiving: %llu MiB", (unsigned long long)(bytes >> 20));
		}
	}
	if (progress)
		fprintf(stderr, "\rArchiving: %llu MiB\n", (unsigned long long)(bytes >> 20));
	return 0;
}

static struct archive *disk_reader_new(const char *src)
{
	struct archive *disk = archive_read_disk_new();

	if (!disk)
		return NULL;
	/* No uname/gname lookup: numeric ids only, the host's user database is not the rootfs's.
	 * Physical: symlinks are stored, never followed. Mounts below src are not crossed
	 * (descend_same_mount). No fflags: extraction does not restore them either. */
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_FFLAGS);
	if (archive_read_disk_open(disk, src) < ARCHIVE_WARN) {
		log_debug("Failed to open '%s': %s", src, archive_error_string(disk));
		archive_read_free(disk);
		return NULL;
	}
	return disk;
}

static int write_archive(const char *src, int fd, const char *out_path, bool progress)
{
	_cleanup_(archive_write_freep) struct archive *w = NULL;
	_cleanup_(archive_read_freep) struct archive *disk = NULL;
	int r;

	w = archive_write_new();
	if (!w)
		return -ENOMEM;
	/* pax: long names, large ids/sizes, sub-second times and xattrs (SCHILY.xattr.*). */
	if (archive_write_set_format_pax_restricted(w) < ARCHIVE_OK)
		return -EOPNOTSUPP;
	r = add_filter(w, out_path);
	if (r < 0)
		return r;
	if (archive_write_open_fd(w, fd) < ARCHIVE_OK)
		return log_debug_errno(lxm_archive_errno(w, -EIO), "Failed to start archive: %s", archive_error_string(w));
	disk = disk_reader_new(src);
	if (!disk)
		return -ENOENT;
	r = create_loop(disk, w, src, progress);
	if (r < 0)
		return r;
	if (archive_write_close(w) < ARCHIVE_OK)
		return log_debug_errno(lxm_archive_errno(w, -EIO), "Failed to finish archive: %s", archive_error_string(w));
	return 0;
}

int lxm_archive_create(const char *src_dir, const char *out_path, bool progress)
{
	_cleanup_free_ char *src = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t n;
	int r;

	if ((r = lxm_archive_load()) < 0)
		return r;
	src = strdup(src_dir);
	if (!src)
		return -ENOMEM;
	for (n = strlen(src); n > 1 && src[n - 1] == '/'; n--)
		src[n - 1] = '\0';
	if (asprintf(&tmp, "%s.tmp-XXXXXX", out_path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return log_debug_errno(negative_errno(), "Failed to create '%s': %m", tmp);
	(void)fchmod(fd, 0644);

	/* Held until the end: a temporary left by a killed writer is removable (its flock is free,
	 * lxm_store_gc_temps()), this live one is not. */
	r = flock(fd, LOCK_EX) < 0 && !LXM_FLOCK_UNSUPPORTED(errno) ? negative_errno() : 0;
	if (r >= 0)
		r = write_archive(src, fd, out_path, progress);
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	/* Readers see either no file or a complete one: a crash leaves only the temporary name. */
	if (r >= 0 && rename(tmp, out_path) < 0)
		r = negative_errno();
	if (r < 0) {
		(void)unlink(tmp);
		return log_debug_errno(r, "Failed to create archive '%s' from '%s': %m", out_path, src);
	}
	return 0;
}
