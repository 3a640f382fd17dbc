/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <strings.h>

#include "runtime/cfg-get.h"
#include "util/macros.h"

static cfg_opt_t *find_in(cfg_t *cfg, const char *name, size_t len)
{
	if (!cfg || !cfg->opts)
		return NULL;
	for (cfg_opt_t *o = cfg->opts; o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

cfg_opt_t *lxm_cfg_find(cfg_t *cfg, const char *key)
{
	const char *dot;

	while ((dot = strchr(key, '.'))) {
		cfg_opt_t *sec = find_in(cfg, key, (size_t)(dot - key));
		if (!sec || sec->type != CFGT_SEC || cfg_opt_size(sec) == 0)
			return NULL;
		cfg = cfg_opt_getnsec(sec, 0);
		key = dot + 1;
	}
	return find_in(cfg, key, strlen(key));
}

const char *lxm_cfg_str(cfg_t *cfg, const char *key)
{
	cfg_opt_t *o = lxm_cfg_find(cfg, key);
	const char *s;

	if (!o || o->type != CFGT_STR || cfg_opt_size(o) == 0)
		return NULL;
	s = cfg_opt_getnstr(o, 0);
	return IS_EMPTY(s) ? NULL : s;
}

int lxm_strv_split(const char *s, const char *seps, char ***ret)
{
	_cleanup_free_ char *copy = strdup(s ? s : "");
	_cleanup_strv_free_ char **l = NULL;
	size_t n = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	l = calloc(strlen(copy) / 2 + 2, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (char *t = strtok_r(copy, seps, &save); t; t = strtok_r(NULL, seps, &save)) {
		l[n] = strdup(t);
		if (!l[n])
			return -ENOMEM;
		n++;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int lxm_cfg_strv(cfg_t *cfg, const char *key, char ***ret)
{
	cfg_opt_t *o = lxm_cfg_find(cfg, key);
	_cleanup_strv_free_ char **l = NULL;
	unsigned n;

	if (!o || o->type != CFGT_STR)
		return lxm_strv_split("", ",", ret);
	n = cfg_opt_size(o);
	if (!(o->flags & CFGF_LIST))
		return lxm_strv_split(n > 0 ? cfg_opt_getnstr(o, 0) : "", ", \t", ret);
	l = calloc(n + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		l[i] = strdup(cfg_opt_getnstr(o, i) ?: "");
		if (!l[i])
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

bool lxm_cfg_bool(cfg_t *cfg, const char *key, bool def)
{
	cfg_opt_t *o = lxm_cfg_find(cfg, key);
	const char *s;

	if (!o || cfg_opt_size(o) == 0)
		return def;
	if (o->type == CFGT_BOOL)
		return cfg_opt_getnbool(o, 0);
	if (o->type != CFGT_STR || !(s = cfg_opt_getnstr(o, 0)))
		return def;
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || STREQ(s, "1") || !strcasecmp(s, "on"))
		return true;
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || STREQ(s, "0") || !strcasecmp(s, "off"))
		return false;
	return def;
}

unsigned lxm_cfg_nsec(cfg_t *cfg, const char *name)
{
	cfg_opt_t *o = find_in(cfg, name, strlen(name));

	return o && o->type == CFGT_SEC ? cfg_opt_size(o) : 0;
}

cfg_t *lxm_cfg_sec(cfg_t *cfg, const char *name, unsigned i)
{
	cfg_opt_t *o = find_in(cfg, name, strlen(name));

	return o && o->type == CFGT_SEC && i < cfg_opt_size(o) ? cfg_opt_getnsec(o, i) : NULL;
}
