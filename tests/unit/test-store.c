/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The store's transactions, gc and rm -rf in a scratch directory (no root needed). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/log.h"

struct world {
	char dir[64];
	struct lxm_paths paths;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	strcpy(w->dir, "/tmp/lxm-test-store-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	assert_int_equal(lxm_paths_init(&w->paths, w->dir), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	assert_int_equal(lxm_rm_rf(w->dir), 0);
	lxm_paths_done(&w->paths);
	free(w);
	return 0;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *de;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void test_txn_commit_and_list(void **state)
{
	struct world *w = *state;
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	_cleanup_strv_free_ char **names = NULL;

	assert_int_equal(lxm_store_txn_begin(&w->paths, "web", &t), 0);
	struct stat st;
	assert_int_equal(stat(t.tmp_rootfs, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* live: the temporary itself is flocked (no lock file in it), so gc keeps it */
	_cleanup_free_ char *tlock = NULL;
	assert_true(asprintf(&tlock, "%s/.lock", t.tmp_dir) > 0);
	assert_int_equal(access(tlock, F_OK), -1);
	int probe = open(t.tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(probe >= 0);
	assert_int_equal(flock(probe, LOCK_EX | LOCK_NB), -1);
	close(probe);
	assert_int_equal(lxm_store_gc(&w->paths), 0);
	assert_int_equal(lxm_store_list(&w->paths, &names), 0);
	assert_null(names[0]); /* the temporary is hidden */
	strv_free(names);
	names = NULL;

	assert_int_equal(lxm_store_txn_commit(&t, "name = \"web\"\n"), 0);
	lxm_store_txn_abort(&t); /* no-op after commit */
	assert_int_equal(lxm_store_list(&w->paths, &names), 0);
	assert_string_equal(names[0], "web");
	assert_null(names[1]);
	assert_int_equal(count_entries(w->paths.containers_dir), 1);

	/* the lock file of the transaction does not survive into the container */
	_cleanup_free_ char *lock = NULL;
	assert_int_equal(asprintf(&lock, "%s/web/.lock", w->paths.containers_dir) > 0, 1);
	assert_int_equal(access(lock, F_OK), -1);

	/* a second create of the same name */
	struct lxm_store_txn t2 = LXM_STORE_TXN_INIT;
	assert_int_equal(lxm_store_txn_begin(&w->paths, "web", &t2), -EEXIST);
	assert_null(t2.tmp_dir);

	assert_int_equal(lxm_store_remove(&w->paths, "web"), 0);
	assert_int_equal(count_entries(w->paths.containers_dir), 0);
	assert_int_equal(lxm_store_remove(&w->paths, "web"), -ENOENT);
}

static void test_txn_abort(void **state)
{
	struct world *w = *state;
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	_cleanup_free_ char *f = NULL;

	assert_int_equal(lxm_store_txn_begin(&w->paths, "a", &t), 0);
	assert_true(asprintf(&f, "%s/file", t.tmp_rootfs) > 0);
	touch(f);
	lxm_store_txn_abort(&t);
	assert_null(t.tmp_dir);
	assert_int_equal(count_entries(w->paths.containers_dir), 0);
}

/* A create killed with SIGKILL leaves a temporary that gc removes; a live one is kept. */
static void test_gc(void **state)
{
	struct world *w = *state;
	struct lxm_store_txn live = LXM_STORE_TXN_INIT;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lxm_store_txn t = LXM_STORE_TXN_INIT;
		int fd;
		if (lxm_container_lock(&w->paths, "dead", &fd) < 0 || lxm_store_txn_begin(&w->paths, "dead", &t) < 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));

	assert_int_equal(lxm_store_txn_begin(&w->paths, "live", &live), 0);
	assert_int_equal(count_entries(w->paths.containers_dir), 2);
	assert_int_equal(lxm_store_gc(&w->paths), 1);
	assert_int_equal(count_entries(w->paths.containers_dir), 1);
	assert_int_equal(access(live.tmp_rootfs, F_OK), 0);
	lxm_store_txn_abort(&live);
	assert_int_equal(lxm_store_gc(&w->paths), 0);
}

static void mkdir_aged(const char *path, time_t age)
{
	struct timespec ts[2] = { { .tv_sec = time(NULL) - age }, { .tv_sec = time(NULL) - age } };
	assert_int_equal(lxm_mkdir_p(path, 0755), 0);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Unflocked temporaries: removed when they hold something or are older than a minute (a dead
 * create's or destroy's), kept while empty and young (a create between its mkdtemp() and its
 * flock). The container lock plays no part: gc neither takes it nor even creates its file, so a
 * start or stop of that container is never made busy by it. */
static void test_gc_unlocked(void **state)
{
	struct world *w = *state;
	_cleanup_free_ char *locks = NULL, *d1 = NULL, *d2 = NULL, *d3 = NULL, *d4 = NULL, *d5 = NULL, *f = NULL,
			    *odd = NULL, *lf = NULL;
	int fd = -1, old = -1;

	assert_true(asprintf(&locks, "%s/locks", w->paths.run_dir) > 0);
	assert_int_equal(lxm_mkdir_p(locks, 0700), 0);
	assert_true(asprintf(&d1, "%s/.destroy-foo-abcdef/rootfs/etc", w->paths.containers_dir) > 0);
	assert_true(asprintf(&d2, "%s/.tmp-bar-ghijkl", w->paths.containers_dir) > 0);
	assert_true(asprintf(&d3, "%s/.tmp-baz-mnopqr", w->paths.containers_dir) > 0);
	assert_true(asprintf(&d4, "%s/.tmp-old-stuvwx", w->paths.containers_dir) > 0);
	assert_true(asprintf(&d5, "%s/.tmp-olx-yzabcd", w->paths.containers_dir) > 0);
	assert_true(asprintf(&odd, "%s/.other", w->paths.containers_dir) > 0);
	assert_int_equal(lxm_mkdir_p(d1, 0755), 0);
	assert_int_equal(lxm_mkdir_p(d2, 0755), 0); /* empty, young */
	mkdir_aged(d3, 2 * 3600);                   /* empty, two hours old */
	assert_int_equal(lxm_mkdir_p(odd, 0755), 0);
	assert_true(asprintf(&f, "%s/passwd", d1) > 0);
	touch(f);
	/* an older lxcmgr's: tmp_dir/.lock, flocked while its create runs */
	assert_int_equal(lxm_mkdir_p(d4, 0755), 0);
	free(f);
	assert_true(asprintf(&f, "%s/.lock", d4) > 0);
	assert_int_equal(lxm_lock_file_try(f, &old), 0);
	assert_int_equal(lxm_mkdir_p(d5, 0755), 0);
	free(f);
	assert_true(asprintf(&f, "%s/.lock", d5) > 0);
	touch(f);

	assert_int_equal(lxm_container_lock(&w->paths, "foo", &fd), 0);
	assert_int_equal(lxm_store_gc(&w->paths), 3); /* foo's although its lock is held, baz, olx */
	assert_int_equal(count_entries(w->paths.containers_dir), 3); /* bar, old, .other (not ours) */
	assert_int_equal(access(d2, F_OK), 0);
	assert_int_equal(access(d4, F_OK), 0);
	assert_true(asprintf(&lf, "%s/bar.lock", locks) > 0);
	assert_int_equal(access(lf, F_OK), -1); /* no container lock looked at */
	assert_int_equal(count_entries(locks), 1); /* foo.lock, ours */
	close(fd);

	/* bar ages: a create never spends a minute between mkdtemp() and flock; old's ends */
	mkdir_aged(d2, 61);
	close(old);
	assert_int_equal(lxm_store_gc(&w->paths), 2);
	assert_int_equal(count_entries(w->paths.containers_dir), 1);
}

/* A destroy flocks the container before its rename: gc keeps the .destroy- temporary. */
static void test_gc_keeps_destroy(void **state)
{
	struct world *w = *state;
	_cleanup_free_ char *dir = NULL, *tmp = NULL;
	int fd;

	assert_true(asprintf(&dir, "%s/gone/rootfs", w->paths.containers_dir) > 0);
	assert_true(asprintf(&tmp, "%s/.destroy-gone-Ab12Cd", w->paths.containers_dir) > 0);
	assert_int_equal(lxm_mkdir_p(dir, 0755), 0);
	dir[strlen(dir) - strlen("/rootfs")] = '\0';
	/* what lxm_store_remove() holds between its rename and the end of its removal */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(rename(dir, tmp), 0);
	assert_int_equal(lxm_store_gc(&w->paths), 0);
	assert_int_equal(access(tmp, F_OK), 0);
	close(fd);
	assert_int_equal(lxm_store_gc(&w->paths), 1);
}

/* Temporaries outside the store (an export's staging directory, an archive's temporary file):
 * removed when unflocked and not both empty and young; a live one (flocked), an empty young one,
 * another type, a name that is not exactly PREFIX + six characters are kept. */
static void test_gc_temps(void **state)
{
	struct world *w = *state;
	_cleanup_free_ char *stale = NULL, *live = NULL, *young = NULL, *odd = NULL, *f = NULL, *ftmp = NULL,
			    *fyoung = NULL, *file_as_dir = NULL;
	_cleanup_close_ int hold = -EBADF;

	assert_true(asprintf(&stale, "%s/.lxcmgr-export-abcdef", w->dir) > 0);
	assert_true(asprintf(&live, "%s/.lxcmgr-export-ghijkl", w->dir) > 0);
	assert_true(asprintf(&young, "%s/.lxcmgr-export-mnopqr", w->dir) > 0);
	assert_true(asprintf(&odd, "%s/.lxcmgr-export-abc", w->dir) > 0);
	assert_true(asprintf(&file_as_dir, "%s/.lxcmgr-export-stuvwx", w->dir) > 0);
	assert_true(asprintf(&ftmp, "%s/a.tar.zst.tmp-ABC123", w->dir) > 0);
	assert_true(asprintf(&fyoung, "%s/a.tar.zst.tmp-DEF456", w->dir) > 0);
	assert_int_equal(lxm_mkdir_p(stale, 0700), 0);
	assert_true(asprintf(&f, "%s/rootfs.tar", stale) > 0);
	touch(f);
	free(f);
	assert_int_equal(lxm_mkdir_p(live, 0700), 0);
	assert_true(asprintf(&f, "%s/rootfs.tar", live) > 0);
	touch(f);
	hold = open(live, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(hold >= 0);
	assert_int_equal(flock(hold, LOCK_EX), 0); /* another open file description: gc's flock fails */
	assert_int_equal(lxm_mkdir_p(young, 0700), 0);
	mkdir_aged(odd, 3600);
	touch(file_as_dir);
	touch(fyoung);
	touch(ftmp);
	assert_int_equal(truncate(ftmp, 4096), 0);

	assert_int_equal(lxm_store_gc_temps(w->dir, ".lxcmgr-export-", S_IFDIR), 1);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(young, F_OK), 0);
	assert_int_equal(access(odd, F_OK), 0);
	assert_int_equal(access(file_as_dir, F_OK), 0);
	assert_int_equal(lxm_store_gc_temps(w->dir, "a.tar.zst.tmp-", S_IFREG), 1);
	assert_int_equal(access(ftmp, F_OK), -1);
	assert_int_equal(access(fyoung, F_OK), 0);

	/* the live export ends (its flock goes with its fd): then its directory is a dead one's */
	close(TAKE_FD(hold));
	assert_int_equal(lxm_store_gc_temps(w->dir, ".lxcmgr-export-", S_IFDIR), 1);
	assert_int_equal(access(live, F_OK), -1);
	assert_int_equal(lxm_store_gc_temps("/nonexistent-dir", ".lxcmgr-export-", S_IFDIR), 0);
}

static void test_lock(void **state)
{
	struct world *w = *state;
	int fd1 = -1, fd2 = -1;
	assert_int_equal(lxm_container_lock(&w->paths, "x", &fd1), 0);
	assert_int_equal(lxm_container_lock(&w->paths, "x", &fd2), -EBUSY);
	close(fd1);
	assert_int_equal(lxm_container_lock(&w->paths, "x", &fd2), 0);
	close(fd2);
}

/* rm -rf removes a symlink to outside, never what it points to. */
static void test_rm_rf_symlinks(void **state)
{
	struct world *w = *state;
	_cleanup_free_ char *outside = NULL, *victim = NULL, *tree = NULL, *sub = NULL, *link1 = NULL, *link2 = NULL;

	assert_true(asprintf(&outside, "%s/outside", w->dir) > 0);
	assert_true(asprintf(&victim, "%s/keep", outside) > 0);
	assert_true(asprintf(&tree, "%s/tree", w->dir) > 0);
	assert_true(asprintf(&sub, "%s/a/b/c", tree) > 0);
	assert_true(asprintf(&link1, "%s/a/dirlink", tree) > 0);
	assert_true(asprintf(&link2, "%s/a/b/filelink", tree) > 0);
	assert_int_equal(lxm_mkdir_p(outside, 0755), 0);
	touch(victim);
	assert_int_equal(lxm_mkdir_p(sub, 0755), 0);
	assert_int_equal(symlink(outside, link1), 0);
	assert_int_equal(symlink(victim, link2), 0);
	assert_int_equal(chmod(sub, 0), 0); /* an unreadable directory is still removed by root; skip otherwise */

	int r = lxm_rm_rf(tree);
	if (geteuid() != 0) {
		assert_int_equal(chmod(sub, 0755), 0);
		r = lxm_rm_rf(tree);
	}
	assert_int_equal(r, 0);
	assert_int_equal(access(tree, F_OK), -1);
	assert_int_equal(access(victim, F_OK), 0);
	assert_int_equal(lxm_rm_rf(tree), 0); /* missing is fine */
}

/* Runs in a private mount namespace (child): a tmpfs and a same-filesystem bind mount inside the
 * tree are left alone and reported as -EBUSY. */
static int rm_rf_mounts_child(const char *base)
{
	char tree[256], m1[300], m2[300], src[300], f1[320], f2[320];
	snprintf(tree, sizeof(tree), "%s/tree", base);
	snprintf(m1, sizeof(m1), "%s/tmpfs", tree);
	snprintf(m2, sizeof(m2), "%s/bind", tree);
	snprintf(src, sizeof(src), "%s/bindsrc", base);
	snprintf(f1, sizeof(f1), "%s/keep", m1);
	snprintf(f2, sizeof(f2), "%s/keep", src);

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 10;
	if (lxm_mkdir_p(m1, 0755) < 0 || lxm_mkdir_p(m2, 0755) < 0 || lxm_mkdir_p(src, 0755) < 0)
		return 11;
	if (mount("tmpfs", m1, "tmpfs", 0, "size=1M") < 0 || mount(src, m2, NULL, MS_BIND, NULL) < 0)
		return 12;
	int fd1 = open(f1, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), fd2 = open(f2, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd1 < 0 || fd2 < 0)
		return 13;
	close(fd1);
	close(fd2);
	if (lxm_rm_rf(tree) != -EBUSY)
		return 14;
	if (access(f1, F_OK) < 0 || access(f2, F_OK) < 0)
		return 15;
	return 0;
}

static void test_rm_rf_mounts(void **state)
{
	struct world *w = *state;
	if (geteuid() != 0)
		skip();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(rm_rf_mounts_child(w->dir));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* list names the container directories only: not files, not symlinks (to a directory either),
 * which readdir's d_type tells without a stat per entry. */
static void test_list_directories_only(void **state)
{
	struct world *w = *state;
	char p[256], q[256];
	char **names = NULL;
	assert_int_equal(lxm_mkdir_p(w->paths.containers_dir, 0711), 0);
	snprintf(p, sizeof(p), "%s/b", w->paths.containers_dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/a", w->paths.containers_dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(q, sizeof(q), "%s/link", w->paths.containers_dir);
	assert_int_equal(symlink(p, q), 0);
	snprintf(p, sizeof(p), "%s/file", w->paths.containers_dir);
	touch(p);
	assert_int_equal(lxm_store_list(&w->paths, &names), 0);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	assert_null(names[2]);
	strv_free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_txn_commit_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_unlocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_keeps_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc_temps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_symlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_mounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_directories_only, setup, teardown),
	};
	lxm_log_set_level(LXM_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
