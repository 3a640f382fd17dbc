/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Provisioning files (lxcmgr plan/apply): libconfuse, one schema with the container config.
 *
 *   include = "common.conf"            (or { "a.conf", "b.conf" }; relative to the including file)
 *   network NAME { ipv4 ipv6 (CIDR of the bridge) nat dhcp (bool) domain dns_upstream }
 *   container NAME {
 *       <every key and section of a container config, except name uuid created arch>
 *       file "/ABS/PATH" { content = "..." | source = "REL/OR/ABS"  mode = "0644"  owner = "root:root" }
 *       run = { "command", ... }       (sh -c, once, at first boot, in order)
 *   }
 * Each file is parsed on its own (errors name the file and line); included declarations join the
 * including file's. A name declared twice, an include loop or an unreadable `source` is an error.
 */
#pragma once

#include <confuse.h>
#include <stddef.h>

#include "util/macros.h"

struct lxm_prov_item {
	const char *name;   /* the section title */
	cfg_t *sec;         /* the network or container section (owned by the file's cfg) */
	const char *file;   /* absolute path of the declaring file */
	const char *dir;    /* its directory: `source` paths are relative to it */
};

struct lxm_provision {
	char *path;                   /* absolute path of the top file */
	cfg_t **cfgs;                 /* one per file read */
	char **paths;                 /* same order: absolute path, directory, path, directory ... */
	size_t n_cfgs;
	struct lxm_prov_item *networks;
	size_t n_networks;
	struct lxm_prov_item *containers;
	size_t n_containers;
};

/* Reads and validates path and its includes. Any error is logged ("FILE:LINE: ...") and gives
 * -EINVAL (-ENOENT for a missing top file); nothing is changed anywhere. *ret owned. */
int lxm_provision_load(const char *path, struct lxm_provision **ret);
/* Same for text in memory (unit tests); includes are resolved relative to dir. */
int lxm_provision_parse_string(const char *text, const char *name, const char *dir, struct lxm_provision **ret);
void lxm_provision_free(struct lxm_provision *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lxm_provision *, lxm_provision_free)
#define _cleanup_provision_free_ _cleanup_(lxm_provision_freep)

const struct lxm_prov_item *lxm_provision_find_container(const struct lxm_provision *p, const char *name);
const struct lxm_prov_item *lxm_provision_find_network(const struct lxm_provision *p, const char *name);

/* "0644" -> 0644 (at most 07777). -EINVAL otherwise. */
int lxm_provision_parse_mode(const char *s, unsigned *ret);
