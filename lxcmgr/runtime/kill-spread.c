/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why a kill pins the dying threads (MONITOR.md, "Fast kill"): a process's exit costs ~0.6-1 ms
 * of CPU here (mm and files torn down: page-table work and TLB flushes are hypervisor exits on a
 * paravirtualised guest), and the wake-ups of a SIGKILL put every process of the container on the
 * same CPU: this host's vCPUs report no shared cache, so the scheduler's wake-up path never looks
 * at the other, idle CPU (no LLC domain to search), and the periodic load balance (a tick, 4 ms
 * at HZ=250) comes too late for a few milliseconds of work. A booted busybox (init, 5 gettys, 2
 * sleeps) thus died one process after the other on one CPU, ~7 ms, while the other CPU idled.
 * Pinned round robin before the signal, the wake-ups respect the masks and the exits run side by
 * side. The masks only matter to threads that are about to die: they are set right before the
 * SIGKILL, and a thread forked in between inherits one (it dies with the rest).
 * The thread ids come from the kernel's own list of the cgroup; one that exits and whose id is
 * reused by a host thread between the read and the pin would get a one-CPU mask: harmless (an
 * affinity, no privilege), and only possible within those microseconds (ids are not reused until
 * the pid space wraps).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/kill-spread.h"

#define SPREAD_BUF 8192 /* ~1000 thread ids: a larger container is spread in its first ones */

unsigned lxm_kill_spread(const char *dir)
{
	static char buf[SPREAD_BUF]; /* .bss: no page of it resident before the kill */
	char path[PATH_MAX];
	cpu_set_t mine, one;
	int cpus[CPU_SETSIZE], n = 0;

	if (sched_getaffinity(0, sizeof(mine), &mine) < 0)
		return 0;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mine))
			cpus[n++] = c;
	if (n < 2 || (size_t)snprintf(path, sizeof(path), "%s/cgroup.threads", dir) >= sizeof(path))
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	if (len == sizeof(buf) - 1) { /* full: the last line may be cut, only whole lines count */
		char *nl = strrchr(buf, '\n');
		if (!nl)
			return 0;
		nl[1] = '\0';
	}
	/* Least loaded CPU first, ours counted as one thread busy already: we answer the client,
	 * write the kill's records and poll for the end there (~0.5-1 ms of CPU, an exit's worth) */
	unsigned load[CPU_SETSIZE] = { 0 }, pinned = 0;
	int cur = sched_getcpu();
	for (int i = 0; i < n; i++)
		if (cpus[i] == cur)
			load[i] = 1;
	for (char *p = buf, *end; *p; p = end) {
		long tid = strtol(p, &end, 10);
		if (end == p || *end != '\n')
			break;
		end++;
		if (tid <= 0)
			continue;
		int best = 0;
		for (int i = 1; i < n; i++)
			if (load[i] < load[best] || (load[i] == load[best] && cpus[best] == cur))
				best = i;
		CPU_ZERO(&one);
		CPU_SET(cpus[best], &one);
		if (sched_setaffinity((pid_t)tid, sizeof(one), &one) == 0) {
			pinned++;
			load[best]++;
		}
	}
	return pinned;
}

void lxm_kill_pin_elsewhere(pid_t tid)
{
	cpu_set_t mine, one;
	int cur = sched_getcpu();
	if (tid <= 0 || cur < 0 || sched_getaffinity(0, sizeof(mine), &mine) < 0)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (c != cur && CPU_ISSET(c, &mine)) {
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			(void)sched_setaffinity(tid, sizeof(one), &one);
			return;
		}
}
