/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cgroup/cgroup.h"
#include "runtime/exec-plan.h"
#include "runtime/full-helper.h"
#include "runtime/net-step.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/log.h"

#define STATE_FILE_MAX 2048

const char *lxm_state_to_string(enum lxm_state s)
{
	static const char *const names[] = {
		[LXM_STATE_STOPPED] = "stopped",   [LXM_STATE_STARTING] = "starting",
		[LXM_STATE_RUNNING] = "running",   [LXM_STATE_STOPPING] = "stopping",
		[LXM_STATE_FROZEN] = "frozen",
	};
	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

int lxm_state_from_string(const char *s, enum lxm_state *ret)
{
	for (enum lxm_state i = LXM_STATE_STOPPED; i <= LXM_STATE_FROZEN; i++)
		if (STREQ(s, lxm_state_to_string(i))) {
			*ret = i;
			return 0;
		}
	return -EINVAL;
}

int lxm_state_run_path(const struct lxm_paths *paths, const char *name, const char *file, char **ret)
{
	char *s = NULL;
	if (asprintf(&s, "%s/%s%s%s", paths->run_dir, name, file ? "/" : "", file ? file : "") < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

void lxm_state_forget(const struct lxm_paths *paths, const char *name)
{
	_cleanup_free_ char *run = NULL;
	if (lxm_state_run_path(paths, name, NULL, &run) >= 0)
		(void)rmdir(run); /* rmdir: anything in it is not ours to remove here */
	lxm_exec_plan_forget(paths, name);
}

/* Reads a small file into buf (NUL-terminated); returns its length or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return n;
}

/* starttime and ppid of PID from one read of /proc/PID/stat. */
static int proc_stat(pid_t pid, uint64_t *ret_start, pid_t *ret_ppid)
{
	char path[64], buf[1024];
	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	/* comm may contain spaces and ')': fields count from the last ')' */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return -ESRCH; /* a zombie is as good as gone */
	p++;
	/* after ')': state(3) ppid(4) ... starttime(22) */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
		if (field == 3 && ret_ppid)
			*ret_ppid = (pid_t)strtol(p + 1, NULL, 10);
	}
	*ret_start = strtoull(p + 1, NULL, 10);
	return 0;
}

int lxm_proc_starttime(pid_t pid, uint64_t *ret)
{
	return proc_stat(pid, ret, NULL);
}

int lxm_proc_self_signals(uint64_t *ret_caught, uint64_t *ret_ignored)
{
	char buf[4096];
	_cleanup_close_ int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? negative_errno() : -EIO;
	buf[n] = '\0';
	const char *ign = strstr(buf, "\nSigIgn:\t"), *cgt = strstr(buf, "\nSigCgt:\t");
	if (!ign || !cgt)
		return -EIO; /* (read short, or not the status file we know): the caller goes through all */
	*ret_ignored = strtoull(ign + 9, NULL, 16);
	*ret_caught = strtoull(cgt + 9, NULL, 16);
	return 0;
}

/* Value of "key=" in a state file text, copied into out. */
static bool state_get(const char *text, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, kl) != 0 || l[kl] != '=')
			continue;
		const char *v = l + kl + 1, *e = strchrnul(v, '\n');
		snprintf(out, size, "%.*s", (int)(e - v), v);
		return true;
	}
	return false;
}

static uint64_t state_get_u64(const char *text, const char *key)
{
	char v[32];
	return state_get(text, key, v, sizeof(v)) ? strtoull(v, NULL, 10) : 0;
}

static bool process_matches(pid_t pid, uint64_t start)
{
	uint64_t now;
	return pid > 0 && lxm_proc_starttime(pid, &now) >= 0 && now == start;
}

/* The freezer state is the kernel's, not the monitor's: one read of the payload cgroup's
 * freezer.state (v1) or cgroup.events (v2); the handle needs no controller list for that. */
static bool payload_frozen(const char *text, const struct lxm_cgroup_mounts *ms)
{
	static const struct lxm_cgroup_params p = { .no_v2_controllers = true };
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	char uuid[64];

	return state_get(text, "uuid", uuid, sizeof(uuid)) && uuid[0] &&
	       lxm_cgroup_open_by_id_full(&p, ms, uuid, LXM_CGROUP_PAYLOAD, &cg) >= 0 && lxm_cgroup_is_frozen(cg) > 0;
}

static int read_last_exit(const struct lxm_paths *paths, const char *name, char **ret)
{
	_cleanup_free_ char *path = NULL;
	char buf[128];
	if (asprintf(&path, "%s/%s/last_exit", paths->containers_dir, name) < 0)
		return -ENOMEM;
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n <= 0) {
		*ret = NULL;
		return 0;
	}
	buf[strcspn(buf, "\n")] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

int lxm_state_query(const struct lxm_paths *paths, const char *name, struct lxm_state_info *ret)
{
	return lxm_state_query_full(paths, name, NULL, ret);
}

int lxm_state_query_full(const struct lxm_paths *paths, const char *name, const struct lxm_state_query_opts *o,
			 struct lxm_state_info *ret)
{
	char path[PATH_MAX], text[STATE_FILE_MAX], v[64];
	struct lxm_state_info s = { .state = LXM_STATE_STOPPED };
	int r;

	if (!o || !o->no_last_exit) {
		r = read_last_exit(paths, name, &s.last_exit);
		if (r < 0)
			return r;
	}
	*ret = s;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/state", paths->run_dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (read_small(path, text, sizeof(text)) < 0)
		return 0; /* no state file: stopped */

	pid_t monitor = (pid_t)state_get_u64(text, "monitor_pid");
	pid_t init = (pid_t)state_get_u64(text, "init_pid");
	uint64_t init_now;
	pid_t init_parent = 0;
	bool init_alive = init > 0 && proc_stat(init, &init_now, &init_parent) >= 0 &&
			  init_now == state_get_u64(text, "init_start");
	/* A living init whose parent is still monitor_pid proves the monitor lives, and is the same
	 * process (a list of 50 containers saves 50 reads of /proc/PID/stat): had the monitor died,
	 * init would have been reparented at once, to an ancestor that existed, with a different
	 * pid, when the monitor did, so no recycled pid can be init's parent. An adopted init (a
	 * new monitor, monitor-adopt.c) is not its monitor's child: its monitor is checked. */
	bool monitor_alive = (init_alive && monitor > 0 && init_parent == monitor) ||
			     process_matches(monitor, state_get_u64(text, "monitor_start"));

	if (!monitor_alive && !init_alive) {
		ret->stale = true;
		return 0;
	}
	enum lxm_state st = LXM_STATE_RUNNING;
	if (monitor_alive && state_get(text, "state", v, sizeof(v)))
		(void)lxm_state_from_string(v, &st);
	if (st == LXM_STATE_RUNNING && payload_frozen(text, o ? o->cgroup_mounts : NULL))
		st = LXM_STATE_FROZEN;
	ret->state = st;
	ret->monitor_lost = !monitor_alive;
	ret->monitor_pid = monitor_alive ? monitor : 0;
	ret->init_pid = init_alive ? init : 0;
	ret->started_usec = state_get_u64(text, "started_usec");
	if (state_get(text, "init", v, sizeof(v)) && !(ret->init_system = strdup(v)))
		return -ENOMEM;
	return 0;
}

void lxm_state_info_done(struct lxm_state_info *s)
{
	free(s->last_exit);
	free(s->init_system);
	s->last_exit = NULL;
	s->init_system = NULL;
}

int lxm_state_read_key(const struct lxm_paths *paths, const char *name, const char *key, char **ret)
{
	_cleanup_free_ char *path = NULL;
	char text[STATE_FILE_MAX], v[256];
	int r = lxm_state_run_path(paths, name, "state", &path);
	if (r < 0)
		return r;
	ssize_t n = read_small(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	if (!state_get(text, key, v, sizeof(v)))
		return -ENOENT;
	*ret = strdup(v);
	return *ret ? 0 : -ENOMEM;
}

int lxm_state_read_init(const struct lxm_paths *paths, const char *name, bool *ret_running, pid_t *ret_pid,
			uint64_t *ret_start)
{
	char path[PATH_MAX], text[STATE_FILE_MAX], v[64];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/state", paths->run_dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	ssize_t n = read_small(path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	*ret_running = state_get(text, "state", v, sizeof(v)) && STREQ(v, "running");
	*ret_pid = (pid_t)state_get_u64(text, "init_pid");
	*ret_start = state_get_u64(text, "init_start");
	return 0;
}

/* Puts tmp in path's place atomically: readers see the old or the new file at every moment. A
 * run file (no fsync: run files die with the boot) is swapped in with RENAME_EXCHANGE, and the old
 * one, now at tmp, unlinked: a rename() over an existing file makes ext4 (auto_da_alloc) start
 * writing the new file's data back first, ~0.25 ms here, paid twice on every start's path
 * ('starting', then 'running') when RUN is on ext4 (a --root below /var/tmp). Where the swap
 * cannot be done (no file yet: ENOENT; a file system without it: EINVAL), plain rename(). */
static int replace_file(const char *tmp, const char *path, bool run_file)
{
	if (run_file && renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) >= 0) {
		(void)unlink(tmp);
		return 0;
	}
	return rename(tmp, path) < 0 ? negative_errno() : 0;
}

/* Writes text to path through a temporary file and a rename (replace_file()). */
static int write_atomic(const char *path, const char *text, bool run_file)
{
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len) {
		int r = negative_errno();
		unlink(tmp);
		return r;
	}
	int r = replace_file(tmp, path, run_file);
	if (r < 0)
		unlink(tmp);
	return r;
}

int lxm_state_write(const struct lxm_paths *paths, const char *name, const struct lxm_state_record *rec)
{
	_cleanup_free_ char *path = NULL;
	char text[STATE_FILE_MAX];
	int r = lxm_state_run_path(paths, name, "state", &path);
	if (r < 0)
		return r;
	snprintf(text, sizeof(text),
		 "state=%s\ninit_pid=%d\ninit_start=%" PRIu64 "\nmonitor_pid=%d\nmonitor_start=%" PRIu64
		 "\nstarted_usec=%" PRIu64 "\ninit=%s\nuuid=%s\n",
		 lxm_state_to_string(rec->state), (int)rec->init_pid, rec->init_start, (int)rec->monitor_pid,
		 rec->monitor_start, rec->started_usec, rec->init_system ? rec->init_system : "unknown",
		 rec->uuid ? rec->uuid : "");
	return write_atomic(path, text, true);
}

int lxm_state_set_last_exit(const struct lxm_paths *paths, const char *name, const char *how)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	if (asprintf(&path, "%s/%s/last_exit", paths->containers_dir, name) < 0 ||
	    asprintf(&text, "%s\n", how) < 0)
		return -ENOMEM;
	return write_atomic(path, text, false); /* persistent: rename() keeps ext4's flush */
}

/* Kills and removes one of the container's cgroups; returns 1 when it had processes. */
static int cgroup_finish(const char *uuid, enum lxm_cgroup_kind kind)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	bool had = false;
	int r = lxm_cgroup_open_by_id(uuid, kind, &cg);
	if (r < 0)
		return log_debug_errno(r, "Failed to open the cgroups of '%s': %m", uuid);
	if (!lxm_cgroup_exists(cg))
		return 0;
	if (lxm_cgroup_pids(cg, &pids, &n) >= 0 && n > 0) {
		had = true;
		r = lxm_cgroup_kill(cg);
		if (r < 0)
			log_warning_errno(r, "Failed to kill cgroup '%s', ignoring: %m", lxm_cgroup_name(cg));
	}
	r = lxm_cgroup_destroy(cg);
	if (r < 0)
		log_warning_errno(r, "Failed to remove cgroup '%s', ignoring: %m", lxm_cgroup_name(cg));
	return had ? 1 : 0;
}

int lxm_state_cleanup(const struct lxm_paths *paths, const char *name, bool *ret_killed)
{
	_cleanup_free_ char *uuid = NULL, *dir = NULL, *pid_s = NULL, *start_s = NULL;
	int r, killed = 0;

	if (ret_killed)
		*ret_killed = false;
	/* The static lxcmgr cannot load libnftables, which a lost monitor's port forwards need:
	 * lxcmgr-full settles it (runtime/full-helper.h); without one, here, forwards left. */
	if (lxm_full_helper_wanted()) {
		r = lxm_full_helper_run(paths, (const char *const[]){ "__state-cleanup", name, NULL });
		if (r >= 0) {
			if (ret_killed)
				*ret_killed = r == 10;
			return r == 0 || r == 10 ? 0 : -EIO;
		}
	}
	r = lxm_state_run_path(paths, name, NULL, &dir);
	if (r < 0)
		return r;
	if (access(dir, F_OK) < 0)
		return 0;

	/* A lost monitor's init: SIGKILL it first so its pid namespace collapses at once */
	if (lxm_state_read_key(paths, name, "init_pid", &pid_s) >= 0 &&
	    lxm_state_read_key(paths, name, "init_start", &start_s) >= 0) {
		pid_t pid = (pid_t)strtol(pid_s, NULL, 10);
		if (process_matches(pid, strtoull(start_s, NULL, 10)) && kill(pid, SIGKILL) == 0)
			killed = 1;
	}
	if (lxm_state_read_key(paths, name, "uuid", &uuid) >= 0 && !IS_EMPTY(uuid)) {
		if (cgroup_finish(uuid, LXM_CGROUP_PAYLOAD) > 0)
			killed = 1;
		/* Not the monitor cgroup: every container's monitor shares it (cgroup.h). A lost
		 * monitor of an earlier lxcmgr had one of its own, which holds only what that monitor
		 * left (hook children): killed and removed like the payload's. */
		if (cgroup_finish(uuid, LXM_CGROUP_MONITOR_OLD) > 0)
			log_debug("Killed what was left in the old monitor cgroup of '%s'", name);
	}
	/* A lost monitor never removed the host side of the network */
	_cleanup_container_free_ struct lxm_container *c = NULL;
	if (lxm_container_load(paths, name, &c) >= 0)
		(void)lxm_net_stop(paths, c);
	if (killed) {
		(void)lxm_state_set_last_exit(paths, name, "killed");
		if (ret_killed)
			*ret_killed = true;
	}
	static const char *const files[] = { "state", "state.tmp", "control" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *f = NULL;
		if (lxm_state_run_path(paths, name, files[i], &f) < 0)
			return -ENOMEM;
		(void)unlink(f);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		log_debug_errno(errno, "Failed to remove '%s': %m", dir);
	return 0;
}
