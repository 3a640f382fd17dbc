/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's setup and event loop. Everything it waits on is an fd in one epoll set: a signalfd,
 * init's pidfd, the pty masters, the listening socket, clients and (only while stopping) two
 * timerfds. No timeouts otherwise: an idle container costs no CPU.
 */
#include <assert.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>

#include "cgroup/detect.h"
#include "cgroup/mounts-cache.h"
#include "config/config.h"
#include "core/paths.h"
#include "runtime/control.h"
#include "runtime/monitor-adopt.h"
#include "runtime/monitor-hooks.h"
#include "runtime/monitor-internal.h"
#include "runtime/monitor.h"
#include "util/log.h"
#include "util/parse.h"

static_assert(LXM_MAX_TTYS >= LXM_CONFIG_TTYS_MAX, "console.ttys must fit the start fd arrays");

int lxm_monitor_epoll_add(struct lxm_monitor *m, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return log_error_errno(errno, "Failed to watch fd %d: %m", fd);
	return 0;
}

int lxm_monitor_write_state(struct lxm_monitor *m)
{
	struct lxm_state_record rec = {
		.state = m->state,
		.init_pid = m->started.init_pid,
		.init_start = m->init_start,
		.monitor_pid = getpid(),
		.monitor_start = m->monitor_start,
		.started_usec = m->started_usec,
		.init_system = m->started.init_pid > 0 ? lxm_init_system_to_string(m->started.init) : NULL,
		.uuid = m->uuid,
	};
	int r = lxm_state_write(m->paths, m->name, &rec);
	if (r < 0)
		log_warning_errno(r, "Failed to write the state file, ignoring: %m");
	return r;
}

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The monitor's signals are only read from its signalfd (lxm_start()'s child resets its mask and
 * dispositions before it executes init). */
static void block_signals(bool block)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static int setup_run_files_overlap(void *userdata);

int lxm_monitor_start_payload(struct lxm_monitor *m)
{
	struct lxm_start_params p = {
		.paths = m->paths,
		.container = m->c,
		.payload = m->payload,
		.create_payload = true,
		.self_cgroup = m->in_monitor_cg ? NULL : m->monitor_cg,
		.n_ttys = m->n_ttys,
	};
	int r;

	/* Forked in setup() (or 0: lxm_start() forks its own). Taken over even if the start
	 * fails before using it: lxm_start() reaps it on every path. */
	p.payload_maker = m->payload_maker;
	p.payload_report_fd = m->payload_report_fd;
	m->payload_maker = 0;
	m->payload_report_fd = 0;
	if (m->listen_fd < 0) { /* setup() left the run files to the start (setup_run_files) */
		p.overlap = setup_run_files_overlap;
		p.overlap_data = m;
	} else { /* a restart, or a first start with a pre_start hook */
		m->state = LXM_STATE_STARTING;
		(void)lxm_monitor_write_state(m);
	}

	r = lxm_monitor_hook(m, "pre_start", 0, NULL);
	if (r < 0)
		return r; /* "The pre_start hook ... failed": nothing made yet */
	r = lxm_start(&p, &m->started); /* creates the payload cgroup too */
	if (r >= 0)
		m->in_monitor_cg = true;
	if (r < 0) {
		/* lxm_start() leaves every fd of *ret at -EBADF on failure; a struct literal here would
		 * turn the tty fds into 0 (stdin) for a later close. */
		m->started.init_pid = 0;
		return r; /* lxm_start logged the child's error */
	}
	m->started_usec = now_usec();
	(void)lxm_proc_starttime(m->started.init_pid, &m->init_start);
	r = lxm_monitor_epoll_add(m, m->started.init_pidfd, EPOLLIN, LXM_MON_TAG(LXM_MON_PIDFD, 0));
	if (r < 0)
		return r;
	r = lxm_monitor_console_register(m);
	if (r < 0)
		return r;
	m->state = LXM_STATE_RUNNING;
	m->stop_requested = m->killed = false;
	(void)lxm_monitor_write_state(m);
	log_info("Container started, init pid %d (%s)", (int)m->started.init_pid,
		 lxm_init_system_to_string(m->started.init));
	(void)lxm_monitor_hook(m, "post_start", m->started.init_pid, NULL);
	return 0;
}

static int setup_socket(struct lxm_monitor *m)
{
	_cleanup_free_ char *path = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int r = lxm_state_run_path(m->paths, m->name, "control", &path);
	if (r < 0)
		return r;
	if (strlen(path) >= sizeof(sa.sun_path))
		return log_error_errno(-ENAMETOOLONG, "Control socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	m->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->listen_fd < 0)
		return log_error_errno(errno, "Failed to create the control socket: %m");
	(void)unlink(path);
	/* 0600 through umask at bind time: only root may drive the container (the directory is 0700 too) */
	mode_t old = umask(0077);
	r = bind(m->listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return log_error_errno(errno, "Failed to bind '%s': %m", path);
	if (listen(m->listen_fd, 16) < 0)
		return log_error_errno(errno, "Failed to listen on '%s': %m", path);
	return lxm_monitor_epoll_add(m, m->listen_fd, EPOLLIN, LXM_MON_TAG(LXM_MON_LISTEN, 0));
}

/* What init does not need: the console log and ring, the restart count, the run directory with
 * the control socket, and the state file "starting" (after the socket: a client that reads
 * "starting" finds the socket). Until they exist the container reads as stopped, as before the
 * monitor existed; the CLI holds the container's lock and returns only after they exist. Run by
 * lxm_start() while the child makes its mounts (lxm_start_params.overlap), or before the start
 * where something runs first (a pre_start hook, an adopted init). A failure after some of it was
 * made is undone by lxm_monitor_teardown() (run files: with listen_fd set). */
static int setup_run_files(struct lxm_monitor *m, bool starting)
{
	_cleanup_free_ char *dir = NULL;

	lxm_monitor_console_setup(m);
	lxm_monitor_restart_setup(m);
	int r = lxm_state_run_path(m->paths, m->name, NULL, &dir);
	if (r < 0)
		return r;
	r = lxm_mkdir_p(m->paths->run_dir, 0755);
	if (r >= 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = negative_errno();
	if (r < 0)
		return log_error_errno(r, "Failed to create '%s': %m", dir);
	r = setup_socket(m);
	if (r < 0)
		return r;
	if (starting) {
		m->state = LXM_STATE_STARTING;
		(void)lxm_monitor_write_state(m);
	}
	return 0;
}

static int setup_run_files_overlap(void *userdata)
{
	return setup_run_files(userdata, true);
}

static int setup_fds(struct lxm_monitor *m)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	block_signals(true);
	signal(SIGPIPE, SIG_IGN);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0)
		return log_error_errno(errno, "Failed to create epoll: %m");
	m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sigfd < 0)
		return log_error_errno(errno, "Failed to create signalfd: %m");
	int r = lxm_monitor_epoll_add(m, m->sigfd, EPOLLIN, LXM_MON_TAG(LXM_MON_SIGNAL, 0));
	if (r < 0)
		return r;
	m->kill_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	m->check_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	m->restart_timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->kill_timer < 0 || m->check_timer < 0 || m->restart_timer < 0)
		return log_error_errno(errno, "Failed to create timerfd: %m");
	r = lxm_monitor_epoll_add(m, m->restart_timer, EPOLLIN, LXM_MON_TAG(LXM_MON_RESTART_TIMER, 0));
	if (r < 0)
		return r;
	r = lxm_monitor_epoll_add(m, m->kill_timer, EPOLLIN, LXM_MON_TAG(LXM_MON_KILL_TIMER, 0));
	if (r < 0)
		return r;
	return lxm_monitor_epoll_add(m, m->check_timer, EPOLLIN, LXM_MON_TAG(LXM_MON_CHECK_TIMER, 0));
}

/* Handles one request packet of a control client. */
static void handle_request(struct lxm_monitor *m, struct lxm_mon_client *cl, char *req)
{
	char reply[128];
	unsigned long v = 0;
	int r = 0;

	req[strcspn(req, "\n")] = '\0';
	char *arg = strchr(req, ' ');
	if (arg)
		*arg++ = '\0';
	if (STREQ(req, "state")) {
		snprintf(reply, sizeof(reply), "ok %s %d", lxm_state_to_string(m->state), (int)m->started.init_pid);
		(void)lxm_control_send(cl->fd, reply);
		return;
	} else if (STREQ(req, "stop")) {
		/* "stop N cgroup" of an older client: nothing to do for it, the monitor cgroup stays */
		v = arg ? strtoul(arg, NULL, 10) : 30;
		cl->wants_done = true;
		r = lxm_monitor_stop(m, (unsigned)v);
		if (r >= 0) {
			(void)lxm_control_send(cl->fd, "ok stopping");
			return;
		}
		cl->wants_done = false;
	} else if (STREQ(req, "kill")) {
		int sig = SIGKILL;
		if (arg && lxm_parse_signal(arg, &sig) < 0)
			r = -EINVAL;
		else
			r = lxm_monitor_signal_init(m, sig);
	} else if (STREQ(req, "reboot")) {
		r = lxm_monitor_signal_init(m, m->reboot_signal);
	} else if (STREQ(req, "console")) {
		v = arg ? strtoul(arg, NULL, 10) : 0;
		r = lxm_monitor_console_attach(m, cl, (unsigned)v);
		if (r >= 0)
			return; /* console_attach replied */
	} else {
		r = -EOPNOTSUPP;
	}
	if (r == -ENXIO && STREQ(req, "console")) /* the client names the ttys there are */
		snprintf(reply, sizeof(reply), "err %d ttys %u", ENXIO, m->started.n_ttys);
	else if (r < 0)
		snprintf(reply, sizeof(reply), "err %d %s", -r, strerror(-r));
	else
		snprintf(reply, sizeof(reply), "ok");
	(void)lxm_control_send(cl->fd, reply);
}

static void client_event(struct lxm_monitor *m, int fd, uint32_t events)
{
	char buf[LXM_CONTROL_PACKET_MAX];
	struct lxm_mon_client *cl = m->clients;
	while (cl && cl->fd != fd)
		cl = cl->next;
	if (!cl)
		return;
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		lxm_monitor_client_drop(m, cl);
		return;
	}
	if (cl->tty >= 0) {
		lxm_monitor_console_input(m, cl, buf, (size_t)n);
		return;
	}
	buf[n] = '\0';
	handle_request(m, cl, buf);
}

static void accept_client(struct lxm_monitor *m)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	_cleanup_close_ int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	/* Only root drives containers: a local user who finds the socket cannot stop or attach to one
	 * even if the directory mode were loosened */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
		log_warning("Refused a control connection from uid %d", (int)cred.uid);
		return;
	}
	struct lxm_mon_client *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return;
	cl->tty = -1;
	if (lxm_monitor_epoll_add(m, fd, EPOLLIN, LXM_MON_TAG(LXM_MON_CLIENT, fd)) < 0) {
		free(cl);
		return;
	}
	cl->fd = TAKE_FD(fd);
	cl->next = m->clients;
	m->clients = cl;
}

static void signal_event(struct lxm_monitor *m)
{
	struct signalfd_siginfo si;
	while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			lxm_monitor_reap(m);
			break;
		default: /* SIGTERM/SIGINT/SIGHUP to the monitor: the host is going down, stop cleanly */
			log_info("Received signal %d, stopping the container", (int)si.ssi_signo);
			(void)lxm_monitor_stop(m, 30);
			break;
		}
	}
}

static void dispatch(struct lxm_monitor *m, const struct epoll_event *ev)
{
	uint32_t idx = (uint32_t)ev->data.u64;
	switch ((enum lxm_mon_source)(ev->data.u64 >> 32)) {
	case LXM_MON_SIGNAL:
		signal_event(m);
		break;
	case LXM_MON_PIDFD:
		lxm_monitor_reap(m);
		break;
	case LXM_MON_LISTEN:
		accept_client(m);
		break;
	case LXM_MON_PTY:
		lxm_monitor_pty_event(m, idx, ev->events);
		break;
	case LXM_MON_CLIENT:
		client_event(m, (int)idx, ev->events);
		break;
	case LXM_MON_KILL_TIMER: {
		uint64_t exp;
		if (read(m->kill_timer, &exp, sizeof(exp)) == sizeof(exp))
			lxm_monitor_kill_now(m);
		break;
	}
	case LXM_MON_RESTART_TIMER:
		lxm_monitor_restart_fire(m);
		break;
	case LXM_MON_CHECK_TIMER: {
		uint64_t exp;
		if (read(m->check_timer, &exp, sizeof(exp)) == sizeof(exp))
			lxm_monitor_check_timer(m);
		break;
	}
	}
}

static int load_settings(struct lxm_monitor *m)
{
	cfg_t *cfg = m->c->config;
	const char *s;
	int halt, reboot;

	s = cfg_getstr(cfg, "uuid");
	if (IS_EMPTY(s))
		return log_error_errno(-EINVAL, "Container '%s' has no uuid in its config", m->name);
	m->uuid = strdup(s);
	if (!m->uuid)
		return -ENOMEM;
	/* Validated when the config was read (0-LXM_CONFIG_TTYS_MAX); the clamp only guards the
	 * fd arrays sized by LXM_MAX_TTYS. */
	long ttys = cfg_getint(cfg, "console|ttys");
	m->n_ttys = ttys < 0 ? 0 : ttys > LXM_MAX_TTYS ? LXM_MAX_TTYS : (unsigned)ttys;
	lxm_init_signals(LXM_INIT_UNKNOWN, &halt, &reboot);
	m->halt_signal = halt;
	m->reboot_signal = reboot;
	return 0;
}

/* Signal numbers are final once init is known (lxm_start detects it); config overrides win. */
static void settle_signals(struct lxm_monitor *m)
{
	cfg_t *cfg = m->c->config;
	const char *s;
	lxm_init_signals(m->started.init, &m->halt_signal, &m->reboot_signal);
	if ((s = cfg_getstr(cfg, "halt_signal")) && lxm_parse_signal(s, &m->halt_signal) < 0)
		log_warning("Invalid halt_signal '%s', ignoring", s);
	if ((s = cfg_getstr(cfg, "reboot_signal")) && lxm_parse_signal(s, &m->reboot_signal) < 0)
		log_warning("Invalid reboot_signal '%s', ignoring", s);
}

void lxm_monitor_cli_payload_drop(struct lxm_monitor *m)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;

	if (m->payload_report_fd <= 0)
		return;
	bool made = lxm_start_payload_report_wait(m->payload_report_fd);
	m->payload_report_fd = 0;
	if (!made || IS_EMPTY(m->report_uuid) || (m->payload && m->uuid && STREQ(m->uuid, m->report_uuid)))
		return; /* nothing made, or ours: teardown removes m->payload */
	if (lxm_cgroup_open_by_id(m->report_uuid, LXM_CGROUP_PAYLOAD, &cg) >= 0)
		(void)lxm_cgroup_destroy(cg);
}

/* One read of the config file: the text parsed is the text every hand-over carries, so the full
 * monitor taking the container back never depends on the file (edited, or broken, meanwhile). */
static int load_container(struct lxm_monitor *m)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL;
	size_t size = 0;
	int r;

	if (lxm_name_validate_quiet(m->name) < 0 || lxm_path_join(&dir, m->paths->containers_dir, m->name) < 0 ||
	    lxm_path_join(&path, dir, "config") < 0 || lxm_read_file(path, &text, &size) < 0)
		/* says why; without a snapshot the monitor does not hand over */
		return lxm_container_load(m->paths, m->name, &m->c);
	/* The CLI parsed the config before it took the container's lock (cli-runtime.c): its parse
	 * (our copy of it, inherited through the fork) stands for the file only while the file still
	 * holds that very text, read here again under the lock; a config changed meanwhile is parsed
	 * anew, as before. Saves the second parse (~0.3 ms) of every start. */
	struct lxm_monitor_config *pre = TAKE_PTR(m->preloaded);
	if (pre && pre->c && pre->text && pre->size == size && memcmp(pre->text, text, size) == 0) {
		m->c = TAKE_PTR(pre->c);
		r = 0;
		log_debug("The config of '%s' is the text start parsed: taken over", m->name);
	} else {
		r = lxm_container_load_text(m->paths, m->name, text, &m->c);
	}
	if (pre) {
		lxm_container_free(TAKE_PTR(pre->c));
		free(TAKE_PTR(pre->text));
	}
	if (r >= 0 && lxm_monitor_config_snapshot(m, text, size) < 0)
		log_debug("No snapshot of the config, the monitor will not hand over");
	return r;
}

/* Whether this process is in the monitor cgroup (an adopted monitor never joined it). */
static bool in_monitor_cgroup(void)
{
	_cleanup_free_ char *text = NULL;
	if (lxm_read_file("/proc/self/cgroup", &text, NULL) < 0)
		return false;
	return strstr(text, "/" LXM_CGROUP_MONITOR_NAME "\n") != NULL;
}

static int setup(struct lxm_monitor *m)
{
	int r;

	r = load_container(m);
	if (r < 0)
		return r;
	r = load_settings(m);
	if (r < 0)
		return r;
	/* Both from one list of the host's cgroup mounts: RUN/.cgroup-mounts while listmount(2)
	 * shows the very mounts it was written for, as exec uses it (cgroup/mounts-cache.c says
	 * why that is exact and who may write it), else a parse of mountinfo (~0.1 ms on the way
	 * to clone). The shared monitor cgroup is made only when joining it fails (the first start
	 * on this host: steps/cgroup.c), with init's attach. */
	struct lxm_cgroup_mounts ms = {};
	_cleanup_free_ char *cache = NULL;
	if (asprintf(&cache, "%s/.cgroup-mounts", m->paths->run_dir) < 0)
		return log_error_errno(-ENOMEM, "Out of memory");
	r = lxm_cgroup_mounts_load_cached(cache, &ms);
	if (r >= 0) {
		r = lxm_cgroup_open_by_id_in(&ms, m->uuid, LXM_CGROUP_MONITOR, &m->monitor_cg);
		if (r >= 0)
			r = lxm_cgroup_open_by_id_in(&ms, m->uuid, LXM_CGROUP_PAYLOAD, &m->payload);
		lxm_cgroup_mounts_done(&ms);
	}
	if (r < 0)
		return log_error_errno(r, "Failed to open the container's cgroups: %m");
	/* The CLI's detacher made the payload of the config the CLI parsed: one edited since may name
	 * another uuid */
	if (m->payload_report_fd > 0 && (IS_EMPTY(m->report_uuid) || STRNEQ(m->report_uuid, m->uuid)))
		lxm_monitor_cli_payload_drop(m);
	/* The payload cgroup's ~20 v1 mkdirs take 1-2 ms of kernel time: made on the other core
	 * while this process sets up and prepares the start, instead of competing with the parent
	 * and child between clone and 'idmap' (lxm_start() forked a helper only then). Usually the
	 * CLI's detacher makes it once it forked us (m->payload_report_fd, monitor-spawn.c: no fork
	 * of ours, so none of our pages is shared again and faulted a second time); else a forked helper,
	 * forked before the control socket exists, which only makes the cgroup and exits. Not for
	 * a pre_start hook, which runs before the payload cgroup exists, nor for an adopted init.
	 * Only lxm_start() (or a failing setup's teardown) waits for either. */
	bool adopt = lxm_monitor_adopt_wanted(); /* read once: it clears the variable */
	bool pre_start = !adopt && lxm_monitor_hook_exists(m, "pre_start");
	if (!adopt && !pre_start && m->payload_report_fd <= 0) {
		pid_t pid = lxm_start_payload_fork(m->payload);
		if (pid > 0)
			m->payload_maker = pid;
	}
	/* Before anything is made: a SIGTERM from now on is a stop, not the end of a half start */
	r = setup_fds(m);
	if (r < 0)
		return r;
	/* The run files wait for the clone (setup_run_files) unless something runs before it: a
	 * pre_start hook sees the container "starting" with its socket; an adopted init runs. */
	if (adopt || pre_start) {
		r = setup_run_files(m, false); /* start_payload writes "starting" */
		if (r < 0)
			return r;
	}
	r = adopt ? lxm_monitor_adopt_payload(m) : lxm_monitor_start_payload(m);
	if (r < 0)
		return r;
	settle_signals(m);
	return 0;
}

/* Reports the start's result to the CLI. On failure the fd stays open until the process exits, so
 * the CLI, reading to end-of-file, returns only once the monitor is gone. */
static void notify(int *fd, int r)
{
	if (*fd < 0)
		return;
	(void)!write(*fd, &r, sizeof(r));
	if (r >= 0) {
		close(*fd);
		*fd = -EBADF;
	}
}

/* After a successful start the CLI's stderr is let go: later messages go to CONTAINERS/NAME/monitor.log. */
static void detach_log(struct lxm_monitor *m)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s/monitor.log", m->paths->containers_dir, m->name) < 0)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (fd >= 0) {
		lxm_log_set_fd(fd); /* kept open for the monitor's life */
		m->log_fd = fd;
	}
	if (lxm_log_get_level() < LXM_LOG_INFO)
		lxm_log_set_level(LXM_LOG_INFO); /* how each run ended belongs in the log */
}

static void monitor_done(struct lxm_monitor *m)
{
	int *fds[] = { &m->epfd, &m->sigfd, &m->listen_fd, &m->kill_timer, &m->check_timer, &m->restart_timer,
			&m->config_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -EBADF;
		}
	if (m->payload)
		lxm_cgroup_free(m->payload);
	if (m->monitor_cg)
		lxm_cgroup_free(m->monitor_cg);
	if (m->c)
		lxm_container_free(m->c);
	free(m->uuid);
	free(m->report_uuid);
	m->report_uuid = NULL;
	m->payload = m->monitor_cg = NULL;
	m->c = NULL;
	m->uuid = NULL;
	lxm_log_set_ident(NULL); /* ours is freed with the monitor */
}

/* The event loop until the container ends. While only idle work is left and nothing is pending
 * (a zero-timeout poll found no event), the monitor hands over to the small program, not before
 * m->handover_at (lxm_monitor_handover_defer()). */
static int serve(struct lxm_monitor *m)
{
	int r = 0;
	while (!m->exit_loop) {
		struct epoll_event evs[16 + LXM_HANDOVER_MAX_CLIENTS];
		bool idle = lxm_monitor_handover_ready(m);
		int timeout = -1;
		if (idle) {
			int64_t wait = m->handover_at - lxm_mono_msec();
			timeout = wait > 0 ? (int)wait : 0;
		}
		int n = epoll_wait(m->epfd, evs, ARRAY_SIZE(evs), timeout);
		if (n == 0 && idle && timeout == 0) {
			(void)lxm_monitor_handover(m); /* returns only when it failed: stay */
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = log_error_errno(errno, "epoll_wait failed: %m");
			lxm_monitor_kill_now(m);
			break;
		}
		/* Requests before the rest of a batch: a `stop 0` the small monitor already acted on
		 * (it killed init before handing back) must be taken as the stop it is before init's
		 * exit is seen, or that exit would count as a crash for the restart policy */
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < n && !m->exit_loop; i++)
				if (((evs[i].data.u64 >> 32) == LXM_MON_CLIENT) == (pass == 0))
					dispatch(m, &evs[i]);
	}
	monitor_done(m);
	return r < 0 ? r : 0;
}

static void monitor_init(struct lxm_monitor *m, const struct lxm_paths *paths, const char *name, char **ident)
{
	*m = (struct lxm_monitor){
		.paths = paths, .name = name, .epfd = -EBADF, .sigfd = -EBADF, .listen_fd = -EBADF,
		.kill_timer = -EBADF, .check_timer = -EBADF, .restart_timer = -EBADF, .log_fd = -EBADF,
		.config_fd = -EBADF,
		.started = { .init_pidfd = -EBADF, .console_master = -EBADF },
	};
	for (size_t i = 0; i < ARRAY_SIZE(m->peers); i++)
		m->peers[i] = -EBADF;
	for (size_t i = 0; i < ARRAY_SIZE(m->started.tty_masters); i++)
		m->started.tty_masters[i] = -EBADF;
	lxm_console_ring_init(&m->ring, 0);
	m->log.fd = -EBADF;
	if (asprintf(ident, "lxcmgr-monitor[%s]", name) >= 0)
		lxm_log_set_ident(*ident);
	(void)prctl(PR_SET_NAME, "lxcmgr-monitor");
	(void)lxm_proc_starttime(getpid(), &m->monitor_start);
}

int lxm_monitor_run(const struct lxm_paths *paths, const char *name, int notify_fd,
		    struct lxm_monitor_config *preloaded)
{
	_cleanup_free_ char *ident = NULL;
	struct lxm_monitor m;
	int r;

	monitor_init(&m, paths, name, &ident);
	m.preloaded = preloaded;
	/* The CLI's detacher makes the payload cgroup meanwhile (monitor-spawn.c): no fork of ours */
	if (preloaded && preloaded->payload_fd > 0) {
		const char *uuid = preloaded->c ? cfg_getstr(preloaded->c->config, "uuid") : NULL;
		m.payload_report_fd = preloaded->payload_fd;
		m.report_uuid = uuid ? strdup(uuid) : NULL; /* NULL: a made cgroup is not removed */
	}
	if (notify_fd >= 0)
		(void)fcntl(notify_fd, F_SETFD, FD_CLOEXEC); /* init must not inherit it */
	r = setup(&m);
	if (r < 0) {
		lxm_monitor_teardown(&m, NULL);
		monitor_done(&m);
		notify(&notify_fd, r);
		return r;
	}
	detach_log(&m);
	notify(&notify_fd, 0);
	lxm_monitor_handover_defer(&m);
	return serve(&m);
}

/* Everything but what the small monitor hands back: config, settings, fds, cgroups (which exist). */
static int resume_setup(struct lxm_monitor *m, const struct lxm_handover *h)
{
	_cleanup_free_ char *text = NULL;
	m->config_fd = h->config_fd;
	int r = lxm_monitor_config_read(h->config_fd, &text);
	if (r >= 0)
		r = lxm_container_load_text(m->paths, m->name, text, &m->c);
	if (r < 0)
		return log_error_errno(r, "Failed to parse the config this monitor started with: %m");
	r = load_settings(m);
	if (r < 0)
		return r;
	lxm_restart_policy_from_config(m->c->config, &m->restart); /* the count goes on: no reset */
	r = setup_fds(m);
	if (r < 0)
		return r;
	r = lxm_cgroup_open_by_id(m->uuid, LXM_CGROUP_MONITOR, &m->monitor_cg);
	if (r >= 0)
		r = lxm_cgroup_open_by_id(m->uuid, LXM_CGROUP_PAYLOAD, &m->payload);
	if (r < 0)
		return log_error_errno(r, "Failed to open the container's cgroups: %m");
	m->in_monitor_cg = in_monitor_cgroup();
	return lxm_monitor_handover_restore(m, h);
}

int lxm_monitor_resume(const struct lxm_paths *paths, const char *name, int state_fd, bool fallback)
{
	static struct lxm_handover h;
	_cleanup_free_ char *ident = NULL;
	struct lxm_monitor m;

	monitor_init(&m, paths, name, &ident);
	detach_log(&m);
	(void)fcntl(state_fd, F_SETFD, FD_CLOEXEC);
	int r = lxm_handover_read(state_fd, &h);
	close(state_fd);
	if (r >= 0 && STRNEQ(h.name, name))
		r = -EINVAL;
	if (r >= 0)
		r = lxm_handover_set_cloexec(&h, true);
	if (r >= 0) {
		if (h.log_fd >= 0)
			close(h.log_fd); /* detach_log opened monitor.log again */
		lxm_log_set_level((enum lxm_log_level)h.log_level);
		r = resume_setup(&m, &h);
	}
	if (r < 0)
		/* Fail closed: init keeps running without a monitor, which every command reports
		 * ("monitor lost") and the next `start` re-adopts (monitor-adopt.c) */
		return log_error_errno(r, "Failed to take the container back from the small monitor: %m");
	if (fallback) {
		m.no_handover = true;
		log_warning("The small monitor refused the hand-over, staying the full monitor");
	}
	return serve(&m);
}
