/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The waits of the small monitor's fast kill (small-kill.c) for the dying container, each bounded
 * by a deadline on CLOCK_MONOTONIC (microseconds, lxm_mono_usec() of util/macros.h). Libc only.
 */
#pragma once

#include <stdint.h>

/* Until the v2 payload cgroup's cgroup.events (events_fd, read from offset 0) says "populated 0",
 * or init's pidfd is readable (init has ended), whichever comes first. Returns 0, -ETIMEDOUT once
 * deadline_usec has passed with neither (a process stuck in the kernel, in D state), or -errno of a
 * failed read or poll. */
int lxm_kill_wait_dying(int events_fd, int init_pidfd, uint64_t deadline_usec);

/* Until the v2 cgroup dir has no process left ("populated 0"). Returns 0 (also when the cgroup
 * is gone), -ETIMEDOUT once deadline_usec has passed, or -errno. */
int lxm_kill_wait_empty(const char *dir, uint64_t deadline_usec);
