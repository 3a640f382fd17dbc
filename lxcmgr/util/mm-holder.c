/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why: a command's exit tears its address space down before its parent is woken (exit_mm() comes
 * before exit_notify() in do_exit()). For the static lxcmgr after a `start` (its code mapped in
 * one call, the config parsed) that took 0.3-1 ms on the paravirtualised test host (tracefs:
 * sched_process_exit to the parent's wake-up), all of it on the caller's path. A holder process
 * that shares the address space (CLONE_VM) keeps it alive: our exit only drops a reference and the
 * parent is told at once; the holder sees our end (its pipe's end-of-file) and tears the address
 * space down after that, off the caller's path.
 *
 * The holder shares our memory, so it runs no libc code that could touch our state: only system
 * calls that cannot fail here (close_range, futex wake, read of its pipe, exit; so no errno is
 * written), on a stack of its own. It starts with every signal blocked, so none of our handlers
 * ever runs in it. It gets a copy of our fd table and closes every fd but its pipe at once: a copy
 * of the container lock (flocked, LOCK_NB for the next command) or of the caller's stdout pipe
 * must never outlive us, so our exit() waits until it has closed them (mm_holder_settle, normally
 * long done: it is started while we wait for something else).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/macros.h"
#include "util/mm-holder.h"

static char holder_stack[16384] __attribute__((aligned(64)));
static int holder_closed; /* set by the holder once it holds none of our fds but its pipe */
static pid_t holder_creator, holder_pid;

/* Not instrumented: a sanitizer's runtime would use our thread's state (its TLS is ours). */
__attribute__((no_sanitize("address", "undefined"))) static int holder_main(void *arg)
{
	long fd = (long)(intptr_t)arg;
	char c;

	(void)syscall(SYS_close_range, 0U, (unsigned)fd - 1, 0U);
	(void)syscall(SYS_close_range, (unsigned)fd + 1, ~0U, 0U);
	__atomic_store_n(&holder_closed, 1, __ATOMIC_RELEASE);
	(void)syscall(SYS_futex, &holder_closed, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	/* end-of-file once we and our write end are gone; signals are blocked, so no EINTR */
	while (syscall(SYS_read, fd, &c, 1L) > 0)
		;
	return 0; /* glibc's clone() ends the process with the exit system call */
}

/* At exit(): until the holder closed its copies of our fds (bounded: a stopped holder must not
 * keep us; its copies then go when it goes). Only in the process that made it, not in a fork. */
static void mm_holder_settle(void)
{
	if (getpid() != holder_creator)
		return;
	/* Our exit wakes the holder (its pipe) right before our parent: on our CPU it would make
	 * that one busy, and the parent's wake-up would go elsewhere, often behind init. Sent to
	 * another CPU it leaves ours to the parent. */
	unsigned cpu;
	/* getcpu itself, not glibc's sched_getcpu(): that reads the rseq area, wrong in a fork of a
	 * vfork() child (MONITOR.md), should a monitor ever call this */
	if (holder_pid > 0 && syscall(SYS_getcpu, &cpu, NULL, NULL) == 0) {
		cpu_set_t set;
		if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1) {
			CPU_CLR(cpu, &set);
			(void)sched_setaffinity(holder_pid, sizeof(set), &set);
		}
	}
	uint64_t limit = lxm_mono_usec() + 1000 * 1000;
	while (!__atomic_load_n(&holder_closed, __ATOMIC_ACQUIRE) && lxm_mono_usec() < limit) {
		struct timespec step = { 0, 10 * 1000 * 1000 };
		(void)syscall(SYS_futex, &holder_closed, FUTEX_WAIT_PRIVATE, 0, &step, NULL, 0);
	}
}

int lxm_mm_holder_start(void)
{
	sigset_t all, old;
	int p[2];

	if (holder_creator == getpid()) /* one try per process: a holder serves every later caller */
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (p[0] == 0) { /* holder_main closes everything below its fd */
		close(p[0]);
		close(p[1]);
		return -EBADF;
	}
	if (atexit(mm_holder_settle) != 0) {
		close(p[0]);
		close(p[1]);
		return -ENOMEM;
	}
	__atomic_store_n(&holder_closed, 0, __ATOMIC_RELAXED);
	holder_creator = getpid();
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	/* No exit signal: we never wait for it; it is reparented once we are gone */
	pid_t pid = clone(holder_main, holder_stack + sizeof(holder_stack), CLONE_VM, (void *)(intptr_t)p[0]);
	int r = pid < 0 ? -errno : 0;
	holder_pid = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[0]);
	if (r < 0) {
		__atomic_store_n(&holder_closed, 1, __ATOMIC_RELAXED); /* nothing to wait for */
		close(p[1]);
		return r;
	}
	return 0; /* p[1] stays open until we exit */
}
