/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "image/archive.h"
#include "image/cache-base.h"
#include "image/cache.h"
#include "image/rmtree.h"
#include "util/log.h"

#define TARBALL "rootfs.tar.zst"
#define PART_MAX 64

void lxm_cache_meta_done(struct lxm_cache_meta *m)
{
	if (!m)
		return;
	free(m->key);
	free(m->template_name);
	free(m->release);
	free(m->arch);
	free(m->init);
	*m = (struct lxm_cache_meta){};
}

static bool part_is_valid(const char *s, bool allow_dash)
{
	size_t n = strlen(s);

	if (n == 0 || n > PART_MAX || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr("._+", *p) &&
		    !(allow_dash && *p == '-'))
			return false;
	return true;
}

static int normalize_part(const char *in, bool allow_dash, char **ret)
{
	static const char *const arch_alias[][2] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "i386" },
		{ "armv7l", "armhf" }, { "ppc64le", "ppc64el" },
	};
	_cleanup_free_ char *s = NULL;

	if (IS_EMPTY(in))
		return -EINVAL;
	s = strdup(in);
	if (!s)
		return -ENOMEM;
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < ARRAY_SIZE(arch_alias); i++)
		if (STREQ(s, arch_alias[i][0])) {
			free(s);
			s = strdup(arch_alias[i][1]);
			if (!s)
				return -ENOMEM;
		}
	/* The key becomes a directory name: no '/', no "..", nothing a shell or a path would read. */
	if (!part_is_valid(s, allow_dash))
		return -EINVAL;
	*ret = TAKE_PTR(s);
	return 0;
}

int lxm_cache_key(const char *tmpl, const char *release, const char *arch, const char *init, char **ret_key,
		  char **ret_release, char **ret_arch, char **ret_init)
{
	_cleanup_free_ char *t = NULL, *r = NULL, *a = NULL, *i = NULL, *key = NULL;
	int k;

	if ((k = normalize_part(tmpl, true, &t)) < 0 || (k = normalize_part(release, false, &r)) < 0 ||
	    (k = normalize_part(arch, false, &a)) < 0 || (k = normalize_part(init, false, &i)) < 0)
		return k;
	if (asprintf(&key, "%s-%s-%s-%s", t, r, a, i) < 0)
		return -ENOMEM;
	*ret_key = TAKE_PTR(key);
	if (ret_release)
		*ret_release = TAKE_PTR(r);
	if (ret_arch)
		*ret_arch = TAKE_PTR(a);
	if (ret_init)
		*ret_init = TAKE_PTR(i);
	return 0;
}

bool lxm_cache_key_is_valid(const char *key)
{
	/* Attack: "template remove ../../etc" reaching outside the cache directory. */
	return key && part_is_valid(key, true) && strlen(key) <= 4 * PART_MAX + 3;
}

int lxm_cache_dir(const struct lxm_paths *paths, bool create, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	int r = lxm_path_join(&dir, paths->cache_dir, "templates");

	if (r < 0)
		return r;
	if (create) {
		r = lxm_mkdir_p(dir, 0755);
		if (r < 0)
			return log_debug_errno(r, "Failed to create '%s': %m", dir);
	}
	*ret = TAKE_PTR(dir);
	return 0;
}

static int entry_path(const struct lxm_paths *paths, const char *key, const char *suffix, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	int r;

	if (!lxm_cache_key_is_valid(key))
		return -EINVAL;
	r = lxm_cache_dir(paths, false, &dir);
	if (r < 0)
		return r;
	if (asprintf(ret, "%s/%s%s", dir, key, suffix) < 0)
		return -ENOMEM;
	return 0;
}

int lxm_cache_tarball(const struct lxm_paths *paths, const char *key, char **ret)
{
	return entry_path(paths, key, "/" TARBALL, ret);
}

int lxm_cache_base_path(const struct lxm_paths *paths, const struct lxm_cache_meta *m, char **ret)
{
	/* Named by the tarball's sha256 too: a refreshed entry gets a new base, never a stale one. */
	if (asprintf(ret, "%s/overlay-bases/%s-%.16s", paths->cache_dir, m->key, m->sha256) < 0)
		return -ENOMEM;
	return 0;
}

static int cache_lock(const struct lxm_paths *paths, const char *key, int op, int *ret_fd)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	int r;

	r = entry_path(paths, key, ".lock", &path);
	if (r < 0)
		return r;
	/* The cache directory is made only when missing (a first build): not a mkdir() per create. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		if ((r = lxm_cache_dir(paths, true, &dir)) < 0)
			return r;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", path);
	if (flock(fd, op | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			return negative_errno();
		log_info("Waiting for another build of template '%s'", key);
		if (flock(fd, op) < 0)
			return negative_errno();
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int lxm_cache_lock(const struct lxm_paths *paths, const char *key, int *ret_fd)
{
	return cache_lock(paths, key, LOCK_EX, ret_fd);
}

int lxm_cache_lock_shared(const struct lxm_paths *paths, const char *key, int *ret_fd)
{
	return cache_lock(paths, key, LOCK_SH, ret_fd);
}

static int set_field(struct lxm_cache_meta *m, const char *k, const char *v)
{
	char **s = STREQ(k, "template") ? &m->template_name :
		   STREQ(k, "release")  ? &m->release :
		   STREQ(k, "arch")     ? &m->arch :
		   STREQ(k, "init")     ? &m->init :
					  NULL;
	if (s) {
		free(*s);
		*s = strdup(v);
		return *s ? 0 : -ENOMEM;
	}
	if (STREQ(k, "created"))
		return sscanf(v, "%" SCNu64, &m->created) == 1 ? 0 : -EBADMSG;
	if (STREQ(k, "size"))
		return sscanf(v, "%" SCNu64, &m->size) == 1 ? 0 : -EBADMSG;
	if (STREQ(k, "sha256")) {
		if (strlen(v) != LXM_SHA256_HEX_SIZE - 1)
			return -EBADMSG;
		memcpy(m->sha256, v, LXM_SHA256_HEX_SIZE);
	}
	if (STREQ(k, "template_rev")) {
		if (strlen(v) != LXM_TEMPLATE_REV_HEX)
			return -EBADMSG;
		memcpy(m->template_rev, v, LXM_TEMPLATE_REV_SIZE);
	}
	return 0; /* unknown keys: written by a newer lxcmgr */
}

int lxm_cache_read(const struct lxm_paths *paths, const char *key, struct lxm_cache_meta *ret)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_free_ char *path = NULL, *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t cap = 0;
	ssize_t n;
	int r;

	r = entry_path(paths, key, "/meta", &path);
	if (r < 0)
		return r;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : log_debug_errno(negative_errno(), "Failed to open '%s': %m", path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *eq = strchr(line, '=');
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		r = set_field(&m, line, eq + 1);
		if (r < 0)
			return log_debug_errno(r, "Invalid value for '%s' in '%s'", line, path);
	}
	if (!m.template_name || !m.release || !m.arch || !m.init || !m.sha256[0])
		return log_debug_errno(-EBADMSG, "Incomplete cache metadata '%s'", path);
	m.key = strdup(key);
	if (!m.key)
		return -ENOMEM;
	*ret = m;
	m = (struct lxm_cache_meta){};
	return 0;
}

static int verify_size(const char *path, const struct lxm_cache_meta *m)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return log_debug_errno(-EBADMSG, "Cached tarball '%s' missing: %m", path);
	/* Cheap check first: a truncated file is caught without reading it. */
	if ((uint64_t)st.st_size != m->size)
		return log_debug_errno(-EBADMSG, "Cached tarball '%s' has %lld bytes, expected %" PRIu64, path,
				       (long long)st.st_size, m->size);
	return 0;
}

int lxm_cache_verify_size(const struct lxm_paths *paths, const struct lxm_cache_meta *m)
{
	_cleanup_free_ char *path = NULL;
	int r = lxm_cache_tarball(paths, m->key, &path);

	return r < 0 ? r : verify_size(path, m);
}

int lxm_cache_verify(const struct lxm_paths *paths, const struct lxm_cache_meta *m)
{
	_cleanup_free_ char *path = NULL;
	char hex[LXM_SHA256_HEX_SIZE];
	int r;

	r = lxm_cache_tarball(paths, m->key, &path);
	if (r < 0)
		return r;
	r = verify_size(path, m);
	if (r < 0)
		return r;
	r = lxm_sha256_file(path, hex);
	if (r < 0)
		return log_debug_errno(r, "Failed to read '%s': %m", path);
	if (STRNEQ(hex, m->sha256))
		return log_debug_errno(-EBADMSG, "Cached tarball '%s' has checksum %s, expected %s", path, hex,
				       m->sha256);
	return 0;
}

static int write_meta(const char *dir, const struct lxm_cache_meta *m)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_fclose_ FILE *f = NULL;

	if (asprintf(&path, "%s/meta", dir) < 0)
		return -ENOMEM;
	f = fopen(path, "wxe");
	if (!f)
		return negative_errno();
	fprintf(f,
		"# lxcmgr template cache entry\ntemplate=%s\nrelease=%s\narch=%s\ninit=%s\ncreated=%" PRIu64
		"\nsize=%" PRIu64 "\nsha256=%s\n",
		m->template_name, m->release, m->arch, m->init, m->created, m->size, m->sha256);
	if (m->template_rev[0])
		fprintf(f, "template_rev=%s\n", m->template_rev);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		return negative_errno();
	return 0;
}

/* Fills the entry directory tmp (tarball, then meta). */
static int fill_entry(const char *tmp, struct lxm_cache_meta *m, const char *rootfs, bool progress)
{
	_cleanup_free_ char *tarball = NULL;
	struct stat st;
	int r;

	if (asprintf(&tarball, "%s/" TARBALL, tmp) < 0)
		return -ENOMEM;
	r = lxm_archive_create(rootfs, tarball, progress);
	if (r < 0)
		return r;
	r = lxm_sha256_file(tarball, m->sha256);
	if (r < 0)
		return r;
	if (stat(tarball, &st) < 0)
		return negative_errno();
	m->size = (uint64_t)st.st_size;
	m->created = (uint64_t)time(NULL);
	return write_meta(tmp, m);
}

void lxm_cache_clean_stale(const struct lxm_paths *paths, const char *key)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	size_t n = strlen(key);
	struct dirent *de;

	if (lxm_cache_dir(paths, false, &dir) < 0)
		return;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		if (strncmp(de->d_name, key, n) != 0 ||
		    (strncmp(de->d_name + n, ".tmp-", 5) != 0 && strncmp(de->d_name + n, ".build-", 7) != 0))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			return;
		log_debug("Removing stale '%s'", path);
		(void)lxm_image_rm_rf(path);
	}
	lxm_cache_base_clean_stale(paths, key);
}

int lxm_cache_store(const struct lxm_paths *paths, struct lxm_cache_meta *m, const char *rootfs, bool progress)
{
	_cleanup_free_ char *dir = NULL, *final = NULL, *tmp = NULL;
	int r;

	r = lxm_cache_dir(paths, true, &dir);
	if (r < 0)
		return r;
	r = entry_path(paths, m->key, "", &final);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp-XXXXXX", final) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp))
		return log_debug_errno(negative_errno(), "Failed to create '%s': %m", tmp);
	(void)chmod(tmp, 0755);

	r = fill_entry(tmp, m, rootfs, progress);
	if (r < 0)
		goto fail;
	/* Readers see the old entry or the new one, never a mix: swap when one exists. */
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
		(void)lxm_image_rm_rf(tmp); /* now holds the old entry */
		return 0;
	}
	if (errno != ENOENT || rename(tmp, final) < 0) {
		r = negative_errno();
		goto fail;
	}
	return 0;
fail:
	(void)lxm_image_rm_rf(tmp);
	return log_debug_errno(r, "Failed to store template cache entry '%s': %m", m->key);
}

int lxm_cache_remove(const struct lxm_paths *paths, const char *key)
{
	_cleanup_free_ char *path = NULL, *tmp = NULL;
	int r;

	r = entry_path(paths, key, "", &path);
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return negative_errno();
	/* Rename first so a crash mid-removal never leaves a half entry under the key's name. */
	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp))
		return negative_errno();
	if (renameat2(AT_FDCWD, path, AT_FDCWD, tmp, RENAME_EXCHANGE) < 0) {
		r = negative_errno();
		(void)rmdir(tmp);
		return r;
	}
	r = lxm_image_rm_rf(tmp);
	(void)rmdir(path); /* the empty directory swapped in */
	return r;
}

static int meta_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lxm_cache_meta *)a)->key, ((const struct lxm_cache_meta *)b)->key);
}

void lxm_cache_list_free(struct lxm_cache_meta *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lxm_cache_meta_done(&l[i]);
	free(l);
}

int lxm_cache_list(const struct lxm_paths *paths, struct lxm_cache_meta **ret, size_t *ret_n)
{
	return lxm_cache_list_template(paths, NULL, ret, ret_n);
}

int lxm_cache_list_template(const struct lxm_paths *paths, const char *tmpl, struct lxm_cache_meta **ret,
			    size_t *ret_n)
{
	_cleanup_free_ char *prefix = NULL;
	size_t plen = 0;
	_cleanup_free_ char *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct lxm_cache_meta *l = NULL;
	size_t n = 0;
	struct dirent *de;
	int r;

	/* Keys of tmpl start with its normalised name and '-': only those metas are read. */
	if (tmpl) {
		if (lxm_cache_key(tmpl, "x", "x", "x", &prefix, NULL, NULL, NULL) < 0) {
			*ret = NULL; /* a name no key can hold: no entry */
			*ret_n = 0;
			return 0;
		}
		plen = strlen(prefix) - strlen("x-x-x");
		prefix[plen] = '\0';
	}
	r = lxm_cache_dir(paths, false, &dir);
	if (r < 0)
		return r;
	d = opendir(dir);
	if (!d && errno != ENOENT)
		return negative_errno();
	while (d && (de = readdir(d))) {
		struct lxm_cache_meta m = {};
		/* Skips ".", lock files and temporary entries: none of them is a valid key. */
		if (!lxm_cache_key_is_valid(de->d_name) || strstr(de->d_name, ".tmp-") || strstr(de->d_name, ".lock"))
			continue;
		if (prefix && strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (lxm_cache_read(paths, de->d_name, &m) < 0)
			continue;
		struct lxm_cache_meta *nl = realloc(l, (n + 1) * sizeof(*l));
		if (!nl) {
			lxm_cache_meta_done(&m);
			lxm_cache_list_free(l, n);
			return -ENOMEM;
		}
		l = nl;
		l[n++] = m;
	}
	if (n > 0)
		qsort(l, n, sizeof(*l), meta_cmp);
	*ret = l;
	*ret_n = n;
	return 0;
}
