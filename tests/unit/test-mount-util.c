/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resolving and creating paths inside a rootfs that plants symlinks pointing out of it. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "runtime/mount-util.h"
#include "util/macros.h"

static char base[256], rootfs[300];
static int root_fd = -1;

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static bool host_exists(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	return access(p, F_OK) == 0;
}

static void test_open_confined(void **state)
{
	_cleanup_close_ int fd = -EBADF;

	/* The "host" has outside/secret; the rootfs links to it three ways. */
	sh("mkdir -p %s/outside && echo secret > %s/outside/secret", base, base);
	sh("ln -s /../outside/secret %s/abs && ln -s ../../outside/secret %s/rel", rootfs, rootfs);
	assert_int_equal(lxm_open_in_root(root_fd, "abs", 0, &fd), -ENOENT);
	assert_int_equal(lxm_open_in_root(root_fd, "/rel", 0, &fd), -ENOENT);
	assert_int_equal(lxm_open_in_root(root_fd, "../outside/secret", 0, &fd), -ENOENT);

	/* Inside the rootfs the same links resolve as the container sees them. */
	sh("mkdir -p %s/outside && echo inside > %s/outside/secret", rootfs, rootfs);
	assert_int_equal(lxm_open_file_in_root(root_fd, "abs", &fd), 0);
	char buf[16] = {};
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	assert_string_equal(buf, "inside\n");
	sh("rm -rf %s/outside", rootfs);
}

static void test_create_never_outside(void **state)
{
	_cleanup_close_ int fd = -EBADF;

	sh("mkdir -p %s/target-host", base);
	sh("ln -s /../../target-host %s/mnt-link && ln -s /../../host-file %s/file-link", rootfs, rootfs);
	/* mkdir through the link: the link leads to a missing dir inside; never to the host's. */
	assert_true(lxm_mkdir_in_root(root_fd, "mnt-link/sub", 0755, NULL) < 0);
	assert_false(host_exists("target-host/sub"));
	/* touch through a dangling link creates nothing anywhere. */
	(void)lxm_touch_in_root(root_fd, "file-link", 0644);
	assert_false(host_exists("host-file"));
	assert_int_equal(lxm_open_in_root(root_fd, "file-link", 0, &fd), -ENOENT);

	/* Plain creation works. */
	assert_int_equal(lxm_mkdir_in_root(root_fd, "/a/b/c", 0755, &fd), 0);
	closep(&fd);
	fd = -EBADF;
	assert_int_equal(lxm_touch_in_root(root_fd, "a/b/c/f", 0644), 0);
	assert_int_equal(lxm_symlink_in_root(root_fd, "c/f", "a/b/l"), 0);
	assert_int_equal(lxm_open_file_in_root(root_fd, "a/b/l", &fd), 0);
}

static void test_not_regular(void **state)
{
	_cleanup_close_ int fd = -EBADF;
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/fifo", rootfs);
	assert_int_equal(mkfifo(p, 0600), 0);
	/* A FIFO would block the reader forever: refused without opening it for reading. */
	assert_int_equal(lxm_open_file_in_root(root_fd, "fifo", &fd), -EBADFD);
	assert_int_equal(lxm_open_file_in_root(root_fd, "/", &fd), -EISDIR);
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/test-mount-util-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", base);
	if (mkdir(rootfs, 0755) < 0)
		return -1;
	root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return root_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[512];

	close(root_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* Renames a file back and forth until told to stop: every rename anywhere invalidates a confined
 * walk's ".." step, which the kernel then fails with EAGAIN for the caller to retry. */
static volatile bool renaming;

static void *rename_loop(void *arg)
{
	char a[PATH_MAX], b[PATH_MAX];

	(void)arg;
	snprintf(a, sizeof(a), "%s/ra", base);
	snprintf(b, sizeof(b), "%s/rb", base);
	close(open(a, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	/* a busy host (a rename every few tens of microseconds), not a renamer that never lets go */
	while (renaming) {
		if (rename(a, b) == 0)
			(void)rename(b, a);
		usleep(2);
	}
	return NULL;
}

static void test_dotdot_under_renames(void **state)
{
	pthread_t t;
	int failed = 0, last = 0;

	/* Debian's /sbin/init -> ../lib/systemd/systemd: a ".." inside the root */
	sh("mkdir -p '%s/lib/systemd' '%s/usr/sbin' && touch '%s/lib/systemd/systemd' && "
	   "ln -s ../../lib/systemd/systemd '%s/usr/sbin/init'", rootfs, rootfs, rootfs, rootfs);
	renaming = true;
	assert_int_equal(pthread_create(&t, NULL, rename_loop, NULL), 0);
	for (int i = 0; i < 20000; i++) {
		int fd = -EBADF;
		int r = lxm_open_in_root(root_fd, "/usr/sbin/init", 0, &fd);
		if (r < 0) {
			failed++;
			last = r;
		} else
			close(fd);
	}
	renaming = false;
	pthread_join(t, NULL);
	if (failed)
		fail_msg("%d of 20000 opens through '..' failed while files were renamed (last %d)", failed, last);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_confined),
		cmocka_unit_test(test_create_never_outside),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_dotdot_under_renames),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
