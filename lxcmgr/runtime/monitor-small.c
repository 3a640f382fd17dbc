/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr-monitor: the small monitor a running container's monitor process execs into once the
 * container runs (MONITOR.md, "Process model"). Static, libc only: an idle container's monitor
 * then costs a few pages, not the full lxcmgr with every library's relocated data.
 *
 *   lxcmgr-monitor STATE_FD EXE_FD LXCMGR-ARGV...
 *
 * STATE_FD: the hand-over description (handover.h); EXE_FD: an O_PATH fd of the lxcmgr binary;
 * LXCMGR-ARGV: the `lxcmgr ... __monitor NAME --resume STATE_FD` command line to exec back with.
 * It serves the idle work only: console ptys (ring buffer, console.log, viewers), the control
 * requests state/console/kill/reboot. Anything else (init exited, a signal to the monitor, stop,
 * an unknown request, more clients than it holds) it leaves unread and execs back into the full
 * monitor in the same process, which finds the event still pending. On any doubt about what it
 * was given it hands back with "fallback": the full monitor then keeps running itself.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>

#include "runtime/console-ring.h"
#include "runtime/handover.h"
#include "runtime/small-kill.h"
#include "util/huge-text.h"
#include "util/log.h"
#include "util/parse.h"

#define PTY_READ_MAX 4096
#define PACKET_MAX 4096 /* control.h LXM_CONTROL_PACKET_MAX */

enum source { SRC_SIGNAL = 1, SRC_PIDFD, SRC_LISTEN, SRC_PTY, SRC_CLIENT };
#define TAG(kind, idx) (((uint64_t)(kind) << 32) | (uint32_t)(idx))

extern char **environ;

static struct {
	struct lxm_handover h; /* what we were given; clients, ring and log kept current in it */
	bool parsed;
	int state_fd, exe_fd;
	char **resume_argv;
	int epfd, sigfd;
	struct lxm_console_ring ring;
	struct lxm_console_log clog;
	char ident[300];
	bool kill_at_hand_back; /* `kill`: SIGKILL to init once the description is written */
} S = { .state_fd = -1, .exe_fd = -1, .epfd = -1, .sigfd = -1 };

static int signal_init(int sig);

/* Back into the full monitor (same pid, so init stays our child and the state file stays true). */
static _noreturn_ void hand_back(bool fallback)
{
	char *argv[32];
	int n = 0;

	if (!fallback) {
		S.h.ring_fd = S.ring.fd;
		S.h.ring_start = S.ring.start;
		S.h.ring_len = S.ring.len;
		S.h.ring_size = S.ring.size;
		S.h.clog_fd = S.clog.fd;
		S.h.clog_size = S.clog.size;
		if (lxm_handover_write(&S.h, S.state_fd) < 0) {
			/* The full monitor would read stale fds: better a lost monitor (reported, and
			 * re-adopted by the next `start`) than one acting on the wrong fds */
			log_error("Failed to write the hand-over state, exiting");
			_exit(1);
		}
		/* Only now: had the write failed, init would have died with nobody to record it */
		if (S.kill_at_hand_back)
			(void)signal_init(SIGKILL);
	}
	if (S.parsed)
		(void)lxm_handover_set_cloexec(&S.h, false);
	(void)fcntl(S.state_fd, F_SETFD, 0);
	for (char **a = S.resume_argv; *a && n < 30; a++)
		argv[n++] = *a;
	if (fallback)
		argv[n++] = (char *)"fallback";
	argv[n] = NULL;
	syscall(SYS_execveat, S.exe_fd, "", argv, environ, AT_EMPTY_PATH);
	log_error_errno(errno, "Failed to execute the full monitor: %m");
	_exit(1);
}

static int sock_opt(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
		return -1;
	return v;
}

static bool is_regular(int fd)
{
	struct stat st;
	return fd < 0 || (fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
}

/* The fds are what the description says they are: a pidfd, a listening and connected seqpacket
 * sockets, ptys, regular files. A mix-up would have us write console input into a socket or
 * answer requests on the pty. */
static int check_fds(const struct lxm_handover *h)
{
	if (syscall(SYS_pidfd_send_signal, h->init_pidfd, 0, NULL, 0) < 0 && errno != ESRCH)
		return -EBADF;
	if (sock_opt(h->listen_fd, SO_TYPE) != SOCK_SEQPACKET || sock_opt(h->listen_fd, SO_ACCEPTCONN) != 1)
		return -EBADF;
	for (unsigned i = 0; i < h->n_clients; i++)
		if (sock_opt(h->clients[i].fd, SO_TYPE) != SOCK_SEQPACKET ||
		    sock_opt(h->clients[i].fd, SO_ACCEPTCONN) != 0)
			return -EBADF;
	for (unsigned i = 0; i < h->n_ptys; i++)
		if ((h->masters[i] >= 0 && !isatty(h->masters[i])) || (h->peers[i] >= 0 && !isatty(h->peers[i])))
			return -EBADF;
	if (!is_regular(h->log_fd) || !is_regular(h->clog_fd) || !is_regular(h->config_fd))
		return -EBADF;
	return 0;
}

static int watch(int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	return epoll_ctl(S.epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? negative_errno() : 0;
}

static int setup(void)
{
	struct lxm_handover *h = &S.h;
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL); /* already blocked by the full monitor; pending ones stay */
	signal(SIGPIPE, SIG_IGN);
	S.epfd = epoll_create1(EPOLL_CLOEXEC);
	S.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (S.epfd < 0 || S.sigfd < 0)
		return negative_errno();
	r = lxm_console_ring_adopt(&S.ring, h->ring_fd, (size_t)h->ring_size, (size_t)h->ring_start,
				   (size_t)h->ring_len);
	if (r < 0)
		return r;
	S.clog = (struct lxm_console_log){ .fd = h->clog_fd, .size = h->clog_size, .max_size = h->clog_max,
					   .rotate = h->clog_rotate, .path = strdup(h->clog_path) };
	if (!S.clog.path)
		return -ENOMEM;
	if ((r = watch(S.sigfd, TAG(SRC_SIGNAL, 0))) < 0 || (r = watch(h->init_pidfd, TAG(SRC_PIDFD, 0))) < 0 ||
	    (r = watch(h->listen_fd, TAG(SRC_LISTEN, 0))) < 0)
		return r;
	for (unsigned i = 0; i < h->n_ptys; i++)
		if (h->masters[i] >= 0 && (r = watch(h->masters[i], TAG(SRC_PTY, i))) < 0)
			return r;
	for (unsigned i = 0; i < h->n_clients; i++)
		if ((r = watch(h->clients[i].fd, TAG(SRC_CLIENT, h->clients[i].fd))) < 0)
			return r;
	return 0;
}

static void send_text(int fd, const char *text)
{
	(void)send(fd, text, strlen(text), MSG_NOSIGNAL);
}

static void client_drop(unsigned i)
{
	close(S.h.clients[i].fd); /* leaves the epoll set with it */
	S.h.clients[i] = S.h.clients[--S.h.n_clients];
}

static void accept_client(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (S.h.n_clients >= LXM_HANDOVER_MAX_CLIENTS)
		hand_back(false); /* the full monitor takes the connection from the backlog */
	int fd = accept4(S.h.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* Only root drives containers: a local user who finds the socket cannot stop or attach to one
	 * even if the directory mode were loosened (as in the full monitor) */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		log_warning("Refused a control connection from uid %d", (int)cred.uid);
		close(fd);
		return;
	}
	if (watch(fd, TAG(SRC_CLIENT, fd)) < 0) {
		close(fd);
		return;
	}
	S.h.clients[S.h.n_clients++] = (struct lxm_handover_client){ .fd = fd, .tty = -1 };
}

static void pty_event(unsigned idx)
{
	char buf[PTY_READ_MAX];
	int master = S.h.masters[idx];
	ssize_t n = read(master, buf, sizeof(buf));
	if (n > 0) {
		if (idx == 0) {
			lxm_console_ring_append(&S.ring, buf, (size_t)n);
			lxm_console_log_write(&S.clog, buf, (size_t)n);
		}
		for (unsigned i = 0; i < S.h.n_clients; i++)
			if (S.h.clients[i].tty == (int)idx)
				(void)send(S.h.clients[i].fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	(void)epoll_ctl(S.epfd, EPOLL_CTL_DEL, master, NULL); /* EOF/EIO: stop watching, not spin */
}

static int console_attach(struct lxm_handover_client *cl, unsigned long tty)
{
	if (tty >= S.h.n_ptys)
		return -ENXIO;
	if (S.h.masters[tty] < 0)
		return -ESRCH;
	send_text(cl->fd, "ok");
	cl->tty = (int)tty;
	if (tty != 0)
		return 0;
	lxm_console_ring_send(&S.ring, cl->fd, PTY_READ_MAX);
	return 0;
}

static void console_input(const struct lxm_handover_client *cl, const char *buf, size_t n)
{
	int master = S.h.masters[cl->tty];
	if (master < 0)
		return;
	if (n >= 4 && strncmp(buf, "\x1b[8;", 4) == 0 && buf[n - 1] == 't') {
		/* window size from the viewer: "ESC [ 8 ; ROWS ; COLS t" (xterm's resize sequence) */
		char tmp[64], *end;
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(n < 63 ? n : 63), buf);
		/* parsed by hand, not sscanf(): the static binary then carries no scanf (~100 kB of
		 * text mapped by every monitor) */
		unsigned long rows = strtoul(tmp + 4, &end, 10), cols = 0;
		bool parsed = false;
		if (end > tmp + 4 && *end == ';') {
			char *c = end + 1;
			cols = strtoul(c, &end, 10);
			parsed = end > c; /* as sscanf("%u;%ut") == 2 in the full monitor */
		}
		if (parsed) {
			struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
			(void)ioctl(master, TIOCSWINSZ, &ws);
			return;
		}
	}
	(void)!write(master, buf, n);
}

static int signal_init(int sig)
{
	return syscall(SYS_pidfd_send_signal, S.h.init_pidfd, sig, NULL, 0) < 0 ? negative_errno() : 0;
}

/* Once init has its SIGKILL: the answer, when it names host veths (the client starts their removal
 * at once, lxm_runtime_stop_state()). Without any the client has nothing to do before the end, and
 * the answer waits for it (fast_kill()): sent here it woke the client in the middle of the kill, a
 * wake-up, ~0.1-0.2 ms of its CPU time and two context switches on a CPU where the dying processes
 * queued. The console ptys are closed by lxm_small_kill() once the container's processes are gone
 * (no dying getty to hang up), while it removes the cgroups; viewers see the console end at our
 * exit, as before. */
static void killed(void *arg)
{
	char reply[32 + LXM_HANDOVER_MAX_VETHS * (6 + LXM_HANDOVER_IFNAME_MAX)] = "ok stopping";
	if (S.h.n_kill_veths == 0)
		return;
	for (unsigned i = 0; i < S.h.n_kill_veths; i++) {
		strcat(reply, " veth ");
		strcat(reply, S.h.kill_veths[i]);
	}
	send_text(*(int *)arg, reply);
}

/* `kill` (`stop 0 cgroup`: the client removes our cgroup after our exit; or `stop 0` when we have
 * no cgroup of our own) of a container that owes nothing else at its end (MONITOR.md, "Fast
 * kill"): done here, answered as the full monitor would ("ok stopping", then "done killed" once
 * everything is gone), and the monitor ends. */
static _noreturn_ void fast_kill(struct lxm_handover_client *cl)
{
	char c;
	int fd = cl->fd;
	(void)!recv(fd, &c, 1, MSG_DONTWAIT); /* consume the request packet */
	(void)lxm_small_kill(&S.h, killed, &fd);
	if (S.h.n_kill_veths == 0)
		send_text(fd, "ok stopping"); /* killed() did not */
	send_text(fd, "done killed");
	_exit(0);
}

/* A control request: the cheap ones are answered here; any other is left unread for the full
 * monitor (it reads the same packet after the exec). */
static void request(unsigned i)
{
	struct lxm_handover_client *cl = &S.h.clients[i];
	char buf[PACKET_MAX], reply[160];
	int sig, r = 0;

	ssize_t n = recv(cl->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(i);
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	char *arg = strchr(buf, ' ');
	if (arg)
		*arg++ = '\0';
	bool kill_whole = S.h.fast_kill && !S.h.pre_stop_hook; /* lxm_small_kill_possible() last: I/O */
	if (STREQ(buf, "stop") && arg && kill_whole &&
	    (STREQ(arg, "0 cgroup") || (STREQ(arg, "0") && !S.h.kill_own_cgroup)) && lxm_small_kill_possible(&S.h))
		fast_kill(cl);
	if (STREQ(buf, "stop-fast")) {
		/* The C-library-free `kill` (cli/front-kill.c): the same kill as `stop 0` where we do it
		 * whole and it waits for nothing but our end (no host veth to name in an early answer);
		 * otherwise refused, untouched, and the client asks again the full way */
		if (!arg && kill_whole && !S.h.kill_own_cgroup && S.h.n_kill_veths == 0 && lxm_small_kill_possible(&S.h))
			fast_kill(cl);
		(void)!recv(cl->fd, reply, 1, MSG_DONTWAIT);
		snprintf(reply, sizeof(reply), "err %d %s", EAGAIN, strerror(EAGAIN));
		send_text(cl->fd, reply);
		return;
	}
	if (STREQ(buf, "stop") && arg && arg[0] == '0' && (arg[1] == '\0' || arg[1] == ' ') && !S.h.pre_stop_hook)
		/* `kill`: init dies while the full monitor loads; it answers the request (read first,
		 * before the exit: monitor.c serve()) and records "killed" as it would have */
		S.kill_at_hand_back = true;
	if (!STREQ(buf, "state") && !STREQ(buf, "console") && !STREQ(buf, "kill") && !STREQ(buf, "reboot"))
		hand_back(false);
	(void)!recv(cl->fd, reply, 1, MSG_DONTWAIT); /* consume the packet (a datagram: one recv) */
	if (STREQ(buf, "state")) {
		snprintf(reply, sizeof(reply), "ok running %d", (int)S.h.init_pid);
		send_text(cl->fd, reply);
		return;
	} else if (STREQ(buf, "console")) {
		r = console_attach(cl, arg ? strtoul(arg, NULL, 10) : 0);
		if (r >= 0)
			return;
	} else if (STREQ(buf, "kill")) {
		sig = SIGKILL;
		r = arg && lxm_parse_signal(arg, &sig) < 0 ? -EINVAL : signal_init(sig);
	} else {
		r = signal_init(S.h.reboot_signal);
	}
	if (r == -ENXIO && STREQ(buf, "console")) /* the client names the ttys there are */
		snprintf(reply, sizeof(reply), "err %d ttys %u", ENXIO, S.h.n_ptys > 0 ? S.h.n_ptys - 1 : 0);
	else if (r < 0)
		snprintf(reply, sizeof(reply), "err %d %s", -r, strerror(-r));
	else
		snprintf(reply, sizeof(reply), "ok");
	send_text(cl->fd, reply);
}

static void client_event(int fd)
{
	char buf[PACKET_MAX];
	unsigned i = 0;
	while (i < S.h.n_clients && S.h.clients[i].fd != fd)
		i++;
	if (i == S.h.n_clients)
		return;
	if (S.h.clients[i].tty < 0) {
		request(i);
		return;
	}
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		client_drop(i);
	else
		console_input(&S.h.clients[i], buf, (size_t)n);
}

static int fd_arg(const char *s)
{
	uint64_t v;
	return lxm_parse_uint(s, 3, 1 << 20, &v) < 0 ? -1 : (int)v;
}

/* The static lxcmgr's code and constants back into huge page-cache folios when they were
 * evicted since make/install/boot put them there (util/huge-text.c says why and when that
 * happens): every later command, monitor and container child then maps each 2 MiB with one PMD
 * again. Here because this is a process that runs after each start without mapping lxcmgr (a
 * mapping pins the 4 KiB folios the warm-up drops) and off every command's path: 20 ms after the
 * start's report (monitor-handover.c). Warm: ~0.1 ms (each block mapped and checked, nothing
 * dropped); no fdatasync (a device flush; a dirty file just stays as it is). */
static void rewarm_lxcmgr(void)
{
	char path[64];
	struct lxm_huge_text_result res;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", S.exe_fd);
	int fd = open(path, O_RDONLY | O_CLOEXEC); /* EXE_FD is O_PATH: no mmap() of it */
	if (fd < 0)
		return;
	int r = lxm_huge_text_warm_fd(fd, false, &res);
	if (r < 0)
		log_debug_errno(r, "Could not read the program headers of %s: %m", path);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return 1;
	/* The name the full monitor gives itself (an execveat() of an fd may name us after the fd) */
	(void)prctl(PR_SET_NAME, "lxcmgr-monitor");
	S.state_fd = fd_arg(argv[1]);
	S.exe_fd = fd_arg(argv[2]);
	S.resume_argv = argv + 3;
	if (S.state_fd < 0 || S.exe_fd < 0 || argc > 30)
		return 1;
	(void)fcntl(S.exe_fd, F_SETFD, FD_CLOEXEC); /* execveat() of an O_PATH fd works with CLOEXEC */
	(void)fcntl(S.state_fd, F_SETFD, FD_CLOEXEC);
	int r = lxm_handover_read(S.state_fd, &S.h);
	if (r < 0)
		hand_back(true);
	S.parsed = true;
	if (lxm_handover_set_cloexec(&S.h, true) < 0 || check_fds(&S.h) < 0)
		hand_back(true);
	lxm_log_set_level((enum lxm_log_level)S.h.log_level);
	lxm_log_set_fd(S.h.log_fd);
	snprintf(S.ident, sizeof(S.ident), "lxcmgr-monitor[%s]", S.h.name);
	lxm_log_set_ident(S.ident);
	if (setup() < 0)
		hand_back(true);
	rewarm_lxcmgr();
	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(S.epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hand_back(false);
		}
		for (int i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)evs[i].data.u64;
			switch ((enum source)(evs[i].data.u64 >> 32)) {
			case SRC_SIGNAL:
			case SRC_PIDFD:
				hand_back(false);
			case SRC_LISTEN:
				accept_client();
				break;
			case SRC_PTY:
				pty_event(idx);
				break;
			case SRC_CLIENT:
				client_event((int)idx);
				break;
			}
		}
	}
}
