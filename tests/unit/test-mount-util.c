/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Resolving and creating paths inside a rootfs that plants symlinks pointing out of it. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/mount.h>
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

/* lxm_bind_onto(): the host's /dev/null lands on the fresh file through the fd that created it
 * (no reopen by name), with nosuid/noexec set and read-only cleared on the copy (the per-mount
 * options in mountinfo: statvfs would add the source superblock's own read-only). Root only: it
 * mounts, in a mount namespace of its own that a forked child makes and takes with it. */
static int bind_onto_child(const char *dir)
{
	_cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
	struct statvfs sv;
	struct stat st;
	char p[PATH_MAX];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0)
		return 2;
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = openat(dir_fd, "null", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (dir_fd < 0 || fd < 0)
		return 3;
	if (lxm_bind_onto(AT_FDCWD, "/dev/null", fd, dir_fd, "null", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
			  MOUNT_ATTR_RDONLY, false) < 0)
		return 4;
	snprintf(p, sizeof(p), "%s/null", dir);
	if (stat(p, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return 5;
	if (statvfs(p, &sv) < 0 || !(sv.f_flag & ST_NOSUID) || !(sv.f_flag & ST_NOEXEC))
		return 6;
	/* mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ...": rw per mount */
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024], want[PATH_MAX + 8];
	bool rw = false;
	snprintf(want, sizeof(want), " %s rw,", p);
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, want))
			rw = true;
	return rw ? 0 : 7;
}

static void test_bind_onto(void **state)
{
	char dir[] = "/tmp/lxm-bind-onto.XXXXXX";
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("needs root (mounts in a mount namespace of its own), skipped\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(bind_onto_child(dir));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_confined),
		cmocka_unit_test(test_create_never_outside),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_dotdot_under_renames),
		cmocka_unit_test(test_bind_onto),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
