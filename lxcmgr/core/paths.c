/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "core/paths.h"
#include "util/macros.h"

int lxm_path_join(char **ret, const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	char *s = NULL;
	if (asprintf(&s, "%.*s/%s", (int)la, a, b) < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int lxm_mkdir_p(const char *path, unsigned mode)
{
	/* Usually all of it exists: one mkdir instead of one per component (create made ~20). */
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return negative_errno();
	_cleanup_free_ char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return negative_errno();
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

static int prefixed(const struct lxm_paths *p, const char *abs, char **ret)
{
	if (IS_EMPTY(p->root)) {
		*ret = strdup(abs);
		return *ret ? 0 : -ENOMEM;
	}
	return lxm_path_join(ret, p->root, abs);
}

static int set_lib_dir(struct lxm_paths *p, const char *abs)
{
	_cleanup_free_ char *lib = NULL, *containers = NULL, *networks = NULL;
	int r = prefixed(p, abs, &lib);
	if (r < 0)
		return r;
	r = lxm_path_join(&containers, lib, "containers");
	if (r < 0)
		return r;
	r = lxm_path_join(&networks, lib, "networks");
	if (r < 0)
		return r;
	free(p->lib_dir);
	free(p->containers_dir);
	free(p->networks_dir);
	p->lib_dir = TAKE_PTR(lib);
	p->containers_dir = TAKE_PTR(containers);
	p->networks_dir = TAKE_PTR(networks);
	return 0;
}

int lxm_paths_override(struct lxm_paths *p, const char *key, const char *value)
{
	if (!value || value[0] != '/')
		return -EINVAL;
	if (STREQ(key, "lib_dir"))
		return set_lib_dir(p, value);

	char **field;
	if (STREQ(key, "cache_dir"))
		field = &p->cache_dir;
	else if (STREQ(key, "run_dir"))
		field = &p->run_dir;
	else
		return -EINVAL;

	char *v = NULL;
	int r = prefixed(p, value, &v);
	if (r < 0)
		return r;
	free(*field);
	*field = v;
	return 0;
}

int lxm_paths_init(struct lxm_paths *ret, const char *root)
{
	struct lxm_paths p = {};
	int r;

	/* An explicit empty --root is refused, not taken for the host's root: a script's unset
	 * variable must not make its commands act on the host's containers. (An empty
	 * $LXCMGR_ROOT is the unset variable itself: the default.) */
	if (root && !*root)
		return -EINVAL;
	if (!root)
		root = getenv("LXCMGR_ROOT");
	if (!IS_EMPTY(root) && root[0] != '/')
		return -EINVAL;

	char *r_copy = strdup(IS_EMPTY(root) ? "" : root);
	if (!r_copy)
		return -ENOMEM;
	size_t l = strlen(r_copy);
	while (l > 0 && r_copy[l - 1] == '/')
		r_copy[--l] = '\0';
	p.root = r_copy;

	/* Templates run with '/' as their working directory: a relative directory must be made
	 * absolute here, while it still means what the user meant. */
	const char *tmpl = getenv("LXCMGR_TEMPLATES_DIR");
	if (!IS_EMPTY(tmpl) && tmpl[0] != '/') {
		p.templates_dir = realpath(tmpl, NULL);
		if (!p.templates_dir)
			p.templates_dir = strdup(tmpl); /* the missing directory is reported where it is used */
	} else
		p.templates_dir = strdup(!IS_EMPTY(tmpl) ? tmpl : LXCMGR_TEMPLATES_DIR);
	if (!p.templates_dir) {
		r = -ENOMEM;
		goto fail;
	}

	if ((r = prefixed(&p, "/etc/lxcmgr/lxcmgr.conf", &p.config_file)) < 0 ||
	    (r = set_lib_dir(&p, "/var/lib/lxcmgr")) < 0 ||
	    (r = prefixed(&p, "/var/cache/lxcmgr", &p.cache_dir)) < 0 ||
	    (r = prefixed(&p, "/run/lxcmgr", &p.run_dir)) < 0)
		goto fail;

	*ret = p;
	return 0;
fail:
	lxm_paths_done(&p);
	return r;
}

void lxm_paths_done(struct lxm_paths *p)
{
	free(p->root);
	free(p->config_file);
	free(p->lib_dir);
	free(p->containers_dir);
	free(p->networks_dir);
	free(p->cache_dir);
	free(p->run_dir);
	free(p->templates_dir);
	*p = (struct lxm_paths){};
}

void lxm_paths_cli_argv(const struct lxm_paths *paths, const char *exe, const char *const *args, const char **argv,
			size_t max)
{
	size_t n = 0;
	argv[n++] = exe;
	if (!IS_EMPTY(paths->root)) {
		argv[n++] = "--root";
		argv[n++] = paths->root;
	}
	for (; *args && n < max - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
}
