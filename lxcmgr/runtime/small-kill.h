/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fast kill of the small monitor (MONITOR.md, "Fast kill"): `kill NAME` (`stop 0 cgroup`) of a
 * container that owes nothing else at its end (no hook, no network, no AppArmor profile) is done
 * by lxcmgr-monitor itself, without the exec back into the full lxcmgr. Libc only.
 */
#pragma once

#include "runtime/handover.h"

/* Whether the fast kill still fits: no path of kill_absent exists (a managed network appeared). */
bool lxm_small_kill_possible(const struct lxm_handover *h);

/* SIGKILL to init (through its pidfd), cgroup.kill of the payload, waits for init and for the
 * payload cgroup to empty, removes the payload cgroups, deletes the host veths (if the kernel has
 * not yet), writes last_exit ("killed"), removes the run files. The container's mount namespace
 * (held from before the SIGKILL) and the console ptys of h are closed once its processes are
 * gone, in a thread while the cgroups go, and before it returns. after_kill(arg) runs once the
 * signals are sent (the small monitor answers "ok stopping" there). Once per process: the caller
 * exits after it. Returns 0, or -errno of the first step that failed (every step is tried; what
 * failed was logged). */
int lxm_small_kill(const struct lxm_handover *h, void (*after_kill)(void *arg), void *arg);
