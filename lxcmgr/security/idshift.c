/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ownership shifting (see idshift.h). The walk never follows a symlink and never leaves the
 * rootfs' mount: the rootfs belongs to the container, whose root may have planted links to host
 * files ("/etc/passwd -> /../../etc/shadow") or bind mounts; chowning through one would hand a
 * host file to the container's uid range. Every inode is opened O_PATH|O_NOFOLLOW relative to
 * its directory's fd and changed through that fd only.
 */
#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/mount.h>
#include <sched.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/paths.h"
#include "security/idshift.h"
#include "util/log.h"

#define XATTR_CAPS "security.capability"
#define XATTR_ACL_ACCESS "system.posix_acl_access"
#define XATTR_ACL_DEFAULT "system.posix_acl_default"
#define XATTR_MAX 4096

int lxm_idshift_id(const struct lxm_idmap *from, const struct lxm_idmap *to, enum lxm_idmap_type type,
		   uint32_t id, uint32_t *ret)
{
	uint32_t ns = id;
	int r;

	if (from && (r = lxm_idmap_map_id(from, type, id, false, &ns)) < 0)
		return r;
	if (!to) {
		*ret = ns;
		return 0;
	}
	return lxm_idmap_map_id(to, type, ns, true, ret);
}

/* struct vfs_ns_cap_data (linux/capability.h): magic_etc, 2 x {permitted, inheritable}, rootid. */
#define VFS_CAP_REVISION_MASK 0xFF000000u
#define VFS_CAP_REVISION_3 0x03000000u
#define VFS_CAP_V3_SIZE 24

int lxm_idshift_fscaps(void *value, size_t size, const struct lxm_idmap *from, const struct lxm_idmap *to)
{
	uint32_t magic, rootid, shifted;
	int r;

	if (size < 4)
		return -EINVAL;
	memcpy(&magic, value, 4);
	if ((le32toh(magic) & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_3)
		return 0; /* v1/v2: no owner, valid in every user namespace as it is */
	if (size != VFS_CAP_V3_SIZE)
		return -EINVAL;
	memcpy(&rootid, (char *)value + 20, 4);
	r = lxm_idshift_id(from, to, LXM_IDMAP_UID, le32toh(rootid), &shifted);
	if (r < 0)
		return r;
	shifted = htole32(shifted);
	memcpy((char *)value + 20, &shifted, 4);
	return 0;
}

/* POSIX ACL xattr: le32 version (2), then entries {le16 tag, le16 perm, le32 id}. */
#define ACL_XATTR_VERSION 2
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP 0x08

int lxm_idshift_acl(void *value, size_t size, const struct lxm_idmap *from, const struct lxm_idmap *to)
{
	uint32_t version;
	char *p = value;

	if (size < 4 || (size - 4) % 8 != 0)
		return -EINVAL;
	memcpy(&version, p, 4);
	if (le32toh(version) != ACL_XATTR_VERSION)
		return -EINVAL;
	for (size_t off = 4; off < size; off += 8) {
		uint16_t tag;
		uint32_t id, shifted;
		memcpy(&tag, p + off, 2);
		tag = le16toh(tag);
		if (tag != ACL_TAG_USER && tag != ACL_TAG_GROUP)
			continue;
		memcpy(&id, p + off + 4, 4);
		int r = lxm_idshift_id(from, to, tag == ACL_TAG_USER ? LXM_IDMAP_UID : LXM_IDMAP_GID, le32toh(id),
				       &shifted);
		if (r < 0)
			return r;
		shifted = htole32(shifted);
		memcpy(p + off + 4, &shifted, 4);
	}
	return 0;
}

struct walk {
	const struct lxm_idmap *from, *to;
	const struct lxm_idshift_ops *ops;
	struct lxm_idshift_stats stats;
	dev_t dev;
	uint64_t mnt_id; /* 0: the kernel has no STATX_MNT_ID, st_dev decides */
	void *seen; /* tsearch tree of inode numbers with more than one link */
};

/* Mount id of an fd, 0 when the kernel cannot tell (before 5.8). */
static uint64_t mount_id(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

/* Another mount below the rootfs (a bind mount, even of the same filesystem): not ours to
 * change, and possibly a host directory. */
static bool other_mount(const struct walk *w, int fd, const struct stat *st)
{
	if (w->mnt_id != 0)
		return mount_id(fd) != w->mnt_id;
	return st->st_dev != w->dev;
}

static int cmp_ino(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;
	return x < y ? -1 : x > y;
}

/* True when this inode was shifted already through another hard link. */
static int seen_before(struct walk *w, ino_t ino)
{
	ino_t *key = malloc(sizeof(*key));
	if (!key)
		return -ENOMEM;
	*key = ino;
	ino_t **found = tsearch(key, &w->seen, cmp_ino);
	if (!found) {
		free(key);
		return -ENOMEM;
	}
	if (*found != key) {
		free(key);
		return 1;
	}
	return 0;
}

static int real_chown(int fd, uid_t uid, gid_t gid, void *userdata)
{
	return fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? negative_errno() : 0;
}

/* Reads an id-carrying xattr before the chown (the kernel drops security.capability on chown)
 * and writes it back shifted afterwards. */
struct saved_xattr {
	const char *name;
	char value[XATTR_MAX];
	ssize_t size;
};

static int xattr_save(const char *proc, struct saved_xattr *x, const char *name)
{
	x->name = name;
	x->size = getxattr(proc, name, x->value, sizeof(x->value));
	if (x->size < 0 && (errno == ENODATA || errno == EOPNOTSUPP || errno == ENOTSUP))
		return 0;
	return x->size < 0 ? negative_errno() : 0;
}

static int xattr_restore(const char *proc, struct saved_xattr *x, struct walk *w)
{
	if (x->size <= 0)
		return 0;
	int r = STREQ(x->name, XATTR_CAPS) ? lxm_idshift_fscaps(x->value, (size_t)x->size, w->from, w->to)
					   : lxm_idshift_acl(x->value, (size_t)x->size, w->from, w->to);
	if (r < 0)
		return r;
	return setxattr(proc, x->name, x->value, (size_t)x->size, 0) < 0 ? negative_errno() : 0;
}

static int shift_inode(struct walk *w, int fd, const struct stat *st)
{
	uint32_t uid, gid;
	char proc[40];
	struct saved_xattr x[2] = {};
	int r;

	if (lxm_idshift_id(w->from, w->to, LXM_IDMAP_UID, st->st_uid, &uid) < 0 ||
	    lxm_idshift_id(w->from, w->to, LXM_IDMAP_GID, st->st_gid, &gid) < 0) {
		w->stats.unmapped++; /* stays owned by an id the container cannot name: nobody inside */
		return 0;
	}
	bool link = S_ISLNK(st->st_mode);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (!link && !w->ops) {
		/* Through the magic link of our O_PATH fd: the very inode we stat'ed. */
		r = xattr_save(proc, &x[0], S_ISREG(st->st_mode) ? XATTR_CAPS : XATTR_ACL_DEFAULT);
		if (r >= 0)
			r = xattr_save(proc, &x[1], XATTR_ACL_ACCESS);
		if (r < 0)
			return r;
	}
	r = w->ops ? w->ops->chown(fd, uid, gid, w->ops->userdata) : real_chown(fd, uid, gid, NULL);
	if (r < 0)
		return r;
	w->stats.files++;
	if (link || w->ops)
		return 0;
	/* chown() clears setuid/setgid even for root: put them back, or passwd and su inside stop
	 * working. The fd is O_PATH, so through /proc. */
	if ((st->st_mode & (S_ISUID | S_ISGID)) && chmod(proc, st->st_mode & 07777) < 0)
		return negative_errno();
	for (size_t i = 0; i < ARRAY_SIZE(x); i++)
		if ((r = xattr_restore(proc, &x[i], w)) < 0)
			return r;
	return 0;
}

static int walk_dir(struct walk *w, int dir_fd)
{
	int dfd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	DIR *d = fdopendir(dfd);
	if (!d) {
		int r = negative_errno();
		close(dfd);
		return r;
	}
	int r = 0;
	for (struct dirent *de; r >= 0 && (errno = 0, de = readdir(d));) {
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
			continue;
		_cleanup_close_ int fd = openat(dir_fd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			r = negative_errno();
			break;
		}
		if (other_mount(w, fd, &st))
			continue;
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
			r = seen_before(w, st.st_ino);
			if (r != 0)
				continue;
		}
		r = shift_inode(w, fd, &st);
		if (r >= 0 && S_ISDIR(st.st_mode))
			r = walk_dir(w, fd);
		if (r < 0)
			log_debug_errno(r, "Failed to shift the owner of '%s': %m", de->d_name);
	}
	if (r >= 0 && errno != 0)
		r = negative_errno();
	closedir(d);
	return r;
}

int lxm_idshift_tree(int dir_fd, const struct lxm_idmap *from, const struct lxm_idmap *to,
		     const struct lxm_idshift_ops *ops, struct lxm_idshift_stats *ret_stats)
{
	struct walk w = { .from = from, .to = to, .ops = ops };
	_cleanup_close_ int root = openat(dir_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int r;

	if (root < 0 || fstat(root, &st) < 0)
		return negative_errno();
	w.dev = st.st_dev;
	w.mnt_id = mount_id(root);
	r = shift_inode(&w, root, &st);
	if (r >= 0)
		r = walk_dir(&w, root);
	tdestroy(w.seen, free);
	if (ret_stats)
		*ret_stats = w.stats;
	return r;
}

/* A user namespace with map, for the probe: a child that unshares one and waits until we have
 * its fd. *ret_fd: the namespace. */
static int throwaway_userns(const struct lxm_idmap *map, int *ret_fd)
{
	int ready[2], hold[2];
	char c = 0, path[64];

	if (pipe2(ready, O_CLOEXEC) < 0)
		return negative_errno();
	if (pipe2(hold, O_CLOEXEC) < 0) {
		int r = negative_errno();
		close(ready[0]);
		close(ready[1]);
		return r;
	}
	pid_t pid = fork();
	int fork_err = pid < 0 ? negative_errno() : 0;
	if (pid == 0) {
		close(ready[0]);
		close(hold[1]);
		c = unshare(CLONE_NEWUSER) < 0 ? 'e' : 'k';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		(void)read(hold[0], &c, 1); /* until the parent closes its end */
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	int r = fork_err;
	if (r >= 0 && (read(ready[0], &c, 1) != 1 || c != 'k'))
		r = -EPERM;
	if (r >= 0)
		r = lxm_idmap_write(pid, map);
	if (r >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		*ret_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (*ret_fd < 0)
			r = negative_errno();
	}
	close(ready[0]);
	close(hold[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return r;
}

int lxm_idshift_probe(const char *path, const struct lxm_idmap *map)
{
	const char *force = getenv("LXCMGR_IDSHIFT");
	if (force && STREQ(force, "force"))
		return 0;
	_cleanup_close_ int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return errno == ENOSYS ? 0 : negative_errno();
	_cleanup_close_ int userns = -EBADF;
	int r = throwaway_userns(map, &userns);
	if (r < 0)
		return r;
	/* Only the detached clone is changed; it vanishes with the fd. */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0)
		return 1;
	if (errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS)
		return 0;
	return negative_errno();
}

static int shift_path(const char *rootfs, const struct lxm_idmap *from, const struct lxm_idmap *to)
{
	_cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct lxm_idshift_stats st;
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s': %m", rootfs);
	int r = lxm_idshift_tree(fd, from, to, NULL, &st);
	if (r < 0)
		return log_error_errno(r, "Failed to shift the ownership of '%s': %m", rootfs);
	if (st.unmapped > 0)
		log_warning("%" PRIu64 " files in '%s' have owners outside the id map, left unchanged", st.unmapped, rootfs);
	return 0;
}

int lxm_idshift_now(const char *name, const char *rootfs, const struct lxm_idmap *map, char **ret_record)
{
	_cleanup_free_ char *text = NULL;
	int r = lxm_idmap_to_string(map, &text);
	if (r < 0)
		return r;
	/* Said on stderr on purpose: the files on disk now carry host ids, which matters for
	 * backups and for anyone reading the store. */
	log_warning("The filesystem of container '%s' cannot be id-mapped: shifting its file ownership once to its host ids (%s)",
		    name, text);
	r = shift_path(rootfs, NULL, map);
	if (r < 0)
		return r;
	*ret_record = TAKE_PTR(text);
	return 0;
}

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8 */
#endif

/* The probe costs a fork and a throwaway user namespace (1-2.5 ms of every dir create). Whether a
 * mount can be id-mapped does not change while it exists, so a yes is remembered per mount:
 * RUN/idmap-probe/BOOT_ID-UNIQUE_MOUNT_ID. The unique mount id (Linux >= 6.8) is never reused
 * within a boot, unlike the plain one or st_dev, and the boot id keeps a RUN that is not a tmpfs
 * (--root) from carrying a yes into the next boot; without it nothing is remembered. Only a yes:
 * a no costs a shift, which dwarfs the probe. -EOPNOTSUPP: no key. */
static int probe_key(const char *run_dir, const char *path, char **ret)
{
	char boot_id[64] = "";
	struct statx sx;

	if (!run_dir || statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID_UNIQUE, &sx) < 0 ||
	    !(sx.stx_mask & STATX_MNT_ID_UNIQUE))
		return -EOPNOTSUPP;
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f || !fgets(boot_id, sizeof(boot_id), f))
		return -EOPNOTSUPP;
	boot_id[strcspn(boot_id, "\n")] = '\0';
	if (asprintf(ret, "%s/idmap-probe/%s-%" PRIx64, run_dir, boot_id, (uint64_t)sx.stx_mnt_id) < 0)
		return -ENOMEM;
	return 0;
}

static int probe_cached(const char *run_dir, const char *path, const struct lxm_idmap *map)
{
	_cleanup_free_ char *key = NULL;
	int r;

	/* LXCMGR_IDSHIFT=force (the tests' way to the shifting path) must win over a remembered yes */
	const char *force = getenv("LXCMGR_IDSHIFT");
	if ((force && STREQ(force, "force")) || probe_key(run_dir, path, &key) < 0)
		return lxm_idshift_probe(path, map);
	if (access(key, F_OK) == 0)
		return 1;
	r = lxm_idshift_probe(path, map);
	if (r > 0) {
		char *slash = strrchr(key, '/');
		*slash = '\0';
		(void)lxm_mkdir_p(run_dir, 0755);
		(void)mkdir(key, 0700);
		*slash = '/';
		_cleanup_close_ int fd = open(key, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			log_debug_errno(negative_errno(), "Cannot remember the id-map probe in '%s': %m", key);
	}
	return r;
}

int lxm_idshift_at_create(const char *name, const char *rootfs, const char *idmap_setting, const char *uuid,
			  const char *run_dir, char **ret_record)
{
	struct lxm_idmap_files files;
	struct lxm_idmap map;
	int r;

	*ret_record = NULL;
	lxm_idmap_files_default(&files);
	r = lxm_idmap_resolve(idmap_setting, uuid, &files, &map);
	if (r < 0)
		return r;
	r = probe_cached(run_dir, rootfs, &map);
	if (r < 0)
		return log_error_errno(r, "Failed to find out whether '%s' can be id-mapped: %m", rootfs);
	if (r > 0)
		return 0;
	return lxm_idshift_now(name, rootfs, &map, ret_record);
}

static bool same_map(const struct lxm_idmap *a, const struct lxm_idmap *b)
{
	return a->n == b->n && memcmp(a->ranges, b->ranges, a->n * sizeof(a->ranges[0])) == 0;
}

int lxm_idshift_reconcile(const char *rootfs, const char *recorded, const struct lxm_idmap *want, char **ret_record)
{
	struct lxm_idmap old;
	int r;

	*ret_record = NULL;
	if (IS_EMPTY(recorded))
		return 0; /* not shifted: an id-mapped mount (or a privileged container) uses it as is */
	r = lxm_idmap_parse(recorded, &old);
	if (r < 0)
		return log_error_errno(r, "Invalid security.idmap_shifted '%s'", recorded);
	if (want && same_map(&old, want))
		return 1;
	/* The container's range changed (a copy with its own "isolated" block, an import, an edited
	 * idmap) or it became privileged: its files must follow, or its root would not own them. */
	_cleanup_free_ char *text = NULL;
	if (want && (r = lxm_idmap_to_string(want, &text)) < 0)
		return r;
	log_warning("Shifting the file ownership of '%s' from '%s' to %s", rootfs, recorded, text ? text : "container ids");
	r = shift_path(rootfs, &old, want);
	if (r < 0)
		return r;
	*ret_record = text ? TAKE_PTR(text) : strdup("");
	if (!*ret_record)
		return -ENOMEM;
	return want ? 1 : 0;
}
