/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `lxcmgr kill NAME` and `lxcmgr stop -k NAME` (`--kill`, either side of NAME) of a container
 * whose small monitor can do the whole kill, before the C library starts (the static lxcmgr's
 * entry point, front.c).
 *
 * Why: such a kill is a request to the monitor and a wait for its end; the command itself only
 * asks. Yet the static binary's start-up (glibc's: the relocation's writes, its CPU probing,
 * ~40 CPUID instructions; then main()'s parse, the global config, the state query) touched
 * ~200 pages of a fresh address space, each a trap to the hypervisor on the paravirtualised test
 * host (~6-16 us, bench/README.md): ~2.4 ms of an ~11 ms kill. A/B, 60 interleaved kills each
 * (session 18): 11.81 -> 9.44 ms, faster in 58.
 *
 * What it does is the common case of kill_running() (cmd-kill.c) and lxm_runtime_stop_state()
 * (runtime/stop.c), with the same checks in the same order: the container's directory, its lock
 * (held until our exit, as there), a connection to its monitor, then the request `stop-fast`, which
 * the small monitor grants only for a kill it does whole and answers like `stop 0` (MONITOR.md,
 * "Fast kill"), the monitor's end (a pidfd) and its "done". The monitor is alive when it accepts
 * the connection; the state query of the full path adds nothing to a kill the monitor takes on
 * (it thaws a frozen payload itself, small-kill.c).
 * Everything else falls through to main(), having changed nothing but a lock taken and let go: any
 * other command line or option (--log-level, -q, a signal), LXCMGR_LOG_LEVEL set (the full path
 * logs), a global config file (it may move the directories), an invalid name, no such container, a
 * busy lock (another command: the full path decides whether a kill may go through), no monitor
 * listening (stopped, lost), a monitor that refuses (the full monitor, which does not know the
 * request; a small monitor with host veths to name or hooks to run), a path too long.
 * Built freestanding as front.c (no libc, no table of pointers, no large aggregate: nothing that
 * would need the relocation or a libc memset); system calls and string helpers from front-sys.h.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "cli/front-sys.h"
#include "cli/front.h"

#define PATH_BUF 4096
#define NAME_MAX_LEN 63 /* store/name.c LXM_NAME_MAX */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5 */
#endif

/* store/name.c's rule: 1-63 of [a-z0-9-], not starting or ending with '-' */
static bool name_ok(const char *name)
{
	size_t n = 0;
	for (; name[n]; n++) {
		char c = name[n];
		if (n >= NAME_MAX_LEN || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return n > 0 && name[0] != '-' && name[n - 1] != '-';
}

/* Appends s at *at; false once buf is full (the whole path is then refused). */
static bool put(char *buf, size_t *at, const char *s)
{
	while (*s) {
		if (*at + 1 >= PATH_BUF)
			return false;
		buf[(*at)++] = *s++;
	}
	buf[*at] = '\0';
	return true;
}

static bool path_of(char *buf, const char *root, const char *a, const char *b, const char *c)
{
	size_t at = 0;
	buf[0] = '\0';
	return put(buf, &at, root) && put(buf, &at, a) && put(buf, &at, b) && put(buf, &at, c);
}

/* The command line: [--root R | --root=R] then `kill NAME` or `stop -k|--kill NAME` (either order),
 * nothing else.
 * Sets *root (NULL: not given) and returns NAME, or NULL. */
static const char *parse(char **argv, const char **root)
{
	char **a = argv + 1;
	*root = NULL;
	for (; *a && (*a)[0] == '-'; a++) {
		const char *v = lxm_front_after_prefix(*a, "--root=");
		if (v) {
			*root = v;
		} else if (lxm_front_str_eq(*a, "--root") && a[1]) {
			*root = *++a;
		} else {
			return NULL;
		}
	}
	if (a[0] && lxm_front_str_eq(a[0], "kill") && a[1] && !a[2])
		return a[1];
	if (!a[0] || !lxm_front_str_eq(a[0], "stop") || !a[1] || !a[2] || a[3])
		return NULL;
	/* getopt_long() takes the option on either side of the name */
	if (lxm_front_str_eq(a[1], "-k") || lxm_front_str_eq(a[1], "--kill"))
		return a[2];
	if (lxm_front_str_eq(a[2], "-k") || lxm_front_str_eq(a[2], "--kill"))
		return a[1];
	return NULL;
}

static const char *env_of(char **envp, const char *key)
{
	for (; envp && *envp; envp++) {
		const char *v = lxm_front_after_prefix(*envp, key);
		if (v && *v == '=')
			return v + 1;
	}
	return NULL;
}

static long close_fd(long fd)
{
	return fd >= 0 ? lxm_front_sys3(SYS_close, fd, 0, 0) : 0;
}

/* One packet of the monitor's into buf (NUL-terminated): its length, or <= 0 */
static long recv_packet(long fd, char *buf, size_t size, int flags)
{
	long n;
	do
		n = lxm_front_sys6(SYS_recvfrom, fd, (long)buf, (long)(size - 1), flags, 0, 0);
	while (n == -4 /* EINTR */);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* The monitor's pidfd, from the connection itself: SO_PEERPIDFD names the listening process
 * without a race; before Linux 6.5 its pid (SO_PEERCRED), opened while it still serves us. */
static long monitor_pidfd(long sock)
{
	int pidfd = -1;
	unsigned len = sizeof(pidfd);
	if (lxm_front_sys6(SYS_getsockopt, sock, SOL_SOCKET, SO_PEERPIDFD, (long)&pidfd, (long)&len, 0) == 0 &&
	    pidfd >= 0)
		return pidfd;
	struct ucred cred;
	len = sizeof(cred);
	if (lxm_front_sys6(SYS_getsockopt, sock, SOL_SOCKET, SO_PEERCRED, (long)&cred, (long)&len, 0) < 0 ||
	    cred.pid <= 0)
		return -1;
	return lxm_front_sys3(SYS_pidfd_open, cred.pid, 0, 0);
}

/* The request and the end of the kill on a connected socket: 1 done, 0 refused or cut short
 * before the monitor took it on (nothing happened: main() runs the command). */
static int request_kill(long sock)
{
	char buf[256];
	long pidfd = monitor_pidfd(sock);
	if (pidfd < 0)
		return 0;
	/* Answered once everything is gone ("ok stopping", then "done killed", then the monitor's
	 * exit), or refused ("err ..."), in which case nothing was done */
	if (lxm_front_sys6(SYS_sendto, sock, (long)"stop-fast", 9, MSG_NOSIGNAL, 0, 0) != 9 ||
	    recv_packet(sock, buf, sizeof(buf), 0) <= 0 || !lxm_front_after_prefix(buf, "ok stopping")) {
		close_fd(pidfd);
		return 0;
	}
	/* The monitor's end, as lxm_runtime_stop_state() waits for it: whoever runs next finds
	 * nothing of this run. Its "done" is queued by then; the full path takes a monitor gone
	 * without one after "ok stopping" for a kill done as well (it settles the state, which the
	 * small monitor's kill has cleared before that answer). */
	struct pollfd p;
	p.fd = (int)pidfd;
	p.events = POLLIN;
	p.revents = 0;
	while (lxm_front_sys3(SYS_poll, (long)&p, 1, -1) == -4 /* EINTR */)
		;
	(void)recv_packet(sock, buf, sizeof(buf), MSG_DONTWAIT);
	close_fd(pidfd);
	return 1;
}

void lxm_front_kill(char **argv, char **envp)
{
	char conf[PATH_BUF], dir[PATH_BUF], lock_path[PATH_BUF], rootbuf[PATH_BUF];
	const char *root;
	const char *name = parse(argv, &root);
	struct stat st;
	struct sockaddr_un sa;

	if (!name || !name_ok(name) || env_of(envp, "LXCMGR_LOG_LEVEL"))
		return;
	if (root && !root[0])
		return; /* main() refuses an explicit empty --root */
	if (!root)
		root = env_of(envp, "LXCMGR_ROOT");
	if (!root)
		root = "";
	if (root[0] && root[0] != '/')
		return; /* main() reports it */
	size_t at = 0;
	rootbuf[0] = '\0';
	if (!put(rootbuf, &at, root))
		return;
	while (at > 0 && rootbuf[at - 1] == '/') /* as lxm_paths_init() */
		rootbuf[--at] = '\0';

	/* A global config may move the directories (lxm_paths_override()): the full path reads it */
	if (!path_of(conf, rootbuf, "/etc/lxcmgr/lxcmgr.conf", "", "") ||
	    lxm_front_sys3(SYS_access, (long)conf, F_OK, 0) != -2 /* ENOENT */)
		return;
	if (!path_of(dir, rootbuf, "/var/lib/lxcmgr/containers/", name, "") ||
	    lxm_front_sys6(SYS_newfstatat, AT_FDCWD, (long)dir, (long)&st, AT_SYMLINK_NOFOLLOW, 0, 0) < 0 ||
	    !S_ISDIR(st.st_mode))
		return;
	/* The container's lock, as lxm_container_trylock() takes it (O_NOFOLLOW: never a planted
	 * symlink); busy, the full path decides. A missing locks directory: it makes it. */
	if (!path_of(lock_path, rootbuf, "/run/lxcmgr/locks/", name, ".lock"))
		return;
	long lock = lxm_front_sys3(SYS_open, (long)lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
				   0600);
	if (lock < 0)
		return;
	if (lxm_front_sys3(SYS_flock, lock, LOCK_EX | LOCK_NB, 0) < 0) {
		close_fd(lock);
		return;
	}
	/* The monitor's control socket, connected as lxm_control_connect() does */
	sa.sun_family = AF_UNIX;
	bool fits = path_of(dir, rootbuf, "/run/lxcmgr/", name, "/control");
	for (at = 0; fits && dir[at]; at++) {
		if (at + 1 >= sizeof(sa.sun_path)) {
			fits = false;
			break;
		}
		sa.sun_path[at] = dir[at];
	}
	if (fits)
		sa.sun_path[at] = '\0';
	long sock = fits ? lxm_front_sys3(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) : -1;
	bool done = sock >= 0 && lxm_front_sys3(SYS_connect, sock, (long)&sa, sizeof(sa)) == 0 && request_kill(sock);
	if (done)
		lxm_front_sys3(SYS_exit_group, 0, 0, 0); /* the lock goes with us */
	close_fd(sock);
	close_fd(lock);
}
