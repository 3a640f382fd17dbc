/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/render.h"
#include "networking/ipam.h"
#include "networking/managed.h"
#include "provision/files.h"
#include "provision/plan.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/log.h"
#include "util/sha256.h"

int lxm_plan_owned_path(const struct lxm_paths *paths, const char *abs_path, const char *suffix, char **ret)
{
	struct lxm_sha256 s;
	uint8_t d[LXM_SHA256_SIZE];
	char hex[LXM_SHA256_HEX_SIZE];
	bool run = STREQ(suffix, "lock");

	lxm_sha256_init(&s);
	lxm_sha256_update(&s, abs_path, strlen(abs_path));
	lxm_sha256_final(&s, d);
	lxm_sha256_to_hex(d, hex);
	hex[16] = 0;
	return asprintf(ret, "%s/provision/%s.%s", run ? paths->run_dir : paths->lib_dir, hex, suffix) < 0 ? -ENOMEM : 0;
}

void lxm_plan_done(struct lxm_plan *plan)
{
	for (size_t i = 0; i < plan->n_networks; i++)
		lxm_prov_changes_done(&plan->networks[i].changes);
	for (size_t i = 0; i < plan->n_containers; i++) {
		struct lxm_plan_container *c = &plan->containers[i];
		lxm_prov_changes_done(&c->changes);
		for (size_t j = 0; j < c->n_files; j++)
			free(c->files[j].why);
		free(c->files);
		free(c->runs);
		free(c->pending);
	}
	free(plan->networks);
	free(plan->containers);
	for (size_t i = 0; i < plan->n_prune; i++)
		free(plan->prune[i]);
	free(plan->prune);
	*plan = (struct lxm_plan){};
}

static int net_change(struct lxm_prov_changes *c, const char *key, const char *have, const char *want)
{
	if (STREQ(have, want))
		return 0;
	struct lxm_prov_change *m = reallocarray(c->items, c->n + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	c->items = m;
	m[c->n++] = (struct lxm_prov_change){ .key = strdup(key), .old = strdup(have), .new = strdup(want),
					      .kind = LXM_PROV_RESTART };
	return 0;
}

static int plan_network(const struct lxm_paths *paths, const struct lxm_prov_item *it, struct lxm_plan_network *ret)
{
	_cleanup_network_free_ struct lxm_network *n = NULL;
	cfg_t *s = it->sec;
	char a[LXM_CIDR_STRLEN];
	int r;

	*ret = (struct lxm_plan_network){ .item = it };
	r = lxm_network_load(paths->networks_dir, it->name, &n);
	if (r == -ENOENT) {
		ret->create = true;
		return 0;
	}
	if (r < 0)
		return r;
	if (cfg_getstr(s, "ipv4")) {
		lxm_ipam_cidr_to_string(&n->ipv4, a);
		r = net_change(&ret->changes, "ipv4", n->ipv4.family ? a : "", cfg_getstr(s, "ipv4"));
		if (r < 0)
			return r;
	}
	if (cfg_getstr(s, "ipv6")) {
		lxm_ipam_cidr_to_string(&n->ipv6, a);
		r = net_change(&ret->changes, "ipv6", n->ipv6.family ? a : "", cfg_getstr(s, "ipv6"));
		if (r < 0)
			return r;
	}
	bool nat = cfg_getbool(s, "nat"), dhcp = cfg_getbool(s, "dhcp");
	if ((r = net_change(&ret->changes, "nat", n->nat ? "true" : "false", nat ? "true" : "false")) < 0 ||
	    (r = net_change(&ret->changes, "dhcp", n->dhcp ? "true" : "false", dhcp ? "true" : "false")) < 0 ||
	    (r = net_change(&ret->changes, "domain", n->domain, cfg_getstr(s, "domain"))) < 0 ||
	    (r = net_change(&ret->changes, "dns_upstream", n->dns_upstream, cfg_getstr(s, "dns_upstream"))) < 0)
		return r;
	return 0;
}

static int add_run(struct lxm_plan_container *c, const char *cmd)
{
	const char **m = reallocarray(c->runs, c->n_runs + 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	c->runs = m;
	m[c->n_runs++] = cmd;
	return 0;
}

static int add_file(struct lxm_plan_container *c, const char *path, char *why, int error)
{
	struct lxm_plan_file *m = reallocarray(c->files, c->n_files + 1, sizeof(*m));
	if (!m) {
		free(why);
		return -ENOMEM;
	}
	c->files = m;
	m[c->n_files++] = (struct lxm_plan_file){ .path = path, .why = why, .error = error };
	return 0;
}

static int plan_files(const struct lxm_container *ct, struct lxm_plan_container *c)
{
	cfg_t *sec = c->item->sec;
	_cleanup_close_ int root_fd = -EBADF;
	int r;

	if (!ct) {
		for (unsigned i = 0; i < cfg_size(sec, "file"); i++)
			if ((r = add_file(c, cfg_title(cfg_getnsec(sec, "file", i)), strdup("missing"), 0)) < 0)
				return r;
		return 0;
	}
	root_fd = open(ct->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s': %m", ct->rootfs);
	/* A rootfs with shifted owners stores the container's ids as host ids. */
	struct lxm_idmap shift_map;
	int shifted = lxm_prov_shifted_map(ct->config, &shift_map);
	if (shifted < 0)
		return log_error_errno(shifted, "Invalid security.idmap_shifted in '%s'", ct->config_path);
	for (unsigned i = 0; i < cfg_size(sec, "file"); i++) {
		struct lxm_prov_file want;
		char *why = NULL;
		r = lxm_prov_file_want(c->item, cfg_getnsec(sec, "file", i), &want);
		if (r < 0)
			return r;
		want.shifted = shifted > 0 ? &shift_map : NULL;
		r = lxm_prov_file_check(root_fd, &want, &why);
		if (r == -ENOENT && !why) /* the owner is not known in the container (yet) */
			r = (why = strdup("owner unknown")) ? -ENOENT : -ENOMEM;
		if (r < 0 || why)
			r = add_file(c, want.path, why, r < 0 ? r : 0);
		lxm_prov_file_done(&want);
		if (r < 0)
			return r;
	}
	return 0;
}

/* CONTAINER/provision.pending: "STARTED_USEC KEY..." written by an apply that changed keys a
 * running container reads only at start. Stale once that run ended. */
static int read_pending(const struct lxm_container *ct, struct lxm_plan_container *c)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	unsigned long long started;
	int n = 0;

	if (lxm_path_join(&path, ct->dir, "provision.pending") < 0)
		return -ENOMEM;
	if (lxm_read_file(path, &text, NULL) < 0)
		return 0;
	if (sscanf(text, "%llu %n", &started, &n) < 1 || !c->running || started != c->started_usec)
		return 0;
	text[strcspn(text, "\n")] = 0;
	c->pending = strdup(text + n);
	return c->pending ? 0 : -ENOMEM;
}

static int network_ipv4_subnet(void *userdata, const char *bridge, struct lxm_cidr *ret)
{
	const struct lxm_paths *paths = userdata;
	_cleanup_network_free_ struct lxm_network *n = NULL;
	int r;

	/* bridge comes from a validated config: an interface name, no '/' to leave networks_dir. */
	r = lxm_network_load(paths->networks_dir, bridge, &n);
	if (r < 0)
		return r;
	if (!n->ipv4.family)
		return -ENOENT;
	*ret = n->ipv4;
	return 0;
}

static int plan_container(const struct lxm_paths *paths, const struct lxm_prov_item *it,
			  const struct lxm_plan_options *o, struct lxm_plan_container *ret)
{
	_cleanup_container_free_ struct lxm_container *ct = NULL;
	_cleanup_free_ char *state_path = NULL, *state = NULL;
	int r;

	*ret = (struct lxm_plan_container){ .item = it };
	_cleanup_free_ char *dir = NULL;
	struct stat st;
	if (lxm_path_join(&dir, paths->containers_dir, it->name) < 0)
		return -ENOMEM;
	if (lstat(dir, &st) < 0 && errno == ENOENT)
		ret->create = true;
	else if (lxm_container_load(paths, it->name, &ct) < 0)
		return log_error_errno(-EINVAL, "Container '%s' cannot be loaded: fix its config first", it->name);

	if (ct) {
		struct lxm_state_info si = {};
		if (lxm_state_query(paths, it->name, &si) >= 0) {
			ret->running = si.state != LXM_STATE_STOPPED;
			ret->started_usec = si.started_usec;
		}
		lxm_state_info_done(&si);
		r = read_pending(ct, ret);
		if (r < 0)
			return r;
		const struct lxm_prov_net_lookup nets = { .ipv4_subnet = network_ipv4_subnet, .userdata = (void *)paths };
		r = lxm_prov_diff_config(it->sec, ct->config, ret->running, o->live_limits, &nets, &ret->changes);
		if (r < 0)
			return r;
		if (lxm_path_join(&state_path, ct->dir, "provision.state") < 0)
			return -ENOMEM;
		(void)lxm_read_file(state_path, &state, NULL);
	}
	r = plan_files(ct, ret);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < cfg_size(it->sec, "run"); i++) {
		const char *cmd = cfg_getnstr(it->sec, "run", i);
		if (!lxm_prov_run_done(state, cmd) && (r = add_run(ret, cmd)) < 0)
			return r;
	}
	return 0;
}

/* Containers listed in this file's ownership record, still there with the same uuid (one made
 * by hand under the same name since is not ours), and no longer declared. */
static int plan_prune(const struct lxm_paths *paths, const struct lxm_provision *p, struct lxm_plan *plan)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int r;

	r = lxm_plan_owned_path(paths, p->path, "owned", &path);
	if (r < 0)
		return r;
	if (lxm_read_file(path, &text, NULL) < 0)
		return 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64], uuid[64];
		if (line[0] == '#' || sscanf(line, "%63s %63s", name, uuid) != 2)
			continue;
		if (lxm_provision_find_container(p, name))
			continue;
		_cleanup_container_free_ struct lxm_container *ct = NULL;
		if (lxm_container_load(paths, name, &ct) < 0)
			continue;
		const char *have = cfg_getstr(ct->config, "uuid");
		if (!have || !STREQ(have, uuid))
			continue;
		char **m = reallocarray(plan->prune, plan->n_prune + 1, sizeof(char *));
		if (!m)
			return -ENOMEM;
		plan->prune = m;
		if (!(m[plan->n_prune] = strdup(name)))
			return -ENOMEM;
		plan->n_prune++;
	}
	return 0;
}

/* With --only, the networks that container's interfaces use; else all. */
static bool network_wanted(const struct lxm_provision *p, const char *only, const char *net)
{
	const struct lxm_prov_item *c = only ? lxm_provision_find_container(p, only) : NULL;
	if (!only)
		return true;
	for (unsigned i = 0; c && i < cfg_size(c->sec, "network"); i++) {
		const char *b = cfg_getstr(cfg_getnsec(c->sec, "network", i), "bridge");
		if (b && STREQ(b, net))
			return true;
	}
	return false;
}

int lxm_plan_compute(const struct lxm_paths *paths, const struct lxm_provision *p,
		     const struct lxm_plan_options *o, struct lxm_plan *ret)
{
	int r;

	*ret = (struct lxm_plan){};
	if (o->only && !lxm_provision_find_container(p, o->only))
		return log_error_errno(-ENOENT, "'%s' declares no container '%s'", p->path, o->only);
	ret->networks = calloc(p->n_networks + 1, sizeof(*ret->networks));
	ret->containers = calloc(p->n_containers + 1, sizeof(*ret->containers));
	if (!ret->networks || !ret->containers)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_networks; i++) {
		if (!network_wanted(p, o->only, p->networks[i].name))
			continue;
		r = plan_network(paths, &p->networks[i], &ret->networks[ret->n_networks++]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_containers; i++) {
		if (o->only && !STREQ(o->only, p->containers[i].name))
			continue;
		r = plan_container(paths, &p->containers[i], o, &ret->containers[ret->n_containers++]);
		if (r < 0)
			return r;
	}
	if (o->prune && !o->only)
		return plan_prune(paths, p, ret);
	return 0;
}

bool lxm_plan_container_has_changes(const struct lxm_plan_container *c)
{
	return c->create || c->changes.n > 0 || c->n_files > 0 || c->n_runs > 0 || c->pending;
}

bool lxm_plan_has_changes(const struct lxm_plan *plan)
{
	for (size_t i = 0; i < plan->n_networks; i++)
		if (plan->networks[i].create || plan->networks[i].changes.n > 0)
			return true;
	for (size_t i = 0; i < plan->n_containers; i++)
		if (lxm_plan_container_has_changes(&plan->containers[i]))
			return true;
	return plan->n_prune > 0;
}

static void print_change(const struct lxm_prov_change *ch, FILE *f)
{
	if (ch->kind == LXM_PROV_RECREATE) {
		fprintf(f, "  ! %s %s -> %s (needs re-creation: not done; destroy the container and apply again)\n",
			ch->key, ch->old ? ch->old : "(unset)", ch->new);
		return;
	}
	fprintf(f, "  ~ %s %s -> %s (%s)\n", ch->key, ch->old ? ch->old : "(unset)", ch->new ? ch->new : "(unset)",
		lxm_prov_kind_to_string(ch->kind));
}

static void print_container(const struct lxm_plan_container *c, FILE *f)
{
	cfg_t *s = c->item->sec;
	fprintf(f, "container %s:\n", c->item->name);
	if (c->create) {
		const char *t = cfg_getstr(s, "template"), *rel = cfg_getstr(s, "release"), *i = cfg_getstr(s, "init_system");
		fprintf(f, "  + create container %s (%s%s%s%s%s)\n", c->item->name, t ? t : "default template",
			rel ? " " : "", rel ? rel : "", i ? " " : "", i ? i : "");
		_cleanup_strv_free_ char **keys = NULL, **values = NULL;
		if (lxm_prov_declared_keys(s, &keys, &values) >= 0)
			for (size_t k = 0; keys[k]; k++)
				fprintf(f, "  + %s = %s\n", keys[k], values[k]);
	}
	for (size_t i = 0; i < c->changes.n; i++)
		print_change(&c->changes.items[i], f);
	for (size_t i = 0; i < c->n_files; i++) {
		const struct lxm_plan_file *fl = &c->files[i];
		if (fl->error == -ELOOP)
			fprintf(f, "  ! file %s: is a symlink, refused (nothing is written through a link)\n", fl->path);
		else if (fl->error < 0)
			fprintf(f, "  ! file %s: cannot be written (%s%s%s)\n", fl->path, strerror(-fl->error),
				fl->why ? ", " : "", fl->why ? fl->why : "");
		else
			fprintf(f, "  %c file %s (%s)\n", STREQ(fl->why, "missing") ? '+' : '~', fl->path, fl->why);
	}
	if (c->pending)
		fprintf(f, "  ~ restart pending for %s (apply --restart, or lxcmgr restart %s)\n", c->pending, c->item->name);
	for (size_t i = 0; i < c->n_runs; i++) {
		fputs("  > run ", f);
		lxm_config_quote(c->runs[i], f);
		fputc('\n', f);
	}
	if (!lxm_plan_container_has_changes(c))
		fputs("  = nothing to do\n", f);
}

void lxm_plan_print(const struct lxm_plan *plan, FILE *f)
{
	for (size_t i = 0; i < plan->n_networks; i++) {
		const struct lxm_plan_network *n = &plan->networks[i];
		cfg_t *s = n->item->sec;
		fprintf(f, "network %s:\n", n->item->name);
		if (n->create)
			fprintf(f, "  + create network %s (%s, nat %s, dhcp %s)\n", n->item->name,
				cfg_getstr(s, "ipv4") ? cfg_getstr(s, "ipv4") : "subnet picked",
				cfg_getbool(s, "nat") ? "on" : "off", cfg_getbool(s, "dhcp") ? "on" : "off");
		for (size_t j = 0; j < n->changes.n; j++)
			fprintf(f, "  ~ %s %s -> %s (needs the network re-created: not done; 'lxcmgr net delete %s' and apply again)\n",
				n->changes.items[j].key, n->changes.items[j].old, n->changes.items[j].new, n->item->name);
		if (!n->create && n->changes.n == 0)
			fputs("  = nothing to do\n", f);
	}
	for (size_t i = 0; i < plan->n_containers; i++)
		print_container(&plan->containers[i], f);
	for (size_t i = 0; i < plan->n_prune; i++)
		fprintf(f, "- destroy container %s (created by an earlier apply of this file, no longer declared)\n",
			plan->prune[i]);
}
