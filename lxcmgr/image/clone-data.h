/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The data and attributes of one copied file (image/tree-clone.c), and a thread copying the data of
 * large files while the tree walk goes on. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#define LXM_CLONE_XATTR_BUF (64 * 1024)

/* What copying an owner and xattrs needs; the buffers are one caller's (one per thread). */
struct lxm_clone_attrs {
	bool owner; /* root: owners are copied */
	uid_t uid;  /* ours: a copy owned by us needs no chown */
	gid_t gid;
	char xnames[LXM_CLONE_XATTR_BUF];
	char xvalue[LXM_CLONE_XATTR_BUF];
};

/* Owner, xattrs, mode and mtime of st (the source sfd's) onto dfd, in the order that keeps them:
 * a chown drops security.capability and setuid/setgid, a write or new entry changes the mtime. */
int lxm_clone_set_attrs(struct lxm_clone_attrs *a, int sfd, int dfd, const struct stat *st, const char *name);
/* The data of the regular file sfd (st: its fstat) into the empty dfd, holes kept. */
int lxm_clone_copy_data(int sfd, int dfd, const struct stat *st);

/* A file at least this large is copied by the data thread (busybox: the one 1.9 MiB binary). */
#define LXM_CLONE_ASYNC_MIN (256 * 1024)

struct lxm_clone_copier;

/* Hands the data and attributes of the created, still empty file *dfd (source *sfd, st its fstat)
 * to the data thread (started on the first call: *c), which closes both fds. 1: queued (the fds
 * are taken, set to -EBADF); 0: copy it yourself (no thread or the queue is full; nothing taken);
 * < 0: the thread failed before (its error; stop the walk). rel names the file in messages. */
int lxm_clone_copier_submit(struct lxm_clone_copier **c, const struct lxm_clone_attrs *proto, int *sfd, int *dfd,
			    const struct stat *st, const char *rel);
/* Queues call(data) after the files queued so far, on the same thread (its error is the thread's).
 * 1: queued; 0: call it yourself (no thread, queue full); < 0: the thread failed before. */
int lxm_clone_copier_call(struct lxm_clone_copier *c, int (*call)(void *data), void *data);
/* Waits until every queued file is copied, stops the thread and frees c (NULL: nothing ran).
 * The first error of the thread (each logged at debug level with its file), or 0. */
int lxm_clone_copier_finish(struct lxm_clone_copier *c);
