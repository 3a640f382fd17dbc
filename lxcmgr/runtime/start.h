/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Creating a container's processes: the named start steps (cgroup, clone with namespaces, id maps,
 * network, limits; then in the child: rootfs, mounts, proc, sys, cgroupfs, dev, console,
 * pivot_root, hostname, capabilities, LSM, seccomp, exec). Called by the monitor.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "core/paths.h"
#include "util/macros.h"
#include "store/store.h" /* needs util/macros.h first (DEFINE_TRIVIAL_CLEANUP_FUNC) */

enum lxm_init_system {
	LXM_INIT_UNKNOWN = 0,
	LXM_INIT_SYSTEMD,
	LXM_INIT_SYSVINIT,
	LXM_INIT_OPENRC,
	LXM_INIT_RUNIT,
	LXM_INIT_BUSYBOX,
	LXM_INIT_SHIM, /* init-shims/lxcmgr-init */
};
const char *lxm_init_system_to_string(enum lxm_init_system i);
int lxm_init_system_from_string(const char *s, enum lxm_init_system *ret);

/* Detects the init from ROOTFS/sbin/init (and what it points to), resolved inside the rootfs:
 * a symlink can never lead to a host file. 0 and LXM_INIT_UNKNOWN when not recognised; -ENOENT
 * when there is no /sbin/init inside, other -errno when it is not a regular file. */
int lxm_init_detect(const char *rootfs, enum lxm_init_system *ret);

/* Halt and reboot signals for an init (config overrides are applied by the caller). For runit
 * both are SIGCONT: the caller first makes the stopit file executable inside (mode 100), for a
 * reboot also the reboot file, else makes it mode 000. Debian's runit reads /run/runit.stopit
 * and /run/runit.reboot (upstream: /etc/runit/stopit and /etc/runit/reboot). */
void lxm_init_signals(enum lxm_init_system i, int *ret_halt, int *ret_reboot);

#define LXM_MAX_TTYS 6

struct lxm_start_params {
	const struct lxm_paths *paths;
	const struct lxm_container *container; /* loaded, validated */
	struct lxm_cgroup *payload;            /* start attaches init to it */
	/* Whether lxm_start() creates the payload cgroup (else the caller did): in step 'cgroup',
	 * while the child makes its first mounts, off the critical path. */
	bool create_payload;
	/* Optional: the caller joins it right after init joined the payload, creating it when
	 * joining fails (a shared cgroup that usually exists). Each burst of cgroup migrations
	 * waits for an RCU grace period (6-17 ms on v1 here); two back to back share one. */
	struct lxm_cgroup *self_cgroup;
	unsigned n_ttys;                       /* /dev/tty1..N inside (<= LXM_MAX_TTYS) */
	/* Optional (with create_payload): a process from lxm_start_payload_fork() already making
	 * the payload cgroup; lxm_start() takes it over (reaps it whatever happens), else forks
	 * its own. */
	pid_t payload_maker;
	/* Optional (with create_payload), instead of payload_maker: the read end of a socket whose
	 * peer (the CLI's detacher, monitor-spawn.c) makes the payload cgroup and reports one byte, 0 when it
	 * made it; taken over like payload_maker. 0 when none (fd 0 never is one: struct literals
	 * stay without). */
	int payload_report_fd;
	/* Optional: the caller's own setup that init does not need (the monitor's console log,
	 * control socket and state file), run by the parent once it told the child its last step,
	 * so it overlaps the child's mounts on the other CPU instead of delaying the clone. A
	 * negative return (logged by it) fails the start like any step: the child is killed. */
	int (*overlap)(void *userdata);
	void *overlap_data;
};

struct lxm_started {
	pid_t init_pid;            /* host pid of the container's PID 1 */
	int init_pidfd;            /* its pidfd (clone3 CLONE_PIDFD), O_CLOEXEC; waitid(P_PIDFD) reaps */
	int console_master;        /* pty master behind /dev/console */
	int tty_masters[LXM_MAX_TTYS];
	/* The slaves' host side: keep each open as long as its master. Whenever no slave is open
	 * (systemd and getty close and reopen the console while booting), reading the master fails
	 * with EIO and poll() reports POLLHUP in a loop. */
	int console_slave;
	int tty_slaves[LXM_MAX_TTYS];
	unsigned n_ttys;
	enum lxm_init_system init;
};

/* Runs every start step (lxcmgr/runtime/README.md). On success init is running (execve done)
 * and *ret holds its pid, pidfd and the ptys, all owned by the caller. On failure nothing is left
 * running (the child was killed and reaped, what lxm_net_start() made is removed, every mount was
 * in the child's mount namespace), all fds in *ret are -EBADF, the error was logged once as
 * "Child failed at step 'STEP': ERRNO-TEXT: WHAT" (or the parent step's own message), and -errno
 * is returned. The payload cgroup stays for the caller to remove. */
int lxm_start(const struct lxm_start_params *p, struct lxm_started *ret);

/* Forks a process that makes PAYLOAD (lxm_cgroup_create()) and exits: 0 when the exit status
 * says it made it, for lxm_start_params.payload_maker; the caller must be single-threaded and
 * fork it before anything whose fds it must not hold. Returns the pid, or -errno (then the start
 * makes the cgroup itself). lxm_start_payload_wait() reaps it: whether it made the cgroup. */
pid_t lxm_start_payload_fork(struct lxm_cgroup *payload);
bool lxm_start_payload_wait(pid_t pid);
/* Waits for the report on lxm_start_params.payload_report_fd (> 0) and closes it: whether the
 * peer made the cgroup (end-of-file, a peer that died, counts as not made). */
bool lxm_start_payload_report_wait(int fd);

/* The capability bounding set every container process keeps (init and exec): LXC's default drop
 * list (mac_admin mac_override sys_time sys_module sys_rawio) plus config security.cap_drop minus
 * security.cap_keep. Applies to the calling process: bounding set, permitted and effective lose
 * them, inheritable and ambient are cleared. Logs at debug only. */
int lxm_caps_apply(const struct lxm_container *c);
/* lxm_caps_apply() in two halves (exec computes the mask before its fork, runtime/exec-plan.c):
 * the mask of capabilities to drop from the config, and dropping a mask from the caller. */
int lxm_caps_drop_mask(const struct lxm_container *c, uint64_t *ret);
int lxm_caps_apply_mask(uint64_t drop);
