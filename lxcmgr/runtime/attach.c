/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec: the CLI enters init's pid namespace for its children only (setns CLONE_NEWPID changes
 * nothing for the CLI itself) and forks one child, the first process of the command inside the
 * container. The child joins the payload cgroup (host paths, so before the mount namespace; a leaf
 * below the container's root cgroup where systemd would object, cgroup/exec-leaf.c), then
 * every other namespace of init at once with setns(pidfd), resolves the user from the container's
 * files, allocates the pty from the container's own devpts (its /dev/ptmx) and hands the master to
 * the CLI with SCM_RIGHTS, drops capabilities, applies the LSM profile, no_new_privs and seccomp
 * last, switches user and executes. The CLI relays the terminal, forwards signals to it and
 * returns its exit status. No lxcmgr process stays inside the container once the command runs.
 *
 * The child is non-dumpable until the exec: the container's root could otherwise ptrace or read
 * /proc/PID/mem of a process that still holds host fds and full capabilities.
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>

#include "cgroup/cgroup.h"
#include "cgroup/mounts-cache.h"
#include "runtime/attach-relay.h"
#include "runtime/attach-user.h"
#include "runtime/attach.h"
#include "runtime/start.h"
#include "runtime/exec-plan.h"
#include "runtime/state.h"
#include "security/apparmor.h"
#include "security/cloned-binary.h"
#include "security/seccomp.h"
#include "util/log.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct attach_ctx {
	const struct lxm_exec_plan *plan;
	const struct lxm_attach_options *o;
	int pidfd;
	pid_t init_pid;
	int ns_flags;
	struct lxm_cgroup *payload;
	int sock; /* child end; -EBADF: the child's error goes to msg (see lxm_attach_run()) */
	char msg[512];
	bool pty;
	/* Security of the container's init, prepared before the fork (security/). */
	struct lxm_seccomp *seccomp;
	char *apparmor_profile;
	bool no_new_privs;
	bool sealed_copy; /* the CLI must run from a sealed copy of its binary first */
	bool root_in_ns;  /* the child: setgroups(0), uids and gids 0 in the container's user ns */
};

/* A message to the CLI: "pty" (with the master fd) or "err ERRNO TEXT". */
static void child_send(struct attach_ctx *a, const char *text, int fd)
{
	if (a->sock < 0) {
		snprintf(a->msg, sizeof(a->msg), "%s", text);
		return;
	}
	struct iovec iov = { (void *)text, strlen(text) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	(void)sendmsg(a->sock, &mh, MSG_NOSIGNAL);
}

static _noreturn_ void child_fail(struct attach_ctx *a, int err, const char *what)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "err %d %s: %s", err < 0 ? -err : err, what, strerror(err < 0 ? -err : err));
	child_send(a, msg, -1);
	_exit(1);
}

/* The namespaces of pid to join, or -errno: a namespace that cannot be read must not be skipped
 * (the command would run in the host's). Those a start always makes (steps/clone.c: mount, pid,
 * uts, ipc; steps/cgroup.c: cgroup) are joined without a look: the container cannot give its init
 * one of ours back, and where it could (a privileged one) joining it again changes nothing. The
 * three a container may share with the host (user when privileged, net with a host network, time
 * always) are joined only when they differ: joining one's own user namespace is EINVAL, and a net
 * or time namespace owned by the host's user namespace needs host capabilities after the user
 * namespace switch. readlink() of /proc/PID/ns/X only formats the namespace's inode number; a
 * stat() would instantiate an nsfs inode for each. */
static int ns_flags_for(pid_t pid)
{
	static const struct {
		const char *name;
		int flag;
	} shareable[] = { { "user", CLONE_NEWUSER }, { "net", CLONE_NEWNET }, { "time", CLONE_NEWTIME } };
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;
	/* Whole paths, not readlinkat() below two opened directories: the walk of /proc/PID/ns is
	 * cheap next to the four system calls the directories took (open and close of each). */
	for (size_t i = 0; i < ARRAY_SIZE(shareable); i++) {
		char theirs[64], ours[64], a[64], b[64];
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, shareable[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", shareable[i].name);
		ssize_t nb = readlink(ours, b, sizeof(b));
		if (nb < 0 && errno == ENOENT)
			continue; /* a kernel without that namespace type */
		if (nb < 0)
			return negative_errno();
		ssize_t na = readlink(theirs, a, sizeof(a));
		if (na < 0)
			return negative_errno(); /* ENOENT: init is gone */
		if (na != nb || memcmp(a, b, (size_t)na) != 0)
			flags |= shareable[i].flag;
	}
	return flags;
}

static char **build_env(const struct lxm_attach_user *u, char **extra)
{
	size_t n = 0, i = 0;
	for (char **e = extra; e && *e; e++)
		n++;
	char **env = calloc(n + 8, sizeof(char *));
	const char *term = getenv("TERM");
	if (!env)
		return NULL;
	if (asprintf(&env[i++], "PATH=%s", DEFAULT_PATH) < 0 || asprintf(&env[i++], "HOME=%s", u->home) < 0 ||
	    asprintf(&env[i++], "USER=%s", *u->name ? u->name : "nobody") < 0 ||
	    asprintf(&env[i++], "LOGNAME=%s", *u->name ? u->name : "nobody") < 0 ||
	    asprintf(&env[i++], "container=lxcmgr") < 0)
		return NULL;
	if (term && asprintf(&env[i++], "TERM=%s", term) < 0)
		return NULL;
	for (char **e = extra; e && *e; e++) {
		size_t kl = strcspn(*e, "=");
		for (size_t j = 0; j < i; j++) /* --env overrides the defaults */
			if (strncmp(env[j], *e, kl + 1) == 0) {
				env[j] = env[--i];
				break;
			}
		env[i++] = *e;
	}
	env[i] = NULL;
	return env;
}

/* A pty from the container's devpts when asked, then credentials, then exec. */
static _noreturn_ void child_exec(struct attach_ctx *a, const struct lxm_attach_user *u)
{
	int r;
	if (a->pty) {
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		int unlock = 0;
		if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
			child_fail(a, errno, "Failed to allocate a pty in the container");
		int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
		if (slave < 0)
			child_fail(a, errno, "Failed to open the pty");
		/* The terminal belongs to the user it runs as, as login(1) does it; the tty group
		 * (devpts gid=5) stays. */
		if (fchown(slave, u->uid, (gid_t)-1) < 0)
			child_fail(a, errno, "Failed to hand the pty to the user");
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
			child_fail(a, errno, "Failed to make the pty the controlling terminal");
		/* The size before the command runs: the CLI copies it to the master only once it got
		 * it, and a command that asks at once (stty size, a full-screen program) saw 0x0. */
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
			(void)ioctl(slave, TIOCSWINSZ, &ws);
		child_send(a, "pty", master);
		close(master);
		if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
			child_fail(a, errno, "Failed to set up stdio");
		if (slave > 2)
			close(slave);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the CLI blocked what it forwards */
	r = a->plan->cap_error < 0 ? a->plan->cap_error : lxm_caps_apply_mask(a->plan->cap_drop);
	if (r < 0)
		child_fail(a, r, "Failed to drop capabilities");
	/* What init got, the command gets: the same AppArmor profile from its exec on, no_new_privs
	 * and the seccomp filter. Without them an exec'd shell would be the container's one way
	 * around its own profile and filter (kexec_load, module loading from an "exec" session). */
	if (a->apparmor_profile) {
		r = lxm_apparmor_exec_into(a->apparmor_profile);
		if (r < 0)
			child_fail(a, r, "Failed to enter the container's AppArmor profile");
	}
	if (a->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(a, errno, "Failed to set no_new_privs");
	r = lxm_seccomp_apply(a->seccomp);
	if (r < 0)
		child_fail(a, r, "Failed to load the container's seccomp filter");
	/* The user's credentials. For root without supplementary groups after the switch above they
	 * are those already (no groups, every uid and gid 0): the same three calls again would change
	 * nothing, not even the capabilities (those change only when a uid leaves or becomes 0). */
	bool same = a->root_in_ns && u->uid == 0 && u->gid == 0 && u->n_groups == 0;
	if (!same && (setgroups(u->n_groups, u->groups) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
		      setresuid(u->uid, u->uid, u->uid) < 0))
		child_fail(a, errno, "Failed to switch user");
	const char *cwd = a->o->cwd ? a->o->cwd : u->home;
	if (chdir(cwd) < 0) {
		if (a->o->cwd)
			child_fail(a, errno, "Failed to change to the working directory");
		(void)chdir("/");
	}
	char **env = build_env(u, a->o->env);
	if (!env)
		child_fail(a, ENOMEM, "Failed to build the environment");
	/* nothing of the host survives the exec but stdio */
	(void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	extern char **environ;
	environ = env;
	if (a->o->alternatives) {
		for (char ***alt = a->o->alternatives; *alt; alt++)
			if (access((*alt)[0], X_OK) == 0)
				execv((*alt)[0], *alt);
		dprintf(STDERR_FILENO, "lxcmgr: No login shell found in the container\n");
		_exit(127);
	}
	execvp(a->o->argv[0], a->o->argv);
	int e = errno;
	dprintf(STDERR_FILENO, "lxcmgr: Failed to execute '%s': %s\n", a->o->argv[0], strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* The child: cgroup, namespaces, user, then the command. */
static _noreturn_ void child_attach(struct attach_ctx *a)
{
	struct lxm_attach_user u;
	char msg[320], err[512];
	int r;

	(void)prctl(PR_SET_DUMPABLE, 0);
	r = lxm_cgroup_attach_exec(a->payload, 0);
	if (r < 0) {
		const char *why = lxm_cgroup_strerror(a->payload);
		snprintf(err, sizeof(err), "err %d Failed to join the container's cgroup: %s", -r,
			 why ? why : strerror(-r));
		child_send(a, err, -1);
		_exit(1);
	}
	/* setns() with a pidfd enters the user namespace first, so the other namespaces are joined
	 * with the capabilities the container's root holds there, and no more. The pid namespace is
	 * ours already: the parent entered it for its children. */
	if ((a->ns_flags & ~CLONE_NEWPID) && setns(a->pidfd, a->ns_flags & ~CLONE_NEWPID) < 0)
		child_fail(a, errno, "Failed to join the container's namespaces");
	/* In a user namespace host root is unmapped ("nobody" inside): become the container's root,
	 * so what we create (the exec pty) has an owner the container can see and change. */
	if (a->ns_flags & CLONE_NEWUSER) {
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			child_fail(a, errno, "Failed to become root in the container's user namespace");
		a->root_in_ns = true;
	}
	r = lxm_attach_user_resolve(a->o->user, "/etc/passwd", "/etc/group", &u);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "err %d Unknown user or group '%.200s'", -r == ESRCH ? EINVAL : -r, a->o->user);
		child_send(a, msg, -1);
		_exit(1);
	}
	child_exec(a, &u);
}

/* 0, or the error of an "err ERRNO TEXT" message of the child's (TEXT logged). */
static int message_error(const char *buf)
{
	if (strncmp(buf, "err ", 4) != 0)
		return 0;
	int e = atoi(buf + 4);
	const char *text = strchr(buf + 4, ' ');
	log_error("%s", text ? text + 1 : buf);
	return e > 0 ? -e : -EIO;
}

/* Reads the child's messages until it executes (EOF). */
static int read_messages(int sock, int *ret_master)
{
	for (;;) {
		char buf[512];
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf) };
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? negative_errno() : 0;
		buf[n] = '\0';
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(ret_master, CMSG_DATA(cm), sizeof(int));
		if ((n = message_error(buf)) < 0)
			return (int)n;
	}
}

/* init's pid and start time from the state file when it says "running"; 0 when it says something
 * else (the full lxm_state_query() decides then), -ESRCH without one. */
static int read_running_init(const struct lxm_paths *paths, const char *name, pid_t *ret_pid,
			     uint64_t *ret_start)
{
	bool running;
	if (lxm_state_read_init(paths, name, &running, ret_pid, ret_start) < 0)
		return -ESRCH;
	if (!running)
		return 0;
	return *ret_pid > 0 && *ret_start > 0 ? 1 : -ESRCH;
}

/* Opens a pidfd of the container's init. The common case reads the state file only: the monitor
 * writes "running" once init runs, and init itself is checked below whether the monitor lives or
 * not (lxm_state_query() calls a container with a lost monitor running too). */
static int open_init(const struct lxm_paths *paths, const struct lxm_exec_plan *c, struct attach_ctx *a)
{
	uint64_t start = 0, now;
	int r = read_running_init(paths, c->name, &a->init_pid, &start);
	if (r == 0) {
		struct lxm_state_info s;
		r = lxm_state_query(paths, c->name, &s);
		if (r < 0)
			return r;
		bool running = s.state == LXM_STATE_RUNNING && s.init_pid > 0;
		a->init_pid = s.init_pid;
		enum lxm_state state = s.state;
		lxm_state_info_done(&s);
		if (state == LXM_STATE_FROZEN)
			return log_error_errno(-EBUSY, "Container '%s' is frozen, unfreeze it first", c->name);
		r = running && lxm_proc_starttime(a->init_pid, &start) >= 0 ? 1 : -ESRCH;
	}
	if (r < 0)
		return log_error_errno(-ESRCH, "Container '%s' is not running", c->name);
	/* pidfd first, then the start time check: a pid recycled before the pidfd_open() cannot be
	 * joined, and once the pidfd is open its process cannot be replaced */
	a->pidfd = (int)syscall(SYS_pidfd_open, a->init_pid, 0);
	if (a->pidfd < 0 && errno == ESRCH)
		return log_error_errno(-ESRCH, "Container '%s' is not running", c->name);
	if (a->pidfd < 0)
		return log_error_errno(errno, "Failed to open init of '%s': %m", c->name);
	/* read inside the window the start time check closes: these are init's namespaces */
	a->ns_flags = ns_flags_for(a->init_pid);
	if (a->ns_flags < 0)
		return log_error_errno(a->ns_flags == -ENOENT ? -ESRCH : a->ns_flags,
				       "Failed to read the namespaces of '%s': %m", c->name);
	a->sealed_copy = lxm_cloned_binary_needed(a->init_pid) != 0;
	if (lxm_proc_starttime(a->init_pid, &now) < 0 || now != start)
		return log_error_errno(-ESRCH, "Container '%s' is not running", c->name);
	return 0;
}

/* The filter and profile init runs with (steps/seccomp.c, steps/lsm.c), from the config's current
 * settings (runtime/exec-plan.c): the profile was loaded by the start, the filter is compiled (or
 * taken from its cache) here in the CLI. */
static int prepare_security(const struct lxm_paths *paths, const struct lxm_exec_plan *c,
			    struct lxm_seccomp **ret_seccomp, char **ret_profile)
{
	const char *note;
	int r = lxm_seccomp_load_program(c->seccomp ? c->seccomp : "default", paths, ret_seccomp);
	if (r < 0)
		return r;
	r = lxm_apparmor_plan(c->apparmor, c->uuid, ret_profile, &note);
	if (r < 0)
		return log_error_errno(r, "Failed to find the AppArmor profile of '%s': %m", c->name);
	return 0;
}

/* The payload cgroup, from the host's cgroup mounts as remembered in RUN/.cgroup-mounts while the
 * mount table is unchanged (cgroup/mounts-cache.c): mountinfo costs ~0.1 ms per exec. */
static int open_payload(const struct lxm_paths *paths, const char *uuid, struct lxm_cgroup **ret)
{
	/* the handle only joins (cgroup.procs) and reads the freezer state: a v2 hierarchy's
	 * cgroup.controllers is not needed for either */
	static const struct lxm_cgroup_params cgp = { .no_v2_controllers = true };
	_cleanup_free_ char *cache = NULL;
	struct lxm_cgroup_mounts ms = {};

	if (asprintf(&cache, "%s/.cgroup-mounts", paths->run_dir) < 0)
		return -ENOMEM;
	int r = lxm_cgroup_mounts_load_cached(cache, &ms);
	if (r < 0)
		return r;
	r = lxm_cgroup_open_by_id_full(&cgp, &ms, uuid ? uuid : "", LXM_CGROUP_PAYLOAD, ret);
	lxm_cgroup_mounts_done(&ms);
	return r;
}

/* The child's stack, a part of ours (see spawn_into()). It uses 7.7-8.6 KiB (measured: the passwd
 * line, stdio, the error texts), so a quarter of this; small enough that the frames clone() pushes
 * below it are still in the part of the stack the entry point prefaulted. */
#define CHILD_STACK_SIZE (32 * 1024)

static int child_main(void *arg)
{
	child_attach(arg);
}

/* Starts the child in init's pid namespace. The CLI enters it for its children only and leaves it
 * again right after: nothing it forks later (a sanitizer's helper thread at exit) may land in the
 * container.
 *
 * The child shares our memory (CLONE_VM) and we are suspended until it executes the command or
 * exits (CLONE_VFORK), as posix_spawn() does: no copy of our page tables and no copy-on-write
 * faults for a process that replaces its memory a moment later. What the child changes in memory
 * before its exec (the heap it allocates from, environ) we see after; environ is put back below.
 * Everything that confines it is per task, not per memory: credentials, capabilities, namespaces,
 * no_new_privs, the seccomp filter (without TSYNC), cgroups (it is its own thread group). Its
 * non-dumpable flag is on the shared memory (mm), which makes us non-dumpable as well, as the
 * forked child's copy was: /proc/PID/mem of the child shows the same memory either way.
 *
 * The child runs on a buffer in this function's frame, as a vfork() child runs on its parent's
 * stack: we do not run until it is gone, and the buffer lies above anything clone() pushes for us.
 * That part of the stack is mapped already (the static binary's entry point prefaults the top of
 * its stack, cli/front.c), where a stack of its own faulted its pages in one by one. */
static pid_t spawn_into(struct attach_ctx *a)
{
	extern char **environ;
#ifndef __SANITIZE_ADDRESS__
	_Alignas(64) char child_stack[CHILD_STACK_SIZE];
#endif
	_cleanup_close_ int self = -EBADF;
	if (a->ns_flags & CLONE_NEWPID) {
		self = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (self < 0)
			return log_error_errno(errno, "Failed to open our own pidfd: %m");
		if (setns(a->pidfd, CLONE_NEWPID) < 0)
			return log_error_errno(errno, "Failed to join the pid namespace of the container: %m");
	}
	fflush(NULL);
	char **env = environ;
#ifdef __SANITIZE_ADDRESS__
	/* ASan cannot follow a child on another stack that shares its memory (each _exit() path
	 * warns on stderr): the sanitizer build forks; the child's code is the same */
	pid_t pid = fork();
	if (pid == 0)
		child_main(a);
#else
	pid_t pid = clone(child_main, child_stack + sizeof(child_stack), CLONE_VM | CLONE_VFORK | SIGCHLD, a);
#endif
	int e = errno;
	environ = env;
	if (self >= 0 && setns(self, CLONE_NEWPID) < 0) {
		/* cannot happen for root: our own pid namespace is always one we may enter */
		e = errno;
		if (pid > 0) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
		}
		return log_error_errno(e, "Failed to leave the pid namespace of the container: %m");
	}
	if (pid < 0)
		return log_error_errno(e, "Failed to start the command's process: %m");
	return pid;
}

int lxm_attach_run(const struct lxm_paths *paths, const struct lxm_exec_plan *c,
		   const struct lxm_attach_options *o)
{
	struct attach_ctx a = { .plan = c, .o = o, .pidfd = -EBADF, .sock = -EBADF };
	int pair[2], status, r;
	_cleanup_close_ int master = -EBADF;

	r = open_init(paths, c, &a);
	_cleanup_close_ int pidfd = a.pidfd;
	if (r < 0)
		return r;
	/* CVE-2019-5736: where the container's root could write our binary through /proc/PID/exe of
	 * the command's process, run from a sealed copy (re-executes; see security/cloned-binary.c) */
	if (a.sealed_copy) {
		r = lxm_cloned_binary_ensure();
		if (r < 0)
			return log_error_errno(r, "Failed to run from a sealed copy of the lxcmgr binary: %m");
	}
	r = open_payload(paths, c->uuid, &a.payload);
	_cleanup_cgroup_ struct lxm_cgroup *payload = a.payload;
	if (r < 0)
		return log_error_errno(r, "Failed to open the cgroup of '%s': %m", c->name);
	/* The new process would join the frozen cgroup and hang: refuse instead */
	if (lxm_cgroup_is_frozen(payload) > 0)
		return log_error_errno(-EBUSY, "Container '%s' is frozen, unfreeze it first", c->name);
	_cleanup_(lxm_seccomp_freep) struct lxm_seccomp *seccomp = NULL;
	_cleanup_free_ char *aa_profile = NULL;
	r = prepare_security(paths, c, &seccomp, &aa_profile);
	if (r < 0)
		return r;
	a.seccomp = seccomp;
	a.apparmor_profile = aa_profile;
	a.no_new_privs = c->no_new_privs;
	a.pty = o->pty < 0 ? isatty(STDIN_FILENO) : o->pty > 0;
	/* The socket carries the pty's master to us. Without a pty the child's one message (an
	 * error, right before it exits) is left in a.msg instead: it runs on our memory and we
	 * resume only once it exited or executed (spawn_into()), so a socket pair, its two close()
	 * and a recvmsg() are saved. The sanitizer build forks (no shared memory): a socket always. */
	bool use_sock = a.pty;
#ifdef __SANITIZE_ADDRESS__
	use_sock = true;
#endif
	_cleanup_close_ int sock = -EBADF;
	if (use_sock) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
			return log_error_errno(errno, "Failed to create a socket pair: %m");
		sock = pair[0];
		a.sock = pair[1];
	}

	/* signals for the command are forwarded, not acted on, from here on; SIGCHLD waits for the
	 * relay's sigwaitinfo(), and must be sent at all: where whoever ran us ignored it, the kernel
	 * reaped the command unseen and the wait below failed (ECHILD) */
	sigset_t mask, old;
	const struct sigaction dfl = { .sa_handler = SIG_DFL };
	(void)sigaction(SIGCHLD, &dfl, NULL);
	lxm_attach_forward_set(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	pid_t pid = spawn_into(&a);
	if (a.sock >= 0)
		close(a.sock);
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return pid;
	}
	r = sock >= 0 ? read_messages(sock, &master) : message_error(a.msg);
	if (r >= 0)
		r = lxm_attach_relay(master, pid, pid);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = log_error_errno(errno, "Failed to wait for the command: %m");
			break;
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
