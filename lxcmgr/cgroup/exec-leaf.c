/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec's leaf cgroup: INNER/.lxcmgr-exec ("/.lxcmgr-exec" as the container sees it) in the cgroup2
 * hierarchy (pure v2, or the hybrid "unified" one) and in the named "systemd" v1 hierarchy; in the
 * v1 controller hierarchies (memory, cpu, pids, ...) an exec'd process joins the inner cgroup
 * itself. Why a leaf:
 *  - cgroup v2's "no internal processes" rule: once systemd inside enabled controllers in its root
 *    cgroup's cgroup.subtree_control (it does for its slices), writing a pid to that root's
 *    cgroup.procs fails with EBUSY;
 *  - systemd moves whatever it finds in its root cgroup into init.scope (name=systemd, and the
 *    unified hierarchy): work during its boot, and the admin's command ends up in a unit it is no
 *    part of.
 * Why not in the v1 controller hierarchies: v1 has no such rule, systemd's moves there follow the
 * name=systemd hierarchy, and each v1 mkdir is work on every first exec (cpuset copies, a device
 * list); limits and usage are the payload's either way. LXC does the same: its ".lxc" leaf exists
 * in the unified hierarchy only.
 *
 * The name cannot collide with systemd's cgroups: systemd's cg_escape() prefixes every unit or
 * slice name that starts with '.' or '_' with '_', so no cgroup of its own starts with a dot.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/log.h"
#include "util/macros.h"

bool lxm_cg_wants_exec_leaf(const struct lxm_cgroup_hier *h)
{
	return h->v2 || STREQ(h->controllers, "name=systemd");
}

/* 1 when the v2 cgroup at dfd can take a process that still holds host root's capabilities and
 * fds: made by us and not frozen; 0 when not, or -errno.
 *
 * Why: the container's root owns the inner cgroup, so it can mkdir a cgroup of this name itself
 * and then freeze it (our child, still host root, would hang there for good, and with it the
 * admin's exec), give it a tiny memory.max or pids.max, or make it threaded, to trap the next exec.
 * A cgroup's files belong to whoever made it, and we hand over only the directory, cgroup.procs,
 * cgroup.threads and cgroup.subtree_control (same rules as the inner cgroup): cgroup.type owned by
 * us proves we made it, and with it cgroup.freeze, memory.max, ... are ours too, out of the
 * container's reach. Checked through the directory's fd that the join then writes through: a
 * cgroup swapped in after the check is another directory (the old fd's files are gone: ENOENT).
 * A privileged container's root is host root and passes the owner check (it is not a security
 * boundary), but a leaf it froze must still not hang the exec: the freeze is read too. */
static int leaf_trusted(int dfd)
{
	struct stat st;
	char buf[8];

	if (fstatat(dfd, "cgroup.type", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (st.st_uid != geteuid())
		return 0;
	_cleanup_close_ int fd = openat(dfd, "cgroup.freeze", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 1 : negative_errno(); /* a kernel before 5.2: no v2 freezer */
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return negative_errno();
	return n > 0 && buf[0] == '0';
}

/* mkdir of the leaf, owned like the inner cgroup it sits in (the container's root when
 * unprivileged: a process of the container may manage its own cgroup as in any other delegated
 * one; host root otherwise). 0 also when another exec made it first. */
static int leaf_make(struct lxm_cgroup *cg, const struct lxm_cgroup_hier *h, const char *leaf)
{
	struct stat st;

	if (mkdir(leaf, 0755) < 0) {
		if (errno == EEXIST)
			return 0;
		return lxm_cg_set_error(cg, negative_errno(), "Failed to create cgroup '%s': %m", leaf);
	}
	if (stat(lxm_cg_join_path(h), &st) < 0)
		return lxm_cg_set_error(cg, negative_errno(), "Failed to stat '%s': %m", lxm_cg_join_path(h));
	if (st.st_uid == geteuid() && st.st_gid == getegid())
		return 0;
	return lxm_cg_chown_dir(cg, leaf, h->v2, st.st_uid, st.st_gid);
}

/* Exec's child executes or exits next: the file is left open, O_CLOEXEC, for the kernel to close
 * (lxm_cg_write_exiting()). */
static int leaf_write(struct lxm_cgroup *cg, int dfd, const char *leaf, const char *pid)
{
	_cleanup_close_ int fd = openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = strlen(pid);

	if (fd < 0)
		return lxm_cg_set_error(cg, negative_errno(), "Failed to write '%s' to '%s/cgroup.procs': %m", pid, leaf);
	ssize_t n = write(fd, pid, len);
	if (n < 0 || (size_t)n != len)
		return lxm_cg_set_error(cg, n < 0 ? negative_errno() : -EIO,
					"Failed to write '%s' to '%s/cgroup.procs': %m", pid, leaf);
	(void)TAKE_FD(fd);
	return 0;
}

/* Joins h's exec leaf: open it (the common case: no mkdir), make it when missing; a v2 leaf we
 * did not make (or a frozen one) is removed and made again once, and refused when that fails
 * (the container keeps something in it): the exec fails with a message rather than run in a
 * cgroup the container prepared. */
int lxm_cg_join_exec_leaf(struct lxm_cgroup *cg, const struct lxm_cgroup_hier *h, const char *pid)
{
	char leaf[PATH_MAX];
	bool made = false, replaced = false;
	int r;

	if ((size_t)snprintf(leaf, sizeof(leaf), "%s/" LXM_CGROUP_EXEC_LEAF, lxm_cg_join_path(h)) >= sizeof(leaf))
		return -ENAMETOOLONG;
	/* A named v1 hierarchy has no controller to trap with (no freezer, no limits): no check,
	 * the path is written directly. */
	if (!h->v2) {
		r = lxm_cg_write_exiting(cg, leaf, "cgroup.procs", pid); /* exec's child: see internal.h */
		if (r != -ENOENT)
			return r;
		r = leaf_make(cg, h, leaf);
		return r < 0 ? r : lxm_cg_write_exiting(cg, leaf, "cgroup.procs", pid);
	}
	for (;;) {
		_cleanup_close_ int dfd = open(leaf, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (dfd < 0 && errno == ENOENT && !made) {
			r = leaf_make(cg, h, leaf);
			if (r < 0)
				return r;
			made = true;
			continue;
		}
		if (dfd < 0)
			return lxm_cg_set_error(cg, negative_errno(), "Failed to open cgroup '%s': %m", leaf);
		r = leaf_trusted(dfd);
		if (r < 0)
			return lxm_cg_set_error(cg, r, "Failed to check cgroup '%s': %m", leaf);
		if (r > 0)
			return leaf_write(cg, dfd, leaf, pid);
		if (replaced || rmdir(leaf) < 0)
			return lxm_cg_set_error(cg, -EPERM,
						"Cgroup '%s' was not made by lxcmgr or is frozen, and cannot be "
						"replaced: refusing to join it",
						leaf);
		log_debug("Removed cgroup '%s' that was not made by lxcmgr or was frozen", leaf);
		replaced = true;
		made = false;
	}
}
