/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxm_image_tree_clone(): large files go through the data thread and the hard links to them are
 * made after it (half of them on that thread): the copy must still be exact (data, one inode per
 * link group, none shared with the source, modes and mtimes of files and of the directories the
 * late links went into, a 0555 one included), and a failure on the thread must reach the caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "image/clone-data.h"
#include "image/tree-clone.h"
#include "util/macros.h"

static char work[] = "/tmp/lxm-tree-clone.XXXXXX";

static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* src: a "busybox" of 600 KiB (above LXM_CLONE_ASYNC_MIN) with 24 more names in bin, 24 in
 * usr/bin and 4 in ro (0555, older mtime), a second large file without links, small files with
 * links, a symlink; every directory and file with a fixed mtime. */
static void populate(const char *src)
{
	sh("set -e; s='%s'; mkdir -p $s/bin $s/usr/bin $s/ro $s/etc; "
	   "head -c 614400 /dev/urandom >$s/bin/busybox; chmod 4755 $s/bin/busybox; "
	   "head -c 300000 /dev/urandom >$s/etc/big; chmod 600 $s/etc/big; "
	   "for i in $(seq 1 24); do ln $s/bin/busybox $s/bin/a$i; ln $s/bin/busybox $s/usr/bin/b$i; done; "
	   "for i in 1 2 3 4; do ln $s/bin/busybox $s/ro/c$i; done; "
	   "echo small >$s/etc/small; ln $s/etc/small $s/bin/small-link; ln -s ../bin/busybox $s/etc/sym; "
	   "find $s -mindepth 1 ! -type l -exec touch -h -d '2020-01-02 03:04:05' {} +; "
	   "touch -d '2019-05-06 07:08:09' $s/ro; chmod 555 $s/ro",
	   src);
	assert_true(614400 >= LXM_CLONE_ASYNC_MIN);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(work));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("chmod -R u+w '%s'; rm -rf '%s'", work, work);
	return 0;
}

static void test_exact(void **state)
{
	char src[256], dst[256], a[512], b[512];
	struct stat s, d, first;
	(void)state;

	snprintf(src, sizeof(src), "%s/src", work);
	snprintf(dst, sizeof(dst), "%s/dst", work);
	populate(src);
	assert_int_equal(mkdir(dst, 0755), 0);
	assert_int_equal(lxm_image_tree_clone(src, dst), 0);

	sh("cmp '%s/bin/busybox' '%s/bin/busybox' && cmp '%s/etc/big' '%s/etc/big'", src, dst, src, dst);
	/* Same names, types, modes, link counts, sizes and mtimes (the link targets too). */
	sh("cd '%s' && find . -mindepth 1 -printf '%%p %%y %%m %%n %%s %%T@ %%l\\n' | sort >'%s/src.list'; "
	   "cd '%s' && find . -mindepth 1 -printf '%%p %%y %%m %%n %%s %%T@ %%l\\n' | sort >'%s/dst.list'; "
	   "diff '%s/src.list' '%s/dst.list'",
	   src, work, dst, work, work, work);
	/* One inode for all 53 names, not the source's. */
	snprintf(a, sizeof(a), "%s/bin/busybox", dst);
	assert_int_equal(stat(a, &first), 0);
	assert_int_equal(first.st_nlink, 53);
	snprintf(b, sizeof(b), "%s/bin/busybox", src);
	assert_int_equal(stat(b, &s), 0);
	assert_int_not_equal(s.st_ino, first.st_ino);
	static const char *const names[] = { "bin/a24", "usr/bin/b1", "usr/bin/b24", "ro/c4" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(a, sizeof(a), "%s/%s", dst, names[i]);
		assert_int_equal(stat(a, &d), 0);
		assert_int_equal(d.st_ino, first.st_ino);
	}
	/* The 0555 directory got its late links and then its mode and mtime. */
	snprintf(a, sizeof(a), "%s/ro", dst);
	snprintf(b, sizeof(b), "%s/ro", src);
	assert_int_equal(stat(a, &d), 0);
	assert_int_equal(stat(b, &s), 0);
	assert_int_equal(d.st_mode & 07777, 0555);
	assert_int_equal(d.st_mtim.tv_sec, s.st_mtim.tv_sec);
	assert_int_equal(d.st_mtim.tv_nsec, s.st_mtim.tv_nsec);
}

/* A write the data thread cannot make (RLIMIT_FSIZE below the large file, above the small ones):
 * its -EFBIG is what the copy returns, in a child so the limit stays there. */
static void test_thread_error(void **state)
{
	char src[256], dst[256];
	(void)state;

	snprintf(src, sizeof(src), "%s/src2", work);
	snprintf(dst, sizeof(dst), "%s/dst2", work);
	populate(src);
	assert_int_equal(mkdir(dst, 0755), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = 128 * 1024, .rlim_max = 128 * 1024 };
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(100);
		int r = lxm_image_tree_clone(src, dst);
		_exit(r == -EFBIG ? 0 : r < 0 ? 101 : 102);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_thread_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
