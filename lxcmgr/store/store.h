/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container store: PATHS->containers_dir/NAME/{config,rootfs/}. New containers are built
 * in a hidden temporary directory (".tmp-NAME-XXXXXX") and renamed into place, so a create
 * killed at any point leaves nothing visible; stale temporaries are removed by the next command.
 */
#pragma once

#include <pthread.h>

#include <confuse.h>
#include <stdbool.h>
#include <sys/types.h>

#include "core/paths.h"
#include "util/macros.h"

/* Container names: 1-63 chars of [a-z0-9-], not starting or ending with '-'. Logs why and returns
 * -EINVAL otherwise. */
int lxm_name_validate(const char *name);
/* Same check, without logging. */
int lxm_name_validate_quiet(const char *name);
/* The same rules for a snapshot's name (it is a directory name too), said of a snapshot. */
int lxm_snapshot_name_validate(const char *name);

struct lxm_container {
	char *name;
	char *dir;         /* containers_dir/NAME */
	char *config_path; /* dir/config */
	char *rootfs;      /* dir/rootfs */
	cfg_t *config;     /* parsed and validated */
};

/* Loads NAME: -ENOENT (logged) when there is no such container, -EINVAL for a broken config. */
int lxm_container_load(const struct lxm_paths *paths, const char *name, struct lxm_container **ret);
/* The same with the config parsed from text (NULL: the file), the monitor's snapshot of what it
 * started with; the file is not read then. */
int lxm_container_load_text(const struct lxm_paths *paths, const char *name, const char *text,
			    struct lxm_container **ret);
void lxm_container_free(struct lxm_container *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lxm_container *, lxm_container_free)
#define _cleanup_container_free_ _cleanup_(lxm_container_freep)

/* Sorted names of all containers (hidden temporaries excluded). *ret NULL-terminated, owned. */
int lxm_store_list(const struct lxm_paths *paths, char ***ret);

/* Takes the per-container lock (flock on run_dir/locks/NAME.lock). Non-blocking: -EBUSY (logged,
 * "Container 'NAME' is busy: another lxcmgr command holds its lock") when held elsewhere.
 * *ret_fd is the lock; closing it releases. */
int lxm_container_lock(const struct lxm_paths *paths, const char *name, int *ret_fd);
/* The same, but -EBUSY is the caller's to report (other errors are logged)... */
int lxm_container_trylock(const struct lxm_paths *paths, const char *name, int *ret_fd);
/* ...with this: logs the busy error, returns -EBUSY. */
int lxm_container_busy(const char *name);

/* A create in progress: a temporary directory next to the final one. */
struct lxm_store_txn {
	int lock_fd;      /* tmp_dir, flocked while the create runs (see lxm_store_gc) */
	char *name;
	char *tmp_dir;    /* containers_dir/.tmp-NAME-XXXXXX (staged: containers_dir/.staging/...) */
	char *tmp_rootfs; /* tmp_dir/rootfs (created, mode 0755) */
	char *final_dir;
	int config_fd;    /* tmp_dir/config written early, being synced by sync_thread (or by range) */
	int sync_result;
	bool sync_running;
	bool sync_by_range; /* its writeback started, waited for at the commit (store.c: data_sync()) */
	bool sync_at_commit; /* its writeback started, fsync()ed at the commit (store.c) */
	/* Set by the caller before lxm_store_txn_write_config(): a filesystem transaction commit comes
	 * before the txn's commit (a btrfs snapshot), after which the config's fsync() is cheap. */
	bool commit_follows;
	pthread_t sync_thread;
	int hold_fd; /* closed with the transaction: a lock what is committed depends on (overlay base) */
};
#define LXM_STORE_TXN_INIT { .lock_fd = -EBADF, .config_fd = -EBADF, .hold_fd = -EBADF }
/* Starts creating NAME: -EEXIST (logged) when it exists. Caller holds the lock. */
int lxm_store_txn_begin(const struct lxm_paths *paths, const char *name, struct lxm_store_txn *ret);
/* The same with the temporary in containers_dir/.staging (LXM_STORE_STAGING_DIR): for containers
 * of a few files (overlay), whose directory need not start a block group of its own. */
#define LXM_STORE_STAGING_DIR ".staging"
/* How a create's temporary is named, NAME and mkdtemp()'s -XXXXXX after it (gc finds them by it). */
#define LXM_STORE_TMP_PREFIX ".tmp-"
int lxm_store_txn_begin_staged(const struct lxm_paths *paths, const char *name, struct lxm_store_txn *ret);
/* Writes config_text as tmp_dir/config now and syncs it in a background thread, so the sync
 * overlaps what the caller still does in tmp_dir below (only below: tmp_dir's own entries are
 * synced with it). Then lxm_store_txn_commit(t, NULL) waits for that sync. */
int lxm_store_txn_write_config(struct lxm_store_txn *t, const char *config_text);
/* Writes config_text as tmp_dir/config (NULL: written by lxm_store_txn_write_config(); text after
 * that replaces what it wrote), syncs it, and renames tmp_dir into place. */
int lxm_store_txn_commit(struct lxm_store_txn *t, const char *config_text);
/* Removes the temporary directory (safe to call after commit: does nothing then). */
void lxm_store_txn_abort(struct lxm_store_txn *t);

/* Removes hidden temporaries whose creator is gone: ".tmp-NAME-XXXXXX" (create; also in
 * .staging) and ".destroy-NAME-XXXXXX" (destroy). A live create or destroy holds a flock on the
 * temporary itself (an older lxcmgr's create on tmp_dir/.lock); a temporary whose flock can be
 * taken belongs to a process that died (kill -9 included: the kernel drops flocks with the last
 * fd), unless it is empty and younger than a minute (gc.c). Never touches a container lock, so it
 * cannot make another command of NAME busy. Logs at debug level; returns the number removed. */
int lxm_store_gc(const struct lxm_paths *paths);
/* The same for .staging alone: what a staged (overlay) create cleans up before it stages there.
 * The temporaries of dir creates and destroys, in the containers directory, are left to the next
 * command that reads that directory anyway (list, info, destroy, copy, autostart, a dir create). */
int lxm_store_gc_staging(const struct lxm_paths *paths);

/* The same for the temporaries a writer outside the store leaves beside its target when killed (an
 * export's staging directory, an archive's temporary file): the entries of dir named prefix and
 * the six characters of mkdtemp()/mkstemp(), of type (S_IFDIR or S_IFREG), owned by our euid,
 * whose flock can be taken (the writer holds one on its temporary until it is done), with the
 * grace above for an empty young one. Logs at debug level; returns the number removed. */
int lxm_store_gc_temps(const char *dir, const char *prefix, mode_t type);

/* Removes a container directory tree (rootfs included), not crossing mount points: first flocked
 * and renamed to a hidden ".destroy-NAME-XXXXXX" so a killed removal never leaves half a container
 * visible. Caller holds the lock. -ENOENT when missing. */
int lxm_store_remove(const struct lxm_paths *paths, const char *name);

/* Opens (creating, mode 0600, no symlink following) and flocks path without blocking: -EBUSY when
 * held elsewhere. Not logged. */
int lxm_lock_file_try(const char *path, int *ret_fd);

/* rm -rf that stays on one filesystem and never follows symlinks. */
int lxm_rm_rf(const char *path);
