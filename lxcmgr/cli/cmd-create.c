/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr create NAME -t TEMPLATE | --from FILE: built in a hidden temporary, renamed into place. */
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli-common.h"
#include "cli/commands.h"
#include "cli/create-internal.h"
#include "cli/create-route.h"
#include "cli/front.h"
#include "config/config.h"
#include "config/edit.h"
#include "image/archive.h"
#include "image/configure-standard.h"
#include "image/configure-upper.h"
#include "image/template-run.h"
#include "image/template.h"
#include "runtime/cfg-get.h"
#include "runtime/start.h"
#include "security/idshift.h"
#include "security/summary.h"
#include "services/export-meta.h"
#include "services/overlay-base.h"
#include "store/storage.h"
#include "store/store.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/uuid.h"

static int render_config(struct lxm_context *ctx, const char *name, const struct create_result *res, char **ret,
			 cfg_t **ret_cfg);

/* Only `lxcmgr` links cli/front.c; lxcmgr-full runs create without it. */
extern __typeof__(lxm_front_prefault_heap) lxm_front_prefault_heap __attribute__((weak));

/* What a create from the warm cache allocates from here on: ~90 KiB of malloc's heap (measured with
 * the page-fault event: ~18 of an overlay create's 27 faults were first writes there, the template
 * defaults record's read buffer, the rendered config and its parse, the overlay base's paths). */
#define CREATE_HEAP_PREFAULT (112 * 1024UL)
static int btrfs_configure(char **config);

/* A dir create from a warm cache writes its config before the rootfs is copied, and the config's
 * fsync (0.3-60 ms measured on this host's ext4: a device flush) runs in a thread while the copy
 * runs: the same syncs, in the same order before the rename. */
struct early_config {
	struct lxm_context *ctx;
	const struct create_args *args;
	struct lxm_store_txn *txn;
	bool btrfs;
	char *config; /* written and being synced; NULL: not written early */
	cfg_t *parsed; /* config as parsed when rendered; NULL: not at hand (btrfs edited the text) */
};

/* The identity block create_from_template() records, from a template result. */
static int result_fill(struct create_result *res, const char *template_name,
		       const struct lxm_template_result *tr, const char *rootfs)
{
	/* A template's "none" means: lxcmgr's own init shim runs as PID 1. */
	const char *init = tr->init_system;
	if (IS_EMPTY(init))
		init = lxm_create_detect_init(rootfs);
	else if (STREQ(init, "none"))
		init = "shim";
	res->template_name = strdup(template_name);
	res->release = tr->release ? strdup(tr->release) : NULL;
	res->arch = tr->arch ? strdup(tr->arch) : NULL;
	res->init_system = strdup(init);
	if (!res->template_name || !res->init_system)
		return -ENOMEM;
	return 0;
}

static int early_config_write(void *data, const struct lxm_template_result *what)
{
	struct early_config *e = data;
	struct create_result res = {};
	_cleanup_free_ char *config = NULL;
	int r;

	/* An init detected from the files must wait for them. */
	if (IS_EMPTY(what->init_system))
		return 0;
	r = result_fill(&res, e->args->template_name, what, NULL);
	if (r >= 0)
		r = render_config(e->ctx, e->args->name, &res, &config, e->btrfs ? NULL : &e->parsed);
	lxm_create_result_done(&res);
	if (r >= 0 && e->btrfs)
		r = btrfs_configure(&config);
	if (r >= 0)
		r = lxm_store_txn_write_config(e->txn, config);
	if (r < 0)
		return r;
	e->config = TAKE_PTR(config);
	return 0;
}

int lxm_create_from_template(struct lxm_context *ctx, const struct create_args *a, const char *rootfs,
			     struct create_result *res, struct early_config *early)
{
	struct lxm_template_request req = {
		.template_name = a->template_name,
		.release = a->release,
		.arch = a->arch,
		.init = a->init,
		.mirror = a->mirror,
		.name = a->name,
		.no_cache = a->no_cache,
		.progress = !a->quiet && isatty(STDERR_FILENO),
		.on_cached = early ? early_config_write : NULL,
		.on_cached_data = early,
		.configures_standard = true, /* below */
		.cache_only = a->cache_only,
		.btrfs_rootfs = early && early->btrfs, /* t.tmp_rootfs, an empty subvolume (create_locked()) */
	};
	struct lxm_template_result tr = {};
	int r = lxm_template_build(&ctx->paths, &req, rootfs, &tr);
	if (r < 0)
		return r;
	r = result_fill(res, a->template_name, &tr, rootfs);
	/* A corrupt entry was built again: the early config may name what the entry claimed. */
	if (early && early->config && !tr.from_cache) {
		free(early->config), early->config = NULL;
		cfg_freep(&early->parsed), early->parsed = NULL;
	}
	bool standard = tr.configure_standard;
	lxm_template_result_done(&tr);
	if (r < 0)
		return r;
	/* A template declaring the standard configure: the same files written here, no shell run. */
	if (standard)
		return lxm_template_configure_standard(rootfs, a->name);
	if (a->cache_only)
		return -ELIBACC; /* the template's own configure: a script (its record changed meanwhile) */
	return lxm_template_configure(&ctx->paths, a->template_name, rootfs, a->name);
}

/* Runs templates/prepare-rootfs on an unpacked tarball: per-init preparation, hostname, hosts and
 * machine-id; returns the init it detected in *ret_init (may stay NULL). */
static int prepare_rootfs(struct lxm_context *ctx, const char *rootfs, const char *name, char **ret_init)
{
	_cleanup_free_ char *path = NULL, *out = NULL, *rel = NULL, *arch = NULL;
	int r;

	r = lxm_template_find(&ctx->paths, "prepare-rootfs", &path);
	if (r == -ENOENT) {
		log_warning("No 'prepare-rootfs' in '%s': only hostname, hosts and machine-id are set",
			    ctx->paths.templates_dir);
		return lxm_template_configure(&ctx->paths, NULL, rootfs, name);
	}
	if (r < 0)
		return r;
	char *argv[] = { path, (char *)"--rootfs", (char *)rootfs, (char *)"--name", (char *)name, NULL };
	r = lxm_template_run("prepare-rootfs", argv, isatty(STDERR_FILENO), &out);
	if (r < 0)
		return r;
	return lxm_template_parse_result(out, &rel, &arch, ret_init);
}

static bool is_export(const char *rootfs)
{
	_cleanup_free_ char *meta = NULL, *member = NULL;

	return lxm_path_join(&meta, rootfs, LXM_EXPORT_META) >= 0 && lxm_path_join(&member, rootfs, "rootfs.tar") >= 0 &&
	       access(meta, F_OK) == 0 && access(member, F_OK) == 0;
}

static int create_from_tarball(struct lxm_context *ctx, const struct create_args *a, const char *rootfs,
			       struct create_result *res)
{
	struct lxm_extract_opts opts = { .progress = !a->quiet && isatty(STDERR_FILENO) };
	_cleanup_free_ char *detected = NULL;
	int r;

	r = lxm_archive_extract(a->from, rootfs, &opts);
	if (r < 0)
		return r;
	/* An export holds the rootfs as a member: unpacked as a rootfs it would make a container
	 * with no init in it, which only its first start would tell. */
	if (is_export(rootfs))
		return log_error_errno(-EINVAL, "'%s' is an lxcmgr export, not a root filesystem: restore it with "
						"'lxcmgr import %s %s'", a->from, a->from, a->name);
	/* The tarball's own hostname and machine-id are not this container's. */
	r = prepare_rootfs(ctx, rootfs, a->name, &detected);
	if (r < 0)
		return r;

	res->template_name = strdup("tarball");
	res->release = strdup(a->release ? a->release : "unknown");
	res->arch = a->arch ? strdup(a->arch) : NULL;
	res->init_system = strdup(a->init ? a->init : !IS_EMPTY(detected) ? detected : lxm_create_detect_init(rootfs));
	if (!res->template_name || !res->release || !res->init_system)
		return -ENOMEM;
	return 0;
}

/* storage "btrfs": the rootfs is already a subvolume (made before anything was put in it). */
static int btrfs_configure(char **config)
{
	_cleanup_free_ char *out = NULL;
	int r = lxm_config_edit_text(*config, "storage", "btrfs", &out);
	if (r < 0)
		return r;
	free(*config);
	*config = TAKE_PTR(out);
	return 0;
}

static int render_config(struct lxm_context *ctx, const char *name, const struct create_result *res, char **ret,
			 cfg_t **ret_cfg)
{
	char uuid[LXM_UUID_STRING_LEN], created[LXM_UTC_STAMP_LEN];
	int r;

	lxm_uuid_v4(uuid);
	if ((r = lxm_format_utc(time(NULL), created, sizeof(created))) < 0)
		return r;

	struct lxm_config_identity id = {
		.name = name,
		.uuid = uuid,
		.template_name = res->template_name,
		.release = res->release,
		.arch = res->arch,
		.init_system = res->init_system,
		.created = created,
	};
	return lxm_config_render_new(&id, ctx->global, ret, ret_cfg);
}

/* An unprivileged container on a store that cannot be id-mapped: its files are shifted to its
 * host ids now, once, and the map is recorded (security.idmap_shifted) for start, copy and
 * export. parsed: *config as parsed when it was rendered (NULL: parsed here). 1: *config was
 * edited. */
static int idshift_new(const struct lxm_paths *paths, const char *name, const char *rootfs, cfg_t *parsed,
		       char **config)
{
	_cleanup_cfg_free_ cfg_t *own = NULL;
	_cleanup_free_ char *record = NULL, *edited = NULL;
	cfg_t *cfg = parsed;
	int r;

	if (!cfg && (r = lxm_config_parse_string(*config, "config", &cfg)) < 0)
		return r;
	if (!parsed)
		own = cfg;
	if (!lxm_security_wants_userns(cfg))
		return 0;
	r = lxm_idshift_at_create(name, rootfs, lxm_cfg_str(cfg, "security.idmap"), lxm_cfg_str(cfg, "uuid"),
				  paths->run_dir, &record);
	if (r < 0 || !record)
		return r;
	if ((r = lxm_config_edit_text(*config, "security.idmap_shifted", record, &edited)) < 0)
		return r;
	free(*config);
	*config = TAKE_PTR(edited);
	return 1;
}

/* A failed create hands back the "isolated" block idshift_new() may have taken for its uuid. */
static void release_ids(const char *config)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	struct lxm_idmap_files files;

	if (!config || lxm_config_parse_string(config, "config", &cfg) < 0 || !lxm_cfg_str(cfg, "uuid"))
		return;
	lxm_idmap_files_default(&files);
	(void)lxm_idmap_release(lxm_cfg_str(cfg, "uuid"), &files);
}

static int create_locked(struct lxm_context *ctx, const struct create_args *a)
{
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	struct create_result res = {};
	_cleanup_free_ char *config = NULL, *base = NULL;
	_cleanup_cfg_free_ cfg_t *parsed = NULL; /* config as rendered, parsed once (render validates) */
	bool overlay = a->storage && STREQ(a->storage, "overlay"), standard = false;
	bool btrfs = a->storage ? STREQ(a->storage, "btrfs") : lxm_storage_default(&ctx->paths) == LXM_STORAGE_BTRFS;
	struct early_config early = { .ctx = ctx, .args = a, .txn = &t, .btrfs = btrfs };
	bool written = false; /* the file holds config as it is (written before the copy) */
	int r;

	/* A create cleans up where it stages: an overlay create leaves the containers directory's
	 * temporaries (dir creates', destroys') to the next command that reads it anyway (store.h);
	 * reading it cost two getdents64() and a directory open per overlay create. */
	(void)(overlay ? lxm_store_gc_staging(&ctx->paths) : lxm_store_gc(&ctx->paths));
	/* overlay: a few files, staged outside the T-marked containers directory (store.h); a dir
	 * rootfs is not: in a create/destroy loop its ~300 new inodes next to the ones just freed cost
	 * more (ext4 skips recently freed inodes) than the T-marked directory's search (measured) */
	r = overlay ? lxm_store_txn_begin_staged(&ctx->paths, a->name, &t) : lxm_store_txn_begin(&ctx->paths, a->name, &t);
	if (r < 0)
		return r;
	if (btrfs && (r = lxm_storage_btrfs_rootfs(t.tmp_rootfs)) < 0) {
		lxm_store_txn_abort(&t);
		return r;
	}
	/* a create from the cache snapshots the entry's btrfs base: a transaction commit */
	t.commit_follows = btrfs && !a->from && !a->no_cache;

	/* From here every failure aborts the transaction: nothing becomes visible. A SIGKILL (or an
	 * unhandled SIGINT/SIGTERM) leaves the hidden temporary, which the next command's gc removes. */
	r = overlay ? lxm_create_overlay(ctx, a, &t, &res, &base, &standard)
	    : a->from ? create_from_tarball(ctx, a, t.tmp_rootfs, &res)
		      : lxm_create_from_template(ctx, a, t.tmp_rootfs, &res, &early);
	if (r >= 0 && early.config) {
		config = TAKE_PTR(early.config); /* rendered before the copy */
		parsed = TAKE_PTR(early.parsed);
		written = true;
	} else if (r >= 0)
		r = render_config(ctx, a->name, &res, &config, btrfs || overlay ? NULL : &parsed);
	if (r >= 0 && btrfs && !written)
		r = btrfs_configure(&config);
	if (r >= 0 && overlay)
		r = lxm_create_overlay_configure(ctx, a, &t, base, standard, &config);
	if (r >= 0 && !overlay) /* overlayfs can be id-mapped (Linux >= 5.19) */
		if ((r = idshift_new(&ctx->paths, a->name, t.tmp_rootfs, parsed, &config)) > 0)
			written = false;
	/* NULL: the file holds the final text already (overlay_configure() or the early write); an
	 * idshift record added after the early write replaces the file (commit waits for its sync). */
	if (r >= 0)
		r = lxm_store_txn_commit(&t, overlay || written ? NULL : config);
	free(early.config);
	cfg_freep(&early.parsed);
	lxm_create_result_done(&res);
	if (r < 0) {
		release_ids(config);
		lxm_store_txn_abort(&t);
		if (r == -ELIBACC && a->cache_only)
			return r; /* handed over to lxcmgr-full by the caller */
		return log_error_errno(r, "Failed to create container '%s': %m", a->name);
	}
	return 0;
}

static int parse_args(struct lxm_context *ctx, int argc, char **argv, struct create_args *a)
{
	static const struct option options[] = {
		{ "template", required_argument, NULL, 't' },
		{ "release", required_argument, NULL, 'r' },
		{ "init", required_argument, NULL, 'i' },
		{ "arch", required_argument, NULL, 'a' },
		{ "from", required_argument, NULL, 'f' },
		{ "mirror", required_argument, NULL, 'm' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "storage", required_argument, NULL, 's' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:r:q", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!*optarg) /* else an empty -t (an unset variable) silently meant the default */
				return log_error_errno(-EINVAL, "Empty template name: -t needs a template's name");
			a->template_name = optarg;
			break;
		case 'r': a->release = optarg; break;
		case 'i': a->init = optarg; break;
		case 'a': a->arch = optarg; break;
		case 'f': a->from = optarg; break;
		case 'm': a->mirror = optarg; break;
		case 'n': a->no_cache = true; break;
		case 'q': a->quiet = true; lxm_log_set_level(LXM_LOG_ERROR); break;
		case 's': a->storage = optarg; break;
		default: return -EINVAL;
		}
	}
	int r = lxm_cli_one_name(argc, argv, "create", &a->name);
	if (r < 0)
		return r;
	if (a->from && a->template_name)
		return log_error_errno(-EINVAL, "Use either --template or --from, not both");
	if (a->storage && !STREQ(a->storage, "dir") && !STREQ(a->storage, "overlay") && !STREQ(a->storage, "btrfs"))
		return log_error_errno(-EINVAL, "Unknown storage '%s' (dir, overlay or btrfs)", a->storage);
	if (a->storage && STREQ(a->storage, "overlay") && (a->from || a->no_cache))
		return log_error_errno(-EINVAL, "--storage overlay needs a cached template (not --from or --no-cache)");
	return 0;
}

int lxm_cmd_create(struct lxm_context *ctx, int argc, char **argv)
{
	struct create_args a = {};
	_cleanup_close_ int lock = -EBADF;
	char *first = calloc(1, 1); /* where the heap is used up to */
	int r;

	if (lxm_front_prefault_heap && first)
		lxm_front_prefault_heap(first, CREATE_HEAP_PREFAULT);
	free(first);
	r = parse_args(ctx, argc, argv, &a);
	if (r < 0)
		return r;
	r = lxm_name_validate(a.name);
	if (r < 0)
		return r;
	if (a.from) {
		if (access(a.from, R_OK) < 0)
			return log_error_errno(negative_errno(), "Cannot read '%s': %m", a.from);
	} else if (!a.template_name && ctx->global) {
		/* default_template, default_release and default_init go together: a release or init
		 * meant for the default template is never applied to one named with -t. */
		a.template_name = cfg_getstr(ctx->global, "default_template");
		if (!a.release)
			a.release = cfg_getstr(ctx->global, "default_release");
		if (!a.init)
			a.init = cfg_getstr(ctx->global, "default_init");
	}
	if (!a.from && IS_EMPTY(a.template_name))
		a.template_name = "busybox";
	if (IS_EMPTY(a.release))
		a.release = NULL;
	if (IS_EMPTY(a.init))
		a.init = NULL;

	/* Before any side effect: this process or lxcmgr-full, which gets the same argv. */
	struct lxm_template_request warm = { .template_name = a.template_name, .release = a.release,
					     .arch = a.arch, .init = a.init, .name = a.name, .no_cache = a.no_cache };
	r = lxm_create_route(ctx, &warm, a.from != NULL);
	if (r < 0)
		return r;
	a.cache_only = warm.cache_only;

	r = lxm_container_lock(&ctx->paths, a.name, &lock);
	if (r < 0)
		return r;
	r = create_locked(ctx, &a);
	if (r == -ELIBACC && a.cache_only) {
		/* the warm cache changed since the check: aborted, nothing left; lxcmgr-full starts over */
		closep(&lock); /* lxcmgr-full takes it again */
		return lxm_create_hand_over(ctx);
	}
	if (r < 0)
		return r;
	if (!a.quiet && isatty(STDOUT_FILENO))
		printf("Created container '%s'\n", a.name);
	return 0;
}
