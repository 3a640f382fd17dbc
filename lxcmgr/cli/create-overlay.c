/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create: the parts of it that are about storage (overlay) and the identity block's helpers. */
#include <sys/stat.h>

#include "cli/create-internal.h"
#include "config/config.h"
#include "config/edit.h"
#include "image/configure-upper.h"
#include "image/template.h"
#include "runtime/start.h"
#include "services/overlay-base.h"
#include "store/storage.h"
#include "util/log.h"

void lxm_create_result_done(struct create_result *r)
{
	free(r->template_name);
	free(r->release);
	free(r->arch);
	free(r->init_system);
}

const char *lxm_create_detect_init(const char *rootfs)
{
	enum lxm_init_system i = LXM_INIT_UNKNOWN;
	if (lxm_init_detect(rootfs, &i) < 0)
		return "unknown";
	return lxm_init_system_to_string(i);
}

/* storage "overlay": the container is upper/work over the template cache's unpacked base. The
 * template is built (and cached) first when no cache entry matches. */
int lxm_create_overlay(struct lxm_context *ctx, const struct create_args *a, struct lxm_store_txn *t,
		       struct create_result *res, char **ret_base, bool *ret_standard)
{
	struct lxm_template_request req = { .template_name = a->template_name, .release = a->release,
					    .arch = a->arch, .init = a->init, .name = a->name,
					    .cache_only = a->cache_only };
	_cleanup_(lxm_template_result_done) struct lxm_template_result d = {};
	struct lxm_overlay_base b = LXM_OVERLAY_BASE_INIT;
	bool progress = isatty(STDERR_FILENO);
	int r;

	/* The entry a dir create would unpack (the template's defaults fill in what was not given),
	 * not just the newest of the template: "-t debian" is systemd even after a runit build. */
	if ((r = lxm_template_resolve(&ctx->paths, &req, &d)) < 0)
		return r;
	*ret_standard = d.configure_standard;
	r = lxm_overlay_base_get(&ctx->paths, a->template_name, d.release, d.arch, d.init_system, progress, &b);
	if (r == -ENOENT) {
		_cleanup_free_ char *seed = NULL;
		struct create_result ignored = {};
		if (asprintf(&seed, "%s/.seed", t->tmp_dir) < 0)
			return -ENOMEM;
		if (mkdir(seed, 0755) < 0)
			return -errno;
		r = lxm_create_from_template(ctx, a, seed, &ignored, NULL);
		lxm_create_result_done(&ignored);
		(void)lxm_rm_rf(seed);
		if (r < 0)
			return r;
		r = lxm_overlay_base_get(&ctx->paths, a->template_name, d.release, d.arch, d.init_system, progress, &b);
		if (r == -ENOENT)
			return log_error_errno(r, "Template '%s' was built but is not in the cache", a->template_name);
	}
	if (r < 0)
		return r;
	res->template_name = strdup(a->template_name);
	res->release = b.release ? strdup(b.release) : NULL;
	res->arch = b.arch ? strdup(b.arch) : NULL;
	res->init_system = strdup(IS_EMPTY(b.init) ? lxm_create_detect_init(b.path) : STREQ(b.init, "none") ? "shim" : b.init);
	*ret_base = TAKE_PTR(b.path);
	/* The base stays locked (shared) until the container naming it is committed or given up:
	 * a `template refresh`/`remove` of the key prunes no base in between (image/cache.h). */
	closep(&t->hold_fd);
	t->hold_fd = TAKE_FD(b.lock_fd);
	lxm_overlay_base_done(&b);
	if (!res->template_name || !res->init_system)
		return -ENOMEM;
	return 0; /* upper and work: lxm_create_overlay_configure(), after the config's write began */
}

/* The standard configure written straight into the still empty upper directory, as the mount
 * below would leave it (image/configure-upper.h): no mount namespace, no overlay mount, no
 * config parse. 1: done; 0: the mount path must run (nothing written). LXCMGR_OVERLAY_CONFIGURE=mount
 * forces the mount path (the tests compare both). */
static int overlay_configure_direct(const struct create_args *a, bool standard, const char *dir, const char *base)
{
	const char *force = getenv("LXCMGR_OVERLAY_CONFIGURE");
	_cleanup_free_ char *upper = NULL;
	int r;

	if (!standard || (force && STREQ(force, "mount")))
		return 0;
	if ((r = lxm_path_join(&upper, dir, "upper")) < 0)
		return r;
	r = lxm_configure_standard_upper(base, upper, a->name);
	if (r == -EOPNOTSUPP) {
		log_debug("Configuring '%s' through its overlay mount", a->name);
		return 0;
	}
	if (r >= 0)
		log_debug("Configured '%s' in its upper directory", a->name);
	return r < 0 ? r : 1;
}

/* Sets hostname, hosts and machine-id through the merged view (private mount namespace). */
int lxm_create_overlay_configure(struct lxm_context *ctx, const struct create_args *a, struct lxm_store_txn *t,
				 const char *base, bool standard, char **config)
{
	_cleanup_free_ char *t1 = NULL, *t2 = NULL;
	struct lxm_container tc = { .name = (char *)a->name, .dir = t->tmp_dir, .rootfs = t->tmp_rootfs };
	int r;

	if ((r = lxm_config_edit_text(*config, "storage", "overlay", &t1)) < 0 ||
	    (r = lxm_config_edit_text(t1, "storage_base", base, &t2)) < 0)
		return r;
	free(*config);
	*config = TAKE_PTR(t2);
	/* The config is final: its sync (store.c: data_sync()) runs while upper and work are made
	 * and upper is written; create_locked() commits with NULL and waits for the sync there. The
	 * write is started before the two mkdir()s (100-150 us each on this host's ext4) so that
	 * more of the device's latency (0.1-10 ms measured at the commit's wait on a loaded host)
	 * passes while the create still works. */
	if ((r = lxm_store_txn_write_config(t, *config)) < 0 || (r = lxm_overlay_prepare(t->tmp_dir)) < 0)
		return r;
	r = overlay_configure_direct(a, standard, t->tmp_dir, base);
	if (r != 0)
		return r < 0 ? r : 0;
	if ((r = lxm_config_parse_string(*config, "config", &tc.config)) < 0)
		return r;
	r = lxm_storage_scratch_view(&tc);
	if (r >= 0) {
		/* The standard configure in C where the template declares it: no shell per create. */
		struct lxm_template_request req = { .template_name = a->template_name, .release = a->release,
						    .arch = a->arch, .init = a->init, .name = a->name,
						    .cache_only = a->cache_only };
		r = lxm_template_configure_auto(&ctx->paths, &req, t->tmp_rootfs);
	}
	int k = lxm_storage_scratch_view_end(&tc);
	if (r >= 0)
		r = k;
	cfg_free(tc.config);
	return r;
}

