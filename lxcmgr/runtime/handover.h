/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the full monitor (lxcmgr __monitor) and the small one (lxcmgr-monitor) pass each other when
 * one execs the other in the same process (MONITOR.md, "Process model"): the fds they hand over
 * and the state that goes with them, as text lines in a memfd ("KEY VALUE..."). Only libc here:
 * the small program links this file and nothing of the project's libraries.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define LXM_HANDOVER_VERSION 1
#define LXM_HANDOVER_MAX_PTYS 7 /* /dev/console and /dev/tty1..6 (start.h LXM_MAX_TTYS) */
#define LXM_HANDOVER_MAX_CLIENTS 64
#define LXM_HANDOVER_MAX_RESTARTS 64 /* services/restart-policy.h LXM_RESTART_HISTORY */
#define LXM_HANDOVER_TEXT_MAX 65536
#define LXM_HANDOVER_PATH_MAX 4096
#define LXM_HANDOVER_MAX_CGROUPS 16 /* payload cgroup directories, one per hierarchy */
#define LXM_HANDOVER_CGROUP_PATH_MAX 512
#define LXM_HANDOVER_MAX_VETHS 8 /* host veths the fast kill deletes */
#define LXM_HANDOVER_IFNAME_MAX 16 /* IF_NAMESIZE */

enum lxm_handover_cgroup_kind {
	LXM_HANDOVER_CG_V1,      /* a v1 hierarchy: removed only */
	LXM_HANDOVER_CG_V2_KILL, /* v2 (or hybrid's unified) with cgroup.kill and cgroup.events */
	LXM_HANDOVER_CG_FREEZER, /* v1 freezer: thawed after the kill (a frozen task cannot die) */
	_LXM_HANDOVER_CG_MAX,
};

struct lxm_handover_client {
	int fd;
	int tty; /* -1: control requests; else the pty index it views */
};

struct lxm_handover {
	char name[256];
	char root[LXM_HANDOVER_PATH_MAX]; /* --root, "" for none */
	int log_fd;                       /* monitor.log, -1 for none */
	int log_level;

	pid_t init_pid;
	int init_pidfd;
	uint64_t init_start;
	int init_system; /* enum lxm_init_system */
	uint64_t started_usec;
	int listen_fd;
	int config_fd; /* memfd: the container config the monitor started with */

	unsigned n_ptys; /* 1 + n_ttys; 0 when the console was lost (adopted monitor) */
	int masters[LXM_HANDOVER_MAX_PTYS];
	int peers[LXM_HANDOVER_MAX_PTYS];

	int ring_fd; /* memfd of the console ring buffer, -1 until the first output */
	uint64_t ring_size, ring_start, ring_len;

	int clog_fd; /* console.log */
	uint64_t clog_size, clog_max;
	unsigned clog_rotate;
	char clog_path[LXM_HANDOVER_PATH_MAX];

	int halt_signal, reboot_signal;
	bool pre_stop_hook; /* configured: the small monitor must not kill before it has run */
	unsigned restart_total, restart_n;
	uint64_t restart_at[LXM_HANDOVER_MAX_RESTARTS];

	unsigned n_clients;
	struct lxm_handover_client clients[LXM_HANDOVER_MAX_CLIENTS];

	/* The fast kill (MONITOR.md, "Fast kill"): what the small monitor removes itself for a
	 * `stop 0 cgroup` when nothing else is owed (no hook, no managed network).
	 * Optional keys: without all of them (kill_run, kill_exit, one v2 kill_cgroup) it hands back. */
	bool fast_kill;
	bool kill_own_cgroup; /* the monitor has a cgroup of its own: fast only for `stop 0 cgroup` */
	char kill_run_dir[LXM_HANDOVER_PATH_MAX];   /* RUN/NAME: control, state, state.tmp, the dir */
	char kill_last_exit[LXM_HANDOVER_PATH_MAX]; /* CONTAINERS/NAME/last_exit */
	unsigned n_kill_cgroups;
	int kill_cgroup_kind[LXM_HANDOVER_MAX_CGROUPS]; /* enum lxm_handover_cgroup_kind */
	char kill_cgroup_inner[LXM_HANDOVER_MAX_CGROUPS][64]; /* the inner cgroup's name, "" for none */
	char kill_cgroups[LXM_HANDOVER_MAX_CGROUPS][LXM_HANDOVER_CGROUP_PATH_MAX];
	unsigned n_kill_veths;
	char kill_veths[LXM_HANDOVER_MAX_VETHS][LXM_HANDOVER_IFNAME_MAX];
	/* the container's generated AppArmor profile, unloaded once its processes are gone ("" for
	 * none: unconfined, a profile of the admin's, or no AppArmor) */
	char kill_apparmor[64];
	/* paths that must still not exist at the kill (a managed network made meanwhile: its leases
	 * and forwards need the full monitor) */
	unsigned n_kill_absent;
	char kill_absent[2 * LXM_HANDOVER_MAX_VETHS][LXM_HANDOVER_CGROUP_PATH_MAX];
};

/* An empty description: every fd -1. */
void lxm_handover_init(struct lxm_handover *h);

/* Writes h as text into buf; its length, or -EINVAL (a value cannot be written, e.g. a newline in a
 * path) / -ENOBUFS. */
int lxm_handover_format(const struct lxm_handover *h, char *buf, size_t size);

/* Parses text (NUL-terminated) into *ret. Rejects (-EINVAL) an unknown version or key, a missing
 * or repeated key, numbers out of range, an fd below 3 or used twice, a pty index or client count
 * out of bounds, a ring position outside the ring. Says nothing about whether the fds are open. */
int lxm_handover_parse(const char *text, struct lxm_handover *ret);

/* Every fd h names, into fds (room for LXM_HANDOVER_MAX_FDS); returns how many. */
#define LXM_HANDOVER_MAX_FDS (7 + 2 * LXM_HANDOVER_MAX_PTYS + LXM_HANDOVER_MAX_CLIENTS)
unsigned lxm_handover_fds(const struct lxm_handover *h, int *fds);

/* Sets (cloexec true) or clears FD_CLOEXEC on every fd h names. Cleared only right before the
 * exec that hands them over; set again first thing after it. -EBADF when one is not open. */
int lxm_handover_set_cloexec(const struct lxm_handover *h, bool cloexec);

/* Writes h into memfd (truncated first); fd < 0 creates one (MFD_CLOEXEC). Returns the fd. */
int lxm_handover_write(const struct lxm_handover *h, int fd);
/* Reads and parses the description in fd (from offset 0). */
int lxm_handover_read(int fd, struct lxm_handover *ret);
