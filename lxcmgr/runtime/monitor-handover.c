/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Handing a running container over to the small monitor (lxcmgr-monitor) and taking it back.
 *
 * Why: the full lxcmgr, mapped for the container's whole life, keeps every library's relocated
 * data, its heap and its stack private (~410 kB dirty, 3.4-6.7 MiB RSS per monitor). Once init
 * runs, the work left is idle (console, a few requests); a static program doing only that costs a
 * few pages. Why exec in the same process rather than a new one: init must stay our child
 * (waitid() reports its exit status only to its parent), and the state file names this pid with its
 * start time, both kept by an exec.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "config/config.h"
#include "runtime/cfg-get.h"
#include "runtime/monitor-hooks.h"
#include "runtime/monitor-internal.h"
#include "runtime/net-setup.h"
#include "security/apparmor.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/trusted-file.h"

#define SMALL_NAME "lxcmgr-monitor"
#define DISABLE_ENV "LXCMGR_MONITOR_SMALL"
#define DELAY_ENV "LXCMGR_MONITOR_SMALL_DELAY_MS"
#define DELAY_MS 20

_Static_assert(LXM_HANDOVER_MAX_PTYS == 1 + LXM_MAX_TTYS, "one pty slot per tty and the console");
_Static_assert(LXM_HANDOVER_MAX_RESTARTS == LXM_RESTART_HISTORY, "the whole restart history");

extern char **environ;

bool lxm_monitor_handover_ready(const struct lxm_monitor *m)
{
	unsigned n = 0;
	if (m->no_handover || m->exit_loop || m->state != LXM_STATE_RUNNING || m->started.init_pid <= 0 ||
	    m->started.init_pidfd < 0 || m->stop_requested || m->restart_pending || m->restart_cancelled ||
	    m->started.n_ttys > LXM_MAX_TTYS || !m->log.path || m->config_fd < 0)
		return false;
	for (const struct lxm_mon_client *cl = m->clients; cl; cl = cl->next, n++)
		if (cl->wants_done || n >= LXM_HANDOVER_MAX_CLIENTS)
			return false;
	return true;
}

/* The network's part: only host veths to delete (lxm_net_teardown_veths_only()), or none. */
static bool describe_veths(const struct lxm_monitor *m, struct lxm_handover *h)
{
	char *absent[2 * LXM_HANDOVER_MAX_VETHS] = {};
	size_t n = 0;
	bool ok = true;

	_Static_assert(LXM_HANDOVER_IFNAME_MAX == IF_NAMESIZE, "interface names");
	if (cfg_size(m->c->config, "network") == 0)
		return true;
	if (lxm_net_teardown_veths_only(m->paths, m->c->config, m->uuid, h->kill_veths, absent,
					LXM_HANDOVER_MAX_VETHS, &n) < 0)
		ok = false;
	for (size_t i = 0; ok && i < 2 * n; i++) {
		if (strlen(absent[i]) >= sizeof(h->kill_absent[0]))
			ok = false;
		else
			snprintf(h->kill_absent[i], sizeof(h->kill_absent[i]), "%s", absent[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
		free(absent[i]);
	h->n_kill_veths = ok ? (unsigned)n : 0;
	h->n_kill_absent = ok ? (unsigned)(2 * n) : 0;
	return ok;
}

/* Whether a `kill` may be finished by the small monitor alone (MONITOR.md, "Fast kill"): the
 * teardown of lxm_monitor_teardown() is then only the payload cgroup, last_exit and the run files.
 * Anything more owed at the end of a run keeps the full monitor: a pre_stop or post_stop hook, a
 * managed network (leases, DNS names, forwards). The small monitor unloads the generated AppArmor
 * profile by name (kill_apparmor) and deletes host veths on bridges lxcmgr does not manage (raw
 * netlink). The restart policy never acts on a requested stop (lxm_restart_decide()), so it does
 * not matter here. */
static void describe_fast_kill(const struct lxm_monitor *m, struct lxm_handover *h)
{
	_cleanup_free_ char *run = NULL;
	struct lxm_cgroup_hierarchy_info ci;
	bool v2_kill = false;
	int n;

	if (!m->c || !m->payload || lxm_monitor_hook_exists(m, "pre_stop") || lxm_monitor_hook_exists(m, "post_stop") ||
	    !describe_veths(m, h))
		return;
	const char *aa = lxm_cfg_str(m->c->config, "security.apparmor");
	char profile[LXM_APPARMOR_NAME_MAX];
	/* the generated profile is unloaded at the end of the run (lxm_apparmor_release()): the
	 * small monitor does it by name, a plain write to AppArmor's .remove */
	if (lxm_apparmor_enabled() && (IS_EMPTY(aa) || STREQ(aa, "generated"))) {
		if (!m->uuid || lxm_apparmor_profile_name(m->uuid, profile) < 0 || strlen(profile) >= sizeof(h->kill_apparmor))
			return;
		snprintf(h->kill_apparmor, sizeof(h->kill_apparmor), "%s", profile);
	}
	if (lxm_cgroup_n_hierarchies(m->payload) > LXM_HANDOVER_MAX_CGROUPS ||
	    lxm_state_run_path(m->paths, m->name, NULL, &run) < 0 || strlen(run) >= sizeof(h->kill_run_dir))
		return;
	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(m->payload); i++) {
		char kill_file[LXM_HANDOVER_CGROUP_PATH_MAX + 16];
		if (lxm_cgroup_hierarchy(m->payload, i, &ci) < 0 || strlen(ci.path) >= sizeof(h->kill_cgroups[0]))
			return;
		snprintf(h->kill_cgroups[i], sizeof(h->kill_cgroups[i]), "%s", ci.path);
		size_t plen = strlen(ci.path);
		if (ci.inner && strncmp(ci.inner, ci.path, plen) == 0 && ci.inner[plen] == '/') {
			const char *inner = ci.inner + plen + 1;
			if (strchr(inner, '/') || strchr(inner, ' ') || strlen(inner) >= sizeof(h->kill_cgroup_inner[i]))
				return;
			snprintf(h->kill_cgroup_inner[i], sizeof(h->kill_cgroup_inner[i]), "%s", inner);
		}
		snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", ci.path);
		/* cgroup.kill (kernel >= 5.14) kills the whole subtree at once, forks included */
		if (ci.v2 && access(kill_file, W_OK) == 0) {
			h->kill_cgroup_kind[i] = LXM_HANDOVER_CG_V2_KILL;
			v2_kill = true;
		} else if (!ci.v2 && ci.controllers && strstr(ci.controllers, "freezer")) {
			h->kill_cgroup_kind[i] = LXM_HANDOVER_CG_FREEZER;
		}
	}
	n = snprintf(h->kill_last_exit, sizeof(h->kill_last_exit), "%s/%s/last_exit", m->paths->containers_dir, m->name);
	if (!v2_kill || n < 0 || (size_t)n >= sizeof(h->kill_last_exit))
		return;
	snprintf(h->kill_run_dir, sizeof(h->kill_run_dir), "%s", run);
	h->n_kill_cgroups = (unsigned)lxm_cgroup_n_hierarchies(m->payload);
	/* The monitor cgroup is shared and stays (cgroup.h): no cgroup of its own to leave or remove,
	 * so a plain `stop 0` can be the fast kill too */
	h->kill_own_cgroup = false;
	h->fast_kill = true;
}

static void describe(const struct lxm_monitor *m, struct lxm_handover *h)
{
	lxm_handover_init(h);
	snprintf(h->name, sizeof(h->name), "%s", m->name);
	snprintf(h->root, sizeof(h->root), "%s", m->paths->root ? m->paths->root : "");
	h->log_fd = m->log_fd;
	h->log_level = (int)lxm_log_get_level();
	h->init_pid = m->started.init_pid;
	h->init_pidfd = m->started.init_pidfd;
	h->init_start = m->init_start;
	h->init_system = (int)m->started.init;
	h->started_usec = m->started_usec;
	h->listen_fd = m->listen_fd;
	h->config_fd = m->config_fd;
	h->n_ptys = 1 + m->started.n_ttys;
	h->masters[0] = m->started.console_master;
	for (unsigned i = 0; i < m->started.n_ttys; i++)
		h->masters[1 + i] = m->started.tty_masters[i];
	for (unsigned i = 0; i < h->n_ptys; i++)
		h->peers[i] = m->peers[i];
	h->ring_fd = m->ring.fd;
	h->ring_size = m->ring.size;
	h->ring_start = m->ring.start;
	h->ring_len = m->ring.len;
	h->clog_fd = m->log.fd;
	h->clog_size = m->log.size;
	h->clog_max = m->log.max_size;
	h->clog_rotate = m->log.rotate;
	snprintf(h->clog_path, sizeof(h->clog_path), "%s", m->log.path);
	h->halt_signal = m->halt_signal;
	h->reboot_signal = m->reboot_signal;
	h->pre_stop_hook = lxm_monitor_hook_exists(m, "pre_stop");
	h->restart_total = m->restarts.total;
	h->restart_n = m->restarts.n;
	memcpy(h->restart_at, m->restarts.at, sizeof(h->restart_at));
	for (const struct lxm_mon_client *cl = m->clients; cl; cl = cl->next)
		h->clients[h->n_clients++] = (struct lxm_handover_client){ .fd = cl->fd, .tty = cl->tty };
	describe_fast_kill(m, h);
}

/* Why a start's hand-over waits: it is background work (an exec of lxcmgr-monitor and its start,
 * ~2-4 ms of CPU here), due right after the report, when the start's caller (a shell, a script,
 * the next command) and init's first steps want the CPUs. Done at once it took the CPU the
 * caller was woken on: the caller of `start` ran ~2-5 ms late (traced, MONITOR.md "After the
 * report"). 20 ms later they have long run; the full monitor serves meanwhile, as it does
 * whenever it does not hand over. LXCMGR_MONITOR_SMALL_DELAY_MS overrides it (the tests). */
void lxm_monitor_handover_defer(struct lxm_monitor *m)
{
	uint64_t ms = DELAY_MS;
	const char *v = getenv(DELAY_ENV);
	if (v && lxm_parse_uint(v, 0, 3600 * 1000, &ms) < 0)
		ms = DELAY_MS;
	m->handover_at = lxm_mono_msec() + (int64_t)ms;
}

int lxm_monitor_handover(struct lxm_monitor *m)
{
	static struct lxm_handover h;
	char small[PATH_MAX], state_arg[16], *argv[16];
	int n = 0, r;

	const char *v = getenv(DISABLE_ENV);
	if (v && STREQ(v, "0")) {
		m->no_handover = true;
		return 0;
	}
	r = lxm_find_helper_binary(SMALL_NAME, small, sizeof(small));
	if (r < 0) {
		m->no_handover = true;
		return log_debug_errno(r, "No %s found, staying the full monitor: %m", SMALL_NAME);
	}
	describe(m, &h);
	/* O_PATH fds: exec'able without read access, kept by the small program to come back */
	_cleanup_close_ int exe = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	_cleanup_close_ int small_fd = open(small, O_PATH | O_CLOEXEC);
	_cleanup_close_ int state = lxm_handover_write(&h, -EBADF);
	if (exe < 0 || small_fd < 0 || state < 0) {
		r = state < 0 ? state : -errno;
		goto fail;
	}
	char exe_arg[16];
	snprintf(state_arg, sizeof(state_arg), "%d", state);
	snprintf(exe_arg, sizeof(exe_arg), "%d", exe);
	argv[n++] = (char *)SMALL_NAME;
	argv[n++] = state_arg;
	argv[n++] = exe_arg;
	argv[n++] = (char *)"lxcmgr";
	if (!IS_EMPTY(m->paths->root)) {
		argv[n++] = (char *)"--root";
		argv[n++] = m->paths->root;
	}
	argv[n++] = (char *)"__monitor";
	argv[n++] = (char *)m->name;
	argv[n++] = (char *)"--resume";
	argv[n++] = state_arg;
	argv[n] = NULL;
	/* CLOEXEC is cleared only now, on exactly the fds described: nothing else of ours (the epoll
	 * set, timers, a hook's leftovers) reaches the small program */
	r = lxm_handover_set_cloexec(&h, false);
	if (r >= 0 && (fcntl(exe, F_SETFD, 0) < 0 || fcntl(state, F_SETFD, 0) < 0))
		r = negative_errno();
	if (r >= 0) {
		log_debug("Handing over to '%s'", small);
		syscall(SYS_execveat, small_fd, "", argv, environ, AT_EMPTY_PATH);
		r = negative_errno();
	}
	(void)lxm_handover_set_cloexec(&h, true);
fail:
	m->no_handover = true;
	return log_warning_errno(r, "Failed to hand over to the small monitor, staying the full one: %m");
}

int lxm_monitor_config_snapshot(struct lxm_monitor *m, const char *text, size_t size)
{
	_cleanup_close_ int fd = memfd_create("lxcmgr-config", MFD_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (write(fd, text, size) != (ssize_t)size)
		return -EIO;
	m->config_fd = TAKE_FD(fd);
	return 0;
}

int lxm_monitor_config_read(int fd, char **ret)
{
	char buf[4096];
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), (off_t)len)) > 0) {
		char *t = realloc(text, len + (size_t)n + 1);
		if (!t)
			return -ENOMEM;
		text = t;
		memcpy(text + len, buf, (size_t)n);
		len += (size_t)n;
		text[len] = '\0';
	}
	if (n < 0 || !text)
		return n < 0 ? negative_errno() : -EINVAL;
	*ret = TAKE_PTR(text);
	return 0;
}

static int *master_slot(struct lxm_monitor *m, unsigned idx)
{
	return idx == 0 ? &m->started.console_master : &m->started.tty_masters[idx - 1];
}

int lxm_monitor_handover_restore(struct lxm_monitor *m, const struct lxm_handover *h)
{
	int r;

	m->listen_fd = h->listen_fd;
	r = lxm_monitor_epoll_add(m, m->listen_fd, EPOLLIN, LXM_MON_TAG(LXM_MON_LISTEN, 0));
	if (r < 0)
		return r;
	m->started.init_pid = h->init_pid;
	m->started.init_pidfd = h->init_pidfd;
	m->started.init = (enum lxm_init_system)h->init_system;
	m->started.n_ttys = h->n_ptys > 0 ? h->n_ptys - 1 : 0;
	m->init_start = h->init_start;
	m->started_usec = h->started_usec;
	r = lxm_monitor_epoll_add(m, m->started.init_pidfd, EPOLLIN, LXM_MON_TAG(LXM_MON_PIDFD, 0));
	if (r < 0)
		return r;
	for (unsigned i = 0; i < h->n_ptys; i++) {
		*master_slot(m, i) = h->masters[i];
		m->peers[i] = h->peers[i];
		if (h->masters[i] >= 0 &&
		    (r = lxm_monitor_epoll_add(m, h->masters[i], EPOLLIN, LXM_MON_TAG(LXM_MON_PTY, i))) < 0)
			return r;
	}
	r = lxm_console_ring_adopt(&m->ring, h->ring_fd, (size_t)h->ring_size, (size_t)h->ring_start,
				   (size_t)h->ring_len);
	if (r < 0)
		return log_error_errno(r, "Invalid console ring handed back: %m");
	m->log = (struct lxm_console_log){ .fd = h->clog_fd, .size = h->clog_size, .max_size = h->clog_max,
					   .rotate = h->clog_rotate, .path = strdup(h->clog_path) };
	if (!m->log.path)
		return -ENOMEM;
	m->restarts.total = h->restart_total;
	m->restarts.n = h->restart_n;
	memcpy(m->restarts.at, h->restart_at, sizeof(m->restarts.at));
	m->halt_signal = h->halt_signal;
	m->reboot_signal = h->reboot_signal;
	for (unsigned i = 0; i < h->n_clients; i++) {
		struct lxm_mon_client *cl = calloc(1, sizeof(*cl));
		if (!cl)
			return -ENOMEM;
		cl->fd = h->clients[i].fd;
		cl->tty = h->clients[i].tty;
		cl->next = m->clients;
		m->clients = cl;
		r = lxm_monitor_epoll_add(m, cl->fd, EPOLLIN, LXM_MON_TAG(LXM_MON_CLIENT, cl->fd));
		if (r < 0)
			return r;
	}
	m->state = LXM_STATE_RUNNING;
	return 0;
}
