/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monitor's shared state, split over monitor.c (setup, loop), monitor-console.c (ptys and
 * viewers), monitor-stop.c (halt, kill, reaping, teardown). Not for use outside runtime/monitor*. */
#pragma once

#include "services/restart-policy.h"

#include <stdbool.h>
#include <stdint.h>

#include "runtime/console-ring.h"
#include "runtime/handover.h"
#include "runtime/start.h"
#include "runtime/state.h"

/* epoll tags: kind in the high 32 bits, an index or fd in the low 32. */
enum lxm_mon_source {
	LXM_MON_SIGNAL = 1,
	LXM_MON_PIDFD,
	LXM_MON_LISTEN,
	LXM_MON_PTY,    /* index: 0 console, N ttyN */
	LXM_MON_CLIENT, /* index: the client's fd */
	LXM_MON_KILL_TIMER,
	LXM_MON_CHECK_TIMER,
	LXM_MON_RESTART_TIMER,
};
#define LXM_MON_TAG(kind, idx) (((uint64_t)(kind) << 32) | (uint32_t)(idx))

struct lxm_mon_client {
	int fd;
	int tty;         /* -1: control requests; else attached to pty index tty */
	bool wants_done; /* sent "stop": gets "done HOW" at the end */
	struct lxm_mon_client *next;
};

struct lxm_monitor {
	const struct lxm_paths *paths;
	const char *name;
	struct lxm_container *c;
	struct lxm_monitor_config *preloaded; /* until load_container(): the CLI's parse, or NULL */
	char *uuid;
	struct lxm_cgroup *payload;
	struct lxm_cgroup *monitor_cg;
	bool in_monitor_cg; /* joined monitor_cg (with the first start's payload attach) */
	pid_t payload_maker; /* making the payload cgroup until lxm_start() takes it over, or 0 */
	int payload_report_fd; /* or the CLI's detacher making it reports here (> 0), or 0 */
	char *report_uuid;     /* the uuid of the payload the CLI's detacher makes */
	int epfd;
	int sigfd;
	int listen_fd;
	int kill_timer;
	int check_timer;
	int restart_timer;

	struct lxm_started started; /* valid while init_pid > 0 */
	int peers[1 + LXM_MAX_TTYS]; /* slave ends held so masters never see HUP */
	unsigned n_ttys;
	enum lxm_state state;
	uint64_t started_usec;
	uint64_t init_start;
	uint64_t monitor_start;

	int halt_signal;
	int reboot_signal;
	bool stop_requested;
	bool killed;         /* we sent SIGKILL */
	uint64_t check_delay_ms;
	bool halt_taken;         /* init could take the halt signal when it was last sent */
	char halt_init_name[32]; /* init's Name then */
	bool exit_loop;
	bool payload_released; /* payload_release() ran since the last start of the payload */
	int log_fd;       /* monitor.log once the start is decided */
	int config_fd;    /* memfd: the config text this monitor started with (handed over and back) */
	bool no_handover; /* stay the full monitor (the small one failed, or it is disabled) */
	int64_t handover_at; /* lxm_mono_msec() before which we do not hand over (0: at once) */

	struct lxm_restart_policy restart;
	struct lxm_restart_tracker restarts;
	bool restart_pending;   /* init ended, restart_timer armed */
	bool restart_cancelled; /* a stop came meanwhile: restart_timer tears down */

	struct lxm_mon_client *clients;
	struct lxm_console_ring ring;
	struct lxm_console_log log;
};

/* monitor.c */
int lxm_monitor_write_state(struct lxm_monitor *m);
int lxm_monitor_epoll_add(struct lxm_monitor *m, int fd, uint32_t events, uint64_t tag);
/* Runs lxm_start() and registers init and the ptys (first start and reboots). */
int lxm_monitor_start_payload(struct lxm_monitor *m);

/* monitor-handover.c: the small monitor (MONITOR.md, "Process model") */
/* True when only idle work is left: running, not stopping, no restart pending, nobody waiting. */
bool lxm_monitor_handover_ready(const struct lxm_monitor *m);
/* After a start's report: no hand-over for a while (m->handover_at), see monitor-handover.c. */
void lxm_monitor_handover_defer(struct lxm_monitor *m);
/* Execs into lxcmgr-monitor; returns only on failure (-errno; no_handover is then set). */
int lxm_monitor_handover(struct lxm_monitor *m);
/* Rebuilds what the small monitor handed back: init, ptys, ring, console.log, clients, listening
 * socket, restart counts. After the container config, cgroups and fds of monitor.c are set up. */
int lxm_monitor_handover_restore(struct lxm_monitor *m, const struct lxm_handover *h);
/* Keeps the config text m->c was loaded from in m->config_fd; after a hand-back, m->c gets it again,
 * so an edit of the file while the container runs counts from its next start, as it always did. */
/* The config text the monitor parsed at its start, into a memfd (m->config_fd) that travels with
 * every hand-over; read back with lxm_monitor_config_read() (*ret owned). */
int lxm_monitor_config_snapshot(struct lxm_monitor *m, const char *text, size_t size);
int lxm_monitor_config_read(int fd, char **ret);

/* monitor-console.c */
void lxm_monitor_console_setup(struct lxm_monitor *m);
int lxm_monitor_console_register(struct lxm_monitor *m); /* after each lxm_start */
void lxm_monitor_pty_event(struct lxm_monitor *m, unsigned idx, uint32_t events);
int lxm_monitor_console_attach(struct lxm_monitor *m, struct lxm_mon_client *cl, unsigned tty);
void lxm_monitor_console_input(struct lxm_monitor *m, struct lxm_mon_client *cl, const char *buf, size_t n);
void lxm_monitor_console_release(struct lxm_monitor *m); /* close masters and peers */
void lxm_monitor_client_drop(struct lxm_monitor *m, struct lxm_mon_client *cl);

/* monitor-restart.c: the restart policy (services/restart-policy.h) */
void lxm_monitor_restart_setup(struct lxm_monitor *m);
/* After init ended on its own (how: "clean", "crashed", "killed"): true when a restart is
 * scheduled (the caller must not tear down), false when the container stays stopped. */
bool lxm_monitor_restart_maybe(struct lxm_monitor *m, const char *how);
void lxm_monitor_restart_fire(struct lxm_monitor *m);
/* A stop while a restart is pending: cancels it and tears down; true when it did. */
bool lxm_monitor_restart_cancel(struct lxm_monitor *m);

/* monitor-stop.c */
int lxm_monitor_stop(struct lxm_monitor *m, unsigned timeout_sec);
int lxm_monitor_signal_init(struct lxm_monitor *m, int sig);
void lxm_monitor_kill_now(struct lxm_monitor *m);
void lxm_monitor_check_timer(struct lxm_monitor *m);
/* init's pidfd became readable (or SIGCHLD): reap, classify, reboot or tear down. */
void lxm_monitor_reap(struct lxm_monitor *m);
/* Removes everything the start made on the host; how = last_exit to record (NULL: none). */
void lxm_monitor_teardown(struct lxm_monitor *m, const char *how);
/* Waits for the payload cgroup of the CLI's detacher (payload_report_fd) and removes it unless it is m->payload,
 * which teardown removes: made for another uuid, or before setup opened the payload. */
void lxm_monitor_cli_payload_drop(struct lxm_monitor *m);
