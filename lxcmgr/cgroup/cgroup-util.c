/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File helpers shared by the cgroup back ends: reads, undoable writes, waits without polling. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/log.h"
#include "util/macros.h"

int lxm_cg_set_error(struct lxm_cgroup *cg, int r, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	if (!cg)
		return r;
	errno = -r;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(cg->error);
	cg->error = s;
	log_debug("%s", s ?: "Out of memory");
	return r;
}

static int cg_write(struct lxm_cgroup *cg, const char *dir, const char *file, const char *value, int *ret_fd)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(value);
	ssize_t n;
	int r;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = negative_errno();
		return lxm_cg_set_error(cg, r, "Failed to write '%s' to '%s': %m", value, p);
	}
	/* The kernel parses one write(); it reports a refused value as the write's error. */
	n = write(fd, value, len);
	if (n < 0 || (size_t)n != len) {
		r = n < 0 ? negative_errno() : -EIO;
		return lxm_cg_set_error(cg, r, "Failed to write '%s' to '%s': %m", value, p);
	}
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}

int lxm_cg_write(struct lxm_cgroup *cg, const char *dir, const char *file, const char *value)
{
	return cg_write(cg, dir, file, value, NULL);
}

int lxm_cg_write_exiting(struct lxm_cgroup *cg, const char *dir, const char *file, const char *value)
{
	int fd;
	return cg_write(cg, dir, file, value, &fd);
}

int lxm_cg_read(const char *dir, const char *file, char **ret)
{
	_cleanup_free_ char *p = NULL, *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t size = 4096, len = 0;
	ssize_t n;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = read(fd, buf + len, size - len - 1);
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
		if (len + 1 >= size) {
			char *nb = realloc(buf, size * 2);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			size *= 2;
		}
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (STREQ(s, "max") || STREQ(s, "-1")) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || (*end && *end != '\n' && *end != ' '))
		return -EINVAL;
	*ret = v;
	return 0;
}

int lxm_cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int r;

	r = lxm_cg_read(dir, file, &s);
	if (r < 0)
		return r;
	return parse_u64(s, ret);
}

static int find_key(const char *text, const char *key, uint64_t *ret)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return parse_u64(l + kl + 1, ret);
	return -ENOENT;
}

int lxm_cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	int r;

	r = lxm_cg_read(dir, file, &s);
	if (r < 0)
		return r;
	return find_key(s, key, ret);
}

bool lxm_cg_file_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return false;
	return access(p, F_OK) == 0;
}

int lxm_cg_tx_write(struct lxm_cg_tx *tx, const char *dir, const char *file, const char *value)
{
	_cleanup_free_ char *old = NULL;
	void *n;
	int r;

	/* v2 io.weight reads "default 100\n8:0 200": only the first line is writable back. */
	if (lxm_cg_read(dir, file, &old) >= 0)
		old[strcspn(old, "\n")] = '\0';
	r = lxm_cg_write(tx->cg, dir, file, value);
	if (r < 0 || !old)
		return r;
	n = realloc(tx->e, (tx->n + 1) * sizeof(*tx->e));
	if (!n)
		return -ENOMEM;
	tx->e = n;
	tx->e[tx->n].dir = strdup(dir);
	tx->e[tx->n].file = strdup(file);
	tx->e[tx->n].old = TAKE_PTR(old);
	tx->n++;
	return 0;
}

void lxm_cg_tx_done(struct lxm_cg_tx *tx)
{
	for (size_t i = 0; i < tx->n; i++) {
		free(tx->e[i].dir);
		free(tx->e[i].file);
		free(tx->e[i].old);
	}
	free(tx->e);
	tx->e = NULL;
	tx->n = 0;
}

void lxm_cg_tx_rollback(struct lxm_cg_tx *tx)
{
	for (size_t i = tx->n; i > 0; i--) {
		if (!tx->e[i - 1].dir || !tx->e[i - 1].file)
			continue;
		/* NULL cg: the refused write's text stays the one the caller reports. */
		if (lxm_cg_write(NULL, tx->e[i - 1].dir, tx->e[i - 1].file, tx->e[i - 1].old) < 0)
			log_debug("Failed to restore '%s' in '%s', ignoring", tx->e[i - 1].file, tx->e[i - 1].dir);
	}
	lxm_cg_tx_done(tx);
}

int lxm_cg_note(char **notes, const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL;
	char *n = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	log_debug("%s", line);
	if (!notes)
		return 0;
	if (asprintf(&n, "%s%s%s", *notes ?: "", *notes ? "\n" : "", line) < 0)
		return -ENOMEM;
	free(*notes);
	*notes = n;
	return 0;
}

int lxm_cg_wait_key(const char *dir, const char *file, const char *key, uint64_t value, int timeout_ms)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int ifd = -EBADF;
	int64_t deadline = lxm_mono_msec() + timeout_ms;
	char buf[4096];
	uint64_t v0;

	/* Usually true at once (a killed payload is unpopulated by the time we look): then no inotify
	 * instance, whose close waits for an SRCU grace period (~6 ms here), twice per stop. */
	if (lxm_cg_read_key(dir, file, key, &v0) >= 0 && v0 == value)
		return 0;
	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0)
		return negative_errno();
	/* Watch before the first read so a change between read and wait is not lost. */
	if (inotify_add_watch(ifd, p, IN_MODIFY | IN_DELETE_SELF | IN_IGNORED) < 0)
		return negative_errno();
	for (;;) {
		struct pollfd pfd = { .fd = ifd, .events = POLLIN };
		uint64_t v;
		int64_t left;
		int r;

		r = lxm_cg_read_key(dir, file, key, &v);
		if (r == -ENOENT && !lxm_cg_file_exists(dir, file))
			return -ENOENT;
		if (r >= 0 && v == value)
			return 0;
		left = deadline - lxm_mono_msec();
		if (left <= 0)
			return log_debug_errno(ETIMEDOUT, "Timed out waiting for '%s %" PRIu64 "' in '%s'", key,
					       value, p);
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return negative_errno();
		while (read(ifd, buf, sizeof(buf)) > 0)
			;
	}
}

static int add_pids(const char *dir, pid_t **pids, size_t *n)
{
	_cleanup_free_ char *procs = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	r = lxm_cg_read(dir, "cgroup.procs", &procs);
	if (r < 0)
		return r;
	for (char *l = procs; *l;) {
		long v = strtol(l, &l, 10);
		pid_t *np;

		if (v > 0) {
			np = realloc(*pids, (*n + 1) * sizeof(pid_t));
			if (!np)
				return -ENOMEM;
			*pids = np;
			(*pids)[(*n)++] = (pid_t)v;
		}
		while (*l && (*l < '0' || *l > '9'))
			l++;
	}
	d = opendir(dir);
	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
			return -ENOMEM;
		r = add_pids(sub, pids, n);
		/* A child cgroup removed while we walk is fine. */
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int lxm_cg_pids_recursive(const char *dir, pid_t **ret, size_t *ret_n)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0, u = 0;
	int r;

	r = add_pids(dir, &pids, &n);
	if (r < 0)
		return r;
	if (n > 0) {
		qsort(pids, n, sizeof(pid_t), cmp_pid);
		for (size_t i = 0; i < n; i++)
			if (u == 0 || pids[u - 1] != pids[i])
				pids[u++] = pids[i];
	}
	*ret = TAKE_PTR(pids);
	*ret_n = u;
	return 0;
}

int lxm_cg_pidfds_kill(const pid_t *pids, size_t n, struct pollfd **ret, size_t *ret_n)
{
	_cleanup_free_ struct pollfd *pfd = NULL;
	size_t live = 0;
	int r = 0;

	pfd = calloc(n ?: 1, sizeof(*pfd));
	if (!pfd)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);

		if (fd < 0)
			continue; /* already gone */
		/* The pidfd pins the process: a recycled pid can never receive this SIGKILL. */
		if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
			r = negative_errno();
		pfd[live++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	*ret = TAKE_PTR(pfd);
	*ret_n = live;
	return r;
}

int lxm_cg_pidfds_wait(struct pollfd *pfd, size_t n, int timeout_ms)
{
	int64_t deadline = lxm_mono_msec() + timeout_ms;
	size_t done = 0;
	int r = 0;

	/* A pidfd turns readable when its process has exited (and so left its cgroups). */
	while (done < n && r >= 0) {
		int64_t left = deadline - lxm_mono_msec();
		int k;

		if (left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		k = poll(pfd, n, (int)left);
		if (k < 0 && errno != EINTR)
			r = negative_errno();
		for (size_t i = 0; k > 0 && i < n; i++)
			if (pfd[i].fd >= 0 && pfd[i].revents) {
				close(pfd[i].fd);
				pfd[i].fd = -1; /* poll ignores negative fds */
				done++;
			}
	}
	for (size_t i = 0; i < n; i++)
		if (pfd[i].fd >= 0) {
			close(pfd[i].fd);
			pfd[i].fd = -1;
		}
	return r;
}

int lxm_cg_mkdir_parents(const char *root, const char *path, int (*fixup)(const char *parent, const char *dir))
{
	_cleanup_free_ char *p = strdup(path);
	size_t rl = strlen(root), pl = strlen(path);
	int r;

	if (!p)
		return -ENOMEM;
	if (strncmp(path, root, rl) != 0 || pl <= rl)
		return -EINVAL;
	bool made = false;
	for (char *s = p + rl + 1; s <= p + pl; s++) {
		char saved = *s;

		if (*s != '/' && *s != '\0')
			continue;
		*s = '\0';
		made = false;
		if (mkdir(p, 0755) == 0) {
			made = true;
			if (fixup) {
				_cleanup_free_ char *parent = strdup(p);

				if (!parent)
					return -ENOMEM;
				*strrchr(parent, '/') = '\0';
				r = fixup(parent, p);
				if (r < 0)
					return r;
			}
		} else if (errno != EEXIST)
			return negative_errno();
		*s = saved;
	}
	return made ? 1 : 0;
}
