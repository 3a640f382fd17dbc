/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parent/child start protocol: one SOCK_SEQPACKET socketpair, named steps that both sides wait
 * on (logged at debug by name), and a {step, errno, text} record that carries a child's failure
 * back to the parent. The child's end is O_CLOEXEC, so a successful execve() of init shows up in
 * the parent as end-of-file after the last step record; a failed one as an error record.
 */
#pragma once

#include <stddef.h>

enum lxm_step {
	LXM_STEP_NONE = 0,
	/* parent side (host) */
	LXM_STEP_CLONE,
	LXM_STEP_CGROUP,
	LXM_STEP_IDMAP,
	LXM_STEP_OVERLAY,
	LXM_STEP_NETWORK,
	LXM_STEP_LIMITS,
	LXM_STEP_PTYS, /* the record carries the ptys' slaves (steps/console.c) */
	/* child side (inside the new namespaces) */
	LXM_STEP_CGROUPNS,
	LXM_STEP_NETNS,
	LXM_STEP_DEVPTS, /* the record carries the new devpts instance, not yet attached (steps/dev.c) */
	LXM_STEP_ROOTFS,
	LXM_STEP_MOUNTS,
	LXM_STEP_PROC,
	LXM_STEP_SYS,
	LXM_STEP_CGROUPFS,
	LXM_STEP_DEV,
	LXM_STEP_CONSOLE,
	LXM_STEP_PIVOT_ROOT,
	LXM_STEP_HOSTNAME,
	LXM_STEP_CAPS,
	LXM_STEP_LSM,
	LXM_STEP_SECCOMP,
	LXM_STEP_EXEC,
	_LXM_STEP_MAX,
};
const char *lxm_step_to_string(enum lxm_step s);

#define LXM_SYNC_TEXT_MAX 512
#define LXM_SYNC_FDS_MAX 16

struct lxm_sync_msg {
	int step;  /* enum lxm_step */
	int error; /* 0: step done; > 0: errno of the failure */
	char text[LXM_SYNC_TEXT_MAX];
};

/* socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC): fds[0] for the parent, fds[1] for the child. */
int lxm_sync_pair(int fds[2]);

/* Tells the peer that step is done. -EPIPE when the peer is gone (never raises SIGPIPE). */
int lxm_sync_send(int fd, enum lxm_step step);
/* Sends a failure record: error is a negative errno, text says what failed (may be NULL). */
int lxm_sync_send_error(int fd, enum lxm_step step, int error, const char *text);

/* Tells the peer that step is done and hands it n fds (SCM_RIGHTS; n <= LXM_SYNC_FDS_MAX). The
 * caller keeps its own copies. */
int lxm_sync_send_fds(int fd, enum lxm_step step, const int *fds, size_t n);
/* The same with text in the record (shorter than LXM_SYNC_TEXT_MAX, else -E2BIG). */
int lxm_sync_send_text_fds(int fd, enum lxm_step step, const char *text, const int *fds, size_t n);

/* Receives one record. 0 and *ret filled; -EPIPE on end-of-file (the peer exited or exec'd).
 * Fds that came with it are closed (lxm_sync_recv_fds takes them). */
int lxm_sync_recv(int fd, struct lxm_sync_msg *ret);
/* The same, and the record's fds (O_CLOEXEC, owned by the caller) in ret_fds[0..*ret_n). A
 * record with more than max fds or a truncated one is -EPROTO (and nothing is left open). */
int lxm_sync_recv_fds(int fd, struct lxm_sync_msg *ret, int *ret_fds, size_t max, size_t *ret_n);

/* Waits for the peer to report step. On an error record for any step, *ret_failed (may be NULL)
 * gets the record and the record's -errno is returned; -EPIPE when the peer went away, -EPROTO
 * when it reported another step than expected. Nothing is logged above debug level. */
int lxm_sync_wait(int fd, enum lxm_step step, struct lxm_sync_msg *ret_failed);
/* The same, and the step record's fds (O_CLOEXEC, owned by the caller) in ret_fds[0..*ret_n) as
 * lxm_sync_recv_fds() takes them; *ret (may be NULL) gets the record (its text). On any failure
 * no fd is left open. */
int lxm_sync_wait_fds(int fd, enum lxm_step step, struct lxm_sync_msg *ret, struct lxm_sync_msg *ret_failed,
		      int *ret_fds, size_t max, size_t *ret_n);
