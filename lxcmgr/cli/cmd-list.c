/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr list [--format table|json]: one line (or object) per container, no process spawned. */
#include <getopt.h>

#include "cgroup/detect.h"
#include "cli/cli-common.h"
#include "store/list-cache.h"
#include "runtime/net-info.h"
#include "cli/commands.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/json.h"
#include "util/log.h"
#include "services/monitor-lost.h"

struct list_row {
	char *name;
	struct lxm_list_fields f; /* from the config, or the list cache while it is unchanged */
	const char *state;
	char *ipv4;
	pid_t pid;
	bool broken; /* config could not be loaded */
};

static void row_done(struct list_row *r)
{
	free(r->name);
	free(r->ipv4);
	lxm_list_fields_done(&r->f);
}

/* The row's config values: from the cache when the config file is the one it was made from, else
 * from the config (and into the cache). A broken config is listed (and reported on stderr) rather
 * than hiding the container; the cache never holds one. *ret_c: the loaded container, if it was. */
static int row_fields(struct lxm_context *ctx, struct lxm_list_cache *cache, struct list_row *row,
		      struct lxm_container **ret_c)
{
	int r = lxm_list_cache_fields(cache, &ctx->paths, row->name, &row->f, ret_c);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		row->broken = true;
		row->state = "broken";
	}
	return 0;
}

static int row_load(struct lxm_context *ctx, struct lxm_list_cache *cache, const struct lxm_state_query_opts *qo,
		    const char *name, struct list_row *row)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	struct lxm_state_info si;

	row->name = strdup(name);
	if (!row->name)
		return -ENOMEM;
	int r = row_fields(ctx, cache, row, &c);
	if (r < 0 || row->broken)
		return r;
	if (lxm_state_query_full(&ctx->paths, name, qo, &si) >= 0) {
		row->state = lxm_state_to_string(si.state);
		row->pid = si.init_pid;
		/* the warning names the restart policy: the config is loaded for it when it was cached */
		if ((si.monitor_lost || si.stale) && (c || lxm_container_load(&ctx->paths, name, &c) >= 0))
			lxm_monitor_lost_warn(name, &si, c->config);
		if (si.init_pid > 0 && row->f.has_network && lxm_net_ipv4_list(si.init_pid, &row->ipv4) < 0)
			row->ipv4 = NULL; /* the address column stays empty; list never fails on it */
		lxm_state_info_done(&si);
	} else
		row->state = "unknown";
	return 0;
}

static const char *dash(const char *s)
{
	return IS_EMPTY(s) ? "-" : s;
}

static void print_table(const struct list_row *rows, size_t n)
{
	int wn = 4, wt = 8;
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(rows[i].name);
		wn = l > wn ? l : wn;
		l = rows[i].f.template_name ? (int)strlen(rows[i].f.template_name) : 1;
		wt = l > wt ? l : wt;
	}
	printf("%-*s  %-8s  %-7s  %-15s  %-8s  %-*s  %-8s  %-9s  %s\n", wn, "NAME", "STATE", "PID", "IPV4", "INIT",
	       wt, "TEMPLATE", "RELEASE", "AUTOSTART", "MODE");
	for (size_t i = 0; i < n; i++) {
		const struct list_row *r = &rows[i];
		char pid[16] = "-";
		if (r->pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)r->pid);
		bool as = r->f.autostart && (STREQ(r->f.autostart, "true") || STREQ(r->f.autostart, "yes"));
		printf("%-*s  %-8s  %-7s  %-15s  %-8s  %-*s  %-8s  %-9s  %s\n", wn, r->name, r->state, pid,
		       dash(r->ipv4), dash(r->f.init), wt, dash(r->f.template_name), dash(r->f.release), as ? "yes" : "no",
		       r->broken ? "-" : r->f.privileged ? "privileged" : "unprivileged");
	}
}

static int print_json(const struct list_row *rows, size_t n)
{
	struct lxm_json j;
	lxm_json_init(&j, stdout, isatty(STDOUT_FILENO));
	lxm_json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		const struct list_row *r = &rows[i];
		lxm_json_object_begin(&j);
		lxm_json_kv_string(&j, "name", r->name);
		lxm_json_kv_string(&j, "state", r->state);
		lxm_json_kv_string(&j, "uuid", r->f.uuid);
		lxm_json_kv_string(&j, "template", r->f.template_name);
		lxm_json_kv_string(&j, "release", r->f.release);
		lxm_json_kv_string(&j, "init", r->f.init);
		lxm_json_key(&j, "pid");
		if (r->pid > 0)
			lxm_json_int(&j, r->pid);
		else
			lxm_json_null(&j);
		lxm_json_key(&j, "ipv4");
		lxm_json_array_begin(&j);
		if (r->ipv4)
			lxm_json_string(&j, r->ipv4);
		lxm_json_array_end(&j);
		lxm_json_key(&j, "autostart");
		lxm_json_bool(&j, r->f.autostart && (STREQ(r->f.autostart, "true") || STREQ(r->f.autostart, "yes")));
		lxm_json_key(&j, "privileged");
		if (r->broken)
			lxm_json_null(&j);
		else
			lxm_json_bool(&j, r->f.privileged);
		lxm_json_object_end(&j);
	}
	lxm_json_array_end(&j);
	return lxm_json_end(&j);
}

int lxm_cmd_list(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{},
	};
	enum lxm_output_format fmt = LXM_FORMAT_TABLE;
	_cleanup_strv_free_ char **names = NULL;
	struct list_row *rows = NULL;
	size_t n = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "f:", options, NULL)) != -1) {
		if (c != 'f')
			return -EINVAL;
		r = lxm_output_format_from_string(optarg, &fmt);
		if (r < 0)
			return r;
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "Unexpected argument '%s'", argv[optind]);
	/* Read-only otherwise, but tidying temporaries of dead creates is cheap and keeps "the next
	 * command removes them" true; an unprivileged caller simply cannot. */
	(void)lxm_store_gc(&ctx->paths);
	r = lxm_store_list(&ctx->paths, &names);
	if (r < 0)
		return r;
	while (names[n])
		n++;
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	/* One parse of the cgroup mounts for every frozen check rather than one per container; list
	 * never shows last_exit. */
	struct lxm_cgroup_mounts ms = {};
	bool have_ms = n > 0 && lxm_cgroup_parse_mountinfo(NULL, &ms) >= 0;
	struct lxm_state_query_opts qo = { .cgroup_mounts = have_ms ? &ms : NULL, .no_last_exit = true };
	struct lxm_list_cache *cache = n > 0 ? lxm_list_cache_load(&ctx->paths) : NULL;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = row_load(ctx, cache, &qo, names[i], &rows[i]);
	lxm_list_cache_finish(cache);
	if (have_ms)
		lxm_cgroup_mounts_done(&ms);
	if (r >= 0) {
		if (fmt == LXM_FORMAT_JSON)
			r = print_json(rows, n);
		else
			print_table(rows, n);
	}
	bool broken = false;
	for (size_t i = 0; i < n; i++) {
		broken |= rows[i].broken;
		row_done(&rows[i]);
	}
	free(rows);
	if (r < 0)
		return r;
	return fflush(stdout) == 0 ? (broken ? LXM_EXIT_FAILURE : 0) : -EIO;
}
