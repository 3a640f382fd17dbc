/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's ptys: /dev/console (index 0, with ring buffer and log file) and /dev/ttyN. Output is
 * read once and fanned out to every viewer attached to that pty; a viewer too slow to take a packet
 * loses it rather than stalling the container or the other viewers.
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#include "runtime/control.h"
#include "runtime/monitor-internal.h"
#include "util/log.h"
#include "util/parse.h"

#define PTY_READ_MAX 4096

static uint64_t config_size(cfg_t *sec, const char *key, uint64_t def)
{
	uint64_t v;
	const char *s = sec ? cfg_getstr(sec, key) : NULL;
	if (!s || lxm_parse_size(s, &v) < 0)
		return def;
	return v;
}

void lxm_monitor_console_setup(struct lxm_monitor *m)
{
	_cleanup_free_ char *path = NULL;
	cfg_t *sec = cfg_getsec(m->c->config, "console");
	uint64_t ring = config_size(sec, "ring_size", 128 * 1024);
	uint64_t log_size = config_size(sec, "log_size", 1024 * 1024);
	long rotate = sec ? cfg_getint(sec, "log_rotate") : 2;

	if (ring > 64 * 1024 * 1024)
		ring = 64 * 1024 * 1024;
	lxm_console_ring_init(&m->ring, (size_t)ring);
	m->log.fd = -EBADF;
	if (asprintf(&path, "%s/%s/console.log", m->paths->containers_dir, m->name) < 0)
		return;
	int r = lxm_console_log_open(&m->log, path, log_size, rotate < 0 ? 0 : (unsigned)rotate);
	if (r < 0)
		log_warning_errno(r, "Failed to open console log '%s', ignoring: %m", path);
}

static int *master_of(struct lxm_monitor *m, unsigned idx)
{
	if (idx == 0)
		return &m->started.console_master;
	if (idx <= m->started.n_ttys && idx <= LXM_MAX_TTYS)
		return &m->started.tty_masters[idx - 1];
	return NULL;
}

int lxm_monitor_console_register(struct lxm_monitor *m)
{
	for (unsigned idx = 0; idx <= m->started.n_ttys; idx++) {
		int *master = master_of(m, idx);
		if (!master || *master < 0)
			continue;
		int fl = fcntl(*master, F_GETFL);
		if (fl >= 0)
			(void)fcntl(*master, F_SETFL, fl | O_NONBLOCK);
		/* Hold the slave end: with no slave open a master reads EIO and polls as HUP forever
		 * (a busy loop whenever a getty restarts). TIOCGPTPEER opens it through the master, in
		 * the container's own devpts instance, without a path lookup */
		m->peers[idx] = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (m->peers[idx] < 0)
			log_debug_errno(errno, "Failed to open the peer of pty %u: %m", idx);
		int r = lxm_monitor_epoll_add(m, *master, EPOLLIN, LXM_MON_TAG(LXM_MON_PTY, idx));
		if (r < 0)
			return r;
	}
	return 0;
}

static void fan_out(struct lxm_monitor *m, unsigned idx, const char *buf, size_t n)
{
	for (struct lxm_mon_client *cl = m->clients; cl; cl = cl->next)
		if (cl->tty == (int)idx)
			(void)send(cl->fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void lxm_monitor_pty_event(struct lxm_monitor *m, unsigned idx, uint32_t events)
{
	char buf[PTY_READ_MAX];
	int *master = master_of(m, idx);
	if (!master || *master < 0)
		return;
	ssize_t n = read(*master, buf, sizeof(buf));
	if (n > 0) {
		if (idx == 0) {
			lxm_console_ring_append(&m->ring, buf, (size_t)n);
			lxm_console_log_write(&m->log, buf, (size_t)n);
		}
		fan_out(m, idx, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF/EIO with nobody on the other side: stop watching rather than spin on HUP */
	(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, *master, NULL);
}

int lxm_monitor_console_attach(struct lxm_monitor *m, struct lxm_mon_client *cl, unsigned tty)
{
	int *master = master_of(m, tty);
	if (!master)
		return -ENXIO;
	if (*master < 0)
		return -ESRCH;
	int r = lxm_control_send(cl->fd, "ok");
	if (r < 0)
		return r;
	cl->tty = (int)tty;
	if (tty != 0)
		return 0;
	lxm_console_ring_send(&m->ring, cl->fd, PTY_READ_MAX);
	return 0;
}

void lxm_monitor_console_input(struct lxm_monitor *m, struct lxm_mon_client *cl, const char *buf, size_t n)
{
	int *master = master_of(m, (unsigned)cl->tty);
	if (!master || *master < 0)
		return; /* between a reboot's teardown and the new start */
	if (strncmp(buf, "\x1b[8;", 4) == 0 && buf[n - 1] == 't') {
		/* window size from the viewer: "ESC [ 8 ; ROWS ; COLS t" (xterm's resize sequence) */
		struct winsize ws = {};
		unsigned rows, cols;
		if (sscanf(buf + 4, "%u;%ut", &rows, &cols) == 2) {
			ws.ws_row = (unsigned short)rows;
			ws.ws_col = (unsigned short)cols;
			(void)ioctl(*master, TIOCSWINSZ, &ws);
			return;
		}
	}
	(void)!write(*master, buf, n);
}

void lxm_monitor_console_release(struct lxm_monitor *m)
{
	for (unsigned idx = 0; idx <= LXM_MAX_TTYS; idx++) {
		int *master = master_of(m, idx);
		if (master && *master >= 0) {
			close(*master);
			*master = -EBADF;
		}
		if (m->peers[idx] >= 0) {
			close(m->peers[idx]);
			m->peers[idx] = -EBADF;
		}
	}
}

void lxm_monitor_client_drop(struct lxm_monitor *m, struct lxm_mon_client *cl)
{
	for (struct lxm_mon_client **p = &m->clients; *p; p = &(*p)->next)
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	close(cl->fd); /* leaves the epoll set with it */
	free(cl);
}
