/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "config/config.h"
#include "services/autostart.h"
#include "store/store.h"
#include "util/log.h"

static int entry_cmp(const void *a, const void *b)
{
	const struct lxm_autostart_entry *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

void lxm_autostart_sort(struct lxm_autostart_entry *e, size_t n)
{
	if (n > 1)
		qsort(e, n, sizeof(*e), entry_cmp);
}

int lxm_autostart_levels(const struct lxm_autostart_entry *e, size_t n, size_t **ret_starts, size_t *ret_n)
{
	_cleanup_free_ size_t *starts = calloc(n ? n : 1, sizeof(size_t));
	size_t k = 0;

	if (!starts)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || e[i].order != e[i - 1].order)
			starts[k++] = i;
	*ret_starts = TAKE_PTR(starts);
	*ret_n = k;
	return 0;
}

static void entry_done(struct lxm_autostart_entry *e)
{
	free(e->name);
	free(e->group);
	strv_free(e->networks);
}

void lxm_autostart_plan_done(struct lxm_autostart_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		entry_done(&p->entries[i]);
	free(p->entries);
	*p = (struct lxm_autostart_plan){};
}

static int entry_networks(cfg_t *cfg, char ***ret)
{
	unsigned n = cfg_size(cfg, "network"), k = 0;
	_cleanup_strv_free_ char **v = calloc(n + 1, sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		const char *type = cfg_getstr(sec, "type"), *bridge = cfg_getstr(sec, "bridge");
		if (!type || !STREQ(type, "veth") || IS_EMPTY(bridge))
			continue;
		if (!(v[k++] = strdup(bridge)))
			return -ENOMEM;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* Fills e from c's config; 0 when it is not to be autostarted, 1 when it is. */
static int entry_from_container(const struct lxm_container *c, const char *group, struct lxm_autostart_entry *e)
{
	cfg_t *as = cfg_getsec(c->config, "autostart");
	const char *g = cfg_getstr(as, "group");
	int r;

	if (!cfg_getbool(as, "enabled"))
		return 0;
	if (group && (!g || !STREQ(g, group)))
		return 0;
	*e = (struct lxm_autostart_entry){ .order = cfg_getint(as, "order"), .delay = cfg_getint(as, "delay") };
	if (!(e->name = strdup(c->name)) || (g && !(e->group = strdup(g))))
		return -ENOMEM;
	if ((r = entry_networks(c->config, &e->networks)) < 0)
		return r;
	return 1;
}

int lxm_autostart_plan_load(const struct lxm_paths *paths, const char *group, struct lxm_autostart_plan *ret)
{
	_cleanup_strv_free_ char **names = NULL;
	struct lxm_autostart_plan p = {};
	size_t total;
	int r;

	if ((r = lxm_store_list(paths, &names)) < 0)
		return r;
	for (total = 0; names[total]; total++)
		;
	p.entries = calloc(total ? total : 1, sizeof(*p.entries));
	if (!p.entries)
		return -ENOMEM;
	for (size_t i = 0; i < total; i++) {
		_cleanup_container_free_ struct lxm_container *c = NULL;
		if (lxm_container_load(paths, names[i], &c) < 0) {
			log_warning("Container '%s' has a broken config: not autostarted, ignoring", names[i]);
			continue;
		}
		r = entry_from_container(c, group, &p.entries[p.n]);
		if (r < 0) {
			entry_done(&p.entries[p.n]);
			lxm_autostart_plan_done(&p);
			return r;
		}
		if (r > 0)
			p.n++;
	}
	lxm_autostart_sort(p.entries, p.n);
	*ret = p;
	return 0;
}
