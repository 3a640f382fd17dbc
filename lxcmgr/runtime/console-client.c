/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>

#include "runtime/console-client.h"
#include "runtime/control.h"
#include "util/log.h"

struct term_state {
	bool raw;
	struct termios saved;
};

static void term_raw(struct term_state *t)
{
	struct termios raw;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved) < 0)
		return;
	raw = t->saved;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		t->raw = true;
}

static void term_restore(struct term_state *t)
{
	if (t->raw)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	t->raw = false;
}

static void send_winsize(int fd)
{
	struct winsize ws;
	char buf[64];
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return;
	snprintf(buf, sizeof(buf), "\x1b[8;%u;%ut", ws.ws_row, ws.ws_col);
	(void)lxm_control_send(fd, buf);
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Forwards keyboard input, watching for Ctrl-ESCAPE q. Returns 1 to detach. */
static int forward_input(int fd, char esc_char, bool *pending_esc)
{
	char in[1024], out[1024];
	size_t o = 0;
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));
	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : 1; /* EOF on stdin: detach */
	for (ssize_t i = 0; i < n; i++) {
		if (*pending_esc) {
			*pending_esc = false;
			if (in[i] == 'q')
				return 1;
			if (in[i] != esc_char)
				out[o++] = esc_char; /* not a command: pass the escape itself */
			out[o++] = in[i];
		} else if (in[i] == esc_char) {
			*pending_esc = true;
		} else {
			out[o++] = in[i];
		}
	}
	if (o > 0 && send(fd, out, o, MSG_NOSIGNAL) < 0)
		return 1;
	return 0;
}

static int relay(int fd, char esc_char)
{
	char buf[LXM_CONTROL_PACKET_MAX];
	bool pending_esc = false;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		if (poll(p, sfd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (p[0].revents) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0)
				return 1; /* the container stopped */
			if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				return 0;
		}
		if (p[1].revents && forward_input(fd, esc_char, &pending_esc))
			return 0;
		if (sfd >= 0 && p[2].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			send_winsize(fd);
		}
	}
}

int lxm_console_client(const struct lxm_paths *paths, const char *name, unsigned tty, char escape)
{
	char req[32], reply[LXM_CONTROL_PACKET_MAX];
	struct term_state t = {};
	_cleanup_close_ int fd = -EBADF;
	int r = lxm_control_connect(paths, name, &fd);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return log_error_errno(-ESRCH, "Container '%s' is not running", name);
	if (r < 0)
		return log_error_errno(r, "Failed to connect to the monitor of '%s': %m", name);
	snprintf(req, sizeof(req), "console %u", tty);
	r = lxm_control_request(fd, req, reply, sizeof(reply));
	if (r == -ENXIO) {
		unsigned n;
		/* "err 6 ttys N" (a monitor of an older lxcmgr says only "err 6 ...") */
		if (sscanf(reply, "err %*d ttys %u", &n) != 1)
			return log_error_errno(r, "Container '%s' has no tty %u", name, tty);
		if (n == 0)
			return log_error_errno(r, "Container '%s' has no tty %u: it has no ttys (console.ttys = 0)",
					       name, tty);
		return log_error_errno(r, "Container '%s' has no tty %u: it has %u (--tty 1-%u, or 0 for the console)",
				       name, tty, n, n);
	}
	if (r < 0)
		return log_error_errno(r, "Failed to attach to the console of '%s': %m", name);

	char esc_char = (char)(escape & 0x1f); /* 'a' -> Ctrl-a (0x01) */
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "Connected to %s of '%s' (type Ctrl-%c q to detach)\r\n",
			tty == 0 ? "the console" : "a tty", name, escape);
	term_raw(&t);
	if (t.raw)
		send_winsize(fd);
	r = relay(fd, esc_char);
	term_restore(&t);
	if (r == 1 && isatty(STDIN_FILENO))
		fprintf(stderr, "\nThe container stopped\n");
	return r < 0 ? r : 0;
}

static int cat_file(const char *path)
{
	char buf[65536];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
			return negative_errno();
	return n < 0 ? negative_errno() : 0;
}

int lxm_console_print_log(const struct lxm_paths *paths, const char *name)
{
	_cleanup_free_ char *path = NULL;
	bool any = false;
	if (asprintf(&path, "%s/%s/console.log", paths->containers_dir, name) < 0)
		return -ENOMEM;
	for (unsigned i = 9; i >= 1; i--) {
		_cleanup_free_ char *old = NULL;
		if (asprintf(&old, "%s.%u", path, i) < 0)
			return -ENOMEM;
		if (cat_file(old) >= 0)
			any = true;
	}
	int r = cat_file(path);
	if (r < 0 && !(r == -ENOENT && any)) {
		if (r == -ENOENT)
			return log_error_errno(r, "Container '%s' has no console log yet", name);
		return log_error_errno(r, "Failed to read '%s': %m", path);
	}
	return 0;
}
