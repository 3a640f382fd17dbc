/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "runtime/console-ring.h"
#include "util/log.h"

void lxm_console_ring_init(struct lxm_console_ring *r, size_t size)
{
	*r = (struct lxm_console_ring){ .size = size, .fd = -EBADF };
}

int lxm_console_ring_adopt(struct lxm_console_ring *r, int fd, size_t size, size_t start, size_t len)
{
	struct stat st;
	lxm_console_ring_init(r, size);
	if (fd < 0)
		return start == 0 && len == 0 ? 0 : -EINVAL;
	if (size == 0 || start >= size || len > size || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < size)
		return -EINVAL;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return negative_errno();
	r->buf = m;
	r->fd = fd;
	r->start = start;
	r->len = len;
	return 0;
}

void lxm_console_ring_append(struct lxm_console_ring *r, const void *data, size_t n)
{
	const char *p = data;
	if (r->size == 0 || n == 0)
		return;
	if (!r->buf) {
		/* A memfd rather than anonymous memory: the history must survive the monitor's exec
		 * into the small program and back (MONITOR.md) */
		int fd = memfd_create("lxcmgr-console-ring", MFD_CLOEXEC);
		void *m = MAP_FAILED;
		if (fd >= 0 && ftruncate(fd, (off_t)r->size) == 0)
			m = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			log_debug_errno(errno, "Failed to allocate the console ring buffer: %m");
			if (fd >= 0)
				close(fd);
			r->size = 0;
			return;
		}
		r->buf = m;
		r->fd = fd;
	}
	if (n >= r->size) { /* only the tail fits */
		memcpy(r->buf, p + n - r->size, r->size);
		r->start = 0;
		r->len = r->size;
		return;
	}
	size_t end = (r->start + r->len) % r->size;
	size_t first = n < r->size - end ? n : r->size - end;
	memcpy(r->buf + end, p, first);
	memcpy(r->buf, p + first, n - first);
	r->len += n;
	if (r->len > r->size) {
		r->start = (r->start + (r->len - r->size)) % r->size;
		r->len = r->size;
	}
}

int lxm_console_ring_peek(const struct lxm_console_ring *r, struct iovec iov[2])
{
	if (!r->buf || r->len == 0)
		return 0;
	size_t first = r->len < r->size - r->start ? r->len : r->size - r->start;
	iov[0] = (struct iovec){ r->buf + r->start, first };
	if (first == r->len)
		return 1;
	iov[1] = (struct iovec){ r->buf, r->len - first };
	return 2;
}

void lxm_console_ring_send(const struct lxm_console_ring *r, int fd, size_t max)
{
	struct iovec iov[2];
	int n = lxm_console_ring_peek(r, iov);
	for (int i = 0; i < n; i++)
		for (size_t off = 0; off < iov[i].iov_len; off += max) {
			size_t len = iov[i].iov_len - off < max ? iov[i].iov_len - off : max;
			if (send(fd, (char *)iov[i].iov_base + off, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				return;
		}
}

void lxm_console_ring_done(struct lxm_console_ring *r)
{
	if (r->buf)
		munmap(r->buf, r->size);
	if (r->fd >= 0)
		close(r->fd);
	*r = (struct lxm_console_ring){ .fd = -EBADF };
}

int lxm_console_log_open(struct lxm_console_log *l, const char *path, uint64_t max_size, unsigned rotate)
{
	struct stat st;
	*l = (struct lxm_console_log){ .fd = -EBADF, .max_size = max_size, .rotate = rotate };
	l->path = strdup(path);
	if (!l->path)
		return -ENOMEM;
	/* O_NOFOLLOW: the container directory is ours, but never write through a planted symlink */
	l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l->fd < 0)
		return negative_errno();
	if (fstat(l->fd, &st) == 0)
		l->size = (uint64_t)st.st_size;
	return 0;
}

static void log_rotate(struct lxm_console_log *l)
{
	char from[4096], to[4096];
	closep(&l->fd);
	if (l->rotate == 0) {
		(void)unlink(l->path);
	} else {
		for (unsigned i = l->rotate; i > 1; i--) {
			snprintf(from, sizeof(from), "%s.%u", l->path, i - 1);
			snprintf(to, sizeof(to), "%s.%u", l->path, i);
			(void)rename(from, to);
		}
		snprintf(to, sizeof(to), "%s.1", l->path);
		(void)rename(l->path, to);
	}
	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	l->size = 0;
	if (l->fd < 0)
		log_warning_errno(errno, "Failed to reopen console log '%s', ignoring: %m", l->path);
}

void lxm_console_log_write(struct lxm_console_log *l, const void *data, size_t n)
{
	if (l->max_size > 0 && l->size + n > l->max_size && l->size > 0)
		log_rotate(l);
	if (l->fd < 0)
		return;
	ssize_t w = write(l->fd, data, n);
	if (w < 0) {
		log_warning_errno(errno, "Failed to write console log '%s', ignoring: %m", l->path);
		closep(&l->fd);
		return;
	}
	l->size += (uint64_t)w;
}

void lxm_console_log_close(struct lxm_console_log *l)
{
	closep(&l->fd);
	free(l->path);
	*l = (struct lxm_console_log){ .fd = -EBADF };
}
