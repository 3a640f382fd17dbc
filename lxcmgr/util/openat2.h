/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* openat2(2) with the retry the kernel asks for. */
#pragma once

#include <errno.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

/* With RESOLVE_IN_ROOT or RESOLVE_BENEATH the kernel fails with EAGAIN when a rename or mount
 * anywhere on the system raced with a ".." step of the walk and it cannot prove the walk stayed
 * inside; the call is meant to be retried. A busy host (many containers starting, a test suite)
 * made init detection fail on Debian's /sbin/init -> ../lib/systemd/systemd that way. Returns the
 * fd, or -1 with errno set, like the syscall. */
static inline int lxm_openat2(int dirfd, const char *path, struct open_how *how)
{
	for (int tries = 0;; tries++) {
		int fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
		if (fd >= 0 || errno != EAGAIN || tries >= 128)
			return fd;
		if (tries >= 8)
			(void)sched_yield(); /* let the renaming side finish its step */
	}
}
