/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ownership shifting: the fallback for a rootfs whose filesystem cannot be id-mapped
 * (mount_setattr MOUNT_ATTR_IDMAP answers EINVAL/EOPNOTSUPP). Every file is chowned once from
 * container ids to the host ids of the container's map (and back, or from one map to another),
 * with setuid/setgid bits, file capabilities and POSIX ACLs kept consistent and hard links
 * shifted once. The map the rootfs was shifted with is recorded in the config
 * (security.idmap_shifted); start then presents the rootfs without an id-mapped mount.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "security/idmap.h"

/* How files are chowned: fd is an O_PATH|O_NOFOLLOW fd of the file (a symlink itself for links).
 * Tests pass a fake that records the calls. */
struct lxm_idshift_ops {
	int (*chown)(int fd, uid_t uid, gid_t gid, void *userdata);
	void *userdata;
};

struct lxm_idshift_stats {
	uint64_t files;    /* inodes whose owner changed */
	uint64_t unmapped; /* inodes left alone: an id outside the map */
};

/* The new id of on-disk id `id`: from (NULL: the disk holds container ids) to to (NULL: back to
 * container ids). -ERANGE when a map does not cover it. */
int lxm_idshift_id(const struct lxm_idmap *from, const struct lxm_idmap *to, enum lxm_idmap_type type,
		   uint32_t id, uint32_t *ret);

/* Shifts every inode below and including dir_fd (not crossing into other mounts). ops NULL:
 * real fchownat(). Returns -errno on the first failure. */
int lxm_idshift_tree(int dir_fd, const struct lxm_idmap *from, const struct lxm_idmap *to,
		     const struct lxm_idshift_ops *ops, struct lxm_idshift_stats *ret_stats);

/* In-place rewrites of the two xattrs that carry ids. A "security.capability" value of revision 3
 * names the uid that is root for it: shifted like a uid (v2 has none and is kept). A
 * "system.posix_acl_*" value lists named users and groups: each shifted. -EINVAL when malformed,
 * -ERANGE when an id is not mapped. */
int lxm_idshift_fscaps(void *value, size_t size, const struct lxm_idmap *from, const struct lxm_idmap *to);
int lxm_idshift_acl(void *value, size_t size, const struct lxm_idmap *from, const struct lxm_idmap *to);

/* Can the filesystem holding path be id-mapped? A real attempt: a detached clone of the mount
 * gets MOUNT_ATTR_IDMAP with a throwaway user namespace using map. 1 yes, 0 no (EINVAL,
 * EOPNOTSUPP, ENOSYS), -errno when the probe itself failed. LXCMGR_IDSHIFT=force answers 0 (the
 * tests' way to take the fallback on filesystems that can be id-mapped). */
int lxm_idshift_probe(const char *path, const struct lxm_idmap *map);

/* Create time, for an unprivileged container called name: resolves its map, probes the rootfs and shifts it
 * when it cannot be id-mapped. *ret_record: the map's text to record in security.idmap_shifted
 * (NULL when no shift was needed). Prints a notice when it shifts. run_dir (may be NULL): where a
 * yes of the probe is remembered for the mount (RUN/idmap-probe). */
int lxm_idshift_at_create(const char *name, const char *rootfs, const char *idmap_setting, const char *uuid,
			  const char *run_dir, char **ret_record);

/* Shifts rootfs (container ids on disk) of container name to map now and says so; *ret_record:
 * the map's text. */
int lxm_idshift_now(const char *name, const char *rootfs, const struct lxm_idmap *map, char **ret_record);

/* Start time: brings the rootfs from the recorded shift (may be NULL/empty) to want (NULL: not
 * shifted, a privileged container). *ret_record: the new record ("" for none; NULL when nothing
 * changed). */
int lxm_idshift_reconcile(const char *rootfs, const char *recorded, const struct lxm_idmap *want, char **ret_record);
