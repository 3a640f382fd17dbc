/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `create` (cmd-create.c) shares with its storage-specific parts (create-overlay.c). */
#pragma once

#include <stdbool.h>

#include "cli/context.h"
#include "store/store.h"

struct create_args {
	const char *name;
	const char *template_name;
	const char *release;
	const char *init;
	const char *arch;
	const char *from;
	const char *mirror;
	const char *storage; /* "dir", "overlay", "btrfs"; NULL: lxm_storage_default() */
	bool no_cache;
	bool quiet; /* no progress, no confirmation, errors only */
	bool cache_only; /* the static lxcmgr: -ELIBACC where lxcmgr-full is needed (create-route.h) */
};

/* What the rootfs turned out to be, for the identity block of the config. */
struct create_result {
	char *template_name;
	char *release;
	char *arch;
	char *init_system;
};

void lxm_create_result_done(struct create_result *r);

/* The init the rootfs has, as the runtime will see it ("unknown" when none is recognised). */
const char *lxm_create_detect_init(const char *rootfs);

struct early_config;
/* Builds (or copies from the template cache) the template into rootfs and configures it; *res
 * gets the identity block (owned, lxm_create_result_done()). early: cmd-create.c's early config
 * write, or NULL. */
int lxm_create_from_template(struct lxm_context *ctx, const struct create_args *a, const char *rootfs,
			     struct create_result *res, struct early_config *early);

/* storage "overlay": upper/work over the template cache's unpacked base (built first when no
 * cache entry matches), which stays locked; *ret_base owned; *ret_standard: the template declares
 * the standard configure. upper and work are made by lxm_create_overlay_configure(). */
int lxm_create_overlay(struct lxm_context *ctx, const struct create_args *a, struct lxm_store_txn *t,
		       struct create_result *res, char **ret_base, bool *ret_standard);

/* Writes the final overlay config (*config edited: storage, storage_base), makes upper and work
 * while it is synced, and sets hostname, hosts and machine-id in the upper directory or through
 * the merged view. */
int lxm_create_overlay_configure(struct lxm_context *ctx, const struct create_args *a, struct lxm_store_txn *t,
				 const char *base, bool standard, char **config);
