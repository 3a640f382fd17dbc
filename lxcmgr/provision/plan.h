/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plan: what `apply` would do to make the store match a provisioning file. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/paths.h"
#include "provision/diff.h"
#include "provision/schema.h"

struct lxm_plan_file {
	const char *path;
	char *why; /* "missing", "content", "mode ...", "owner ..." */
	int error; /* < 0: cannot be written (-ELOOP: a symlink) */
};

struct lxm_plan_container {
	const struct lxm_prov_item *item;
	bool create;
	bool running;
	struct lxm_prov_changes changes;
	struct lxm_plan_file *files;
	size_t n_files;
	const char **runs; /* pending `run` commands, in order (point into the cfg) */
	size_t n_runs;
	uint64_t started_usec; /* of the running container (0: stopped) */
	char *pending;     /* keys an earlier apply wrote that wait for this run's restart, "a b" */
};

struct lxm_plan_network {
	const struct lxm_prov_item *item;
	bool create;
	struct lxm_prov_changes changes; /* kind RESTART: never applied implicitly */
};

struct lxm_plan {
	struct lxm_plan_network *networks;
	size_t n_networks;
	struct lxm_plan_container *containers;
	size_t n_containers;
	char **prune; /* containers an earlier apply of this file created and it no longer declares */
	size_t n_prune;
};

struct lxm_plan_options {
	const char *only;  /* NULL: every container */
	bool prune;        /* look for containers to prune */
	bool live_limits;  /* limits can change on a running container */
};

/* Computes the plan of p against the store of paths. *ret owned (lxm_plan_done). */
int lxm_plan_compute(const struct lxm_paths *paths, const struct lxm_provision *p,
		     const struct lxm_plan_options *o, struct lxm_plan *ret);
void lxm_plan_done(struct lxm_plan *plan);

/* Whether apply would change anything (re-creations count: the store differs from the file). */
bool lxm_plan_has_changes(const struct lxm_plan *plan);
bool lxm_plan_container_has_changes(const struct lxm_plan_container *c);

/* Readable output: "+ create container dns (debian bookworm systemd)", "~ limits.memory 256M -> 512M
 * (live)", "+ file /etc/motd (missing)", "> run \"apt-get update\"", ... */
void lxm_plan_print(const struct lxm_plan *plan, FILE *f);

/* Ownership records: LIB/provision/HASH.owned ("NAME UUID" lines) for the file at abs_path. */
int lxm_plan_owned_path(const struct lxm_paths *paths, const char *abs_path, const char *suffix, char **ret);
