/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec needs five values of the container's config (uuid, security.seccomp, security.apparmor,
 * security.no_new_privs and the capability drop list), but parsing the config with libconfuse
 * (schema built, whole file lexed and validated) was ~0.15 ms of the ~3 ms an exec takes. They are
 * kept in RUN/.exec-plan/NAME together with the identity of the config file they came from, and
 * served from there while the config file is exactly that file.
 *
 * Why that is exact: the identity is the device, inode, size, mtime and ctime, the times to the
 * nanosecond. Every way the config changes moves one of them: lxcmgr writes it through a new file
 * and rename() (a new inode), an in-place write changes mtime and ctime, and ctime cannot be set
 * from user space (touch -d restores mtime, not ctime). The identity is read before and after the
 * parse and the plan is written only when both agree, so a config edited during the parse is
 * not remembered under either version. The config has no include: the one file is all of it.
 *
 * Why it is safe to trust: the plan decides the seccomp filter, AppArmor profile, no_new_privs and
 * capabilities of the command, so a planted plan would lift them. Only a regular file owned by us
 * (root) that nobody else may write, in a directory of the same kind inside the run directory, is
 * read; anything else is ignored and replaced. Whoever can write there is root and could edit the
 * config itself. A plan that does not parse is a miss, never a partial plan.
 */
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "runtime/cfg-get.h"
#include "runtime/exec-plan.h"
#include "runtime/start.h"
#include "store/store.h"
#include "util/log.h"
#include "util/trusted-file.h"

#define PLAN_MAGIC "lxcmgr exec plan 1\n"
#define PLAN_DIR ".exec-plan"
#define PLAN_MAX 8192

void lxm_exec_plan_done(struct lxm_exec_plan *p)
{
	free(p->name);
	free(p->uuid);
	free(p->seccomp);
	free(p->apparmor);
	*p = (struct lxm_exec_plan){};
}

static void identity(const struct stat *st, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 ".%09ld %" PRId64 ".%09ld",
		 (uint64_t)st->st_dev, (uint64_t)st->st_ino, (uint64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
		 st->st_mtim.tv_nsec, (int64_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* One line "=VALUE" (set) or "-" (unset), advancing *p. */
static int take_value(char **p, char **ret)
{
	char *e = strchr(*p, '\n');
	if (!e || (**p != '=' && **p != '-') || (**p == '-' && e != *p + 1))
		return -EBADMSG;
	*e = '\0';
	char *v = **p == '=' ? strdup(*p + 1) : NULL;
	if (**p == '=' && !v)
		return -ENOMEM;
	*p = e + 1;
	*ret = v;
	return 0;
}

static int parse_plan(char *text, const char *id, struct lxm_exec_plan *p)
{
	size_t ml = strlen(PLAN_MAGIC), il = strlen(id);
	unsigned nnp;
	int consumed = 0, r;
	if (strncmp(text, PLAN_MAGIC, ml) != 0 || strncmp(text + ml, id, il) != 0 || text[ml + il] != '\n')
		return -ESTALE;
	char *s = text + ml + il + 1;
	if (sscanf(s, "%" SCNx64 " %u %d\n%n", &p->cap_drop, &nnp, &p->cap_error, &consumed) != 3 || !consumed ||
	    nnp > 1 || p->cap_error > 0)
		return -EBADMSG;
	p->no_new_privs = nnp;
	s += consumed;
	if ((r = take_value(&s, &p->uuid)) < 0 || (r = take_value(&s, &p->seccomp)) < 0 ||
	    (r = take_value(&s, &p->apparmor)) < 0)
		return r;
	if (*s || !p->uuid)
		return -EBADMSG;
	return 0;
}

static bool value_ok(const char *v)
{
	return !v || !strchr(v, '\n');
}

/* Best effort: through a temporary file and rename(), so a reader sees all of it or nothing. */
static void write_plan(const char *dir, const char *name, const char *id, const struct lxm_exec_plan *p)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL, *text = NULL;
	if (!value_ok(p->uuid) || !value_ok(p->seccomp) || !value_ok(p->apparmor))
		return;
	if (asprintf(&text, PLAN_MAGIC "%s\n%" PRIx64 " %d %d\n=%s\n%s%s\n%s%s\n", id, p->cap_drop,
		     p->no_new_privs ? 1 : 0, p->cap_error, p->uuid, p->seccomp ? "=" : "-", p->seccomp ? p->seccomp : "",
		     p->apparmor ? "=" : "-", p->apparmor ? p->apparmor : "") < 0 ||
	    strlen(text) >= PLAN_MAX)
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	if (asprintf(&path, "%s/%s", dir, name) < 0 || asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0)
		return;
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || rename(tmp, path) < 0) {
		log_debug_errno(negative_errno(), "Failed to remember the exec plan in '%s', ignoring: %m", path);
		(void)unlink(tmp);
	}
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

/* The plan from the parsed config. */
static int plan_from_config(const struct lxm_paths *paths, const char *name, struct lxm_exec_plan *p)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	int r = lxm_container_load(paths, name, &c);
	if (r < 0)
		return r;
	const char *uuid = lxm_cfg_str(c->config, "uuid");
	if ((r = dup_or_null(uuid ? uuid : "", &p->uuid)) < 0 ||
	    (r = dup_or_null(lxm_cfg_str(c->config, "security.seccomp"), &p->seccomp)) < 0 ||
	    (r = dup_or_null(lxm_cfg_str(c->config, "security.apparmor"), &p->apparmor)) < 0)
		return r;
	p->no_new_privs = lxm_cfg_bool(c->config, "security.no_new_privs", false);
	p->cap_error = lxm_caps_drop_mask(c, &p->cap_drop);
	if (p->cap_error > 0)
		p->cap_error = 0;
	return 0;
}

int lxm_exec_plan_load(const struct lxm_paths *paths, const char *name, struct lxm_exec_plan *ret)
{
	_cleanup_free_ char *cdir = NULL, *config = NULL, *dir = NULL;
	struct lxm_exec_plan p = {};
	char id[160], id_after[160], text[PLAN_MAX];
	struct stat st;
	int r;

	r = lxm_name_validate(name);
	if (r < 0)
		return r;
	if (lxm_path_join(&cdir, paths->containers_dir, name) < 0 || lxm_path_join(&config, cdir, "config") < 0 ||
	    asprintf(&dir, "%s/" PLAN_DIR, paths->run_dir) < 0)
		return -ENOMEM;
	p.name = strdup(name);
	if (!p.name)
		return -ENOMEM;
	/* as lxm_container_load() decides "not found": the container directory itself, no symlink */
	if (lstat(cdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		lxm_exec_plan_done(&p);
		return log_error_errno(-ENOENT, "Container '%s' not found", name);
	}
	bool have_id = stat(config, &st) == 0;
	if (have_id) {
		identity(&st, id, sizeof(id));
		char plan[PATH_MAX];
		snprintf(plan, sizeof(plan), "%s/%s", dir, name);
		/* only a plan of ours that nobody else could have written or edited (see the top) */
		if (lxm_read_trusted_file(plan, text, sizeof(text)) >= 0 && parse_plan(text, id, &p) >= 0) {
			*ret = p;
			return 0;
		}
		char *keep = TAKE_PTR(p.name);
		lxm_exec_plan_done(&p);
		p.name = keep;
	}
	r = plan_from_config(paths, name, &p);
	if (r < 0) {
		lxm_exec_plan_done(&p);
		return r;
	}
	if (have_id && stat(config, &st) == 0) {
		identity(&st, id_after, sizeof(id_after));
		if (STREQ(id, id_after))
			write_plan(dir, name, id, &p);
	}
	*ret = p;
	return 0;
}

void lxm_exec_plan_forget(const struct lxm_paths *paths, const char *name)
{
	_cleanup_free_ char *path = NULL;
	if (lxm_name_validate(name) < 0 || asprintf(&path, "%s/" PLAN_DIR "/%s", paths->run_dir, name) < 0)
		return;
	if (unlink(path) < 0 && errno != ENOENT)
		log_debug_errno(negative_errno(), "Failed to remove '%s', ignoring: %m", path);
}
