/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The address-space holder (util/mm-holder.c), for real: a process that shares our memory, keeps
 * none of our fds (a flock of ours is free the moment we are gone) and ends after we did. Each
 * case runs in a forked process, which makes the holder and exits; this process is the
 * subreaper that the holder is reparented to. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/mm-holder.h"

struct report {
	pid_t holder;
	int n_children; /* after two calls */
	int shares_vm;  /* kcmp(KCMP_VM) == 0; -1: kcmp not available */
	int n_fds;      /* the holder's open fds once it settled */
};

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* In the forked process: a lock held, the holder made (twice), what it looks like reported. */
static _Noreturn void maker(const char *lock_path, int out)
{
	struct report rep = { .shares_vm = -1, .n_fds = -1 };
	char path[64], buf[256] = "";
	int lock = open(lock_path, O_RDWR | O_CLOEXEC);

	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
		_exit(2);
	if (lxm_mm_holder_start() < 0 || lxm_mm_holder_start() < 0)
		_exit(3);
	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	FILE *f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		_exit(4);
	fclose(f);
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n")) {
		rep.n_children++;
		rep.holder = (pid_t)atoi(tok);
	}
	long k = syscall(SYS_kcmp, getpid(), rep.holder, KCMP_VM, 0, 0);
	if (k >= 0)
		rep.shares_vm = k == 0;
	/* It closes its copies of our fds right after it starts: wait for that, bounded */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)rep.holder);
	for (int i = 0; i < 2000 && (rep.n_fds = count_entries(path)) != 1; i++)
		usleep(1000);
	if (write(out, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		_exit(5);
	exit(0); /* exit(), not _exit(): the holder's settle runs at exit */
}

static void holder_shares_memory_keeps_no_fd_and_outlives_us(void **state)
{
	(void)state;
	char lock_path[] = "/tmp/lxcmgr-test-mm-holder-XXXXXX";
	int fd = mkstemp(lock_path), p[2], status;
	struct report rep = {};

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		maker(lock_path, p[1]);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &rep, sizeof(rep)), (ssize_t)sizeof(rep));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* the lock is free the moment the maker is reaped: the holder kept no copy of it */
	fd = open(lock_path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	unlink(lock_path);

	assert_int_equal(rep.n_children, 1); /* a second call made none */
	assert_true(rep.holder > 0);
	if (rep.shares_vm >= 0)
		assert_int_equal(rep.shares_vm, 1);
	else
		print_message("kcmp() not available: the shared address space is not checked\n");
	assert_int_equal(rep.n_fds, 1); /* its pipe only */

	/* it ends once the maker is gone: reparented to us, reaped here (bounded by the alarm) */
	alarm(10);
	assert_int_equal(waitpid(rep.holder, &status, __WALL), rep.holder);
	alarm(0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(holder_shares_memory_keeps_no_fd_and_outlives_us),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
