/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "config/config.h"
#include "provision/diff.h"
#include "util/log.h"
#include "util/sha256.h"

const char *lxm_prov_kind_to_string(enum lxm_prov_kind k)
{
	switch (k) {
	case LXM_PROV_CONFIG: return "config";
	case LXM_PROV_LIVE: return "live";
	case LXM_PROV_RESTART: return "needs restart";
	case LXM_PROV_RECREATE: return "needs re-creation";
	}
	return "unknown";
}

void lxm_prov_changes_done(struct lxm_prov_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].key);
		free(c->items[i].old);
		free(c->items[i].new);
	}
	free(c->items);
	*c = (struct lxm_prov_changes){};
}

/* Not compared key by key: identity (never declared), provisioning-only entries, and what only a
 * re-creation can change (compared on its own). */
static bool skipped_top(const char *name)
{
	static const char *const skip[] = { "name", "uuid", "created", "arch", "file", "run",
					    "template", "release", "init_system" };
	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (STREQ(name, skip[i]))
			return true;
	return false;
}

struct keylist {
	char **keys;
	size_t n;
};

static int keylist_add(struct keylist *l, const char *prefix, const char *name)
{
	char **k = reallocarray(l->keys, l->n + 2, sizeof(char *));
	if (!k)
		return -ENOMEM;
	l->keys = k;
	if (asprintf(&k[l->n], "%s%s", prefix, name) < 0)
		return -ENOMEM;
	k[++l->n] = NULL;
	return 0;
}

static int walk(cfg_t *sec, const char *prefix, bool top, struct keylist *l)
{
	int r;
	for (cfg_opt_t *opt = sec->opts; opt && opt->name; opt++) {
		if (top && skipped_top(opt->name))
			continue;
		if (opt->type == CFGT_SEC) {
			for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
				cfg_t *sub = cfg_opt_getnsec(opt, i);
				_cleanup_free_ char *p = NULL;
				if (cfg_title(sub) ? asprintf(&p, "%s%s.%s.", prefix, opt->name, cfg_title(sub)) < 0
						   : asprintf(&p, "%s%s.", prefix, opt->name) < 0)
					return -ENOMEM;
				r = walk(sub, p, false, l);
				if (r < 0)
					return r;
			}
			continue;
		}
		if (!(opt->flags & CFGF_MODIFIED) || (cfg_opt_size(opt) == 0 && !(opt->flags & CFGF_LIST)))
			continue;
		r = keylist_add(l, prefix, opt->name);
		if (r < 0)
			return r;
	}
	return 0;
}

int lxm_prov_declared_keys(cfg_t *declared, char ***ret_keys, char ***ret_values)
{
	struct keylist l = {};
	_cleanup_strv_free_ char **values = NULL;
	int r;

	r = walk(declared, "", true, &l);
	_cleanup_strv_free_ char **keys = l.keys;
	if (r < 0)
		return r;
	if (!keys) {
		keys = calloc(1, sizeof(char *));
		if (!keys)
			return -ENOMEM;
	}
	values = calloc(l.n + 1, sizeof(char *));
	if (!values)
		return -ENOMEM;
	for (size_t i = 0; i < l.n; i++) {
		r = lxm_config_get(declared, keys[i], &values[i]);
		if (r == -ENOENT)
			r = (values[i] = strdup("")) ? 0 : -ENOMEM; /* an explicitly empty list */
		if (r < 0)
			return r;
	}
	*ret_keys = TAKE_PTR(keys);
	*ret_values = TAKE_PTR(values);
	return 0;
}

static int changes_add(struct lxm_prov_changes *c, const char *key, const char *old, const char *new,
		       enum lxm_prov_kind kind)
{
	struct lxm_prov_change *m = reallocarray(c->items, c->n + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	c->items = m;
	m[c->n] = (struct lxm_prov_change){
		.key = strdup(key),
		.old = old ? strdup(old) : NULL,
		.new = new ? strdup(new) : NULL,
		.kind = kind,
	};
	if (!m[c->n].key || (old && !m[c->n].old) || (new && !m[c->n].new)) {
		c->n++;
		return -ENOMEM;
	}
	c->n++;
	return 0;
}

static bool startswith_key(const char *key, const char *section)
{
	size_t n = strlen(section);
	return strncmp(key, section, n) == 0 && key[n] == '.';
}

static enum lxm_prov_kind classify(const char *key, bool running, bool live_limits)
{
	if (!running)
		return LXM_PROV_CONFIG;
	if (startswith_key(key, "limits"))
		return live_limits ? LXM_PROV_LIVE : LXM_PROV_RESTART;
	/* Read by the monitor or at host boot, not by the running payload. */
	if (startswith_key(key, "autostart") || startswith_key(key, "restart") || startswith_key(key, "hook"))
		return LXM_PROV_CONFIG;
	return LXM_PROV_RESTART;
}

int lxm_prov_diff_config(cfg_t *declared, cfg_t *existing, bool running, bool live_limits,
			 const struct lxm_prov_net_lookup *nets, struct lxm_prov_changes *ret)
{
	static const char *const identity[] = { "template", "release", "init_system" };
	_cleanup_strv_free_ char **keys = NULL, **values = NULL;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(identity); i++) {
		const char *want = cfg_getstr(declared, identity[i]);
		const char *have = cfg_getstr(existing, identity[i]);
		if (!want || (have && STREQ(want, have)))
			continue;
		r = changes_add(ret, identity[i], have, want, LXM_PROV_RECREATE);
		if (r < 0)
			return r;
	}

	r = lxm_prov_declared_keys(declared, &keys, &values);
	if (r < 0)
		return r;
	for (size_t i = 0; keys[i]; i++) {
		_cleanup_free_ char *have = NULL;
		r = lxm_config_get(existing, keys[i], &have);
		if (r < 0 && r != -ENOENT)
			return r;
		if (have && STREQ(have, values[i]))
			continue;
		if (lxm_prov_auto_satisfied(declared, existing, keys[i], values[i], have, nets))
			continue;
		r = changes_add(ret, keys[i], have, values[i], classify(keys[i], running, live_limits));
		if (r < 0)
			return r;
	}
	return 0;
}

void lxm_prov_run_hash(const char *cmd, char ret[65])
{
	struct lxm_sha256 s;
	uint8_t d[LXM_SHA256_SIZE];

	lxm_sha256_init(&s);
	lxm_sha256_update(&s, cmd, strlen(cmd));
	lxm_sha256_final(&s, d);
	lxm_sha256_to_hex(d, ret);
}

bool lxm_prov_run_done(const char *state, const char *cmd)
{
	char h[65];

	if (!state)
		return false;
	lxm_prov_run_hash(cmd, h);
	/* One "HASH COMMAND-SUMMARY" line per command run. */
	for (const char *p = state; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, h, 64) == 0 && (p[64] == ' ' || p[64] == '\n' || p[64] == 0))
			return true;
	return false;
}
