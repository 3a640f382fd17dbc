/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `file` entries of a provisioning file, written into a container's rootfs. The rootfs belongs to
 * the container, whose root may have planted symlinks; every path is resolved inside it and the
 * target itself must not be a symlink (see files.c).
 */
#pragma once

#include <confuse.h>
#include <stdbool.h>
#include <sys/types.h>

#include "provision/schema.h"
#include "security/idmap.h"

struct lxm_prov_file {
	const char *path;  /* absolute, inside the container */
	char *content;
	size_t size;
	unsigned mode;
	const char *owner; /* "user[:group]" */
	/* The container's rootfs has its owners shifted on disk (security.idmap_shifted): owners are
	 * compared and written as the host ids of this map. NULL: container ids on disk. */
	const struct lxm_idmap *shifted;
};

/* The map of security.idmap_shifted in a container config: 1 and *ret when the rootfs is
 * shifted, 0 when not, -EINVAL when the record is malformed. */
int lxm_prov_shifted_map(cfg_t *config, struct lxm_idmap *ret);
void lxm_prov_file_done(struct lxm_prov_file *f);

/* The wanted state of file entry fsec of container item ct (reads `source` relative to its file). */
int lxm_prov_file_want(const struct lxm_prov_item *ct, cfg_t *fsec, struct lxm_prov_file *ret);

/* Resolves "user[:group]" (names or numbers) against the rootfs' /etc/passwd and /etc/group.
 * A user without group gets the user's primary group. -ENOENT (not logged) when unknown. */
int lxm_prov_resolve_owner(int root_fd, const char *owner, uid_t *ret_uid, gid_t *ret_gid);

/* Compares the file in the rootfs with want. *ret_why: NULL when it matches, else a short text
 * ("missing", "content", "mode 0600 -> 0644", "owner 0:0 -> 33:33"; owned). -ELOOP when the
 * target is a symlink, -EISDIR/-EBADFD when it is no regular file. */
int lxm_prov_file_check(int root_fd, const struct lxm_prov_file *want, char **ret_why);

/* Writes want atomically (temporary file + rename in the same directory), creating missing parent
 * directories (0755, root). Refuses a symlink target (-ELOOP). */
int lxm_prov_file_write(int root_fd, const struct lxm_prov_file *want);
