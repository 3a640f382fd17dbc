/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fast kill's waits for the dying container (kill-wait.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/kill-wait.h"
#include "util/macros.h"

static int read_populated(int fd, bool *ret_empty)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	*ret_empty = strstr(buf, "populated 0") != NULL;
	return 0;
}

/* The cgroup is read every STEP_US, not polled: cgroup.events notifications are rate-limited (one
 * per 10 ms per file), and one delayed past the cgroup's removal never comes. Mostly init's end
 * wakes us: read every 100 us, the cgroup cost ~30 wake-ups of ours per kill, each taking the CPU
 * from a dying process (a context switch both ways, a timer armed: hypervisor exits here), ~0.5 ms
 * of the CPU time the exits needed, for an answer ~0.1 ms sooner. The deadline: SIGKILL cannot
 * end a process stuck in the kernel (an uninterruptible sleep on a hung file system), and without
 * one this loop woke us every millisecond for as long as it stayed stuck. */
#define STEP_US 1000
int lxm_kill_wait_dying(int events_fd, int init_pidfd, uint64_t deadline_usec)
{
	static const struct timespec step = { .tv_nsec = STEP_US * 1000 };
	struct pollfd p = { .fd = init_pidfd, .events = POLLIN };
	for (;;) {
		bool empty;
		int r = read_populated(events_fd, &empty);
		if (r < 0 || empty)
			return r;
		if (lxm_mono_usec() >= deadline_usec)
			return -ETIMEDOUT;
		r = ppoll(&p, 1, &step, NULL);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return negative_errno();
	}
}

/* Here the cgroup.events notification is polled: after wait_dying() the cgroup has most often
 * emptied, and a process of the payload cgroup outside init's pid namespace dies on its own time. */
int lxm_kill_wait_empty(const char *dir, uint64_t deadline_usec)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	for (;;) {
		bool empty;
		int r = read_populated(fd, &empty);
		if (r < 0 || empty)
			return r;
		uint64_t now = lxm_mono_usec();
		if (now >= deadline_usec)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		if (poll(&p, 1, (int)((deadline_usec - now + 999) / 1000)) < 0 && errno != EINTR)
			return negative_errno();
	}
}
