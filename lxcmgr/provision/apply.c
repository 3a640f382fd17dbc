/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Each step is atomic or recorded, so an apply killed at any point leaves every container as it
 * was or as declared, and the next apply finishes the job: creates are store transactions, config
 * keys are atomic rewrites, files are written by rename, and each `run` command is recorded in
 * CONTAINER/provision.state right after it succeeded (a command killed midway runs again).
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "config/config.h"
#include "config/render.h"
#include "networking/ipam.h"
#include "provision/apply.h"
#include "provision/files.h"
#include "provision/spawn.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/log.h"

int lxm_apply_lock(const struct lxm_paths *paths, const char *abs_path, int *ret_fd)
{
	_cleanup_free_ char *path = NULL, *dir = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = lxm_plan_owned_path(paths, abs_path, "lock", &path);
	if (r < 0)
		return r;
	if (lxm_path_join(&dir, paths->run_dir, "provision") < 0)
		return -ENOMEM;
	r = lxm_mkdir_p(dir, 0700);
	if (r < 0)
		return log_error_errno(r, "Failed to create '%s': %m", dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s': %m", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return negative_errno();
		log_info("Waiting for another apply of '%s'", abs_path);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return negative_errno();
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int create_network(const struct lxm_paths *paths, const struct lxm_prov_item *it)
{
	cfg_t *s = it->sec;
	const char *args[20];
	size_t n = 0;

	args[n++] = "net";
	args[n++] = "create";
	args[n++] = it->name;
	if (cfg_getstr(s, "ipv4")) {
		args[n++] = "--ipv4";
		args[n++] = cfg_getstr(s, "ipv4");
	}
	if (cfg_getstr(s, "ipv6")) {
		args[n++] = "--ipv6";
		args[n++] = cfg_getstr(s, "ipv6");
	}
	args[n++] = cfg_getbool(s, "nat") ? "--nat" : "--no-nat";
	args[n++] = cfg_getbool(s, "dhcp") ? "--dhcp" : "--no-dhcp";
	args[n++] = "--domain";
	args[n++] = cfg_getstr(s, "domain");
	args[n++] = "--dns-upstream";
	args[n++] = cfg_getstr(s, "dns_upstream");
	args[n] = NULL;
	int r = lxm_prov_spawn(paths, args, NULL);
	if (r != 0)
		return log_error_errno(r < 0 ? r : -EIO, "Failed to create network '%s'", it->name);
	printf("  created network %s\n", it->name);
	return 0;
}

static int record_owned(const struct lxm_paths *paths, const char *file, const char *name)
{
	_cleanup_container_free_ struct lxm_container *ct = NULL;
	_cleanup_free_ char *path = NULL, *old = NULL, *text = NULL, *dir = NULL;
	int r;

	r = lxm_container_load(paths, name, &ct);
	if (r < 0)
		return r;
	r = lxm_plan_owned_path(paths, file, "owned", &path);
	if (r < 0)
		return r;
	if (lxm_path_join(&dir, paths->lib_dir, "provision") < 0)
		return -ENOMEM;
	r = lxm_mkdir_p(dir, 0700);
	if (r < 0)
		return r;
	if (lxm_read_file(path, &old, NULL) < 0) {
		old = NULL;
		if (asprintf(&old, "# Containers created by 'lxcmgr apply %s' (for --prune)\n", file) < 0)
			return -ENOMEM;
	}
	if (asprintf(&text, "%s%s %s\n", old, name, cfg_getstr(ct->config, "uuid")) < 0)
		return -ENOMEM;
	return lxm_write_file_atomic(path, text, 0600);
}

static int create_container(const struct lxm_paths *paths, const struct lxm_prov_item *it, const char *file)
{
	cfg_t *s = it->sec;
	const char *args[12];
	size_t n = 0;

	args[n++] = "create";
	args[n++] = it->name;
	if (cfg_getstr(s, "template")) {
		args[n++] = "--template";
		args[n++] = cfg_getstr(s, "template");
	}
	if (cfg_getstr(s, "release")) {
		args[n++] = "--release";
		args[n++] = cfg_getstr(s, "release");
	}
	if (cfg_getstr(s, "init_system")) {
		args[n++] = "--init";
		args[n++] = cfg_getstr(s, "init_system");
	}
	args[n] = NULL;
	int r = lxm_prov_spawn(paths, args, NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to create container '%s': %m", it->name);
	if (r >= 126) /* not run, or killed: nothing said why */
		return log_error_errno(-EIO, "Failed to create container '%s': the create %s %d", it->name,
				       r > 128 ? "was killed by signal" : "exited with status", r > 128 ? r - 128 : r);
	if (r > 0)
		return -EIO; /* the create said why (a third line said only that it failed) */
	printf("  created container %s\n", it->name);
	return record_owned(paths, file, it->name);
}

/* Through `lxcmgr limit NAME KEY=VALUE` (the resources code path): the cgroup is changed and the
 * config written, or neither (a value the kernel refuses is rolled back). */
static int apply_live(const struct lxm_paths *paths, const struct lxm_plan_container *c)
{
	for (size_t i = 0; i < c->changes.n; i++) {
		const struct lxm_prov_change *ch = &c->changes.items[i];
		_cleanup_free_ char *kv = NULL;
		if (ch->kind != LXM_PROV_LIVE)
			continue;
		if (asprintf(&kv, "%s=%s", ch->key + strlen("limits."), ch->new ? ch->new : "") < 0)
			return -ENOMEM;
		const char *args[] = { "limit", c->item->name, kv, NULL };
		int r = lxm_prov_spawn(paths, args, NULL);
		if (r != 0)
			return log_error_errno(r < 0 ? r : -EIO, "Failed to change %s of running '%s' live", ch->key,
					       c->item->name);
		printf("  %s: %s = %s (live)\n", c->item->name, ch->key, ch->new);
	}
	return 0;
}

static int apply_config(const struct lxm_paths *paths, const struct lxm_plan_container *c, const char *config_path)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_strv_free_ char **keys = NULL, **values = NULL;
	int r;

	r = apply_live(paths, c);
	if (r < 0)
		return r;
	r = lxm_container_lock(paths, c->item->name, &lock);
	if (r < 0)
		return r;
	/* A new container gets every declared key; an existing one the ones that differ. */
	if (c->create) {
		r = lxm_prov_declared_keys(c->item->sec, &keys, &values);
		if (r < 0)
			return r;
		for (size_t i = 0; keys[i]; i++) {
			r = lxm_config_set_in_file(config_path, keys[i], values[i]);
			if (r < 0)
				return log_error_errno(r, "Failed to set '%s' of '%s': %m", keys[i], c->item->name);
		}
		return 0;
	}
	for (size_t i = 0; i < c->changes.n; i++) {
		const struct lxm_prov_change *ch = &c->changes.items[i];
		if (ch->kind == LXM_PROV_LIVE)
			continue;
		if (ch->kind == LXM_PROV_RECREATE) {
			log_warning("Container '%s': %s %s -> %s needs re-creation, not done", c->item->name, ch->key,
				    ch->old ? ch->old : "(unset)", ch->new);
			continue;
		}
		r = lxm_config_set_in_file(config_path, ch->key, ch->new);
		if (r < 0)
			return log_error_errno(r, "Failed to set '%s' of '%s': %m", ch->key, c->item->name);
		printf("  %s: %s = %s (%s)\n", c->item->name, ch->key, ch->new,
		       ch->kind == LXM_PROV_RESTART ? "pending: takes effect after a restart" : lxm_prov_kind_to_string(ch->kind));
	}
	return 0;
}

static int write_files(const struct lxm_plan_container *c, const struct lxm_container *ct)
{
	_cleanup_close_ int root_fd = open(ct->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (root_fd < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s': %m", ct->rootfs);
	/* A rootfs with shifted owners stores the container's ids as host ids. */
	struct lxm_idmap shift_map;
	int shifted = lxm_prov_shifted_map(ct->config, &shift_map);
	if (shifted < 0)
		return log_error_errno(shifted, "Invalid security.idmap_shifted in '%s'", ct->config_path);
	for (unsigned i = 0; i < cfg_size(c->item->sec, "file"); i++) {
		struct lxm_prov_file want;
		_cleanup_free_ char *why = NULL;
		r = lxm_prov_file_want(c->item, cfg_getnsec(c->item->sec, "file", i), &want);
		if (r < 0)
			return r;
		want.shifted = shifted > 0 ? &shift_map : NULL;
		r = lxm_prov_file_check(root_fd, &want, &why);
		if (r >= 0 && why)
			r = lxm_prov_file_write(root_fd, &want);
		if (r == -ELOOP)
			log_error("Refusing to write '%s' in container '%s': it is a symlink (it could point out of "
				  "the container's root filesystem)", want.path, c->item->name);
		else if (r < 0)
			log_error_errno(r, "Failed to write '%s' in container '%s': %m", want.path, c->item->name);
		else if (why)
			printf("  %s: wrote %s (%s)\n", c->item->name, want.path, why);
		lxm_prov_file_done(&want);
		if (r < 0)
			return r;
	}
	return 0;
}

static int append_file(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) < 0)
		return -EIO;
	return 0;
}

static bool is_running(const struct lxm_paths *paths, const char *name)
{
	struct lxm_state_info si = {};
	bool running = lxm_state_query(paths, name, &si) >= 0 && si.state == LXM_STATE_RUNNING;
	lxm_state_info_done(&si);
	return running;
}

static int run_one(const struct lxm_paths *paths, const struct lxm_container *ct, const char *cmd,
		   const char *log_path, const char *state_path)
{
	const char *args[] = { "exec", ct->name, "-T", "--", "/bin/sh", "-c", cmd, NULL };
	_cleanup_free_ char *out = NULL, *head = NULL, *rec = NULL;
	char stamp[32], h[65];
	time_t now = time(NULL);
	struct tm tm;

	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	printf("  %s: run %s\n", ct->name, cmd);
	fflush(stdout);
	int r = lxm_prov_spawn(paths, args, &out);
	if (r < 0)
		return log_error_errno(r, "Failed to run '%s' in '%s': %m", cmd, ct->name);
	if (asprintf(&head, "=== %s run: %s\n%s%s=== exit %d\n", stamp, cmd, out ? out : "",
		     out && *out && out[strlen(out) - 1] != '\n' ? "\n" : "", r) < 0)
		return -ENOMEM;
	(void)append_file(log_path, head);
	if (r != 0) {
		log_error("Command '%s' failed in container '%s' with exit code %d; its provisioning stops here. "
			  "Output:\n%s", cmd, ct->name, r, out ? out : "");
		return -ECANCELED;
	}
	lxm_prov_run_hash(cmd, h);
	/* Recorded after success only: a command killed midway runs again next time. */
	if (asprintf(&rec, "%s %.60s\n", h, cmd) < 0)
		return -ENOMEM;
	for (char *p = rec + 65; *p && p[1]; p++)
		if (*p == '\n')
			*p = ' ';
	return append_file(state_path, rec);
}

static int run_commands(const struct lxm_paths *paths, const struct lxm_plan_container *c,
			const struct lxm_container *ct)
{
	_cleanup_free_ char *log_path = NULL, *state_path = NULL, *state = NULL;
	int r;

	if (c->n_runs == 0)
		return 0;
	if (!is_running(paths, ct->name)) {
		const char *args[] = { "start", ct->name, NULL };
		r = lxm_prov_spawn(paths, args, NULL);
		if (r != 0)
			return log_error_errno(r < 0 ? r : -EIO, "Failed to start '%s' for its first-boot commands", ct->name);
		printf("  started %s\n", ct->name);
	}
	if (lxm_path_join(&log_path, ct->dir, "provision.log") < 0 ||
	    lxm_path_join(&state_path, ct->dir, "provision.state") < 0)
		return -ENOMEM;
	(void)lxm_read_file(state_path, &state, NULL);
	for (size_t i = 0; i < c->n_runs; i++) {
		if (lxm_prov_run_done(state, c->runs[i]))
			continue; /* a parallel run finished it (cannot happen under the apply lock) */
		r = run_one(paths, ct, c->runs[i], log_path, state_path);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool needs_restart(const struct lxm_plan_container *c)
{
	if (c->pending)
		return true;
	for (size_t i = 0; i < c->changes.n; i++)
		if (c->changes.items[i].kind == LXM_PROV_RESTART)
			return true;
	return false;
}

/* Remembers keys written for a running container that sees them only after a restart, so the
 * next plan still reports them (tied to this run's start time: a restart clears it). */
static int write_pending(const struct lxm_plan_container *c, const struct lxm_container *ct)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	FILE *m;
	size_t len = 0;

	if (lxm_path_join(&path, ct->dir, "provision.pending") < 0)
		return -ENOMEM;
	m = open_memstream(&text, &len);
	if (!m)
		return -ENOMEM;
	fprintf(m, "%llu", (unsigned long long)c->started_usec);
	if (c->pending)
		fprintf(m, " %s", c->pending);
	for (size_t i = 0; i < c->changes.n; i++)
		if (c->changes.items[i].kind == LXM_PROV_RESTART)
			fprintf(m, " %s", c->changes.items[i].key);
	fputc('\n', m);
	if (fclose(m) != 0)
		return -ENOMEM;
	return lxm_write_file_atomic(path, text, 0600);
}

static int restart_or_pend(const struct lxm_paths *paths, const struct lxm_plan_container *c,
			   const struct lxm_container *ct, const struct lxm_apply_options *o)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (!needs_restart(c) || !c->running)
		return 0;
	if (!o->restart) {
		printf("  %s: changes pending until it restarts (apply --restart, or lxcmgr restart %s)\n",
		       c->item->name, c->item->name);
		return write_pending(c, ct);
	}
	const char *args[] = { "restart", c->item->name, NULL };
	r = lxm_prov_spawn(paths, args, NULL);
	if (r != 0)
		return log_error_errno(r < 0 ? r : -EIO, "Failed to restart '%s'", c->item->name);
	printf("  restarted %s\n", c->item->name);
	if (lxm_path_join(&path, ct->dir, "provision.pending") < 0)
		return -ENOMEM;
	(void)unlink(path);
	return 0;
}

static int apply_container(const struct lxm_paths *paths, const struct lxm_provision *p,
			   const struct lxm_plan_container *c, const struct lxm_apply_options *o)
{
	_cleanup_container_free_ struct lxm_container *ct = NULL;
	int r;

	if (!lxm_plan_container_has_changes(c))
		return 0;
	if (c->create) {
		r = create_container(paths, c->item, p->path);
		if (r < 0)
			return r;
	}
	r = lxm_container_load(paths, c->item->name, &ct);
	if (r < 0)
		return r;
	r = apply_config(paths, c, ct->config_path);
	if (r < 0)
		return r;
	r = restart_or_pend(paths, c, ct, o);
	if (r < 0)
		return r;
	r = write_files(c, ct);
	if (r < 0)
		return r;
	return run_commands(paths, c, ct);
}

static int prune(const struct lxm_paths *paths, const char *name)
{
	const char *args[] = { "destroy", name, "--force", NULL };
	int r = lxm_prov_spawn(paths, args, NULL);
	if (r != 0)
		return log_error_errno(r < 0 ? r : -EIO, "Failed to destroy '%s'", name);
	printf("  destroyed container %s\n", name);
	return 0;
}

int lxm_apply_plan(const struct lxm_paths *paths, const struct lxm_provision *p, const struct lxm_plan *plan,
		   const struct lxm_apply_options *o)
{
	int first = 0, r;

	for (size_t i = 0; i < plan->n_networks; i++) {
		const struct lxm_plan_network *n = &plan->networks[i];
		if (n->create && (r = create_network(paths, n->item)) < 0)
			return r; /* containers on it would fail to start: stop here */
		for (size_t j = 0; j < n->changes.n; j++)
			log_warning("Network '%s': %s %s -> %s not applied (delete the network and apply again)",
				    n->item->name, n->changes.items[j].key, n->changes.items[j].old, n->changes.items[j].new);
	}
	for (size_t i = 0; i < plan->n_containers; i++) {
		r = apply_container(paths, p, &plan->containers[i], o);
		if (r < 0 && first == 0)
			first = r;
	}
	for (size_t i = 0; i < plan->n_prune; i++) {
		r = prune(paths, plan->prune[i]);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}
