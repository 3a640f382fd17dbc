/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/create-route.h"
#include "cli/front.h"
#include "runtime/full-helper.h"
#include "util/dl.h"
#include "util/log.h"

/* Defined only in `lxcmgr` (cli/front.c). */
extern __typeof__(lxm_front_exec_full) lxm_front_exec_full __attribute__((weak));

/* Returns only when lxcmgr-full cannot be executed (or this is not `lxcmgr`). */
static void exec_full(struct lxm_context *ctx)
{
	if (lxm_front_exec_full && ctx->argv) {
		fflush(stdout);
		fflush(stderr);
		lxm_front_exec_full(ctx->argv);
	}
}

int lxm_create_hand_over(struct lxm_context *ctx)
{
	exec_full(ctx);
	return log_error_errno(-ELIBACC, "Cannot run %s for this create", LXM_FRONT_FULL_NAME);
}

/* Whether the create can run here: a warm cache (create-route.h), whatever the storage (btrfs: a
 * snapshot of the entry's btrfs base, made from the unpacked base when missing). */
static int warm(struct lxm_context *ctx, const struct lxm_template_request *req, bool from)
{
	if (from || req->no_cache)
		return 0; /* libarchive; a template build */
	return lxm_template_warm(&ctx->paths, req);
}

int lxm_create_route(struct lxm_context *ctx, struct lxm_template_request *req, bool from)
{
	if (!lxm_full_helper_wanted())
		return 0;
	int r = warm(ctx, req, from);
	if (r < 0)
		return r;
	if (r > 0) {
		log_debug("Creating from the warm template cache in this process");
		req->cache_only = true;
		lxm_dl_refusal_handled();
		return 1;
	}
	exec_full(ctx);
	log_debug("No %s to hand the create to, creating here", LXM_FRONT_FULL_NAME);
	return 0;
}
