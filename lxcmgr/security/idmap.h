/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User namespace id maps: the security.idmap setting ("auto", "isolated" or explicit maps such as
 * "u 0 100000 65536; g 0 100000 65536"), ranges delegated to root in /etc/subuid and /etc/subgid,
 * writing /proc/PID/{uid,gid}_map, and translating ids between host and container.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/macros.h"

#define LXM_IDMAP_MAX 16
#define LXM_IDMAP_BLOCK 65536u /* ids per container: what a distro's uid_t 0..65535 needs */

enum lxm_idmap_type {
	LXM_IDMAP_UID,
	LXM_IDMAP_GID,
};

struct lxm_idmap_range {
	enum lxm_idmap_type type;
	uint32_t ns_id;   /* first id inside the container */
	uint32_t host_id; /* first id on the host */
	uint32_t count;
};

struct lxm_idmap {
	struct lxm_idmap_range ranges[LXM_IDMAP_MAX];
	unsigned n;
};

/* Where the delegations and the isolated allocations are kept (registry: one "UUID HOST_START"
 * per line). Tests point these at fake files. */
struct lxm_idmap_files {
	const char *subuid;
	const char *subgid;
	const char *registry;
};

/* /etc/subuid, /etc/subgid and /var/lib/lxcmgr/idmap-isolated (or $LXCMGR_SUBUID,
 * $LXCMGR_SUBGID, $LXCMGR_IDMAP_REGISTRY). Host-wide on purpose, not under --root: the ids are
 * host-wide, so two lxcmgr roots must not hand out the same block. */
void lxm_idmap_files_default(struct lxm_idmap_files *ret);

/* Parses explicit maps "u NS HOST COUNT; g NS HOST COUNT; ...". Needs at least one u and one g
 * range; overlapping ranges of one type are refused. -EINVAL on error. */
int lxm_idmap_parse(const char *spec, struct lxm_idmap *ret);

/* Resolves a security.idmap setting for the container with this uuid: "auto" uses root's first
 * 64 Ki block in subuid/subgid (appending "root:START:65536" to both when root has none),
 * "isolated" a block of its own recorded in the registry (allocated under a lock, appended to
 * subuid/subgid when root's delegation is used up), anything else is parsed as explicit maps. */
int lxm_idmap_resolve(const char *setting, const char *uuid, const struct lxm_idmap_files *files,
		      struct lxm_idmap *ret);

/* The first host id of uuid's "isolated" block, without allocating one; -ENOENT when it has none. */
int lxm_idmap_registry_lookup(const char *uuid, const struct lxm_idmap_files *files, uint32_t *ret_start);

/* Drops uuid's block from the registry (on destroy); missing is fine. */
int lxm_idmap_release(const char *uuid, const struct lxm_idmap_files *files);

/* Writes /proc/PID/uid_map and gid_map (run by the parent, which must be root on the host). */
int lxm_idmap_write(pid_t pid, const struct lxm_idmap *map);

/* Host id for a container id (to_host) or the reverse; -ERANGE when the id is not mapped. */
int lxm_idmap_map_id(const struct lxm_idmap *map, enum lxm_idmap_type type, uint32_t id, bool to_host,
		     uint32_t *ret);

/* "u 0 100000 65536; g 0 100000 65536" (newly allocated). */
int lxm_idmap_to_string(const struct lxm_idmap *map, char **ret);
