/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup object and the calls common to both back ends; the rest goes through the ops table. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/detect.h"
#include "cgroup/internal.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/parse.h"

#define CGROUP_SUPER_MAGIC_V1 0x27e0eb
#define CGROUP_SUPER_MAGIC_V2 0x63677270

void lxm_cgroup_free(struct lxm_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].mount_name);
		free(cg->h[i].controllers);
		free(cg->h[i].mount_path);
		free(cg->h[i].parent);
		free(cg->h[i].path);
		free(cg->h[i].inner);
	}
	free(cg->h);
	free(cg->name);
	free(cg->error);
	free(cg);
}

/* Names and bases become paths in every hierarchy: no "..", no empty components, no odd bytes. */
static bool path_ok(const char *s, bool allow_slash)
{
	if (!*s || *s == '/' || s[strlen(s) - 1] == '/' || strstr(s, "//"))
		return false;
	for (const char *c = s; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') &&
		    !strchr("._-@", *c) && !(allow_slash && *c == '/'))
			return false;
	return !strstr(s, "..") && !(s[0] == '.' && (s[1] == '/' || !s[1]));
}

static int hier_init(struct lxm_cgroup_hier *h, const struct lxm_cgroup_mount *m,
		     const struct lxm_cgroup_params *p, const char *name)
{
	const char *base = IS_EMPTY(p->base) ? NULL : p->base;
	int r;

	h->v2 = m->v2;
	h->mount_name = strdup(m->name);
	if (p->fs_root)
		r = asprintf(&h->mount_path, "%s%s%s", p->fs_root, *m->name ? "/" : "", m->name);
	else
		r = (h->mount_path = strdup(m->mountpoint)) ? 0 : -1;
	if (r < 0 || !h->mount_name)
		return -ENOMEM;
	if (asprintf(&h->parent, "%s%s%s", h->mount_path, base ? "/" : "", base ?: "") < 0 ||
	    asprintf(&h->path, "%s/%s", h->parent, name) < 0)
		return -ENOMEM;
	if (m->v2 && p->no_v2_controllers)
		h->controllers = strdup("");
	else if (m->v2) {
		r = lxm_cg_read(h->mount_path, "cgroup.controllers", &h->controllers);
		if (r < 0)
			h->controllers = strdup("");
	} else
		h->controllers = strdup(m->controllers);
	return h->controllers ? 0 : -ENOMEM;
}

/* The host's cgroup mounts, parsed once per process: a start opens the monitor's and the
 * payload's cgroup, each reading all of /proc/self/mountinfo otherwise. The hierarchies do not
 * change under a running lxcmgr (a cgroup object keeps their paths anyway). */
static struct lxm_cgroup_mounts host_mounts;

static void host_mounts_free(void)
{
	lxm_cgroup_mounts_done(&host_mounts);
}

/* *ret points to the cached host mounts (*owned false) or to the parsed file (*owned true). */
static int mounts_get(const char *mountinfo, struct lxm_cgroup_mounts *parsed, const struct lxm_cgroup_mounts **ret,
		      bool *owned)
{
	int r;

	*owned = mountinfo != NULL;
	if (mountinfo) {
		r = lxm_cgroup_parse_mountinfo(mountinfo, parsed);
		*ret = parsed;
		return r;
	}
	if (host_mounts.n == 0) {
		r = lxm_cgroup_parse_mountinfo(NULL, &host_mounts);
		if (r < 0)
			return r;
		atexit(host_mounts_free); /* leak checkers stay quiet */
	}
	*ret = &host_mounts;
	return 0;
}

int lxm_cgroup_new_from_mounts(const struct lxm_cgroup_params *p, const struct lxm_cgroup_mounts *ms,
			       const char *name, struct lxm_cgroup **ret)
{
	struct lxm_cgroup *cg;
	int r = 0;

	if (!path_ok(name, false) || (!IS_EMPTY(p->base) && !path_ok(p->base, true)))
		return log_debug_errno(EINVAL, "Invalid cgroup name '%s' or base '%s'", name, p->base ?: "");
	if (ms->layout == LXM_CGROUP_LAYOUT_UNKNOWN)
		return log_debug_errno(EOPNOTSUPP, "No usable cgroup hierarchy");
	cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->h = calloc(ms->n, sizeof(*cg->h))) || !(cg->name = strdup(name))) {
		lxm_cgroup_free(cg);
		return -ENOMEM;
	}
	cg->layout = ms->layout;
	cg->no_unified_kill = p->no_unified_kill;
	cg->ops = ms->layout == LXM_CGROUP_LAYOUT_UNIFIED ? &lxm_cgroup_v2_ops : &lxm_cgroup_v1_ops;
	for (size_t i = 0; i < ms->n && r >= 0; i++) {
		/* Pure v2 has one hierarchy; a second cgroup2 mount below it would be a bind. */
		if (ms->layout == LXM_CGROUP_LAYOUT_UNIFIED && cg->n > 0)
			break;
		r = hier_init(&cg->h[cg->n++], &ms->m[i], p, name);
	}
	if (r < 0) {
		lxm_cgroup_free(cg);
		return r;
	}
	*ret = cg;
	return 0;
}

int lxm_cgroup_new_full(const struct lxm_cgroup_params *p, const char *name, struct lxm_cgroup **ret)
{
	struct lxm_cgroup_mounts parsed = {};
	const struct lxm_cgroup_mounts *mp;
	bool owned;
	int r;

	if (!path_ok(name, false) || (!IS_EMPTY(p->base) && !path_ok(p->base, true)))
		return log_debug_errno(EINVAL, "Invalid cgroup name '%s' or base '%s'", name, p->base ?: "");
	r = mounts_get(p->mountinfo, &parsed, &mp, &owned);
	if (r < 0)
		return r;
	r = lxm_cgroup_new_from_mounts(p, mp, name, ret);
	if (owned)
		lxm_cgroup_mounts_done(&parsed);
	return r;
}

int lxm_cgroup_new(const char *fs_root, const char *mountinfo_path, const char *name, struct lxm_cgroup **ret)
{
	struct lxm_cgroup_params p = { .fs_root = fs_root, .mountinfo = mountinfo_path };

	return lxm_cgroup_new_full(&p, name, ret);
}

int lxm_cgroup_open_by_id(const char *uuid, enum lxm_cgroup_kind kind, struct lxm_cgroup **ret)
{
	return lxm_cgroup_open_by_id_in(NULL, uuid, kind, ret);
}

int lxm_cgroup_open_by_id_in(const struct lxm_cgroup_mounts *ms, const char *uuid, enum lxm_cgroup_kind kind,
			     struct lxm_cgroup **ret)
{
	return lxm_cgroup_open_by_id_full(NULL, ms, uuid, kind, ret);
}

int lxm_cgroup_open_by_id_full(const struct lxm_cgroup_params *params, const struct lxm_cgroup_mounts *ms,
			       const char *uuid, enum lxm_cgroup_kind kind, struct lxm_cgroup **ret)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	struct lxm_cgroup_params p = { .no_unified_kill = params && params->no_unified_kill,
				       .no_v2_controllers = params && params->no_v2_controllers };
	char name[128];
	int r;

	if (IS_EMPTY(uuid) || strlen(uuid) > 64 || strspn(uuid, "0123456789abcdefABCDEF-") != strlen(uuid))
		return log_debug_errno(EINVAL, "Invalid container uuid '%s'", uuid ?: "");
	/* One monitor cgroup for all containers, made once and kept: a cgroup of its own per
	 * monitor cost ~11 mkdirs (v1) with the cpuset copy on every start and as many rmdirs plus
	 * a migration on every stop; what it is for (the monitors out of the caller's cgroup, their
	 * usage apart from the payloads') does not need one per container. */
	if (kind == LXM_CGROUP_MONITOR)
		snprintf(name, sizeof(name), "%s", LXM_CGROUP_MONITOR_NAME);
	else if (kind == LXM_CGROUP_MONITOR_OLD)
		snprintf(name, sizeof(name), "%s.%s", LXM_CGROUP_MONITOR_NAME, uuid);
	else
		snprintf(name, sizeof(name), "lxcmgr.payload.%s", uuid);
	r = ms ? lxm_cgroup_new_from_mounts(&p, ms, name, &cg) : lxm_cgroup_new_full(&p, name, &cg);
	if (r < 0)
		return r;
	if (kind == LXM_CGROUP_PAYLOAD) {
		r = lxm_cgroup_set_inner(cg, LXM_CGROUP_INNER);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

/* Why an inner cgroup: the kernel lets the owner of a cgroup's directory (and, without a user
 * namespace, any CAP_SYS_ADMIN root that mounts a fresh cgroupfs) write that cgroup's limit
 * files. Processes live one level down and the cgroup namespace is rooted there, so the limits
 * set on the payload are above the container's root: a container raising "its own" limits
 * only writes the inner cgroup's, which the payload's still cap (cgroup limits are hierarchical). */
int lxm_cgroup_set_inner(struct lxm_cgroup *cg, const char *inner)
{
	if (IS_EMPTY(inner) || !path_ok(inner, false))
		return log_debug_errno(EINVAL, "Invalid inner cgroup name '%s'", inner ?: "");
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->h[i].inner);
		if (asprintf(&cg->h[i].inner, "%s/%s", cg->h[i].path, inner) < 0) {
			cg->h[i].inner = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

const char *lxm_cgroup_name(const struct lxm_cgroup *cg)
{
	return cg->name;
}

const char *lxm_cgroup_strerror(const struct lxm_cgroup *cg)
{
	return cg->error;
}

enum lxm_cgroup_layout lxm_cgroup_layout(const struct lxm_cgroup *cg)
{
	return cg->layout;
}

size_t lxm_cgroup_n_hierarchies(const struct lxm_cgroup *cg)
{
	return cg->n;
}

int lxm_cgroup_hierarchy(const struct lxm_cgroup *cg, size_t i, struct lxm_cgroup_hierarchy_info *ret)
{
	if (i >= cg->n)
		return -ERANGE;
	*ret = (struct lxm_cgroup_hierarchy_info){
		.mount_name = cg->h[i].mount_name,
		.controllers = cg->h[i].controllers,
		.path = cg->h[i].path,
		.inner = lxm_cg_join_path(&cg->h[i]),
		.v2 = cg->h[i].v2,
	};
	return 0;
}

static bool has_word(const char *list, const char *w, const char *seps)
{
	size_t l = strlen(w);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, seps);
		if (n == l && strncmp(p, w, l) == 0)
			return true;
		p += n;
		p += strspn(p, seps);
	}
	return false;
}

struct lxm_cgroup_hier *lxm_cg_hier(struct lxm_cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++)
		if (has_word(cg->h[i].controllers, controller, cg->h[i].v2 ? " \n" : ","))
			return &cg->h[i];
	return NULL;
}

struct lxm_cgroup_hier *lxm_cg_unified(struct lxm_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	return NULL;
}

/* The hierarchy whose membership we read: v2 or hybrid unified, else freezer, else the first. */
static struct lxm_cgroup_hier *main_hier(struct lxm_cgroup *cg)
{
	return lxm_cg_unified(cg) ?: lxm_cg_hier(cg, "freezer") ?: &cg->h[0];
}

int lxm_cgroup_create(struct lxm_cgroup *cg)
{
	return cg->ops->create(cg);
}

static int attach(struct lxm_cgroup *cg, pid_t pid, bool exec_leaf)
{
	char buf[32];
	int r;

	/* "0" means the writer itself, right also inside a new pid namespace. */
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		const char *dir = lxm_cg_join_path(&cg->h[i]);

		if (exec_leaf && cg->h[i].inner && lxm_cg_wants_exec_leaf(&cg->h[i])) {
			r = lxm_cg_join_exec_leaf(cg, &cg->h[i], buf);
			if (r < 0)
				return r;
			continue;
		}
		/* exec's child executes or exits next: the kernel closes the files (see internal.h) */
		int (*join)(struct lxm_cgroup *, const char *, const char *, const char *) =
			exec_leaf ? lxm_cg_write_exiting : lxm_cg_write;
		r = join(cg, dir, "cgroup.procs", buf);
		/* v1 devices: the inner cgroup comes with the device list (cgroup-v1.c); without one
		 * set, it is made here (only then: no mkdir per hierarchy and start) and copies the
		 * payload's. */
		if (r == -ENOENT && cg->h[i].inner) {
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return lxm_cg_set_error(cg, negative_errno(), "Failed to create cgroup '%s': %m", dir);
			r = join(cg, dir, "cgroup.procs", buf);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int lxm_cgroup_attach(struct lxm_cgroup *cg, pid_t pid)
{
	return attach(cg, pid, false);
}

int lxm_cgroup_attach_exec(struct lxm_cgroup *cg, pid_t pid)
{
	return attach(cg, pid, true);
}

int lxm_cgroup_leave(struct lxm_cgroup *cg, pid_t pid)
{
	char buf[32];
	int r;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		r = lxm_cg_write(cg, cg->h[i].parent, "cgroup.procs", buf);
		if (r < 0)
			return r;
	}
	return 0;
}

int lxm_cgroup_kill(struct lxm_cgroup *cg)
{
	if (!lxm_cgroup_exists(cg))
		return 0;
	return cg->ops->kill(cg);
}

bool lxm_cgroup_exists(struct lxm_cgroup *cg)
{
	struct stat st;

	for (size_t i = 0; i < cg->n; i++)
		if (stat(cg->h[i].path, &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	return false;
}

int lxm_cgroup_pids(struct lxm_cgroup *cg, pid_t **ret, size_t *ret_n)
{
	int r = lxm_cg_pids_recursive(main_hier(cg)->path, ret, ret_n);

	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	return r;
}

/* A fake tree in tests is a plain directory: its files must go before rmdir works. */
static int rmdir_tree(const char *path, bool cgroupfs)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	int r;

	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			return -ENOMEM;
		if (de->d_type == DT_DIR) {
			r = rmdir_tree(sub, cgroupfs);
			if (r < 0)
				return r;
		} else if (!cgroupfs && unlink(sub) < 0)
			return negative_errno();
	}
	if (rmdir(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

int lxm_cgroup_destroy(struct lxm_cgroup *cg)
{
	int ret = 0, r;

	for (size_t i = 0; i < cg->n; i++) {
		struct statfs sf;
		bool cgroupfs;

		if (statfs(cg->h[i].mount_path, &sf) < 0)
			continue;
		cgroupfs = sf.f_type == CGROUP_SUPER_MAGIC_V1 || sf.f_type == CGROUP_SUPER_MAGIC_V2;
		/* The usual shape (the cgroup and its inner one) goes with two rmdir() calls; the walk,
		 * an opendir() and readdir() of every level, only for what else a payload made. */
		if (cgroupfs && (!cg->h[i].inner || rmdir(cg->h[i].inner) == 0 || errno == ENOENT) &&
		    (rmdir(cg->h[i].path) == 0 || errno == ENOENT))
			continue;
		r = rmdir_tree(cg->h[i].path, cgroupfs);
		if (r < 0 && ret == 0)
			ret = lxm_cg_set_error(cg, r, "Failed to remove cgroup '%s': %m", cg->h[i].path);
	}
	return ret;
}

int lxm_cgroup_set_limits(struct lxm_cgroup *cg, const struct lxm_cgroup_limits *l, char **ret_notes)
{
	_cleanup_free_ char *notes = NULL;
	int r;

	if (l->cpu_weight != LXM_CGROUP_UNSET && (l->cpu_weight < 1 || l->cpu_weight > 10000))
		return lxm_cg_set_error(cg, -EINVAL, "cpu_weight %llu is out of range 1-10000",
					(unsigned long long)l->cpu_weight);
	if (l->io_weight != LXM_CGROUP_UNSET && (l->io_weight < 1 || l->io_weight > 10000))
		return lxm_cg_set_error(cg, -EINVAL, "io_weight %llu is out of range 1-10000",
					(unsigned long long)l->io_weight);
	if (l->cpus_milli != LXM_CGROUP_UNSET && l->cpus_milli != LXM_CGROUP_MAX &&
	    (l->cpus_milli < LXM_CPUS_MILLI_MIN || l->cpus_milli > LXM_CPUS_MILLI_MAX))
		return lxm_cg_set_error(cg, -EINVAL, "cpus %llu.%03llu is out of range 0.01-1000",
					(unsigned long long)l->cpus_milli / 1000,
					(unsigned long long)l->cpus_milli % 1000);
	r = cg->ops->set_limits(cg, l, &notes);
	if (r < 0)
		return r;
	if (ret_notes)
		*ret_notes = TAKE_PTR(notes);
	return 0;
}

int lxm_cgroup_get_usage(struct lxm_cgroup *cg, struct lxm_cgroup_usage *ret)
{
	*ret = (struct lxm_cgroup_usage){
		.memory_current = LXM_CGROUP_USAGE_UNKNOWN,
		.memory_peak = LXM_CGROUP_USAGE_UNKNOWN,
		.swap_current = LXM_CGROUP_USAGE_UNKNOWN,
		.cpu_user_usec = LXM_CGROUP_USAGE_UNKNOWN,
		.cpu_system_usec = LXM_CGROUP_USAGE_UNKNOWN,
		.cpu_usage_usec = LXM_CGROUP_USAGE_UNKNOWN,
		.pids_current = LXM_CGROUP_USAGE_UNKNOWN,
	};
	if (!lxm_cgroup_exists(cg))
		return -ENOENT;
	return cg->ops->get_usage(cg, ret);
}

int lxm_cgroup_freeze(struct lxm_cgroup *cg, bool freeze)
{
	return cg->ops->freeze(cg, freeze);
}

int lxm_cgroup_is_frozen(struct lxm_cgroup *cg)
{
	return cg->ops->is_frozen(cg);
}

int lxm_cgroup_set_devices(struct lxm_cgroup *cg, const char *const *allow_rules)
{
	return cg->ops->set_devices(cg, allow_rules);
}

int lxm_cg_chown_dir(struct lxm_cgroup *cg, const char *dir, bool v2, uid_t uid, gid_t gid)
{
	static const char *const v1_files[] = { "tasks", "cgroup.procs", "cgroup.clone_children", NULL };
	static const char *const v2_files[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", NULL };
	const char *const *files = v2 ? v2_files : v1_files;
	/* One lookup of the directory, then each file relative to it: the path walks through
	 * kernfs were most of this step's cost (it delays the container's start). */
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || fchownat(dfd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return lxm_cg_set_error(cg, negative_errno(), "Failed to chown '%s': %m", dir);
	for (size_t f = 0; files[f]; f++)
		if (fchownat(dfd, files[f], uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			return lxm_cg_set_error(cg, negative_errno(), "Failed to chown '%s/%s': %m", dir, files[f]);
	return 0;
}

int lxm_cgroup_chown(struct lxm_cgroup *cg, uid_t uid, gid_t gid)
{
	for (size_t i = 0; i < cg->n; i++) {
		int r = lxm_cg_chown_dir(cg, lxm_cg_join_path(&cg->h[i]), cg->h[i].v2, uid, gid);
		if (r < 0)
			return r;
	}
	return 0;
}

/* systemd: CGROUP_CPU_SHARES_DEFAULT 1024 at CGROUP_WEIGHT_DEFAULT 100, clamped to 2-262144. */
uint64_t lxm_cgroup_cpu_weight_to_shares(uint64_t weight)
{
	uint64_t s = weight * 1024 / 100;

	return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

/* systemd: CGROUP_BLKIO_WEIGHT_DEFAULT 500 at 100, clamped to 10-1000. */
uint64_t lxm_cgroup_io_weight_to_blkio(uint64_t weight)
{
	uint64_t s = weight * 500 / 100;

	return s < 10 ? 10 : s > 1000 ? 1000 : s;
}

/* systemd: piecewise linear, 1->1, 100->100 (BFQ default), 10000->1000. */
uint64_t lxm_cgroup_io_weight_to_bfq(uint64_t weight)
{
	if (weight < 1)
		weight = 1;
	if (weight > 10000)
		weight = 10000;
	if (weight <= 100)
		return (weight - 1) * (100 - 1) / (100 - 1) + 1;
	return (weight - 100) * (1000 - 100) / (10000 - 100) + 100;
}
