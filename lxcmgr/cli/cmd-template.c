/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr template list|build|refresh|remove: the template cache. */
#include <getopt.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli-common.h"
#include "cli/commands.h"
#include "image/btrfs-base.h"
#include "image/cache.h"
#include "image/template.h"
#include "services/overlay-base.h"
#include "util/json.h"
#include "util/log.h"

static void format_time(uint64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "%" PRIu64, t);
}

enum entry_status { ENTRY_CURRENT, ENTRY_OUTDATED, ENTRY_NO_TEMPLATE };

static const char *const entry_status_table[] = {
	[ENTRY_CURRENT] = "current",
	[ENTRY_OUTDATED] = "outdated",
	[ENTRY_NO_TEMPLATE] = "no-template",
};

/* Whether the entry was built by its template as it is now (image/template-rev.h). An entry with
 * no recorded revision (an older lxcmgr's) counts as outdated. */
static enum entry_status entry_status(const struct lxm_paths *paths, const struct lxm_cache_meta *m)
{
	_cleanup_free_ char *path = NULL;
	char rev[LXM_TEMPLATE_REV_SIZE];

	if (lxm_path_join(&path, paths->templates_dir, m->template_name) < 0 || lxm_template_rev(path, rev) < 0)
		return ENTRY_NO_TEMPLATE;
	return STREQ(rev, m->template_rev) ? ENTRY_CURRENT : ENTRY_OUTDATED;
}

static void print_table(const struct lxm_paths *paths, const struct lxm_cache_meta *l, size_t n)
{
	printf("%-36s %-10s %-12s %-8s %-9s %9s  %-16s  %s\n", "KEY", "TEMPLATE", "RELEASE", "ARCH", "INIT", "SIZE",
	       "CREATED", "STATUS");
	for (size_t i = 0; i < n; i++) {
		char when[64];
		format_time(l[i].created, when, sizeof(when));
		printf("%-36s %-10s %-12s %-8s %-9s %7.1fM  %-16s  %s\n", l[i].key, l[i].template_name, l[i].release,
		       l[i].arch, l[i].init, (double)l[i].size / (1024.0 * 1024.0), when,
		       entry_status_table[entry_status(paths, &l[i])]);
	}
}

static int print_json(const struct lxm_paths *paths, const struct lxm_cache_meta *l, size_t n)
{
	struct lxm_json j;

	lxm_json_init(&j, stdout, isatty(STDOUT_FILENO));
	lxm_json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		lxm_json_object_begin(&j);
		lxm_json_kv_string(&j, "key", l[i].key);
		lxm_json_kv_string(&j, "template", l[i].template_name);
		lxm_json_kv_string(&j, "release", l[i].release);
		lxm_json_kv_string(&j, "arch", l[i].arch);
		lxm_json_kv_string(&j, "init", l[i].init);
		lxm_json_kv_uint(&j, "size", l[i].size);
		lxm_json_kv_uint(&j, "created", l[i].created);
		lxm_json_kv_string(&j, "sha256", l[i].sha256);
		lxm_json_kv_string(&j, "status", entry_status_table[entry_status(paths, &l[i])]);
		lxm_json_object_end(&j);
	}
	lxm_json_array_end(&j);
	return lxm_json_end(&j);
}

static int template_list(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = { { "format", required_argument, NULL, 'f' }, {} };
	enum lxm_output_format fmt = LXM_FORMAT_TABLE;
	struct lxm_cache_meta *l = NULL;
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
		return log_error_errno(-EINVAL, "Usage: lxcmgr template list [--format table|json]");
	r = lxm_cache_list(&ctx->paths, &l, &n);
	if (r < 0)
		return log_error_errno(r, "Failed to list the template cache: %m");
	if (fmt == LXM_FORMAT_JSON)
		r = print_json(&ctx->paths, l, n);
	else
		print_table(&ctx->paths, l, n);
	lxm_cache_list_free(l, n);
	return r;
}

/* template build: fills the cache (and --rootfs DIR when given) without creating a container. */
static int template_build(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "release", required_argument, NULL, 'r' }, { "arch", required_argument, NULL, 'a' },
		{ "init", required_argument, NULL, 'i' },    { "mirror", required_argument, NULL, 'm' },
		{ "rootfs", required_argument, NULL, 'R' },  { "name", required_argument, NULL, 'n' },
		{ "no-cache", no_argument, NULL, 'N' },      {},
	};
	struct lxm_template_request req = { .progress = isatty(STDERR_FILENO), .name = "localhost" };
	_cleanup_(lxm_template_result_done) struct lxm_template_result res = {};
	const char *rootfs = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "r:", options, NULL)) != -1) {
		switch (c) {
		case 'r': req.release = optarg; break;
		case 'a': req.arch = optarg; break;
		case 'i': req.init = optarg; break;
		case 'm': req.mirror = optarg; break;
		case 'R': rootfs = optarg; break;
		case 'n': req.name = optarg; break;
		case 'N': req.no_cache = true; break;
		default: return -EINVAL;
		}
	}
	if (optind + 1 != argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr template build TEMPLATE [--release R] [--arch A] "
						"[--init I] [--rootfs DIR] [--no-cache]");
	req.template_name = argv[optind];
	r = lxm_template_build(&ctx->paths, &req, rootfs, &res);
	if (r < 0)
		return r;
	printf("release=%s\narch=%s\ninit=%s\nfrom_cache=%s\n", res.release, res.arch, res.init_system,
	       res.from_cache ? "yes" : "no");
	return 0;
}

static int template_key_cmd(struct lxm_context *ctx, int argc, char **argv, bool refresh)
{
	if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr template %s KEY", argv[0]);
	int r = refresh ? lxm_template_refresh(&ctx->paths, argv[1], isatty(STDERR_FILENO)) :
			  lxm_template_remove(&ctx->paths, argv[1]);
	/* The entry's unpacked bases go with the version they were unpacked from (disk: a rootfs each),
	 * and so do its btrfs bases in this store (no container depends on one), also those of an
	 * entry that is gone already (removed through another root sharing the cache, or the cache
	 * emptied): nothing else would remove them. */
	int k = r >= 0 || r == -ENOENT ? lxm_btrfs_base_prune(&ctx->paths, argv[1]) : 0;
	if (r >= 0)
		r = lxm_overlay_base_prune(&ctx->paths, argv[1]);
	return r < 0 ? r : k;
}

int lxm_cmd_template(struct lxm_context *ctx, int argc, char **argv)
{
	if (argc < 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr template list|build|refresh|remove ...");
	const char *sub = argv[1];
	if (STREQ(sub, "list"))
		return template_list(ctx, argc - 1, argv + 1);
	if (STREQ(sub, "build"))
		return template_build(ctx, argc - 1, argv + 1);
	if (STREQ(sub, "refresh"))
		return template_key_cmd(ctx, argc - 1, argv + 1, true);
	if (STREQ(sub, "remove"))
		return template_key_cmd(ctx, argc - 1, argv + 1, false);
	return log_error_errno(-EINVAL, "Unknown template command '%s' (list, build, refresh, remove)", sub);
}
