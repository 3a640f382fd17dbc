/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attack: the container's root owns its rootfs and can replace /etc/motd with a symlink to
 * /etc/shadow, or /etc with a symlink to "/" or "../../../etc", and wait for the host's next
 * `apply` to write through it, as host root, into the host's files. So:
 *  - the parent directory is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) from
 *    an fd of the rootfs (lxm_open_in_root; without openat2, a walk that refuses every symlink):
 *    absolute symlinks and ".." resolve as if the rootfs were "/", never above it;
 *  - the last component is never followed: a symlink there is refused (AT_SYMLINK_NOFOLLOW),
 *    and the content goes into a new file (O_CREAT|O_EXCL|O_NOFOLLOW) in that directory fd,
 *    renamed over the target, so no path is resolved twice;
 *  - owners are looked up in the container's own /etc/passwd and /etc/group, read as regular
 *    files resolved inside the rootfs (a FIFO there cannot block the host).
 */
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "config/config.h"
#include "provision/files.h"
#include "runtime/cfg-get.h"
#include "runtime/mount-util.h"
#include "util/log.h"

void lxm_prov_file_done(struct lxm_prov_file *f)
{
	free(f->content);
	*f = (struct lxm_prov_file){};
}

/* C-string escapes of libconfuse are already decoded; content is taken literally. */
int lxm_prov_file_want(const struct lxm_prov_item *ct, cfg_t *fsec, struct lxm_prov_file *ret)
{
	const char *content = cfg_getstr(fsec, "content"), *src = cfg_getstr(fsec, "source");
	int r;

	*ret = (struct lxm_prov_file){ .path = cfg_title(fsec), .owner = cfg_getstr(fsec, "owner") };
	r = lxm_provision_parse_mode(cfg_getstr(fsec, "mode"), &ret->mode);
	if (r < 0)
		return r;
	if (content) {
		ret->content = strdup(content);
		ret->size = strlen(content);
		return ret->content ? 0 : -ENOMEM;
	}
	_cleanup_free_ char *path = NULL;
	if (src[0] == '/')
		path = strdup(src);
	else if (asprintf(&path, "%s/%s", ct->dir, src) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	r = lxm_read_file(path, &ret->content, &ret->size);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s' (source of '%s'): %m", path, ret->path);
	return 0;
}

static int read_in_root(int root_fd, const char *path, char **ret)
{
	_cleanup_close_ int fd = -EBADF;
	int r = lxm_open_file_in_root(root_fd, path, &fd);
	if (r < 0)
		return r;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return -ENOMEM;
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && len < 16 * 1024 * 1024)
		fwrite(chunk, 1, (size_t)n, m);
	fclose(m);
	if (n < 0)
		return negative_errno();
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Field 2 (id) and 3 (gid, passwd only) of the line whose field 0 is name, or whose id is name. */
static int lookup(const char *db, const char *name, long *ret_id, long *ret_gid)
{
	for (const char *line = db; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char user[256], pw[256];
		long id, gid = -1;
		int n = sscanf(line, "%255[^:\n]:%255[^:\n]:%ld:%ld", user, pw, &id, &gid);
		if (n < 3)
			continue;
		if (STREQ(user, name)) {
			*ret_id = id;
			if (ret_gid)
				*ret_gid = gid;
			return 0;
		}
	}
	return -ENOENT;
}

static bool numeric(const char *s, long *ret)
{
	char *end = NULL;
	if (IS_EMPTY(s))
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 0x7fffffff)
		return false;
	*ret = v;
	return true;
}

int lxm_prov_resolve_owner(int root_fd, const char *owner, uid_t *ret_uid, gid_t *ret_gid)
{
	_cleanup_free_ char *copy = strdup(owner), *passwd = NULL, *group = NULL;
	long uid = -1, gid = -1;
	int r;

	if (!copy)
		return -ENOMEM;
	char *colon = strchr(copy, ':');
	const char *g = colon ? colon + 1 : NULL;
	if (colon)
		*colon = 0;
	(void)read_in_root(root_fd, "/etc/passwd", &passwd);
	(void)read_in_root(root_fd, "/etc/group", &group);

	if (!numeric(copy, &uid)) {
		r = lookup(passwd, copy, &uid, &gid);
		if (r < 0)
			return r;
	}
	if (g && !numeric(g, &gid)) {
		r = lookup(group, g, &gid, NULL);
		if (r < 0)
			return r;
	}
	if (gid < 0)
		gid = STREQ(copy, "root") || uid == 0 ? 0 : uid;
	*ret_uid = (uid_t)uid;
	*ret_gid = (gid_t)gid;
	return 0;
}

int lxm_prov_shifted_map(cfg_t *config, struct lxm_idmap *ret)
{
	const char *rec = lxm_cfg_str(config, "security.idmap_shifted");
	if (IS_EMPTY(rec))
		return 0;
	int r = lxm_idmap_parse(rec, ret);
	return r < 0 ? r : 1;
}

/* The owner as stored on disk: container ids, or their host ids in a shifted rootfs. */
static int disk_owner(int root_fd, const struct lxm_prov_file *want, uid_t *ret_uid, gid_t *ret_gid)
{
	uint32_t u, g;
	int r = lxm_prov_resolve_owner(root_fd, want->owner, ret_uid, ret_gid);
	if (r < 0 || !want->shifted)
		return r;
	if (lxm_idmap_map_id(want->shifted, LXM_IDMAP_UID, *ret_uid, true, &u) < 0 ||
	    lxm_idmap_map_id(want->shifted, LXM_IDMAP_GID, *ret_gid, true, &g) < 0)
		return -ERANGE;
	*ret_uid = u;
	*ret_gid = g;
	return 0;
}

static int open_parent(int root_fd, const char *path, bool create, int *ret_fd, const char **ret_name)
{
	_cleanup_free_ char *parent = strdup(path);
	if (!parent)
		return -ENOMEM;
	char *slash = strrchr(parent, '/');
	*ret_name = path + (slash - parent) + 1;
	*slash = 0;
	const char *p = *parent ? parent : "/";
	if (create)
		return lxm_mkdir_in_root(root_fd, p, 0755, ret_fd);
	return lxm_open_in_root(root_fd, p, O_DIRECTORY, ret_fd);
}

/* Shifted rootfs: the directories open_parent() is about to create must belong to the
 * container's root (its host id), not to host root, or the container could not change them. */
static int create_parents_shifted(int root_fd, const char *path, const struct lxm_idmap *shift)
{
	_cleanup_free_ char *dir = strdup(path);
	uint32_t uid, gid;
	if (!dir)
		return -ENOMEM;
	if (lxm_idmap_map_id(shift, LXM_IDMAP_UID, 0, true, &uid) < 0 || lxm_idmap_map_id(shift, LXM_IDMAP_GID, 0, true, &gid) < 0)
		return -ERANGE;
	*strrchr(dir, '/') = '\0';
	if (!*dir)
		return 0; /* a file in "/" */
	for (char *s = dir + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		_cleanup_close_ int fd = -EBADF;
		int r = lxm_open_in_root(root_fd, dir, O_DIRECTORY, &fd);
		if (r == -ENOENT) {
			r = lxm_mkdir_in_root(root_fd, dir, 0755, &fd);
			if (r >= 0 && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
				r = negative_errno();
		}
		if (r < 0)
			return r;
		*s = saved;
		if (!saved)
			return 0;
	}
}

int lxm_prov_file_check(int root_fd, const struct lxm_prov_file *want, char **ret_why)
{
	_cleanup_close_ int pfd = -EBADF, fd = -EBADF;
	const char *name;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int r;

	*ret_why = NULL;
	r = open_parent(root_fd, want->path, false, &pfd, &name);
	if (r == -ENOENT)
		return (*ret_why = strdup("missing")) ? 0 : -ENOMEM;
	if (r < 0)
		return r;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return (*ret_why = strdup("missing")) ? 0 : -ENOMEM;
		return negative_errno();
	}
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;

	fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return negative_errno();
	bool same = (size_t)st.st_size == want->size;
	if (same) {
		_cleanup_free_ char *buf = malloc(want->size + 1);
		if (!buf)
			return -ENOMEM;
		size_t got = 0;
		ssize_t n;
		while (got < want->size && (n = read(fd, buf + got, want->size - got)) > 0)
			got += (size_t)n;
		same = got == want->size && memcmp(buf, want->content, want->size) == 0;
	}
	if (!same)
		return (*ret_why = strdup("content")) ? 0 : -ENOMEM;
	if ((st.st_mode & 07777) != want->mode)
		return asprintf(ret_why, "mode %04o -> %04o", st.st_mode & 07777, want->mode) < 0 ? -ENOMEM : 0;
	r = disk_owner(root_fd, want, &uid, &gid);
	if (r < 0)
		return r;
	if (st.st_uid != uid || st.st_gid != gid)
		return asprintf(ret_why, "owner %u:%u -> %u:%u", st.st_uid, st.st_gid, uid, gid) < 0 ? -ENOMEM : 0;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int lxm_prov_file_write(int root_fd, const struct lxm_prov_file *want)
{
	_cleanup_close_ int pfd = -EBADF, fd = -EBADF;
	const char *name;
	char tmp[32];
	uint32_t rnd;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int r;

	r = disk_owner(root_fd, want, &uid, &gid);
	if (r < 0)
		return log_error_errno(r, "Unknown owner '%s' for '%s' in the container", want->owner, want->path);
	if (want->shifted && (r = create_parents_shifted(root_fd, want->path, want->shifted)) < 0)
		return r;
	r = open_parent(root_fd, want->path, true, &pfd, &name);
	if (r < 0)
		return r;
	/* Symlink attack: never write through a link the container planted (see the top). */
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (!S_ISREG(st.st_mode))
			return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
	}
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	snprintf(tmp, sizeof(tmp), ".lxcmgr-%08x", rnd);
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	r = write_all(fd, want->content, want->size);
	if (r >= 0 && fchown(fd, uid, gid) < 0)
		r = negative_errno();
	if (r >= 0 && fchmod(fd, want->mode) < 0)
		r = negative_errno();
	if (r >= 0 && fsync(fd) < 0)
		r = negative_errno();
	/* renameat replaces whatever is at name now (a symlink swapped in meanwhile included) by the
	 * new file; it never follows it. */
	if (r >= 0 && renameat(pfd, tmp, pfd, name) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(pfd, tmp, 0);
	return r;
}
