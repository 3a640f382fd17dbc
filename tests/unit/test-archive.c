/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Archive round trips and hostile archives, built by the test with libarchive's write API. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <cmocka.h>

#include "image/archive-dl.h"
#include "image/archive.h"
#include "util/macros.h"

/* Work area: WORK/victim (must never change), WORK/a/b/dest (the extraction target, deep enough
 * that "../.." lands inside WORK). */
static char work[64];
static char dest[128];

struct member {
	unsigned type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR; hardlink when link set and type 0 */
	const char *name;
	const char *link; /* symlink target or hard link target */
	const char *data;
	unsigned mode;
	unsigned rmajor, rminor;
};

static void run(const char *fmt, ...) _printf_(1, 2);
static void run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	char victim[128];
	int fd;

	snprintf(work, sizeof(work), "/tmp/lxm-test-archive-XXXXXX");
	assert_non_null(mkdtemp(work));
	snprintf(dest, sizeof(dest), "%s/a/b/dest", work);
	run("mkdir -p '%s'", dest);
	snprintf(victim, sizeof(victim), "%s/victim", work);
	fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "orig", 4), 4);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	run("rm -rf '%s'", work);
	return 0;
}

static void build(const char *path, const struct member *m, size_t n, bool gzip)
{
	struct archive *a = archive_write_new();

	assert_non_null(a);
	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = m[i].data ? strlen(m[i].data) : 0;

		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (m[i].type == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, m[i].link);
		} else {
			archive_entry_set_filetype(e, m[i].type);
			if (m[i].type == AE_IFLNK)
				archive_entry_set_symlink(e, m[i].link);
			if (m[i].type == AE_IFCHR) {
				archive_entry_set_rdevmajor(e, m[i].rmajor);
				archive_entry_set_rdevminor(e, m[i].rminor);
			}
		}
		archive_entry_set_perm(e, m[i].mode ? m[i].mode : (m[i].type == AE_IFDIR ? 0755 : 0644));
		archive_entry_set_size(e, (la_int64_t)len);
		assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
		/* The pax writer drops the body of hard links; the link member alone is the attack. */
		if (len && m[i].type != 0)
			assert_int_equal(archive_write_data(a, m[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

static bool exists(const char *dir, const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return lstat(p, &st) == 0;
}

/* Everything a hostile archive could aim at is unchanged. */
static void assert_outside_untouched(void)
{
	char p[256], buf[16] = {};
	int fd;

	assert_false(exists(work, "evil"));
	assert_false(exists(work, "a/evil"));
	assert_false(exists(work, "a/b/evil"));
	assert_false(exists(work, "abs-evil"));
	snprintf(p, sizeof(p), "%s/victim", work);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 4);
	close(fd);
	assert_string_equal(buf, "orig");
}

static void expect_refused(const struct member *m, size_t n)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/hostile.tar.gz", work);
	build(path, m, n, true);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), -EINVAL);
	assert_outside_untouched();
	run("rm -rf '%s' && mkdir '%s'", dest, dest);
}

static void test_normalize(void **state)
{
	const char *reason = NULL;
	char *out = NULL;

	assert_int_equal(lxm_archive_normalize_path("./etc//passwd", &out, &reason), 0);
	assert_string_equal(out, "etc/passwd");
	free(out);
	assert_int_equal(lxm_archive_normalize_path("./", &out, &reason), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(lxm_archive_normalize_path("a/./b/", &out, &reason), 0);
	assert_string_equal(out, "a/b");
	free(out);
	assert_int_equal(lxm_archive_normalize_path("..foo/x..", &out, &reason), 0);
	assert_string_equal(out, "..foo/x..");
	free(out);
	assert_int_equal(lxm_archive_normalize_path("/etc/passwd", &out, &reason), -EINVAL);
	assert_int_equal(lxm_archive_normalize_path("a/../../x", &out, &reason), -EINVAL);
	assert_int_equal(lxm_archive_normalize_path("..", &out, &reason), -EINVAL);
	assert_true(lxm_archive_device_is_usual("dev/null"));
	assert_true(lxm_archive_device_is_usual("dev/tty1"));
	assert_true(lxm_archive_device_is_usual("dev/pts/ptmx"));
	assert_false(lxm_archive_device_is_usual("dev/sda"));
	assert_false(lxm_archive_device_is_usual("etc/null"));
}

static void test_dotdot(void **state)
{
	const struct member m1[] = { { AE_IFREG, "../evil", NULL, "x", 0, 0, 0 } };
	const struct member m2[] = { { AE_IFDIR, "dir", NULL, NULL, 0, 0, 0 },
				     { AE_IFREG, "dir/../../evil", NULL, "x", 0, 0, 0 } };
	const struct member m3[] = { { AE_IFREG, "./../../../evil", NULL, "x", 0, 0, 0 } };
	expect_refused(m1, ARRAY_SIZE(m1));
	expect_refused(m2, ARRAY_SIZE(m2));
	expect_refused(m3, ARRAY_SIZE(m3));
}

static void test_absolute(void **state)
{
	char name[128];
	snprintf(name, sizeof(name), "%s/abs-evil", work);
	const struct member m[] = { { AE_IFREG, name, NULL, "x", 0, 0, 0 } };
	expect_refused(m, ARRAY_SIZE(m));
}

static void test_symlink_parent(void **state)
{
	char name[128];
	/* "link -> /" then "link/WORK/evil" would land in WORK/evil. */
	snprintf(name, sizeof(name), "link%s/evil", work);
	const struct member m1[] = { { AE_IFLNK, "link", "/", NULL, 0777, 0, 0 },
				     { AE_IFREG, name, NULL, "x", 0, 0, 0 } };
	/* "up -> ../.." then "up/evil" would land in WORK/a/evil. */
	const struct member m2[] = { { AE_IFLNK, "up", "../..", NULL, 0777, 0, 0 },
				     { AE_IFREG, "up/evil", NULL, "x", 0, 0, 0 } };
	/* Two-step: "d/l -> ../../.." then "d/l/evil". */
	const struct member m3[] = { { AE_IFDIR, "d", NULL, NULL, 0, 0, 0 },
				     { AE_IFLNK, "d/l", "../../..", NULL, 0777, 0, 0 },
				     { AE_IFDIR, "d/l/x", NULL, NULL, 0, 0, 0 },
				     { AE_IFREG, "d/l/evil", NULL, "x", 0, 0, 0 } };
	expect_refused(m1, ARRAY_SIZE(m1));
	expect_refused(m2, ARRAY_SIZE(m2));
	expect_refused(m3, ARRAY_SIZE(m3));
	assert_false(exists(work, "a/b/x"));
}

/* A directory checked once (and then trusted for the next members in it) cannot be swapped for a
 * symlink or a hard link later in the same archive. */
static void test_verified_dir_swapped(void **state)
{
	const struct member m1[] = { { AE_IFDIR, "d", NULL, NULL, 0755, 0, 0 },
				     { AE_IFREG, "d/f1", NULL, "x", 0644, 0, 0 },
				     { AE_IFLNK, "d", "../..", NULL, 0777, 0, 0 },
				     { AE_IFREG, "d/evil", NULL, "x", 0644, 0, 0 } };
	const struct member m2[] = { { AE_IFDIR, "d", NULL, NULL, 0755, 0, 0 },
				     { AE_IFREG, "d/f1", NULL, "x", 0644, 0, 0 },
				     { AE_IFREG, "g", NULL, "x", 0644, 0, 0 },
				     { 0, "d", "g", NULL, 0644, 0, 0 },
				     { AE_IFREG, "d/evil", NULL, "x", 0644, 0, 0 } };
	const struct member m3[] = { { AE_IFDIR, "d", NULL, NULL, 0755, 0, 0 },
				     { AE_IFREG, "d/f1", NULL, "x", 0644, 0, 0 },
				     { AE_IFDIR, "d", NULL, NULL, 0700, 0, 0 },
				     { AE_IFREG, "d/f2", NULL, "y", 0644, 0, 0 },
				     { 0, "d/f3", "d/f1", NULL, 0644, 0, 0 } };
	char path[128];

	(void)state;
	expect_refused(m1, ARRAY_SIZE(m1));
	expect_refused(m2, ARRAY_SIZE(m2));
	/* The same directory twice is fine. */
	snprintf(path, sizeof(path), "%s/ok.tar.gz", work);
	build(path, m3, ARRAY_SIZE(m3), true);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), 0);
	assert_true(exists(dest, "d/f2"));
	assert_true(exists(dest, "d/f3"));
	run("rm -rf '%s' && mkdir '%s'", dest, dest);
}

/* One ustar header by hand: libarchive's writers drop the body of hard link members, but a
 * hostile archive can carry one, and libarchive's reader hands it to the disk writer. */
static void raw_header(FILE *f, const char *name, char type, const char *link, size_t size)
{
	unsigned char h[512] = {};
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011zo", size);
	memcpy(h + 136, "14534543200", 11);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	assert_int_equal(fwrite(h, 1, sizeof(h), f), sizeof(h));
}

static void raw_hardlink_with_data(const char *path, const char *link_target)
{
	FILE *f = fopen(path, "we");
	char block[512] = "pwned";

	assert_non_null(f);
	raw_header(f, "s", '2', link_target, 0);
	raw_header(f, "h", '1', "s", 5);
	assert_int_equal(fwrite(block, 1, sizeof(block), f), sizeof(block));
	memset(block, 0, sizeof(block));
	assert_int_equal(fwrite(block, 1, sizeof(block), f), sizeof(block));
	assert_int_equal(fwrite(block, 1, sizeof(block), f), sizeof(block));
	fclose(f);
}

static void test_hardlink_outside(void **state)
{
	char victim[128], path[128];
	snprintf(victim, sizeof(victim), "%s/victim", work);
	const struct member m1[] = { { 0, "h", victim, "pwned", 0, 0, 0 } };
	const struct member m2[] = { { 0, "h", "../../../victim", "pwned", 0, 0, 0 } };
	/* Hard link whose target path goes through a symlink. */
	const struct member m3[] = { { AE_IFLNK, "up", "../../..", NULL, 0777, 0, 0 },
				     { 0, "h", "up/victim", NULL, 0, 0, 0 } };
	/* Hard link to a symlink that points out, then a regular member of that name: the link is
	 * replaced, not written through. */
	const struct member m4[] = { { AE_IFLNK, "s", victim, NULL, 0777, 0, 0 },
				     { 0, "h", "s", NULL, 0, 0, 0 },
				     { AE_IFREG, "h", NULL, "pwned", 0, 0, 0 } };
	expect_refused(m1, ARRAY_SIZE(m1));
	expect_refused(m2, ARRAY_SIZE(m2));
	expect_refused(m3, ARRAY_SIZE(m3));

	snprintf(path, sizeof(path), "%s/hl.tar", work);
	build(path, m4, ARRAY_SIZE(m4), false);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), 0);
	assert_outside_untouched();
	run("rm -rf '%s' && mkdir '%s'", dest, dest);

	/* Hard link to a symlink that points out, carrying data to write through it. */
	raw_hardlink_with_data(path, victim);
	int r = lxm_archive_extract(path, dest, NULL);
	assert_true(r == 0 || r == -EINVAL); /* libarchive may ignore a ustar hard link's body */
	assert_outside_untouched();
	run("rm -rf '%s' && mkdir '%s'", dest, dest);
}

/* A symlink to outside followed by a regular file of the same name: the file replaces the link. */
static void test_symlink_then_file(void **state)
{
	char victim[128], path[128], p[256], buf[16] = {};
	struct stat st;
	int fd;

	snprintf(victim, sizeof(victim), "%s/victim", work);
	const struct member m[] = { { AE_IFLNK, "f", victim, NULL, 0777, 0, 0 },
				    { AE_IFREG, "f", NULL, "pwned", 0, 0, 0 },
				    { AE_IFLNK, "d", work, NULL, 0777, 0, 0 },
				    { AE_IFDIR, "d", NULL, NULL, 0700, 0, 0 } };
	snprintf(path, sizeof(path), "%s/replace.tar", work);
	build(path, m, ARRAY_SIZE(m), false);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), 0);
	assert_outside_untouched();
	snprintf(p, sizeof(p), "%s/f", dest);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
	close(fd);
	assert_string_equal(buf, "pwned");
	snprintf(p, sizeof(p), "%s/d", dest);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(stat(work, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700); /* mkdtemp's mode, not changed through the link */
	run("rm -rf '%s' && mkdir '%s'", dest, dest);
}

static void test_corrupt(void **state)
{
	char path[128], big[4096];
	struct stat st;

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	const struct member m[] = { { AE_IFREG, "one", NULL, big, 0, 0, 0 },
				    { AE_IFREG, "two", NULL, big, 0, 0, 0 } };
	snprintf(path, sizeof(path), "%s/trunc.tar", work);
	build(path, m, ARRAY_SIZE(m), false);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, 3000), 0);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), -EINVAL);

	snprintf(path, sizeof(path), "%s/trunc.tar.gz", work);
	build(path, m, ARRAY_SIZE(m), true);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size / 2), 0);
	run("rm -rf '%s' && mkdir '%s'", dest, dest);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), -EINVAL);

	snprintf(path, sizeof(path), "%s/garbage", work);
	run("head -c 10000 /dev/urandom > '%s'", path);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), -EINVAL);
	assert_outside_untouched();
	run("rm -rf '%s' && mkdir '%s'", dest, dest);
}

static void make_tree(const char *src, bool *have_xattr)
{
	char p[256];
	struct timespec ts[2] = { { 1600000000, 0 }, { 1600000000, 0 } };

	run("mkdir -p '%s/etc/sub' && printf hello > '%s/etc/file' && chmod 0640 '%s/etc/file'", src, src, src);
	run("chmod 0750 '%s/etc/sub' && ln -s ../etc/file '%s/etc/sub/link' && ln '%s/etc/file' '%s/hard'", src,
	    src, src, src);
	run("printf x > '%s/etc/sub/suid' && chmod 4755 '%s/etc/sub/suid'", src, src);
	snprintf(p, sizeof(p), "%s/etc/file", src);
	*have_xattr = setxattr(p, "user.lxmtest", "v1", 2, 0) == 0;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void test_roundtrip(void **state)
{
	char src[128], out[128], p[256], q[256], buf[16] = {};
	struct stat a, b;
	bool have_xattr;
	int fd;

	snprintf(src, sizeof(src), "%s/src", work);
	make_tree(src, &have_xattr);
	snprintf(out, sizeof(out), "%s/out/rootfs.tar.zst", work);
	run("mkdir -p '%s/out'", work);
	assert_int_equal(lxm_archive_create(src, out, false), 0);
	assert_false(exists(work, "out/rootfs.tar.zst.tmp-"));
	assert_int_equal(lxm_archive_extract(out, dest, NULL), 0);

	snprintf(p, sizeof(p), "%s/etc/file", dest);
	assert_int_equal(lstat(p, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0640);
	assert_int_equal(a.st_mtim.tv_sec, 1600000000);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
	close(fd);
	assert_string_equal(buf, "hello");
	snprintf(q, sizeof(q), "%s/hard", dest);
	assert_int_equal(lstat(q, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino); /* hard link kept */
	snprintf(q, sizeof(q), "%s/etc/sub", dest);
	assert_int_equal(lstat(q, &b), 0);
	assert_true(S_ISDIR(b.st_mode));
	assert_int_equal(b.st_mode & 07777, 0750);
	snprintf(q, sizeof(q), "%s/etc/sub/suid", dest);
	assert_int_equal(lstat(q, &b), 0);
	assert_int_equal(b.st_mode & 07777, 04755);
	snprintf(q, sizeof(q), "%s/etc/sub/link", dest);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(readlink(q, buf, sizeof(buf) - 1), 11);
	assert_string_equal(buf, "../etc/file");
	if (have_xattr) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(getxattr(p, "user.lxmtest", buf, sizeof(buf)), 2);
		assert_string_equal(buf, "v1");
	} else
		print_message("(user xattrs unsupported on this filesystem: xattr round trip not checked)\n");
	run("rm -rf '%s' '%s/out' '%s' && mkdir '%s'", src, work, dest, dest);
}

static void test_devices(void **state)
{
	char path[128], p[256];
	struct stat st;

	if (geteuid() != 0) {
		print_message("device nodes need root (mknod): skipped\n");
		skip();
	}
	const struct member m[] = { { AE_IFDIR, "dev", NULL, NULL, 0, 0, 0 },
				    { AE_IFCHR, "dev/null", NULL, NULL, 0666, 1, 3 },
				    { AE_IFCHR, "dev/mem", NULL, NULL, 0600, 1, 1 } };
	snprintf(path, sizeof(path), "%s/dev.tar", work);
	build(path, m, ARRAY_SIZE(m), false);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), 0); /* dev/mem is logged, not refused */
	snprintf(p, sizeof(p), "%s/dev/null", dest);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(minor(st.st_rdev), 3);
	run("rm -rf '%s' && mkdir '%s'", dest, dest);
}

/* Deterministic mutation pass (ASan build): flipped bytes in a tar with links must never crash,
 * hang or write outside dest. */
static void test_mutations(void **state)
{
	char path[128], mpath[128], victim[128];
	_cleanup_free_ unsigned char *buf = NULL;
	uint32_t seed = 0x1234567u;
	struct stat st;
	FILE *f;

	snprintf(victim, sizeof(victim), "%s/victim", work);
	const struct member m[] = { { AE_IFDIR, "etc", NULL, NULL, 0, 0, 0 },
				    { AE_IFREG, "etc/passwd", NULL, "root:x:0:0::/root:/bin/sh\n", 0, 0, 0 },
				    { AE_IFLNK, "etc/up", "../../..", NULL, 0777, 0, 0 },
				    { AE_IFLNK, "etc/abs", victim, NULL, 0777, 0, 0 },
				    { 0, "etc/hard", "etc/passwd", NULL, 0, 0, 0 },
				    { AE_IFREG, "etc/after", NULL, "data", 0, 0, 0 } };
	snprintf(path, sizeof(path), "%s/base.tar", work);
	snprintf(mpath, sizeof(mpath), "%s/mutant.tar", work);
	build(path, m, ARRAY_SIZE(m), false);
	assert_int_equal(stat(path, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	f = fopen(path, "re");
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);

	for (int i = 0; i < 300; i++) {
		unsigned char *copy = malloc((size_t)st.st_size);
		assert_non_null(copy);
		memcpy(copy, buf, (size_t)st.st_size);
		for (int k = 0; k < 1 + i % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			/* Most mutations in the headers (first 512 bytes of each member). */
			size_t off = (seed >> 8) % (size_t)st.st_size;
			copy[off] = (unsigned char)(seed >> 3);
			if (k == 0 && i % 3 == 0)
				copy[off] = (unsigned char)(i % 2 ? '/' : '.');
		}
		f = fopen(mpath, "we");
		assert_int_equal(fwrite(copy, 1, (size_t)st.st_size, f), (size_t)st.st_size);
		fclose(f);
		free(copy);
		(void)lxm_archive_extract(mpath, dest, NULL);
		assert_outside_untouched();
		run("rm -rf '%s' && mkdir '%s'", dest, dest);
	}
}

static mode_t mode_of(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dest, rel);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

/* Members are written from their verified parent directory (hard links by linkat() between two
 * of them): nested files, symlinks and links land where they belong, the caller's working
 * directory is kept, and directory modes and times (libarchive's fixups, applied by the names
 * given from dest) are right, also when the archive is refused while a subdirectory was the
 * working directory. */
static void test_work_from_parent(void **state)
{
	const struct member ok[] = { { AE_IFDIR, "d", NULL, NULL, 0555, 0, 0 },
				     { AE_IFDIR, "d/e", NULL, NULL, 0511, 0, 0 },
				     { AE_IFREG, "d/e/f", NULL, "data", 04755, 0, 0 },
				     { AE_IFLNK, "d/e/l", "f", NULL, 0777, 0, 0 },
				     { AE_IFDIR, "bin", NULL, NULL, 0755, 0, 0 },
				     { 0, "bin/h", "d/e/f", NULL, 0644, 0, 0 },
				     { AE_IFREG, "bin/old", NULL, "old", 0644, 0, 0 },
				     { 0, "bin/old", "d/e/f", NULL, 0644, 0, 0 },
				     { 0, "top", "bin/h", NULL, 0644, 0, 0 } };
	const struct member bad[] = { { AE_IFDIR, "d", NULL, NULL, 0555, 0, 0 },
				      { AE_IFDIR, "d/e", NULL, NULL, 0511, 0, 0 },
				      { AE_IFREG, "d/e/f", NULL, "data", 0644, 0, 0 },
				      { AE_IFREG, "../evil", NULL, "x", 0644, 0, 0 } };
	char path[128], before[256], after[256], p[256];
	struct stat a, b;

	(void)state;
	assert_non_null(getcwd(before, sizeof(before)));
	snprintf(path, sizeof(path), "%s/nested.tar", work);
	build(path, ok, ARRAY_SIZE(ok), false);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), 0);
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(before, after);
	assert_int_equal(mode_of("d"), 0555);
	assert_int_equal(mode_of("d/e"), 0511);
	assert_int_equal(mode_of("d/e/f"), 04755);
	snprintf(p, sizeof(p), "%s/d/e/f", dest);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_nlink, 4); /* f, bin/h, bin/old (replaced by the link), top */
	snprintf(p, sizeof(p), "%s/d/e", dest);
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(b.st_mtime, 1700000000);
	snprintf(p, sizeof(p), "%s/top", dest);
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	snprintf(p, sizeof(p), "%s/d/e/l", dest);
	assert_int_equal(lstat(p, &b), 0);
	assert_true(S_ISLNK(b.st_mode));
	run("chmod -R u+w '%s' && rm -rf '%s' && mkdir '%s'", dest, dest, dest);

	snprintf(path, sizeof(path), "%s/refused.tar", work);
	build(path, bad, ARRAY_SIZE(bad), false);
	assert_int_equal(lxm_archive_extract(path, dest, NULL), -EINVAL);
	assert_outside_untouched();
	assert_non_null(getcwd(after, sizeof(after)));
	assert_string_equal(before, after);
	assert_int_equal(mode_of("d"), 0555);
	assert_int_equal(mode_of("d/e"), 0511);
	run("chmod -R u+w '%s' && rm -rf '%s' && mkdir '%s'", dest, dest, dest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_dotdot),
		cmocka_unit_test(test_absolute),
		cmocka_unit_test(test_symlink_parent),
		cmocka_unit_test(test_hardlink_outside),
		cmocka_unit_test(test_symlink_then_file),
		cmocka_unit_test(test_verified_dir_swapped),
		cmocka_unit_test(test_work_from_parent),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_devices),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
