/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hand-over description between the full and the small monitor. Both sides are the same
 * process after an exec, so the text is trusted no more than the exec boundary: the small program
 * is root and sees only what the full one wrote. It is still parsed strictly, because a monitor
 * that ran with a half-understood description (a pty index past the array, a client fd that is the
 * listening socket) would act on fds that are not what it thinks they are; a reject makes the
 * small program hand back to the full monitor instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/handover.h"

#define MAGIC "lxcmgr-handover"

void lxm_handover_init(struct lxm_handover *h)
{
	memset(h, 0, sizeof(*h));
	h->log_fd = h->init_pidfd = h->listen_fd = h->config_fd = h->ring_fd = h->clog_fd = -1;
	for (unsigned i = 0; i < LXM_HANDOVER_MAX_PTYS; i++)
		h->masters[i] = h->peers[i] = -1;
}

/* -EBADF and friends are written as -1: "no fd" */
static int fd_out(int fd)
{
	return fd < 0 ? -1 : fd;
}

static bool printable_line(const char *s)
{
	return !strchr(s, '\n');
}

/* A generated profile's name ("lxcmgr-" and hex): the fast kill writes it to AppArmor's .remove,
 * which unloads the profile of that name, so nothing else may pass (another profile of the host's). */
static bool profile_name_ok(const char *s)
{
	if (strncmp(s, "lxcmgr-", 7) != 0 || !s[7])
		return false;
	for (const char *c = s + 7; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

int lxm_handover_format(const struct lxm_handover *h, char *buf, size_t size)
{
	size_t off = 0;
	int n;

#define PUT(...)                                                         \
	do {                                                             \
		n = snprintf(buf + off, size - off, __VA_ARGS__);        \
		if (n < 0 || (size_t)n >= size - off)                    \
			return -ENOBUFS;                                 \
		off += (size_t)n;                                        \
	} while (0)

	if (!printable_line(h->name) || !printable_line(h->root) || !printable_line(h->clog_path))
		return -EINVAL;
	PUT("%s %d\nname %s\nroot %s\nlog %d %d\n", MAGIC, LXM_HANDOVER_VERSION, h->name, h->root,
	    fd_out(h->log_fd), h->log_level);
	PUT("init %d %d %llu %d %llu\nlisten %d\nconfig %d\nptys %u\n", (int)h->init_pid, fd_out(h->init_pidfd),
	    (unsigned long long)h->init_start, h->init_system, (unsigned long long)h->started_usec, fd_out(h->listen_fd),
	    fd_out(h->config_fd), h->n_ptys);
	for (unsigned i = 0; i < h->n_ptys && i < LXM_HANDOVER_MAX_PTYS; i++)
		PUT("pty %u %d %d\n", i, fd_out(h->masters[i]), fd_out(h->peers[i]));
	PUT("ring %d %llu %llu %llu\n", fd_out(h->ring_fd), (unsigned long long)h->ring_size,
	    (unsigned long long)h->ring_start, (unsigned long long)h->ring_len);
	PUT("clog %d %llu %llu %u %s\n", fd_out(h->clog_fd), (unsigned long long)h->clog_size,
	    (unsigned long long)h->clog_max, h->clog_rotate, h->clog_path);
	PUT("signals %d %d\nprestop %d\nrestarts %u %u", h->halt_signal, h->reboot_signal, h->pre_stop_hook ? 1 : 0,
	    h->restart_total, h->restart_n);
	for (unsigned i = 0; i < h->restart_n && i < LXM_HANDOVER_MAX_RESTARTS; i++)
		PUT(" %llu", (unsigned long long)h->restart_at[i]);
	PUT("\n");
	for (unsigned i = 0; i < h->n_clients && i < LXM_HANDOVER_MAX_CLIENTS; i++)
		PUT("client %d %d\n", h->clients[i].fd, h->clients[i].tty);
	if (h->fast_kill) {
		if (!printable_line(h->kill_run_dir) || !printable_line(h->kill_last_exit))
			return -EINVAL;
		PUT("kill_run %d %s\nkill_exit %s\n", h->kill_own_cgroup ? 1 : 0, h->kill_run_dir, h->kill_last_exit);
		for (unsigned i = 0; i < h->n_kill_cgroups && i < LXM_HANDOVER_MAX_CGROUPS; i++) {
			if (!printable_line(h->kill_cgroups[i]))
				return -EINVAL;
			const char *inner = h->kill_cgroup_inner[i][0] ? h->kill_cgroup_inner[i] : "-";
			if (strchr(inner, ' ') || strchr(inner, '\n'))
				return -EINVAL;
			PUT("kill_cgroup %d %s %s\n", h->kill_cgroup_kind[i], inner, h->kill_cgroups[i]);
		}
		for (unsigned i = 0; i < h->n_kill_veths && i < LXM_HANDOVER_MAX_VETHS; i++)
			PUT("kill_veth %s\n", h->kill_veths[i]);
		if (h->kill_apparmor[0]) {
			if (!profile_name_ok(h->kill_apparmor))
				return -EINVAL;
			PUT("kill_apparmor %s\n", h->kill_apparmor);
		}
		for (unsigned i = 0; i < h->n_kill_absent && i < 2 * LXM_HANDOVER_MAX_VETHS; i++) {
			if (!printable_line(h->kill_absent[i]))
				return -EINVAL;
			PUT("kill_absent %s\n", h->kill_absent[i]);
		}
	}
	PUT("end\n");
#undef PUT
	return (int)off;
}

/* One space-separated decimal field in [min, max]; *p moves past it. */
static int field(const char **p, long long min, long long max, long long *ret)
{
	char *end;
	if (**p != ' ')
		return -EINVAL;
	(*p)++;
	if (**p != '-' && (**p < '0' || **p > '9'))
		return -EINVAL;
	errno = 0;
	long long v = strtoll(*p, &end, 10);
	if (errno != 0 || end == *p || v < min || v > max || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -EINVAL;
	*p = end;
	*ret = v;
	return 0;
}

static int fd_field(const char **p, bool optional, int *ret)
{
	long long v;
	int r = field(p, optional ? -1 : 3, INT_MAX, &v);
	if (r < 0)
		return r;
	if (v >= 0 && v < 3)
		return -EINVAL; /* never stdin/out/err: those are /dev/null, not a handed-over fd */
	*ret = (int)v;
	return 0;
}

static int rest_of_line(const char **p, char *dst, size_t size, bool may_be_empty)
{
	if (**p != ' ')
		return -EINVAL;
	(*p)++;
	size_t len = strcspn(*p, "\n");
	if (len >= size || (!may_be_empty && len == 0))
		return -EINVAL;
	memcpy(dst, *p, len);
	dst[len] = '\0';
	*p += len;
	return 0;
}

enum { K_NAME, K_ROOT, K_LOG, K_INIT, K_LISTEN, K_CONFIG, K_PTYS, K_RING, K_CLOG, K_SIGNALS, K_PRESTOP, K_RESTARTS, K_MAX };
static const char *const keys[K_MAX] = { "name", "root", "log", "init", "listen", "config", "ptys",
					 "ring", "clog", "signals", "prestop", "restarts" };

static int parse_pty(const char **p, struct lxm_handover *h, bool *seen)
{
	long long idx;
	if (field(p, 0, (long long)h->n_ptys - 1, &idx) < 0 || seen[idx])
		return -EINVAL;
	seen[idx] = true;
	if (fd_field(p, true, &h->masters[idx]) < 0 || fd_field(p, true, &h->peers[idx]) < 0)
		return -EINVAL;
	return 0;
}

static int parse_key(int k, const char **p, struct lxm_handover *h)
{
	long long a, b, c, d;
	switch (k) {
	case K_NAME:
		if (rest_of_line(p, h->name, sizeof(h->name), false) < 0 || strchr(h->name, '/') ||
		    strcmp(h->name, ".") == 0 || strcmp(h->name, "..") == 0)
			return -EINVAL;
		return 0;
	case K_ROOT:
		if (rest_of_line(p, h->root, sizeof(h->root), true) < 0 || (h->root[0] && h->root[0] != '/'))
			return -EINVAL;
		return 0;
	case K_LOG:
		if (fd_field(p, true, &h->log_fd) < 0 || field(p, 0, 4, &a) < 0)
			return -EINVAL;
		h->log_level = (int)a;
		return 0;
	case K_INIT:
		if (field(p, 1, INT_MAX, &a) < 0 || fd_field(p, false, &h->init_pidfd) < 0 || field(p, 0, LLONG_MAX, &b) < 0 ||
		    field(p, 0, 16, &c) < 0 || field(p, 0, LLONG_MAX, &d) < 0)
			return -EINVAL;
		h->init_pid = (pid_t)a;
		h->init_start = (uint64_t)b;
		h->init_system = (int)c;
		h->started_usec = (uint64_t)d;
		return 0;
	case K_LISTEN:
		return fd_field(p, false, &h->listen_fd);
	case K_CONFIG:
		return fd_field(p, false, &h->config_fd);
	case K_PTYS:
		if (field(p, 0, LXM_HANDOVER_MAX_PTYS, &a) < 0)
			return -EINVAL;
		h->n_ptys = (unsigned)a;
		return 0;
	case K_RING:
		if (fd_field(p, true, &h->ring_fd) < 0 || field(p, 0, 64LL << 20, &a) < 0 || field(p, 0, a, &b) < 0 ||
		    field(p, 0, a, &c) < 0)
			return -EINVAL;
		if ((a > 0 && b >= a) || (h->ring_fd < 0 && (b != 0 || c != 0)))
			return -EINVAL;
		h->ring_size = (uint64_t)a;
		h->ring_start = (uint64_t)b;
		h->ring_len = (uint64_t)c;
		return 0;
	case K_CLOG:
		if (fd_field(p, true, &h->clog_fd) < 0 || field(p, 0, LLONG_MAX, &a) < 0 || field(p, 0, LLONG_MAX, &b) < 0 ||
		    field(p, 0, 1000, &c) < 0 || rest_of_line(p, h->clog_path, sizeof(h->clog_path), false) < 0 ||
		    h->clog_path[0] != '/')
			return -EINVAL;
		h->clog_size = (uint64_t)a;
		h->clog_max = (uint64_t)b;
		h->clog_rotate = (unsigned)c;
		return 0;
	case K_SIGNALS:
		if (field(p, 1, 64, &a) < 0 || field(p, 1, 64, &b) < 0)
			return -EINVAL;
		h->halt_signal = (int)a;
		h->reboot_signal = (int)b;
		return 0;
	case K_PRESTOP:
		if (field(p, 0, 1, &a) < 0)
			return -EINVAL;
		h->pre_stop_hook = a == 1;
		return 0;
	case K_RESTARTS:
		if (field(p, 0, UINT_MAX, &a) < 0 || field(p, 0, LXM_HANDOVER_MAX_RESTARTS, &b) < 0)
			return -EINVAL;
		h->restart_total = (unsigned)a;
		h->restart_n = (unsigned)b;
		for (unsigned i = 0; i < h->restart_n; i++) {
			if (field(p, 0, LLONG_MAX, &c) < 0)
				return -EINVAL;
			h->restart_at[i] = (uint64_t)c;
		}
		return 0;
	}
	return -EINVAL;
}

/* No fd may be named twice: a client that is also the listening socket, or a master that is also
 * init's pidfd, would be closed or read by the wrong handler. */
static int check_fds(const struct lxm_handover *h)
{
	int fds[LXM_HANDOVER_MAX_FDS];
	unsigned n = lxm_handover_fds(h, fds);
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			if (fds[i] == fds[j])
				return -EINVAL;
	for (unsigned i = 0; i < h->n_clients; i++)
		if (h->clients[i].tty >= (int)h->n_ptys)
			return -EINVAL;
	return 0;
}

/* An absolute path without a ".." component: the fast kill removes what these name. */
static int kill_path(const char **p, char *dst, size_t size)
{
	if (rest_of_line(p, dst, size, false) < 0 || dst[0] != '/' || strstr(dst, "/../") ||
	    (strlen(dst) >= 3 && strcmp(dst + strlen(dst) - 3, "/..") == 0))
		return -EINVAL;
	return 0;
}

/* The optional fast-kill keys (at most once each, kill_cgroup up to LXM_HANDOVER_MAX_CGROUPS). */
static int parse_kill_key(const char *key, size_t klen, const char **p, struct lxm_handover *h, bool *seen_run,
			  bool *seen_exit)
{
	long long v;
	if (klen == 8 && strncmp(key, "kill_run", 8) == 0) {
		if (*seen_run)
			return -EINVAL;
		*seen_run = true;
		if (field(p, 0, 1, &v) < 0)
			return -EINVAL;
		h->kill_own_cgroup = v == 1;
		return kill_path(p, h->kill_run_dir, sizeof(h->kill_run_dir));
	}
	if (klen == 9 && strncmp(key, "kill_exit", 9) == 0) {
		if (*seen_exit)
			return -EINVAL;
		*seen_exit = true;
		return kill_path(p, h->kill_last_exit, sizeof(h->kill_last_exit));
	}
	if (klen == 11 && strncmp(key, "kill_cgroup", 11) == 0) {
		unsigned i = h->n_kill_cgroups;
		char *inner = h->kill_cgroup_inner[i >= LXM_HANDOVER_MAX_CGROUPS ? 0 : i];
		size_t len;
		if (i >= LXM_HANDOVER_MAX_CGROUPS || field(p, 0, _LXM_HANDOVER_CG_MAX - 1, &v) < 0 || **p != ' ')
			return -EINVAL;
		/* the inner cgroup: one path component (the name below the cgroup, or "-") */
		len = strcspn(*p + 1, " \n");
		if (len == 0 || len >= sizeof(h->kill_cgroup_inner[0]) || (*p)[1 + len] != ' ')
			return -EINVAL;
		memcpy(inner, *p + 1, len);
		inner[len] = '\0';
		*p += 1 + len;
		if (strchr(inner, '/') || strcmp(inner, ".") == 0 || strcmp(inner, "..") == 0)
			return -EINVAL;
		if (strcmp(inner, "-") == 0)
			inner[0] = '\0';
		if (kill_path(p, h->kill_cgroups[i], sizeof(h->kill_cgroups[0])) < 0)
			return -EINVAL;
		h->kill_cgroup_kind[i] = (int)v;
		h->n_kill_cgroups++;
		return 0;
	}
	if (klen == 9 && strncmp(key, "kill_veth", 9) == 0) {
		char *name = h->kill_veths[h->n_kill_veths < LXM_HANDOVER_MAX_VETHS ? h->n_kill_veths : 0];
		if (h->n_kill_veths >= LXM_HANDOVER_MAX_VETHS ||
		    rest_of_line(p, name, LXM_HANDOVER_IFNAME_MAX, false) < 0)
			return -EINVAL;
		/* an interface name: the fast kill deletes the host link of that name */
		for (const char *c = name; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			      *c == '-' || *c == '_' || *c == '.'))
				return -EINVAL;
		h->n_kill_veths++;
		return 0;
	}
	if (klen == 13 && strncmp(key, "kill_apparmor", 13) == 0) {
		if (h->kill_apparmor[0] || rest_of_line(p, h->kill_apparmor, sizeof(h->kill_apparmor), false) < 0 ||
		    !profile_name_ok(h->kill_apparmor))
			return -EINVAL;
		return 0;
	}
	if (klen == 11 && strncmp(key, "kill_absent", 11) == 0) {
		if (h->n_kill_absent >= 2 * LXM_HANDOVER_MAX_VETHS)
			return -EINVAL;
		return kill_path(p, h->kill_absent[h->n_kill_absent++], sizeof(h->kill_absent[0]));
	}
	return -ENOENT;
}

int lxm_handover_parse(const char *text, struct lxm_handover *ret)
{
	bool seen[K_MAX] = {}, pty_seen[LXM_HANDOVER_MAX_PTYS] = {}, ended = false, seen_run = false, seen_exit = false;
	const char *p = text;
	char magic[32];

	lxm_handover_init(ret);
	snprintf(magic, sizeof(magic), "%s %d\n", MAGIC, LXM_HANDOVER_VERSION);
	if (strncmp(p, magic, strlen(magic)) != 0)
		return -EINVAL;
	p += strlen(magic);
	while (*p && !ended) {
		size_t klen = strcspn(p, " \n");
		const char *key = p;
		long long a, b;
		p += klen;
		if (klen == 3 && strncmp(key, "end", 3) == 0) {
			ended = true;
		} else if (klen == 3 && strncmp(key, "pty", 3) == 0) {
			if (!seen[K_PTYS] || parse_pty(&p, ret, pty_seen) < 0)
				return -EINVAL;
		} else if (klen == 6 && strncmp(key, "client", 6) == 0) {
			if (ret->n_clients >= LXM_HANDOVER_MAX_CLIENTS || field(&p, 3, INT_MAX, &a) < 0 ||
			    field(&p, -1, LXM_HANDOVER_MAX_PTYS - 1, &b) < 0)
				return -EINVAL;
			ret->clients[ret->n_clients++] = (struct lxm_handover_client){ .fd = (int)a, .tty = (int)b };
		} else if (klen > 5 && strncmp(key, "kill_", 5) == 0) {
			if (parse_kill_key(key, klen, &p, ret, &seen_run, &seen_exit) < 0)
				return -EINVAL;
		} else {
			int k = 0;
			while (k < K_MAX && !(strlen(keys[k]) == klen && strncmp(key, keys[k], klen) == 0))
				k++;
			if (k == K_MAX || seen[k] || parse_key(k, &p, ret) < 0)
				return -EINVAL;
			seen[k] = true;
		}
		if (*p != '\n')
			return -EINVAL;
		p++;
	}
	if (!ended || *p != '\0')
		return -EINVAL;
	for (int k = 0; k < K_MAX; k++)
		if (!seen[k])
			return -EINVAL;
	for (unsigned i = 0; i < ret->n_kill_cgroups; i++)
		ret->fast_kill |= ret->kill_cgroup_kind[i] == LXM_HANDOVER_CG_V2_KILL;
	ret->fast_kill = ret->fast_kill && seen_run && seen_exit;
	return check_fds(ret);
}

unsigned lxm_handover_fds(const struct lxm_handover *h, int *fds)
{
	unsigned n = 0;
	int single[] = { h->log_fd, h->init_pidfd, h->listen_fd, h->config_fd, h->ring_fd, h->clog_fd };
	for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
		if (single[i] >= 0)
			fds[n++] = single[i];
	for (unsigned i = 0; i < h->n_ptys && i < LXM_HANDOVER_MAX_PTYS; i++) {
		if (h->masters[i] >= 0)
			fds[n++] = h->masters[i];
		if (h->peers[i] >= 0)
			fds[n++] = h->peers[i];
	}
	for (unsigned i = 0; i < h->n_clients && i < LXM_HANDOVER_MAX_CLIENTS; i++)
		fds[n++] = h->clients[i].fd;
	return n;
}

int lxm_handover_set_cloexec(const struct lxm_handover *h, bool cloexec)
{
	int fds[LXM_HANDOVER_MAX_FDS];
	unsigned n = lxm_handover_fds(h, fds);
	for (unsigned i = 0; i < n; i++)
		if (fcntl(fds[i], F_SETFD, cloexec ? FD_CLOEXEC : 0) < 0)
			return -errno;
	return 0;
}

int lxm_handover_write(const struct lxm_handover *h, int fd)
{
	static char buf[LXM_HANDOVER_TEXT_MAX];
	int own = -1;
	int n = lxm_handover_format(h, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (fd < 0) {
		fd = own = memfd_create("lxcmgr-handover", MFD_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		int r = errno ? -errno : -EIO;
		if (own >= 0)
			close(own);
		return r;
	}
	return fd;
}

int lxm_handover_read(int fd, struct lxm_handover *ret)
{
	static char buf[LXM_HANDOVER_TEXT_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	if (n == (ssize_t)sizeof(buf) - 1)
		return -EINVAL; /* longer than any description we write */
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n)
		return -EINVAL; /* a NUL inside */
	return lxm_handover_parse(buf, ret);
}
