/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <libgen.h>
#include <limits.h>

#include "config/config.h"
#include "config/schema.h"
#include "config/validate.h"
#include "networking/managed.h"
#include "networking/ipam.h"
#include "provision/schema.h"
#include "util/log.h"

#define MAX_INCLUDE_DEPTH 16

static cfg_opt_t file_opts[] = {
	CFG_STR("content", NULL, CFGF_NODEFAULT),
	CFG_STR("source", NULL, CFGF_NODEFAULT),
	CFG_STR("mode", "0644", CFGF_NONE),
	CFG_STR("owner", "root:root", CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t network_opts[] = {
	CFG_STR("ipv4", NULL, CFGF_NODEFAULT),
	CFG_STR("ipv6", NULL, CFGF_NODEFAULT),
	CFG_BOOL("nat", cfg_true, CFGF_NONE),
	CFG_BOOL("dhcp", cfg_true, CFGF_NONE),
	CFG_STR("domain", "lxcmgr", CFGF_NONE),
	CFG_STR("dns_upstream", "host", CFGF_NONE),
	CFG_END(),
};

#define MULTI (CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES)

/* The container schema's own table plus `file` and `run`: one schema, not two. */
static cfg_opt_t container_opts[64];

static cfg_opt_t top_opts[] = {
	CFG_STR_LIST("include", NULL, CFGF_NODEFAULT),
	CFG_SEC("network", network_opts, MULTI),
	CFG_SEC("container", container_opts, MULTI),
	CFG_END(),
};

static void build_container_opts(void)
{
	cfg_opt_t *base = lxm_schema_container_opts();
	size_t n = 0;

	if (container_opts[0].name)
		return;
	while (base[n].name && n + 3 < ARRAY_SIZE(container_opts)) {
		container_opts[n] = base[n];
		n++;
	}
	container_opts[n++] = (cfg_opt_t)CFG_SEC("file", file_opts, MULTI);
	container_opts[n++] = (cfg_opt_t)CFG_STR_LIST("run", NULL, CFGF_NODEFAULT);
	container_opts[n] = (cfg_opt_t)CFG_END();
}

static cfg_t *last_sec(cfg_opt_t *opt)
{
	unsigned n = cfg_opt_size(opt);
	return n ? cfg_opt_getnsec(opt, n - 1) : NULL;
}

int lxm_provision_parse_mode(const char *s, unsigned *ret)
{
	char *end = NULL;
	if (IS_EMPTY(s) || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 8);
	if (errno || *end || v > 07777)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* Identity belongs to the container made, never to a declaration. */
static const char *const identity_keys[] = { "name", "uuid", "created", "arch" };

static int v_container(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = last_sec(opt);
	const char *title = sec ? cfg_title(sec) : NULL;
	if (!title || !lxm_config_name_is_valid(title)) {
		cfg_error(cfg, "Invalid container name '%s': 1-63 characters of a-z, 0-9 and '-'", title ? title : "");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(identity_keys); i++)
		if (cfg_size(sec, identity_keys[i]) > 0) {
			cfg_error(cfg, "'%s' is part of a container's identity and cannot be declared (container '%s')",
				  identity_keys[i], title);
			return -1;
		}
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '/' || p[2] == 0))
			return true;
	return false;
}

static int v_file(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = last_sec(opt);
	const char *title = sec ? cfg_title(sec) : NULL;
	unsigned mode;

	if (!title || title[0] != '/' || has_dotdot(title) || title[strlen(title) - 1] == '/') {
		cfg_error(cfg, "Invalid file path '%s': must be absolute, name a file and contain no '..'",
			  title ? title : "");
		return -1;
	}
	if ((cfg_size(sec, "content") > 0) == (cfg_size(sec, "source") > 0)) {
		cfg_error(cfg, "File '%s' needs exactly one of 'content' and 'source'", title);
		return -1;
	}
	if (lxm_provision_parse_mode(cfg_getstr(sec, "mode"), &mode) < 0) {
		cfg_error(cfg, "Invalid mode '%s' for file '%s': octal, like \"0644\"", cfg_getstr(sec, "mode"), title);
		return -1;
	}
	const char *owner = cfg_getstr(sec, "owner");
	if (IS_EMPTY(owner) || owner[0] == ':' || strpbrk(owner, " \t\n/") || strchr(owner, ':') != strrchr(owner, ':')) {
		cfg_error(cfg, "Invalid owner '%s' for file '%s': USER or USER:GROUP", owner ? owner : "", title);
		return -1;
	}
	return 0;
}

static bool netname_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 15 || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int v_network(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = last_sec(opt);
	const char *title = sec ? cfg_title(sec) : NULL;
	struct lxm_cidr c;

	if (!netname_is_valid(title)) {
		cfg_error(cfg, "Invalid network name '%s': 1-15 characters of [a-zA-Z0-9_-] (it names the bridge)",
			  title ? title : "");
		return -1;
	}
	const char *v4 = cfg_getstr(sec, "ipv4"), *v6 = cfg_getstr(sec, "ipv6");
	if (v4 && (lxm_parse_cidr(v4, false, &c) < 0 || c.family != AF_INET)) {
		cfg_error(cfg, "Invalid ipv4 '%s' for network '%s': the bridge's address, like 10.0.3.1/24", v4, title);
		return -1;
	}
	if (v6 && (lxm_parse_cidr(v6, false, &c) < 0 || c.family != AF_INET6)) {
		cfg_error(cfg, "Invalid ipv6 '%s' for network '%s'", v6, title);
		return -1;
	}
	if (lxm_network_domain_validate(cfg_getstr(sec, "domain")) < 0) {
		cfg_error(cfg, "Invalid domain '%s' for network '%s'", cfg_getstr(sec, "domain"), title);
		return -1;
	}
	if (lxm_network_upstream_validate(cfg_getstr(sec, "dns_upstream")) < 0) {
		cfg_error(cfg, "Invalid dns_upstream '%s' for network '%s'", cfg_getstr(sec, "dns_upstream"), title);
		return -1;
	}
	return 0;
}

static cfg_t *schema_new(void)
{
	build_container_opts();
	cfg_t *cfg = cfg_init(top_opts, CFGF_NONE);
	if (!cfg)
		return NULL;
	lxm_schema_prepare(cfg, "container|");
	cfg_set_validate_func(cfg, "container", v_container);
	cfg_set_validate_func(cfg, "container|file", v_file);
	cfg_set_validate_func(cfg, "network", v_network);
	return cfg;
}

void lxm_provision_free(struct lxm_provision *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_cfgs; i++)
		cfg_free(p->cfgs[i]);
	for (size_t i = 0; i < 2 * p->n_cfgs; i++)
		free(p->paths[i]);
	free(p->cfgs);
	free(p->paths);
	free(p->networks);
	free(p->containers);
	free(p->path);
	free(p);
}

static int add_item(struct lxm_prov_item **items, size_t *n, cfg_t *sec, const char *file, const char *dir,
		    const char *kind)
{
	for (size_t i = 0; i < *n; i++)
		if (STREQ((*items)[i].name, cfg_title(sec)))
			return log_error_errno(-EINVAL, "%s:%d: %s '%s' is declared twice (also in '%s')", file,
					       sec->line, kind, cfg_title(sec), (*items)[i].file);
	struct lxm_prov_item *m = reallocarray(*items, *n + 1, sizeof(**items));
	if (!m)
		return -ENOMEM;
	*items = m;
	m[(*n)++] = (struct lxm_prov_item){ .name = cfg_title(sec), .sec = sec, .file = file, .dir = dir };
	return 0;
}

/* `source` files are read at plan time; a missing one is an error of the file, found up front. */
static int check_sources(cfg_t *ct, const char *file, const char *dir)
{
	for (unsigned i = 0; i < cfg_size(ct, "file"); i++) {
		cfg_t *f = cfg_getnsec(ct, "file", i);
		const char *src = cfg_getstr(f, "source");
		_cleanup_free_ char *path = NULL;
		if (!src)
			continue;
		if (src[0] == '/')
			path = strdup(src);
		else if (asprintf(&path, "%s/%s", dir, src) < 0)
			path = NULL;
		if (!path)
			return -ENOMEM;
		if (access(path, R_OK) < 0)
			return log_error_errno(-EINVAL, "%s:%d: Cannot read the source '%s' of file '%s': %s", file,
					       f->line, path, cfg_title(f), strerror(errno));
	}
	return 0;
}

static int load_one(struct lxm_provision *p, const char *path, const char *text, const char *dir_hint,
		    char **stack, unsigned depth);

static int load_includes(struct lxm_provision *p, cfg_t *cfg, const char *file, const char *dir, char **stack,
			 unsigned depth)
{
	for (unsigned i = 0; i < cfg_size(cfg, "include"); i++) {
		const char *inc = cfg_getnstr(cfg, "include", i);
		_cleanup_free_ char *joined = NULL;
		char real[PATH_MAX];
		int r;

		if (IS_EMPTY(inc))
			return log_error_errno(-EINVAL, "%s: An empty include", file);
		if (inc[0] == '/')
			joined = strdup(inc);
		else if (asprintf(&joined, "%s/%s", dir, inc) < 0)
			joined = NULL;
		if (!joined)
			return -ENOMEM;
		if (!realpath(joined, real))
			return log_error_errno(-EINVAL, "%s: Cannot read the included file '%s': %s", file, joined,
					       strerror(errno));
		for (unsigned d = 0; d < depth + 1; d++)
			if (STREQ(stack[d], real))
				return log_error_errno(-EINVAL, "%s: Include loop: '%s' includes itself", file, real);
		r = load_one(p, real, NULL, NULL, stack, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load_one(struct lxm_provision *p, const char *path, const char *text, const char *dir_hint,
		    char **stack, unsigned depth)
{
	_cleanup_free_ char *own_text = NULL, *abs = NULL, *dir = NULL;
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	int r;

	if (depth >= MAX_INCLUDE_DEPTH)
		return log_error_errno(-EINVAL, "%s: Includes nest deeper than %d files", path, MAX_INCLUDE_DEPTH);
	if (!text) {
		r = lxm_read_file(path, &own_text, NULL);
		if (r < 0)
			return log_error_errno(r, "Failed to read '%s': %m", path);
		text = own_text;
	}
	abs = strdup(path);
	dir = dir_hint ? strdup(dir_hint) : strdup(path);
	if (!abs || !dir)
		return -ENOMEM;
	if (!dir_hint) {
		const char *d = dirname(dir); /* may return a static "." or "/" */
		memmove(dir, d, strlen(d) + 1);
	}
	stack[depth] = abs;

	cfg = schema_new();
	if (!cfg)
		return -ENOMEM;
	r = lxm_schema_parse(cfg, text, path);
	if (r < 0)
		return r;

	/* Keep this file's cfg and paths alive for the items pointing into them. */
	cfg_t **c = reallocarray(p->cfgs, p->n_cfgs + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	p->cfgs = c;
	char **ps = reallocarray(p->paths, 2 * (p->n_cfgs + 1), sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	p->paths = ps;
	const char *file = ps[2 * p->n_cfgs] = TAKE_PTR(abs);
	const char *d = ps[2 * p->n_cfgs + 1] = TAKE_PTR(dir);
	cfg_t *mine = c[p->n_cfgs++] = TAKE_PTR(cfg);

	for (unsigned i = 0; i < cfg_size(mine, "network"); i++) {
		r = add_item(&p->networks, &p->n_networks, cfg_getnsec(mine, "network", i), file, d, "Network");
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < cfg_size(mine, "container"); i++) {
		cfg_t *ct = cfg_getnsec(mine, "container", i);
		r = add_item(&p->containers, &p->n_containers, ct, file, d, "Container");
		if (r >= 0)
			r = check_sources(ct, file, d);
		if (r < 0)
			return r;
	}
	return load_includes(p, mine, file, d, stack, depth);
}

static int load(const char *path, const char *text, const char *dir, struct lxm_provision **ret)
{
	_cleanup_provision_free_ struct lxm_provision *p = calloc(1, sizeof(*p));
	char *stack[MAX_INCLUDE_DEPTH + 1] = {};
	int r;

	if (!p)
		return -ENOMEM;
	p->path = strdup(path);
	if (!p->path)
		return -ENOMEM;
	r = load_one(p, path, text, dir, stack, 0);
	if (r < 0)
		return r == -ENOMEM ? r : -EINVAL;
	*ret = TAKE_PTR(p);
	return 0;
}

int lxm_provision_load(const char *path, struct lxm_provision **ret)
{
	char real[PATH_MAX];
	if (!realpath(path, real))
		return log_error_errno(negative_errno(), "Cannot read '%s': %m", path);
	return load(real, NULL, NULL, ret);
}

int lxm_provision_parse_string(const char *text, const char *name, const char *dir, struct lxm_provision **ret)
{
	return load(name, text, dir, ret);
}

const struct lxm_prov_item *lxm_provision_find_container(const struct lxm_provision *p, const char *name)
{
	for (size_t i = 0; i < p->n_containers; i++)
		if (STREQ(p->containers[i].name, name))
			return &p->containers[i];
	return NULL;
}

const struct lxm_prov_item *lxm_provision_find_network(const struct lxm_provision *p, const char *name)
{
	for (size_t i = 0; i < p->n_networks; i++)
		if (STREQ(p->networks[i].name, name))
			return &p->networks[i];
	return NULL;
}
