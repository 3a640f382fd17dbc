/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast kill of the small monitor (MONITOR.md, "Fast kill"). What lxm_monitor_kill_now(),
 * lxm_monitor_reap() and lxm_monitor_teardown() of the full monitor do for a plain kill, without
 * the 2-3 ms exec back into the full lxcmgr (dynamic loading, config parse, cgroup discovery):
 * the full monitor wrote every path this needs into the hand-over description, and only offers
 * it when nothing else is owed at the end of the run (monitor-handover.c describe_fast_kill()).
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "runtime/kill-spread.h"
#include "runtime/kill-wait.h"
#include "runtime/link-del.h"
#include "runtime/small-kill.h"
#include "util/log.h"

#define EMPTY_TIMEOUT_MS 10000 /* cgroup/internal.h LXM_CG_TIMEOUT_MS */
#define RMDIR_DEPTH_MAX 32
#define RELEASE_STACK_SIZE (64 * 1024)
#ifndef PIDFD_GET_MNT_NAMESPACE
#define PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3) /* linux/pidfd.h, Linux 6.11 */
#endif

static int write_file(const char *dir, const char *file, const char *text)
{
	char path[LXM_HANDOVER_CGROUP_PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	return write(fd, text, strlen(text)) < 0 ? negative_errno() : 0;
}

/* rmdir of a cgroup and of whatever cgroups the payload made below it (only directories: on a
 * cgroupfs rmdir() takes a directory with its control files, and never follows anything). */
static int rmdir_tree(const char *path, unsigned depth)
{
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EBUSY && errno != ENOTEMPTY) || depth >= RMDIR_DEPTH_MAX)
		return negative_errno();
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		int k = (size_t)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= sizeof(sub) ? -ENAMETOOLONG
												 : rmdir_tree(sub, depth + 1);
		if (k < 0 && r == 0)
			r = k;
	}
	if (rmdir(path) < 0 && errno != ENOENT)
		return r < 0 ? r : negative_errno();
	return 0;
}

/* After init's end and the cgroups: by then the kernel's cleanup of the container's netns has
 * mostly unlisted the pair already (ENODEV within a millisecond, 10 of 11 kills here); deleting it
 * while the netns still lives (at the SIGKILL) cost the whole unregister (~15-18 ms) every time.
 * Either way the name is free when we answer: a start right after can create it again. */
static int delete_veths(const struct lxm_handover *h)
{
	int r = 0;
	for (unsigned i = 0; i < h->n_kill_veths; i++) {
		int k = lxm_link_delete_raw(h->kill_veths[i]);
		if (k < 0 && k != -ENODEV && r == 0)
			r = log_warning_errno(k, "Failed to delete '%s', ignoring: %m", h->kill_veths[i]);
	}
	return r;
}

bool lxm_small_kill_possible(const struct lxm_handover *h)
{
	for (unsigned i = 0; i < h->n_kill_absent; i++)
		if (access(h->kill_absent[i], F_OK) == 0)
			return false;
	return true;
}

/* Until the payload's v2 cgroup reads empty or init has ended, whichever comes first
 * (lxm_kill_wait_dying()), or the deadline. Every process of the container has left all its
 * cgroups then (cgroup_exit() in its exit), and the cgroups can go while init finishes its own
 * exit: it waits for its children to be reaped and for its pid namespace's pids first, ~0.1-0.3 ms
 * after the cgroup emptied here. Returns -ETIMEDOUT past the deadline, else 0 (also when there is
 * nothing to wait on: remove_cgroups() and wait_init() wait then). */
static int wait_dying(const struct lxm_handover *h, uint64_t deadline_usec)
{
	char path[LXM_HANDOVER_CGROUP_PATH_MAX + 32];
	_cleanup_close_ int fd = -EBADF;
	for (unsigned i = 0; i < h->n_kill_cgroups && fd < 0; i++)
		if (h->kill_cgroup_kind[i] == LXM_HANDOVER_CG_V2_KILL) {
			snprintf(path, sizeof(path), "%s/cgroup.events", h->kill_cgroups[i]);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
	if (fd < 0)
		return 0;
	int r = lxm_kill_wait_dying(fd, h->init_pidfd, deadline_usec);
	return r == -ETIMEDOUT ? r : 0;
}

/*
 * What the container's end owes the kernel, let go in a thread of ours while the main thread
 * removes the cgroups, once every process of the container is gone:
 * - The container's mount namespace, held from before the SIGKILL. Whoever drops the last
 *   reference to a mount namespace unmounts its tree and waits for an RCU grace period
 *   (namespace_unlock(): synchronize_rcu_expedited(), 0.3-2 ms here); left to the container, its
 *   last process paid it in its exit before it left its cgroups (exit_task_namespaces() comes
 *   before cgroup_exit()), so the cgroups read empty, and could go, only after that wait.
 * - The console ptys. Closed while the gettys still read their ttys (at the SIGKILL), each close
 *   hung up a tty a dying getty held and queued behind it (tty_ldisc_lock()/tty_release()): ~0.1
 *   ms per tty, several context switches between us and the dying processes on a busy CPU.
 * Both are done before the client hears "done" (release_wait()): as before, the container's
 * mounts and consoles are gone when `kill` returns; only the order inside the kill changed.
 * The namespace goes first, on its own: its close (unmount of ~40 mounts, grace period, then the
 * mounts' cleanup on the way back to user space: 1.4-1.8 ms here) is the longest step after the
 * processes' end, longer than the ~22 rmdirs, so the thread is made right after the SIGKILL and
 * sleeps on init's pidfd: it starts the close the moment init has ended (every process of its
 * pid namespace is gone then), not ~0.2-0.3 ms later, after a clone() and a wake-up on the other
 * CPU. The ptys (~0.3 ms of closes) are taken by whoever is free first: the thread after the
 * namespace, or the main thread once its rmdirs are done (closed before the namespace, they made
 * the thread, and so the answer, later by that).
 * Best effort: without the ioctl (Linux < 6.11) the container drops its namespace, as before;
 * without a thread the main thread closes the fds after the cgroups.
 * The thread is a bare clone() sharing our memory and fds (no pthread: libc's thread machinery
 * grew the idle monitor's resident text by ~50 kB, every monitor paying it for the one kill),
 * on a stack of its own in .bss (no page of it resident before the kill); it makes raw system
 * calls only (it shares our thread's TLS, errno included: a close of a valid fd sets none).
 */
enum { RELEASE_PENDING, RELEASE_RUNNING, RELEASE_DONE };
struct release_part {
	int fds[2 * LXM_HANDOVER_MAX_PTYS];
	unsigned n;
	int state; /* RELEASE_*, atomically; a futex */
};
struct release {
	struct release_part ns, ptys;
	int init_pidfd;
};

static void release_hold(const struct lxm_handover *h, struct release *rel)
{
	*rel = (struct release){ .ns.state = RELEASE_PENDING, .ptys.state = RELEASE_PENDING,
				 .init_pidfd = h->init_pidfd };
	for (unsigned i = 0; i < h->n_ptys; i++) {
		if (h->masters[i] >= 0)
			rel->ptys.fds[rel->ptys.n++] = h->masters[i];
		if (h->peers[i] >= 0)
			rel->ptys.fds[rel->ptys.n++] = h->peers[i];
	}
	/* while init lives: its pidfd names a live process's namespaces */
	int fd = ioctl(h->init_pidfd, PIDFD_GET_MNT_NAMESPACE, 0);
	if (fd >= 0) {
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		rel->ns.fds[rel->ns.n++] = fd;
	}
}

/* Whoever comes first, the thread or the main thread, closes a part's fds (the namespace's
 * unmount and grace period run in that thread's return from close()): a thread that waits for a
 * CPU on a busy host costs nothing then. Returns whether this caller did it. */
static bool release_claim_and_run(struct release_part *part)
{
	int pending = RELEASE_PENDING;
	if (!__atomic_compare_exchange_n(&part->state, &pending, RELEASE_RUNNING, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	for (unsigned i = 0; i < part->n; i++)
		(void)syscall(SYS_close, part->fds[i]);
	__atomic_store_n(&part->state, RELEASE_DONE, __ATOMIC_RELEASE);
	(void)syscall(SYS_futex, &part->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return true;
}

static int release_thread(void *arg)
{
	struct release *rel = arg;
	/* Until init has ended: a pid namespace's init ends after every other process of it (and an
	 * adopted init's pidfd polls the same). No timeout and no signal handler (the monitor
	 * catches none: it reads its signals from a signalfd), so this poll does not fail and sets
	 * no errno in the TLS we share. The
	 * main thread takes the work itself if this one is not done by the end. */
	struct pollfd p = { .fd = rel->init_pidfd, .events = POLLIN };
	(void)syscall(SYS_poll, &p, 1, -1);
	(void)release_claim_and_run(&rel->ns);
	(void)release_claim_and_run(&rel->ptys);
	return 0; /* clone()'s own code ends the thread (exit, not exit_group) */
}

/* Made right after the SIGKILL, while the container dies: the thread sleeps until init has
 * ended. Never waited for when the main thread claimed the work first: the monitor's _exit() ends
 * the thread then. */
static void release_start(struct release *rel)
{
	static char stack[RELEASE_STACK_SIZE] __attribute__((aligned(16)));
	if (rel->ns.n + rel->ptys.n == 0)
		return;
	/* failed: release_wait() does it */
	int tid = clone(release_thread, stack + sizeof(stack),
			CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, rel);
	/* on the other CPU, at once: queued behind us, it began only when an rmdir blocked us */
	lxm_kill_pin_elsewhere(tid);
}

static void release_wait_part(struct release_part *part)
{
	if (release_claim_and_run(part))
		return;
	int s;
	while ((s = __atomic_load_n(&part->state, __ATOMIC_ACQUIRE)) != RELEASE_DONE)
		(void)syscall(SYS_futex, &part->state, FUTEX_WAIT_PRIVATE, s, NULL, NULL, 0);
}

/* The ptys first: the thread is most likely still in the namespace's close */
static void release_wait(struct release *rel)
{
	release_wait_part(&rel->ptys);
	release_wait_part(&rel->ns);
}

/* The generated AppArmor profile, once no process of the container runs under it (as
 * lxm_apparmor_release() at the full monitor's teardown; a failure only leaves an unused profile
 * loaded, which the next start of the container replaces). */
static void unload_apparmor(const struct lxm_handover *h)
{
	if (!h->kill_apparmor[0])
		return;
	int fd = open("/sys/kernel/security/apparmor/.remove", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, h->kill_apparmor, strlen(h->kill_apparmor)) < 0)
		if (errno != ENOENT)
			log_debug_errno(errno, "Failed to unload the AppArmor profile '%s', ignoring: %m", h->kill_apparmor);
	if (fd >= 0)
		close(fd);
}

/* init is gone (or was never ours: an adopted monitor, where waitid() says ECHILD and the pidfd
 * only tells that it ended). */
static void wait_init(const struct lxm_handover *h)
{
	siginfo_t si = {};
	int r;
	while ((r = waitid((idtype_t)P_PIDFD, (id_t)h->init_pidfd, &si, WEXITED)) < 0 && errno == EINTR)
		;
	if (r == 0) {
		if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
			log_info("Init was terminated by signal %d", si.si_status);
		else
			log_info("Init exited with status %d", si.si_status);
		return;
	}
	struct pollfd p = { .fd = h->init_pidfd, .events = POLLIN };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* CONTAINERS/NAME/last_exit, atomically for readers (as lxm_state_set_last_exit()), but without
 * freeing a disk block: the text goes into the spare last_exit.prev (rewritten in place, never
 * removed), which then trades places with last_exit (RENAME_EXCHANGE); the spare then holds the
 * previous run's text. A replacing rename() frees the old file's block, and on an ext4 mounted
 * with `discard` (this host's root) each freed block is a synchronous discard: 0.3-2 ms here, in
 * the middle of the kill. Where the exchange is not supported (or no last_exit exists yet) it is
 * a plain rename. */
static int write_last_exit(const char *path, const char *how)
{
	char spare[LXM_HANDOVER_PATH_MAX + 8], text[32];
	struct stat st;
	int n = snprintf(text, sizeof(text), "%s\n", how);
	snprintf(spare, sizeof(spare), "%s.prev", path);
	_cleanup_close_ int fd = open(spare, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	if (pwrite(fd, text, (size_t)n, 0) != n)
		return errno ? negative_errno() : -EIO;
	/* shrinking within the first block frees nothing */
	if (st.st_size > n && ftruncate(fd, n) < 0)
		return negative_errno();
	if (renameat2(AT_FDCWD, spare, AT_FDCWD, path, RENAME_EXCHANGE) == 0)
		return 0;
	if (errno != ENOENT && errno != EINVAL)
		return negative_errno();
	return rename(spare, path) < 0 ? negative_errno() : 0;
}

/* Whether the file holds a disk block, not only a delayed-allocation reservation (an unwritten
 * file's data has no place on disk yet: removing it frees nothing). Unknown (no FIEMAP: tmpfs,
 * which discards nothing): no. */
static bool on_disk(int fd)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[1];
	} f = { .fm = { .fm_length = FIEMAP_MAX_OFFSET, .fm_extent_count = 1 } };
	if (ioctl(fd, FS_IOC_FIEMAP, &f.fm) < 0)
		return false;
	return f.fm.fm_mapped_extents > 0 && !(f.fm.fm_extents[0].fe_flags & FIEMAP_EXTENT_DELALLOC);
}

/* While the kernel tears the container down (the monitor would only wait for it): the run's state
 * record is written again, the same text, into a new file that trades places with it
 * (RENAME_EXCHANGE), and the old file is removed now, when the old one holds a disk block (once
 * written back, or allocated at a replacing rename): freeing a block on a `discard` mount is a
 * synchronous discard (0.3-2 ms here); the new file has none yet (delayed allocation), so removing
 * it after init's end, before the answer, frees nothing.
 * Readers find a complete record at every moment: the container reads as running until the run
 * files go, after the cgroups. (Not the whole run directory now: the record names the cgroups, so a
 * monitor lost before their removal leaves a stale record the next command cleans up by; without
 * it the next start would fail over the leftover cgroups, v1 devices refusing its deny-all.)
 * Best effort: on any failure the record stays as it was. */
static void state_shed_block(const char *dir)
{
	char path[LXM_HANDOVER_PATH_MAX + 16], tmp[LXM_HANDOVER_PATH_MAX + 16], text[4096];
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s/state.tmp", dir);
	_cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	/* Only where the record holds a disk block: a start's record is not written back yet for the
	 * first ~30 s (delayed allocation), and the new file costs an inode allocation (0.1-0.3 ms
	 * here, on the answer's path when the kernel's teardown is quick) */
	if (in < 0 || !on_disk(in))
		return;
	ssize_t n = read(in, text, sizeof(text));
	if (n <= 0 || (size_t)n == sizeof(text))
		return;
	_cleanup_close_ int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0)
		return;
	if (write(out, text, (size_t)n) == n)
		(void)renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE);
	(void)unlink(tmp); /* the old record after the exchange, else the unused copy */
}

/* The run files go; the directory itself stays, empty. Removing it freed its disk block at our
 * exit (the control connection holds its path until then), and the client waits for that exit:
 * on an ext4 mounted with `discard` (this host's root, so a --root below /var/tmp; not a tmpfs
 * /run) a synchronous discard, 0.2-2 ms of every kill's answer. Nothing reads the directory
 * itself: a record is RUN/NAME/state (none: stopped), the next start makes the directory only
 * where it is missing (and saves the block's allocation), destroy removes it. */
static void remove_run_files(const char *dir)
{
	static const char *const files[] = { "control", "state", "state.tmp" };
	char path[LXM_HANDOVER_PATH_MAX + 16];
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
}

/* The payload cgroups, once empty (until the deadline: the rmdir of one that is not fails). */
static int remove_cgroups(const struct lxm_handover *h, uint64_t deadline_usec)
{
	char path[LXM_HANDOVER_CGROUP_PATH_MAX + 80];
	int ret = 0, r;

	for (unsigned i = 0; i < h->n_kill_cgroups; i++) {
		if (h->kill_cgroup_kind[i] != LXM_HANDOVER_CG_V2_KILL)
			continue;
		r = lxm_kill_wait_empty(h->kill_cgroups[i], deadline_usec);
		if (r < 0)
			ret = log_warning_errno(r, "Failed to wait for '%s' to become empty: %m", h->kill_cgroups[i]);
	}
	for (unsigned i = 0; i < h->n_kill_cgroups; i++) {
		/* the usual shape, the cgroup and its inner one, goes with two rmdir() calls */
		if (h->kill_cgroup_inner[i][0]) {
			snprintf(path, sizeof(path), "%s/%s", h->kill_cgroups[i], h->kill_cgroup_inner[i]);
			(void)rmdir(path);
		}
		r = rmdir_tree(h->kill_cgroups[i], 0);
		if (r < 0 && ret == 0)
			ret = log_warning_errno(r, "Failed to remove the payload cgroup '%s', ignoring: %m",
						h->kill_cgroups[i]);
	}
	return ret;
}

/* The container's threads pinned over the CPUs, so that they die side by side (kill-spread.c says
 * why): the v2 payload cgroup's inner cgroup, where the container runs. */
static void spread_dying(const struct lxm_handover *h)
{
	char path[LXM_HANDOVER_CGROUP_PATH_MAX + 80];
	for (unsigned i = 0; i < h->n_kill_cgroups; i++)
		if (h->kill_cgroup_kind[i] == LXM_HANDOVER_CG_V2_KILL) {
			snprintf(path, sizeof(path), "%s%s%s", h->kill_cgroups[i], h->kill_cgroup_inner[i][0] ? "/" : "",
				 h->kill_cgroup_inner[i]);
			(void)lxm_kill_spread(path);
			return;
		}
}

int lxm_small_kill(const struct lxm_handover *h, void (*after_kill)(void *arg), void *arg)
{
	/* static: the thread may look at it after we returned (once per monitor: it exits) */
	static struct release rel;
	int ret = 0, r;

	uint64_t deadline = lxm_mono_usec() + EMPTY_TIMEOUT_MS * 1000;

	release_hold(h, &rel);
	spread_dying(h);
	/* SIGKILL of a pid namespace's init kills every process in the namespace; cgroup.kill also
	 * gets any process of the payload cgroup outside it, as lxm_cgroup_kill() at the teardown */
	if (syscall(SYS_pidfd_send_signal, h->init_pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		ret = log_warning_errno(errno, "Failed to kill init: %m");
	/* two passes: the thaw comes after the kill is queued (a task frozen by the v1 freezer cannot
	 * die, and once thawed it must not run a single instruction more) */
	for (int kind = LXM_HANDOVER_CG_V2_KILL; kind <= LXM_HANDOVER_CG_FREEZER; kind++)
		for (unsigned i = 0; i < h->n_kill_cgroups; i++) {
			if (h->kill_cgroup_kind[i] != kind)
				continue;
			r = kind == LXM_HANDOVER_CG_V2_KILL ? write_file(h->kill_cgroups[i], "cgroup.kill", "1")
							    : write_file(h->kill_cgroups[i], "freezer.state", "THAWED");
			if (r < 0 && r != -ENOENT && ret == 0)
				ret = log_warning_errno(r, "Failed to kill the payload cgroup '%s': %m",
							h->kill_cgroups[i]);
		}
	if (after_kill)
		after_kill(arg);
	release_start(&rel);
	state_shed_block(h->kill_run_dir);
	/* Bounded as the full monitor's cgroup kill (LXM_CG_TIMEOUT_MS): SIGKILL cannot end a process
	 * stuck in the kernel. Past it the cgroups that are still populated stay (their rmdir fails,
	 * logged), and init's end is waited for without polling (wait_init()), as the full monitor
	 * waits for its SIGCHLD: the container is not down before that, and `kill` must not say so. */
	if (wait_dying(h, deadline) == -ETIMEDOUT) {
		log_warning("The container's processes have not ended %d s after SIGKILL (stuck in the kernel?); "
			    "waiting for init without a deadline",
			    EMPTY_TIMEOUT_MS / 1000);
		deadline = 0; /* the cgroups: one look, no second wait */
	}
	r = remove_cgroups(h, deadline);
	if (r < 0 && ret == 0)
		ret = r;
	/* the ptys here, unless the thread is done with the namespace already: every process of the
	 * container has left (the cgroups are gone), no getty is left to hang up */
	(void)release_claim_and_run(&rel.ptys);
	/* The log line and last_exit once the container's processes are gone, while the thread still
	 * closes the namespace: written right after the SIGKILL (~0.3 ms of system calls, an ext4
	 * append and a rename), they held this CPU, where the wake-ups had queued half of the dying
	 * processes (kill-spread.c), and delayed their exits. How this run ended is decided by the
	 * SIGKILL (lxm_monitor_reap() classifies a requested kill as "killed" whatever the exit
	 * status), and no reader sees the container stopped before the run files go, below. */
	log_info("Killing the container, tearing it down in the small monitor");
	r = write_last_exit(h->kill_last_exit, "killed");
	if (r < 0 && ret == 0)
		ret = log_warning_errno(r, "Failed to write '%s': %m", h->kill_last_exit);
	wait_init(h);
	/* before the veths: the mount namespace's sysfs holds the network namespace, whose end
	 * unlists the host veth (delete_veths() finds them gone then) */
	release_wait(&rel);
	r = delete_veths(h);
	if (r < 0 && ret == 0)
		ret = r;
	unload_apparmor(h);
	log_info("Container stopped: killed");
	/* run files go before the client hears "done": a `start` right after must not find them */
	remove_run_files(h->kill_run_dir);
	return ret;
}
