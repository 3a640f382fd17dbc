/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Template builds through the cache: defaults -> key -> cached tarball or a fresh build. */
#include <fcntl.h>
#include <sys/stat.h>

#include "image/archive.h"
#include "image/btrfs-base.h"
#include "image/cache-base.h"
#include "image/cache.h"
#include "image/configure-standard.h"
#include "image/rmtree.h"
#include "image/template-defaults.h"
#include "image/template-run.h"
#include "image/template.h"
#include "image/tree-clone.h"
#include "store/btrfs.h"
#include "util/log.h"

void lxm_template_result_done(struct lxm_template_result *r)
{
	if (!r)
		return;
	free(r->release);
	free(r->arch);
	free(r->init_system);
	*r = (struct lxm_template_result){};
}

/* Runs "NAME defaults [...]" and fills in what the request left open. */
/* "configure=standard" in the defaults output: the template's configure phase is exactly the
 * standard personalisation, which lxcmgr then does itself (templates/CONTRACT.md). */
static bool says_standard_configure(const char *out)
{
	for (const char *p = out; p && *p;) {
		size_t len = strcspn(p, "\n");
		if (len == strlen("configure=standard") && strncmp(p, "configure=standard", len) == 0)
			return true;
		p += len;
		if (*p == '\n')
			p++;
	}
	return false;
}

static int resolve_defaults(const struct lxm_paths *paths, const char *path, const struct lxm_template_request *req,
			    char **ret_release, char **ret_arch, char **ret_init, bool *ret_standard)
{
	_cleanup_free_ char *out = NULL, *rel = NULL, *arch = NULL, *init = NULL;
	char *argv[9] = { (char *)path, (char *)"defaults" };
	size_t n = 2;
	int r;

	if (req->release)
		argv[n++] = (char *)"--release", argv[n++] = (char *)req->release;
	if (req->arch)
		argv[n++] = (char *)"--arch", argv[n++] = (char *)req->arch;
	if (req->init)
		argv[n++] = (char *)"--init", argv[n++] = (char *)req->init;
	/* The recorded answer unless --no-cache: a create from a warm cache runs no shell at all. */
	if (req->cache_only) {
		if ((r = lxm_template_defaults_recorded(paths, argv, &out)) == -ENOENT)
			r = -ELIBACC;
	} else
		r = lxm_template_defaults_run(paths, req->template_name, argv, !req->no_cache, &out);
	if (r < 0)
		return r;
	r = lxm_template_parse_result(out, &rel, &arch, &init);
	if (r < 0)
		return r;
	*ret_standard = says_standard_configure(out);
	/* The template's echo wins: it knows its own names ("12" and "bookworm" share one cache key). */
	if (!(*ret_release = strdup(rel ?: req->release ?: "")) || !(*ret_arch = strdup(arch ?: req->arch ?: "")) ||
	    !(*ret_init = strdup(init ?: req->init ?: "")))
		return -ENOMEM;
	if (!**ret_release || !**ret_arch || !**ret_init)
		return log_error_errno(-EPROTO, "Template '%s' printed no release, arch or init default",
				       req->template_name);
	return 0;
}

static int result_from(struct lxm_template_result *ret, const char *rel, const char *arch, const char *init,
		       bool from_cache)
{
	if (!ret)
		return 0;
	*ret = (struct lxm_template_result){ .from_cache = from_cache };
	ret->release = strdup(rel);
	ret->arch = strdup(arch);
	ret->init_system = strdup(init);
	if (!ret->release || !ret->arch || !ret->init_system) {
		lxm_template_result_done(ret);
		return -ENOMEM;
	}
	return 0;
}

static int read_file(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = calloc(1, 4097);
	size_t n;

	if (!f)
		return negative_errno();
	if (!buf)
		return -ENOMEM;
	n = fread(buf, 1, 4096, f);
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Runs "NAME build" into rootfs; m holds the resolved parts and gets what the template reports. */
static int run_build(const struct lxm_paths *paths, const char *path, const struct lxm_template_request *req,
		     const char *rootfs, struct lxm_cache_meta *m)
{
	_cleanup_free_ char *dir = NULL, *result = NULL, *dl = NULL, *text = NULL;
	_cleanup_free_ char *rel = NULL, *arch = NULL, *init = NULL;
	_cleanup_close_ int fd = -EBADF;
	char *argv[20] = { (char *)path, (char *)"build" };
	size_t n = 2;
	int r;

	r = lxm_cache_dir(paths, true, &dir);
	if (r < 0)
		return r;
	if (asprintf(&result, "%s/.result-XXXXXX", dir) < 0 || asprintf(&dl, "%s/.downloads/%s", dir, m->template_name) < 0)
		return -ENOMEM;
	fd = mkostemp(result, O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", result);
	r = lxm_mkdir_p(dl, 0700);
	if (r < 0)
		return log_error_errno(r, "Failed to create '%s': %m", dl);

	argv[n++] = (char *)"--rootfs", argv[n++] = (char *)rootfs;
	argv[n++] = (char *)"--name", argv[n++] = (char *)(req->name ?: "localhost");
	argv[n++] = (char *)"--result", argv[n++] = result;
	argv[n++] = (char *)"--release", argv[n++] = m->release;
	argv[n++] = (char *)"--arch", argv[n++] = m->arch;
	argv[n++] = (char *)"--init", argv[n++] = m->init;
	argv[n++] = (char *)"--cache-dir", argv[n++] = dl;
	if (req->mirror)
		argv[n++] = (char *)"--mirror", argv[n++] = (char *)req->mirror;

	log_info("Building '%s' with template '%s'", m->key, m->template_name);
	/* the template as it is when it runs: `template list` calls the entry outdated once it changes
	 * (unreadable: "" = not recorded, outdated too) */
	if (lxm_template_rev(path, m->template_rev) < 0)
		m->template_rev[0] = '\0';
	r = lxm_template_run(m->template_name, argv, req->progress, NULL);
	if (r >= 0)
		r = read_file(result, &text);
	(void)unlink(result);
	if (r < 0)
		return r;
	r = lxm_template_parse_result(text, &rel, &arch, &init);
	if (r < 0)
		return r;
	if (!rel || !arch || !init)
		return log_error_errno(-EPROTO, "Template '%s' wrote no release, arch and init to its result file",
				       m->template_name);
	/* What was really built goes into the metadata (the key stays what was asked for). */
	free(m->release), m->release = TAKE_PTR(rel);
	free(m->arch), m->arch = TAKE_PTR(arch);
	free(m->init), m->init = TAKE_PTR(init);
	return 0;
}

/* A full disk (or quota): no other way of filling the rootfs needs less of it, so a create stops
 * there, with that error, instead of trying the next way (a tarball unpacked into the same store
 * after a copy ran out of space printed three errors, the first two of them unrelated). */
static bool no_space(int r)
{
	return r == -ENOSPC || r == -EDQUOT;
}

enum { CLONE_NO_BASE, CLONE_DONE, CLONE_FAILED };

/* When the entry's base is unpacked already (the first overlay create of it made it), a copy of
 * it is what unpacking the tarball would give, for a fraction of the work. CLONE_DONE: copied;
 * CLONE_NO_BASE: no base; CLONE_FAILED: the copy failed and rootfs is empty again (the caller
 * unpacks the tarball); -errno (logged): out of space. */
static int clone_base(const struct lxm_paths *paths, const struct lxm_cache_meta *m, const char *rootfs,
		      bool configured)
{
	_cleanup_free_ char *base = NULL;
	struct stat st;
	int r;

	if (lxm_cache_base_path(paths, m, &base) < 0 || lstat(base, &st) < 0 || !S_ISDIR(st.st_mode))
		return CLONE_NO_BASE;
	r = lxm_image_tree_clone_skip(base, rootfs, configured ? lxm_configure_standard_replaces : NULL);
	if (r >= 0) {
		log_debug("Copied '%s' from its unpacked base '%s'", m->key, base);
		return CLONE_DONE;
	}
	if (no_space(r))
		return log_error_errno(r, "Failed to copy the template's root filesystem into '%s': %m", rootfs);
	log_warning_errno(r, "Failed to copy the unpacked base '%s': %m, unpacking the tarball instead", base);
	r = lxm_image_rm_contents(rootfs);
	if (r < 0)
		return log_error_errno(r, "Failed to empty '%s': %m", rootfs);
	return CLONE_FAILED;
}

/* The entry's first create (dir storage; an overlay create makes it in services/overlay-base.c):
 * the tarball is unpacked into the entry's base, kept, and copied from, so every later create of
 * the entry is warm (the copy in `lxcmgr` itself, cli/create-route.h). Costs the disk of one more
 * rootfs per entry version (image/cache-base.h). 1: copied; 0: the base could not be made or
 * copied (the caller unpacks the tarball into rootfs as before); -EBADMSG: the tarball is corrupt;
 * other -errno (logged): out of space in the store. Caller holds the key's lock. */
static int base_then_clone(const struct lxm_paths *paths, const struct lxm_template_request *req,
			   const struct lxm_cache_meta *m, const char *rootfs, bool standard)
{
	int r = lxm_cache_base_unpack(paths, m, req->progress);

	if (r == -EBADMSG)
		return r;
	if (r < 0) {
		log_warning_errno(r, "Failed to unpack the base of '%s': %m, unpacking into the rootfs instead", m->key);
		return 0;
	}
	log_debug("Unpacked the base of '%s' for later creates", m->key);
	r = clone_base(paths, m, rootfs, standard && req->configures_standard);
	return r < 0 ? r : r == CLONE_DONE;
}

/* storage "btrfs": rootfs (an empty subvolume) becomes a snapshot of the entry's btrfs base,
 * which is made first when missing (from the unpacked base, itself unpacked first when missing).
 * 1: done; 0: rootfs is still the empty subvolume, for the caller to fill as before (the static
 * lxcmgr without an unpacked base, or a base that could not be made or snapshotted: logged);
 * -EBADMSG: the tarball is corrupt (for the caller to handle); other -errno: logged. Caller holds
 * the key's lock. */
static int btrfs_from_base(const struct lxm_paths *paths, const struct lxm_template_request *req,
			   const struct lxm_cache_meta *m, const char *rootfs)
{
	_cleanup_free_ char *base = NULL, *unpacked = NULL;
	struct stat st;
	bool empty;
	int r;

	if ((r = lxm_btrfs_base_path(paths, m, &base)) < 0 || (r = lxm_cache_base_path(paths, m, &unpacked)) < 0)
		return log_error_errno(r, "Failed to find the bases of '%s': %m", m->key);
	if (lstat(base, &st) < 0) {
		if (lstat(unpacked, &st) < 0) {
			if (req->cache_only)
				return 0; /* libarchive: lxcmgr-full makes both */
			r = lxm_cache_base_unpack(paths, m, req->progress);
			if (r == -EBADMSG)
				return r;
			if (r < 0) {
				log_warning_errno(r, "Failed to unpack the base of '%s': %m, unpacking into the rootfs instead", m->key);
				return 0;
			}
		}
		r = lxm_btrfs_base_make(paths, m);
		if (no_space(r)) /* the base is made in the store, where the copy would go */
			return log_error_errno(r, "Failed to make the btrfs base of '%s': %m", m->key);
		if (r < 0) {
			log_warning_errno(r, "Failed to make the btrfs base of '%s': %m, copying into the rootfs instead", m->key);
			return 0;
		}
		log_debug("Made the btrfs base '%s'", base);
	}
	r = lxm_btrfs_base_snapshot(base, rootfs, &empty);
	if (r < 0 && empty) {
		log_warning_errno(r, "Failed to snapshot the btrfs base '%s': %m, copying into the rootfs instead", base);
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "Failed to snapshot the btrfs base '%s' to '%s': %m", base, rootfs);
	log_debug("Snapshotted '%s' from its btrfs base '%s'", m->key, base);
	return 1;
}

/* Tells the caller what the rootfs will be before it is filled (req->on_cached). */
static int announce(const struct lxm_template_request *req, const struct lxm_cache_meta *m, bool standard)
{
	_cleanup_(lxm_template_result_done) struct lxm_template_result what = {};
	int r;

	if (!req->on_cached)
		return 0;
	if ((r = result_from(&what, m->release, m->arch, m->init, true)) < 0)
		return r;
	what.configure_standard = standard;
	return req->on_cached(req->on_cached_data, &what);
}

/* Unpacks a cache entry into rootfs. -ENOENT: not cached; -EBADMSG: corrupt entry (removed). */
static int from_cache(const struct lxm_paths *paths, const struct lxm_template_request *req, const char *key,
		      const char *rootfs, bool standard, struct lxm_template_result *ret)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_free_ char *tarball = NULL;
	struct lxm_extract_opts opts = { .progress = req->progress };
	int r;

	r = lxm_cache_read(paths, key, &m);
	if (r == -ENOENT)
		return r;
	if (r >= 0 && (r = announce(req, &m, standard)) < 0)
		return r;
	if (r >= 0 && req->btrfs_rootfs) {
		r = btrfs_from_base(paths, req, &m, rootfs);
		if (r > 0)
			return result_from(ret, m.release, m.arch, m.init, true);
		if (r < 0 && r != -EBADMSG)
			return r; /* logged; not the tarball's fault */
	}
	if (r >= 0) {
		r = clone_base(paths, &m, rootfs, standard && req->configures_standard);
		if (r == CLONE_DONE)
			return result_from(ret, m.release, m.arch, m.init, true);
		if (r < 0)
			return r; /* logged: out of space */
		if (req->cache_only)
			return -ELIBACC; /* the base went since lxm_template_warm() found it, or failed to copy */
		/* a base that is there but failed to copy is not unpacked again: the tarball is */
		r = r == CLONE_NO_BASE ? base_then_clone(paths, req, &m, rootfs, standard) : 0;
		if (r > 0)
			return result_from(ret, m.release, m.arch, m.init, true);
		if (r < 0 && r != -EBADMSG)
			return r; /* logged: out of space */
	}
	/* The sha256 is checked while unpacking (one read of the tarball): a mismatch is -EBADMSG,
	 * handled below like a corrupt entry, before the rootfs is used for anything. */
	if (r >= 0)
		r = lxm_cache_verify_size(paths, &m);
	if (r >= 0) {
		opts.expect_sha256 = m.sha256;
		r = lxm_cache_tarball(paths, key, &tarball);
		if (r >= 0)
			r = lxm_archive_extract(tarball, rootfs, &opts);
	}
	if (r == -EBADMSG || r == -EINVAL) {
		log_warning("Template cache entry '%s' is corrupt, removing it and building again", key);
		(void)lxm_cache_remove(paths, key);
		(void)lxm_image_rm_contents(rootfs);
		return -EBADMSG;
	}
	if (r < 0)
		return log_error_errno(r, "Failed to unpack template cache entry '%s': %m", key);
	log_debug("Unpacked '%s' from the template cache", key);
	return result_from(ret, m.release, m.arch, m.init, true);
}

/* Builds m (whose key the caller has locked) in KEY.build-XXXXXX/rootfs, then stores it. */
static int build_into_cache(const struct lxm_paths *paths, const char *path, const struct lxm_template_request *req,
			    struct lxm_cache_meta *m)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL, *rootfs = NULL;
	int r;

	r = lxm_cache_dir(paths, true, &dir);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s/%s.build-XXXXXX", dir, m->key) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp))
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", tmp);
	if (asprintf(&rootfs, "%s/rootfs", tmp) < 0 || mkdir(rootfs, 0755) < 0) {
		r = rootfs ? negative_errno() : -ENOMEM;
		goto out;
	}
	r = run_build(paths, path, req, rootfs, m);
	if (r >= 0) {
		r = lxm_cache_store(paths, m, rootfs, req->progress);
		if (r < 0)
			log_error_errno(r, "Failed to store '%s' in the template cache: %m", m->key);
	}
out:
	(void)lxm_image_rm_rf(tmp);
	return r;
}

/* No rootfs wanted: keeps a verified entry as it is, else builds one. */
static int ensure_cached(const struct lxm_paths *paths, const char *path, const struct lxm_template_request *req,
			 struct lxm_cache_meta *m, struct lxm_template_result *ret)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta cur = {};
	int r;

	r = lxm_cache_read(paths, m->key, &cur);
	if (r >= 0)
		r = lxm_cache_verify(paths, &cur);
	if (r >= 0)
		return result_from(ret, cur.release, cur.arch, cur.init, true);
	if (r != -ENOENT) {
		log_warning("Template cache entry '%s' is corrupt, removing it and building again", m->key);
		(void)lxm_cache_remove(paths, m->key);
	}
	r = build_into_cache(paths, path, req, m);
	if (r < 0)
		return r;
	return result_from(ret, m->release, m->arch, m->init, false);
}

static int build(const struct lxm_paths *paths, const struct lxm_template_request *req, const char *rootfs,
		 struct lxm_template_result *ret, bool *ret_standard)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_free_ char *path = NULL, *rel = NULL, *arch = NULL, *init = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	if (!rootfs && req->no_cache)
		return log_error_errno(-EINVAL, "Building without a rootfs and without the cache does nothing");
	r = lxm_template_find(paths, req->template_name, &path);
	if (r < 0)
		return r;
	r = resolve_defaults(paths, path, req, &rel, &arch, &init, ret_standard);
	if (r < 0)
		return r;
	r = lxm_cache_key(req->template_name, rel, arch, init, &m.key, &m.release, &m.arch, &m.init);
	if (r < 0)
		return log_error_errno(r, "Invalid template parameters '%s' '%s' '%s' '%s'", req->template_name, rel,
				       arch, init);
	m.template_name = strdup(req->template_name);
	if (!m.template_name)
		return -ENOMEM;

	if (!req->no_cache) {
		/* One build per key at a time: a second create waits and then finds the cache filled. */
		r = lxm_cache_lock(paths, m.key, &lock);
		if (r < 0)
			return log_error_errno(r, "Failed to lock template cache entry '%s': %m", m.key);
		lxm_cache_clean_stale(paths, m.key);
		if (!rootfs)
			return ensure_cached(paths, path, req, &m, ret);
		r = from_cache(paths, req, m.key, rootfs, *ret_standard, ret);
		if (r != -ENOENT && r != -EBADMSG)
			return r;
	}
	if (req->cache_only)
		return -ELIBACC; /* a build runs the template and stores with libarchive */

	r = run_build(paths, path, req, rootfs, &m);
	if (r < 0) {
		(void)lxm_image_rm_contents(rootfs);
		return r;
	}
	if (!req->no_cache) {
		r = lxm_cache_store(paths, &m, rootfs, req->progress);
		if (r < 0)
			log_warning_errno(r, "Failed to store '%s' in the template cache: %m, ignoring", m.key);
	}
	return result_from(ret, m.release, m.arch, m.init, false);
}

int lxm_template_build(const struct lxm_paths *paths, const struct lxm_template_request *req,
		       const char *rootfs, struct lxm_template_result *ret)
{
	bool standard = false;
	int r = build(paths, req, rootfs, ret, &standard);

	if (r >= 0 && ret)
		ret->configure_standard = standard;
	return r;
}

int lxm_template_resolve(const struct lxm_paths *paths, const struct lxm_template_request *req,
			 struct lxm_template_result *ret)
{
	_cleanup_free_ char *path = NULL, *rel = NULL, *arch = NULL, *init = NULL;
	bool standard = false;
	int r = lxm_template_find(paths, req->template_name, &path);

	if (r >= 0)
		r = resolve_defaults(paths, path, req, &rel, &arch, &init, &standard);
	if (r < 0)
		return r;
	*ret = (struct lxm_template_result){ .release = TAKE_PTR(rel), .arch = TAKE_PTR(arch),
					     .init_system = TAKE_PTR(init), .configure_standard = standard };
	return 0;
}

int lxm_template_warm(const struct lxm_paths *paths, const struct lxm_template_request *req)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_free_ char *path = NULL, *rel = NULL, *arch = NULL, *init = NULL, *key = NULL, *base = NULL;
	struct lxm_template_request recorded = *req;
	bool standard = false;
	struct stat st;
	int r;

	recorded.cache_only = true;
	if (req->no_cache)
		return 0;
	if ((r = lxm_template_find(paths, req->template_name, &path)) < 0)
		return r; /* what lxcmgr-full would say too */
	if (resolve_defaults(paths, path, &recorded, &rel, &arch, &init, &standard) < 0 || !standard)
		return 0;
	if (lxm_cache_key(req->template_name, rel, arch, init, &key, NULL, NULL, NULL) < 0 ||
	    lxm_cache_read(paths, key, &m) < 0 || lxm_cache_base_path(paths, &m, &base) < 0)
		return 0;
	return lstat(base, &st) == 0 && S_ISDIR(st.st_mode);
}

int lxm_template_configure_auto(const struct lxm_paths *paths, const struct lxm_template_request *req,
				const char *rootfs)
{
	_cleanup_free_ char *path = NULL, *rel = NULL, *arch = NULL, *init = NULL;
	bool standard = false;
	int r;

	/* Names become file contents and arguments: no newlines or slashes smuggled in. */
	if (IS_EMPTY(req->name) || strpbrk(req->name, "/\n\r \t"))
		return log_error_errno(-EINVAL, "Invalid container name '%s'", req->name ? req->name : "");
	r = lxm_template_find(paths, req->template_name, &path);
	if (r >= 0)
		r = resolve_defaults(paths, path, req, &rel, &arch, &init, &standard);
	if (r < 0)
		return r;
	if (standard)
		return lxm_template_configure_standard(rootfs, req->name);
	return lxm_template_configure(paths, req->template_name, rootfs, req->name);
}

/* Refuses unknown keys before taking a lock (which would create a lock file for them). */
static int check_known(const struct lxm_paths *paths, const char *key)
{
	_cleanup_free_ char *tarball = NULL;

	if (!lxm_cache_key_is_valid(key) || lxm_cache_tarball(paths, key, &tarball) < 0)
		return log_error_errno(-ENOENT, "No cached template '%s'", key);
	*strrchr(tarball, '/') = '\0'; /* the entry's directory: a broken entry can still be removed */
	if (access(tarball, F_OK) < 0)
		return log_error_errno(-ENOENT, "No cached template '%s'", key);
	return 0;
}

int lxm_template_refresh(const struct lxm_paths *paths, const char *key, bool progress)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct lxm_template_request req = { .progress = progress };
	int r;

	r = check_known(paths, key);
	if (r < 0)
		return r;
	r = lxm_cache_lock(paths, key, &lock);
	if (r < 0)
		return log_error_errno(r, "Failed to lock template cache entry '%s': %m", key);
	lxm_cache_clean_stale(paths, key);
	r = lxm_cache_read(paths, key, &m);
	if (r == -ENOENT)
		return log_error_errno(r, "No cached template '%s'", key);
	if (r < 0)
		return log_error_errno(r, "Failed to read template cache entry '%s': %m", key);
	req.template_name = m.template_name;
	r = lxm_template_find(paths, m.template_name, &path);
	if (r < 0)
		return r;

	return build_into_cache(paths, path, &req, &m);
}

int lxm_template_remove(const struct lxm_paths *paths, const char *key)
{
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = check_known(paths, key);
	if (r < 0)
		return r;
	r = lxm_cache_lock(paths, key, &lock);
	if (r < 0)
		return log_error_errno(r, "Failed to lock template cache entry '%s': %m", key);
	lxm_cache_clean_stale(paths, key);
	r = lxm_cache_remove(paths, key);
	if (r == -ENOENT)
		return log_error_errno(r, "No cached template '%s'", key);
	if (r < 0)
		return log_error_errno(r, "Failed to remove template cache entry '%s': %m", key);
	return 0;
}

/* Writes one file in dirfd, replacing whatever is there. */
static int replace_file_at(int dirfd, const char *file, const char *content)
{
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(content);

	/* Attack: "etc/hostname -> /etc/shadow" in an untrusted rootfs: the link is removed, never
	 * written through (O_EXCL|O_NOFOLLOW on the new file). */
	if (unlinkat(dirfd, file, 0) < 0 && errno != ENOENT)
		return negative_errno();
	fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return negative_errno();
	ssize_t w = len > 0 ? write(fd, content, len) : 0;
	if (w < 0)
		return negative_errno();
	if ((size_t)w != len)
		return -EIO; /* errno is not set by a short write: whatever it holds is stale */
	return 0;
}

/* The configure phase for a rootfs without a template (a user's tarball). */
static int configure_builtin(const char *rootfs, const char *name)
{
	_cleanup_close_ int root = -EBADF, etc = -EBADF;
	_cleanup_free_ char *hosts = NULL, *hostname = NULL;
	int r;

	root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return log_error_errno(negative_errno(), "Failed to open '%s': %m", rootfs);
	/* Attack: "etc -> /etc" in a tarball would make us rewrite the host's files. */
	etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0 && errno == ENOENT && mkdirat(root, "etc", 0755) == 0)
		etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc < 0)
		return log_error_errno(errno == ELOOP || errno == ENOTDIR ? -EINVAL : negative_errno(),
				       "'%s/etc' is not a directory: %m", rootfs);
	if (asprintf(&hosts, "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n",
		     name) < 0)
		return -ENOMEM;
	if (asprintf(&hostname, "%s\n", name) < 0)
		return -ENOMEM;
	r = replace_file_at(etc, "hostname", hostname);
	if (r >= 0)
		r = replace_file_at(etc, "hosts", hosts);
	/* Empty, so each container gets its own id at first boot. */
	if (r >= 0)
		r = replace_file_at(etc, "machine-id", "");
	if (r < 0)
		return log_error_errno(r, "Failed to configure '%s/etc': %m", rootfs);
	return 0;
}

int lxm_template_configure(const struct lxm_paths *paths, const char *template_name, const char *rootfs,
			   const char *name)
{
	_cleanup_free_ char *path = NULL;
	int r;

	/* Names become file contents and arguments: no newlines or slashes smuggled in. */
	if (IS_EMPTY(name) || strpbrk(name, "/\n\r \t"))
		return log_error_errno(-EINVAL, "Invalid container name '%s'", name ? name : "");
	if (!template_name)
		return configure_builtin(rootfs, name);
	r = lxm_template_find(paths, template_name, &path);
	if (r < 0)
		return r;
	char *argv[] = { path, (char *)"configure", (char *)"--rootfs", (char *)rootfs, (char *)"--name",
			 (char *)name, NULL };
	return lxm_template_run(template_name, argv, false, NULL);
}
