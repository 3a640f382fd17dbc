/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What differs between a declared container (a `container NAME { }` block) and an existing
 * container's config, key by key, classified by how the change can take effect. Pure functions
 * over libconfuse trees of the one container schema (unit-tested without root).
 * Keys the declaration does not set are left alone (a declaration is partial, never a reset).
 */
#pragma once

#include <confuse.h>
#include <stdbool.h>
#include <stddef.h>

#include "provision/auto.h"
#include "provision/schema.h"

enum lxm_prov_kind {
	LXM_PROV_CONFIG,   /* written to the config; takes effect at the next start (container stopped,
			    * or a key the running container does not depend on: autostart, restart, hook) */
	LXM_PROV_LIVE,     /* written and applied to the running container at once (limits) */
	LXM_PROV_RESTART,  /* written; the running container sees it after a restart (--restart) */
	LXM_PROV_RECREATE, /* template, release or init_system: only a new container can change it;
			    * reported, never done implicitly */
};
const char *lxm_prov_kind_to_string(enum lxm_prov_kind k);

struct lxm_prov_change {
	char *key;   /* dotted: "limits.memory", "network.eth0.ipv4" */
	char *old;   /* as `config get` prints it; NULL when unset */
	char *new;
	enum lxm_prov_kind kind;
};

struct lxm_prov_changes {
	struct lxm_prov_change *items;
	size_t n;
};
void lxm_prov_changes_done(struct lxm_prov_changes *c);

/* Keys explicitly set in a declared container block (identity, file and run excluded), with their
 * values as `config set` takes them. Both returned arrays NULL-terminated, owned (strv_free). */
int lxm_prov_declared_keys(cfg_t *declared, char ***ret_keys, char ***ret_values);

/* Compares declared with existing (a loaded container config). running: the container runs;
 * live_limits: limits can be changed on a running container; nets (may be NULL) finds the managed
 * networks a declared ipv4 "auto" is judged against (provision/auto.h). Appends to *ret. */
int lxm_prov_diff_config(cfg_t *declared, cfg_t *existing, bool running, bool live_limits,
			 const struct lxm_prov_net_lookup *nets, struct lxm_prov_changes *ret);

/* The hash recorded in provision.state for a `run` command (sha256 hex of its text). */
void lxm_prov_run_hash(const char *cmd, char ret[65]);
/* Whether state (provision.state text, may be NULL) records the command as run. */
bool lxm_prov_run_done(const char *state, const char *cmd);
