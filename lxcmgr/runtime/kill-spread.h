/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Spreading a killed container's dying threads over the CPUs (kill-spread.c). Libc only: linked
 * into lxcmgr-monitor too.
 */
#pragma once

#include <sys/types.h>

/* Right before the SIGKILL of a container: pins each thread of the cgroup directory DIR
 * (cgroup.threads, as the caller's pid namespace names them) to one CPU of the caller's own
 * affinity mask, round robin, so that their exits run on every CPU instead of queueing on the one
 * the wake-ups picked. Best effort, nothing to report: a thread that is gone, or whose cpuset
 * refuses the CPU, keeps its mask. Returns how many threads were pinned. */
unsigned lxm_kill_spread(const char *dir);

/* Pins TID (a thread of ours) to a CPU of our affinity mask other than the one we run on, so that
 * it runs at once, beside us: a new thread is queued on its creator's CPU, and here (no shared
 * cache reported, kill-spread.c) nothing moves it to the idle one before we block. Best effort. */
void lxm_kill_pin_elsewhere(pid_t tid);
