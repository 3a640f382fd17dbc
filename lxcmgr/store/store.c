/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container store: load, list, create transactions, garbage collection, removal. */
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "config/config.h"
#include "store/store.h"
#include "util/log.h"
#include "util/strv.h"

void lxm_container_free(struct lxm_container *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->dir);
	free(c->config_path);
	free(c->rootfs);
	if (c->config)
		cfg_free(c->config);
	free(c);
}

int lxm_container_load(const struct lxm_paths *paths, const char *name, struct lxm_container **ret)
{
	return lxm_container_load_text(paths, name, NULL, ret);
}

int lxm_container_load_text(const struct lxm_paths *paths, const char *name, const char *text,
			    struct lxm_container **ret)
{
	_cleanup_container_free_ struct lxm_container *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = lxm_name_validate(name);
	if (r < 0)
		return r;
	c->name = strdup(name);
	if (!c->name)
		return -ENOMEM;
	if ((r = lxm_path_join(&c->dir, paths->containers_dir, name)) < 0 ||
	    (r = lxm_path_join(&c->config_path, c->dir, "config")) < 0 ||
	    (r = lxm_path_join(&c->rootfs, c->dir, "rootfs")) < 0)
		return r;

	struct stat st;
	if (lstat(c->dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return log_error_errno(-ENOENT, "Container '%s' not found", name);

	r = text ? lxm_config_parse_string(text, c->config_path, &c->config) : lxm_config_load(c->config_path, &c->config);
	if (r == -ENOENT)
		return log_error_errno(-EINVAL, "Container '%s' has no config file '%s'", name, c->config_path);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lxm_store_list(const struct lxm_paths *paths, char ***ret)
{
	_cleanup_closedir_ DIR *d = opendir(paths->containers_dir);
	_cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!names)
		return -ENOMEM;
	if (!d) {
		if (errno != ENOENT)
			return log_error_errno(negative_errno(), "Failed to open '%s': %m", paths->containers_dir);
		*ret = TAKE_PTR(names);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		/* DT_DIR is what lstat() would say (never a symlink): only a file system without d_type
		 * costs a stat per container */
		struct stat st;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		if (lxm_strv_append(&names, &n, de->d_name) < 0)
			return -ENOMEM;
	}
	qsort(names, n, sizeof(char *), strcmp_ptr);
	*ret = TAKE_PTR(names);
	return 0;
}

static int sync_wait(struct lxm_store_txn *t, bool keep);

static void txn_clear(struct lxm_store_txn *t)
{
	(void)sync_wait(t, false);
	free(t->name);
	free(t->tmp_dir);
	free(t->tmp_rootfs);
	free(t->final_dir);
	closep(&t->lock_fd);
	closep(&t->hold_fd);
	*t = (struct lxm_store_txn)LXM_STORE_TXN_INIT;
}

/* Marks the containers directory as the top of unrelated hierarchies (chattr +T, FS_TOPDIR_FL):
 * ext4's Orlov allocator then starts each container's tree in a block group of its own instead of
 * the group of the previous one. Without a journal (this kind of host) ext4 skips every inode
 * freed in the last 1-5 minutes on each allocation, so a create right after destroys scanned past
 * all of their inodes: a Debian dir create took 640 ms instead of 450 ms in a create/destroy
 * loop, several seconds in the benchmark's. A hint only: other filesystems refuse it, ignored. */
static void mark_topdir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int flags = 0;

	if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL))
		return;
	flags |= FS_TOPDIR_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		log_debug_errno(negative_errno(), "Cannot mark '%s' as a top directory: %m, ignoring", dir);
}

/* Makes the containers directory (and what is missing above it), T-marked. */
static int make_containers_dir(const struct lxm_paths *paths)
{
	int r = lxm_mkdir_p(paths->containers_dir, 0711);

	if (r < 0)
		return log_error_errno(r, "Failed to create '%s': %m", paths->containers_dir);
	mark_topdir(paths->containers_dir);
	return 0;
}

/* Where a staged create's temporary goes: a plain directory, so a new directory in it is placed
 * next to it by ext4's Orlov allocator, without the search over every block group (and past
 * every inode freed in the last minutes) a child of the T-marked containers directory costs:
 * 0.2-4 ms per create measured, most of an overlay create. */
static int staging_dir(const struct lxm_paths *paths, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	int r = lxm_path_join(&dir, paths->containers_dir, LXM_STORE_STAGING_DIR);

	if (r < 0)
		return r;
	/* The containers directory is made (and T-marked) only when missing: a staged create makes no
	 * new directory in it, it renames one in. */
	r = mkdir(dir, 0700) < 0 ? negative_errno() : 0;
	if (r == -ENOENT) {
		if ((r = make_containers_dir(paths)) < 0)
			return r;
		r = mkdir(dir, 0700) < 0 ? negative_errno() : 0;
	}
	if (r < 0 && r != -EEXIST)
		return log_error_errno(r, "Failed to create '%s': %m", dir);
	*ret = TAKE_PTR(dir);
	return 0;
}

static int txn_begin(const struct lxm_paths *paths, const char *name, bool staged, struct lxm_store_txn *ret)
{
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	_cleanup_free_ char *tmpl = NULL, *parent = NULL;
	struct stat st;
	int r;

	/* staging_dir() makes it for a staged create, when missing */
	if (!staged && (r = make_containers_dir(paths)) < 0)
		return r;
	if (!(t.name = strdup(name)))
		return -ENOMEM;
	if ((r = lxm_path_join(&t.final_dir, paths->containers_dir, name)) < 0)
		goto fail;
	if (lstat(t.final_dir, &st) >= 0) {
		r = log_error_errno(-EEXIST, "Container '%s' already exists", name);
		goto fail;
	}
	if (staged ? (r = staging_dir(paths, &parent)) < 0 : !(parent = strdup(paths->containers_dir))) {
		r = r < 0 ? r : -ENOMEM;
		goto fail;
	}
	if (asprintf(&tmpl, "%s/" LXM_STORE_TMP_PREFIX "%s-XXXXXX", parent, name) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	/* mkdtemp gives mode 0700: the rootfs below may hold setuid binaries and private keys that
	 * host users must not reach. */
	if (!mkdtemp(tmpl)) {
		r = log_error_errno(negative_errno(), "Failed to create a temporary directory in '%s': %m", parent);
		goto fail;
	}
	t.tmp_dir = TAKE_PTR(tmpl);
	/* The temporary itself carries the flock that tells gc it is live (store/gc.c): no lock file
	 * to create and unlink again, one inode less per create (on this host's journal-less ext4
	 * each new inode scans past the ones freed in the last minutes: a create/destroy loop). */
	/* Blocking: gc takes it to see whether it is free, and keeps it while it removes a stale
	 * temporary; a create that reaches this only then fails here or at the mkdir in the removed
	 * directory. Until this flock the temporary is empty and young, which gc leaves alone. */
	t.lock_fd = open(t.tmp_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t.lock_fd < 0 || flock(t.lock_fd, LOCK_EX) < 0) {
		r = log_error_errno(negative_errno(), "Failed to lock '%s': %m", t.tmp_dir);
		goto fail;
	}
	if ((r = lxm_path_join(&t.tmp_rootfs, t.tmp_dir, "rootfs")) < 0)
		goto fail;
	if (mkdir(t.tmp_rootfs, 0755) < 0) {
		r = log_error_errno(negative_errno(), "Failed to create '%s': %m", t.tmp_rootfs);
		goto fail;
	}
	*ret = t;
	return 0;
fail:
	lxm_store_txn_abort(&t);
	return r;
}

int lxm_store_txn_begin(const struct lxm_paths *paths, const char *name, struct lxm_store_txn *ret)
{
	return txn_begin(paths, name, false, ret);
}

int lxm_store_txn_begin_staged(const struct lxm_paths *paths, const char *name, struct lxm_store_txn *ret)
{
	return txn_begin(paths, name, true, ret);
}

/* Creates dir/config holding text; the open fd in *ret_fd (not synced yet). */
static int write_config_unsynced(const char *dir, const char *text, int *ret_fd)
{
	_cleanup_free_ char *path = NULL;
	int r = lxm_path_join(&path, dir, "config");
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", path);
	size_t len = strlen(text);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return log_error_errno(negative_errno(), "Failed to write '%s': %m", path);
		}
		done += (size_t)n;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * The config's data must be on disk before the rename that makes the container visible: with
 * delayed allocation a crash could otherwise leave a container whose config is empty, which later
 * commands would take for whole. On ext4 that needs no journal commit of its own (an fsync is one,
 * ~1-3 ms here): sync_file_range() writing the data and waiting for it makes the writeback
 * allocate the blocks, set the size (and convert unwritten extents, before the pages leave
 * writeback) in the running journal transaction; the rename joins that transaction or a later
 * one, transactions commit in order, and each commit flushes the disk's cache before its commit
 * record. So whenever the rename survives a crash, the config's blocks, size and data do too.
 * Elsewhere that ordering is not relied on: fsync(). (ext2, or ext4 without a journal, shares
 * the magic number; such a store has no crash ordering for the rest of a create either.)
 */
static unsigned long fs_type(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 ? (unsigned long)sf.f_type : 0;
}

static bool journal_orders_data(unsigned long type)
{
	return type == EXT4_SUPER_MAGIC;
}

static int data_sync(int fd, bool by_range)
{
	if (by_range)
		return sync_file_range(fd, 0, 0,
				       SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) < 0 ?
			       negative_errno() :
			       0;
	return fsync(fd) < 0 ? negative_errno() : 0;
}

static int write_config(const char *dir, const char *text)
{
	_cleanup_close_ int fd = -EBADF;
	int r = write_config_unsynced(dir, text, &fd);

	if (r < 0)
		return r;
	if ((r = data_sync(fd, journal_orders_data(fs_type(fd)))) < 0)
		return log_error_errno(r, "Failed to sync '%s/config': %m", dir);
	return 0;
}

static void *sync_config(void *arg)
{
	struct lxm_store_txn *t = arg;

	t->sync_result = data_sync(t->config_fd, false);
	return NULL;
}

int lxm_store_txn_write_config(struct lxm_store_txn *t, const char *config_text)
{
	unsigned long type;
	int r = write_config_unsynced(t->tmp_dir, config_text, &t->config_fd);

	if (r < 0)
		return r;
	type = fs_type(t->config_fd);
	if (journal_orders_data(type)) {
		/* The write starts now, the wait is at the commit: no thread, no journal commit. */
		(void)sync_file_range(t->config_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		t->sync_by_range = true;
		return 0;
	}
	/* btrfs: the fsync() writes a log tree and flushes the device (~7 ms on a loop-backed image
	 * here), but finds nothing to log for an inode whose change a transaction commit has already
	 * written (~0.02 ms, measured): a create from a btrfs base commits one in between, its
	 * snapshot. So the data is written now and the fsync() waits for the commit; that is still
	 * the fsync() the other filesystems get, only later. */
	if (t->commit_follows && type == BTRFS_SUPER_MAGIC) {
		(void)sync_file_range(t->config_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		t->sync_at_commit = true;
		return 0;
	}
	/* No thread (resource limits): synced here, as lxm_store_txn_commit() would. */
	if (pthread_create(&t->sync_thread, NULL, sync_config, t) == 0)
		t->sync_running = true;
	else
		sync_config(t);
	return 0;
}

/* Waits for the background sync of the config, if one runs; its result. keep: the file stays (a
 * commit), else it is about to go (an abort, a replacement): a sync not started yet is skipped. */
static int sync_wait(struct lxm_store_txn *t, bool keep)
{
	if (t->config_fd < 0)
		return 0;
	if (t->sync_by_range || (t->sync_at_commit && keep))
		t->sync_result = data_sync(t->config_fd, t->sync_by_range);
	if (t->sync_running)
		(void)pthread_join(t->sync_thread, NULL);
	t->sync_running = t->sync_by_range = t->sync_at_commit = false;
	int r = t->sync_result;
	closep(&t->config_fd);
	return r;
}

int lxm_store_txn_commit(struct lxm_store_txn *t, const char *config_text)
{
	int r;

	if (config_text && t->config_fd >= 0) {
		/* Replaces the text lxm_store_txn_write_config() wrote (its sync ends first). */
		_cleanup_free_ char *old = NULL;
		(void)sync_wait(t, false);
		if ((r = lxm_path_join(&old, t->tmp_dir, "config")) < 0)
			return r;
		if (unlink(old) < 0)
			return log_error_errno(negative_errno(), "Failed to remove '%s': %m", old);
	}
	if (config_text)
		r = write_config(t->tmp_dir, config_text);
	else if ((r = sync_wait(t, true)) < 0)
		log_error_errno(r, "Failed to sync '%s/config': %m", t->tmp_dir);
	if (r < 0)
		return r;
	/* The flock on the temporary (lock_fd) stays through the rename: gc looks only at names of
	 * temporaries, and after the rename this is no longer one. */
	/* RENAME_NOREPLACE: even a racing creator that ignored the lock cannot make us replace an
	 * existing container. */
	if (renameat2(AT_FDCWD, t->tmp_dir, AT_FDCWD, t->final_dir, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			return log_error_errno(-EEXIST, "Container '%s' already exists", t->name);
		if (errno != EINVAL && errno != ENOSYS)
			return log_error_errno(negative_errno(), "Failed to rename '%s' to '%s': %m", t->tmp_dir,
					       t->final_dir);
		/* Filesystem without RENAME_NOREPLACE: the caller's lock serialises creators. */
		struct stat st;
		if (lstat(t->final_dir, &st) >= 0)
			return log_error_errno(-EEXIST, "Container '%s' already exists", t->name);
		if (rename(t->tmp_dir, t->final_dir) < 0)
			return log_error_errno(negative_errno(), "Failed to rename '%s' to '%s': %m", t->tmp_dir,
					       t->final_dir);
	}
	/* No fsync of the containers directory: a crash may lose the rename (the container is not
	 * made; the temporary is removed by the next command), which a create, copy or import is
	 * allowed to lose. What must not be lost is what makes the renamed tree whole, synced above
	 * before the rename; the journal commits the rename only with or after that. A later rename
	 * that depends on this one (a snapshot copy of it) commits in a later transaction. */
	txn_clear(t);
	return 0;
}

void lxm_store_txn_abort(struct lxm_store_txn *t)
{
	(void)sync_wait(t, false);
	if (t->tmp_dir) {
		int r = lxm_rm_rf(t->tmp_dir);
		if (r < 0)
			log_warning_errno(r, "Failed to remove '%s', the next command retries: %m", t->tmp_dir);
	}
	txn_clear(t);
}
