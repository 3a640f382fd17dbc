/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data and attributes of the files image/tree-clone.c copies, and the thread that copies the
 * data of the large ones. On ext4 (no reflink) the data of busybox's 1.9 MiB binary is ~1.2 ms of
 * a ~5 ms busybox copy, spent writing the page cache: on a second core it overlaps the walk's
 * directories, small files and symlinks. The walk makes the hard links to such a file only after
 * it (tree-clone.c): a link takes the inode's lock, which each chunk of the data copy holds, so
 * links made meanwhile would wait for the copy instead of running beside it (measured). Half of
 * those links then run here, queued as a call after the files (lxm_clone_copier_call()): two
 * threads linking into different directories took 1.97 ms for busybox's 267 names where one took
 * 2.26 (medians of 20; the inode's lock serialises most of each link, its lookup runs beside).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/clone-data.h"
#include "util/log.h"

/* xattrs of an open file or directory: file capabilities, POSIX ACLs (system.posix_acl_*, the
 * kernel's own encoding copied as it is), user xattrs. A name the filesystem or our privileges
 * cannot take is skipped with a warning, as extraction skips it. */
static int copy_xattrs(struct lxm_clone_attrs *a, int sfd, int dfd, const char *name)
{
	ssize_t n = flistxattr(sfd, a->xnames, sizeof(a->xnames));

	if (n < 0)
		return errno == ENOTSUP ? 0 : negative_errno();
	for (const char *x = a->xnames; x < a->xnames + n; x += strlen(x) + 1) {
		ssize_t v = fgetxattr(sfd, x, a->xvalue, sizeof(a->xvalue));
		if (v < 0)
			return negative_errno();
		if (fsetxattr(dfd, x, a->xvalue, (size_t)v, 0) < 0) {
			if (errno != EPERM && errno != ENOTSUP)
				return negative_errno();
			log_warning_errno(negative_errno(), "Cannot set xattr '%s' on '%s': %m, ignoring", x, name);
		}
	}
	return 0;
}

/* Owner, then xattrs (a chown drops security.capability), then the mode (a chown also drops
 * setuid/setgid), then the mtime (the atime is the copy's, as after extraction). */
int lxm_clone_set_attrs(struct lxm_clone_attrs *a, int sfd, int dfd, const struct stat *st, const char *name)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, st->st_mtim };
	int r;

	if (a->owner && (st->st_uid != a->uid || st->st_gid != a->gid) && fchown(dfd, st->st_uid, st->st_gid) < 0)
		return negative_errno();
	if ((r = copy_xattrs(a, sfd, dfd, name)) < 0)
		return r;
	if (fchmod(dfd, st->st_mode & 07777) < 0 || futimens(dfd, ts) < 0)
		return negative_errno();
	return 0;
}

/* The plain copy where copy_file_range() cannot serve (another filesystem, an old kernel). A short
 * write is continued: at the disk's end it is followed by the write that reports ENOSPC, which is
 * the error the caller shows, not the EXDEV that chose this path (a create into a full store
 * said "Invalid cross-device link" before). */
static int copy_plain(int sfd, int dfd, off_t *in, off_t *out, size_t len)
{
	char buf[64 * 1024];
	ssize_t n = pread(sfd, buf, len < sizeof(buf) ? len : sizeof(buf), *in);

	if (n <= 0)
		return n < 0 ? negative_errno() : -EIO; /* 0: the source shrank under us */
	for (ssize_t done = 0; done < n;) {
		ssize_t w = pwrite(dfd, buf + done, (size_t)(n - done), *out + done);
		if (w < 0)
			return negative_errno();
		if (w == 0)
			return -EIO;
		done += w;
	}
	*in += n, *out += n;
	return (int)n;
}

static int copy_range(int sfd, int dfd, off_t off, off_t len)
{
	off_t in = off, out = off;
	bool plain = false;

	while (len > 0) {
		ssize_t n = plain ? -1 : copy_file_range(sfd, &in, dfd, &out, (size_t)len, 0);
		if (n < 0 && (plain || errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
			plain = true;
			n = copy_plain(sfd, dfd, &in, &out, (size_t)len);
			if (n < 0)
				return (int)n;
		}
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO; /* the source shrank under us */
		len -= n;
	}
	return 0;
}

/* Data as it is in the base: a file with holes keeps them (extraction writes only the data the
 * archive's sparse map holds, so the base has the same holes). */
int lxm_clone_copy_data(int sfd, int dfd, const struct stat *st)
{
	if (st->st_size == 0)
		return 0;
	if ((off_t)st->st_blocks * 512 >= st->st_size)
		return copy_range(sfd, dfd, 0, st->st_size);
	for (off_t pos = 0; pos < st->st_size;) {
		off_t data = lseek(sfd, pos, SEEK_DATA), hole;
		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0 || (hole = lseek(sfd, data, SEEK_HOLE)) < 0)
			return negative_errno();
		int r = copy_range(sfd, dfd, data, hole - data);
		if (r < 0)
			return r;
		pos = hole;
	}
	return ftruncate(dfd, st->st_size) < 0 ? negative_errno() : 0;
}

/* Queued files hold two fds each: the queue is short (a full one means: copy it yourself). */
#define QUEUE_MAX 8

struct copy_job {
	int sfd, dfd;
	struct stat st;
	char *rel;
	int (*call)(void *data); /* set: a call instead of a file */
	void *data;
};

struct lxm_clone_copier {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct copy_job queue[QUEUE_MAX];
	size_t head, n;
	bool closing;
	int error; /* the first failure */
	struct lxm_clone_attrs attrs;
};

static int copy_job_run(struct lxm_clone_copier *c, struct copy_job *j, bool failed)
{
	int r = 0;

	if (j->call)
		return failed ? 0 : j->call(j->data);
	if (!failed) { /* after a failure the rest is only closed: the caller discards the tree */
		r = lxm_clone_copy_data(j->sfd, j->dfd, &j->st);
		if (r >= 0)
			r = lxm_clone_set_attrs(&c->attrs, j->sfd, j->dfd, &j->st, j->rel);
		if (r < 0)
			log_debug_errno(r, "Failed to copy '%s': %m", j->rel);
	}
	closep(&j->sfd);
	closep(&j->dfd);
	free(j->rel);
	return r;
}

static void *copier_main(void *arg)
{
	struct lxm_clone_copier *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->n == 0 && !c->closing)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->n == 0)
			break;
		struct copy_job j = c->queue[c->head];
		c->head = (c->head + 1) % QUEUE_MAX;
		c->n--;
		bool failed = c->error < 0;
		pthread_mutex_unlock(&c->lock);
		int r = copy_job_run(c, &j, failed);
		pthread_mutex_lock(&c->lock);
		if (r < 0 && c->error >= 0)
			c->error = r;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static int copier_start(const struct lxm_clone_attrs *proto, struct lxm_clone_copier **ret)
{
	struct lxm_clone_copier *c = calloc(1, sizeof(*c));
	sigset_t all, old;

	if (!c)
		return -ENOMEM;
	c->attrs.owner = proto->owner;
	c->attrs.uid = proto->uid;
	c->attrs.gid = proto->gid;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	/* Signals stay the walking thread's (it inherits no handler duty). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = -pthread_create(&c->thread, NULL, copier_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

static int enqueue(struct lxm_clone_copier *c, const struct copy_job *j)
{
	pthread_mutex_lock(&c->lock);
	int r = c->error;
	if (r >= 0 && c->n < QUEUE_MAX) {
		c->queue[(c->head + c->n) % QUEUE_MAX] = *j;
		c->n++;
		r = 1;
		pthread_cond_signal(&c->wake);
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int lxm_clone_copier_submit(struct lxm_clone_copier **cp, const struct lxm_clone_attrs *proto, int *sfd, int *dfd,
			    const struct stat *st, const char *rel)
{
	struct lxm_clone_copier *c = *cp;
	char *name;

	/* No thread (resource limits): the walk copies the file itself, as before. */
	if (!c && copier_start(proto, cp) < 0)
		return 0;
	c = *cp;
	if (!(name = strdup(rel)))
		return -ENOMEM;
	int r = enqueue(c, &(struct copy_job){ .sfd = *sfd, .dfd = *dfd, .st = *st, .rel = name });
	if (r > 0) {
		*sfd = *dfd = -EBADF;
		name = NULL;
	}
	free(name);
	return r;
}

int lxm_clone_copier_call(struct lxm_clone_copier *c, int (*call)(void *data), void *data)
{
	if (!c)
		return 0;
	return enqueue(c, &(struct copy_job){ .sfd = -EBADF, .dfd = -EBADF, .call = call, .data = data });
}

int lxm_clone_copier_finish(struct lxm_clone_copier *c)
{
	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	c->closing = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	(void)pthread_join(c->thread, NULL);
	int r = c->error;
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return r;
}
