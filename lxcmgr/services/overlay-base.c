/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image/archive.h"
#include "image/cache.h"
#include "services/overlay-base.h"
#include "store/store.h"
#include "util/log.h"

void lxm_overlay_base_done(struct lxm_overlay_base *b)
{
	free(b->path);
	free(b->release);
	free(b->arch);
	free(b->init);
	*b = (struct lxm_overlay_base){};
}

static bool matches(const struct lxm_cache_meta *m, const char *tmpl, const char *release, const char *arch,
		    const char *init)
{
	return STREQ(m->template_name, tmpl) && (!release || STREQ(m->release, release)) &&
	       (!arch || STREQ(m->arch, arch)) && (!init || STREQ(m->init, init));
}

static int bases_dir(const struct lxm_paths *paths, char **ret)
{
	_cleanup_free_ char *tdir = NULL;
	int r = lxm_cache_dir(paths, true, &tdir);
	if (r < 0)
		return r;
	return asprintf(ret, "%s/overlay-bases", dirname(tdir)) < 0 ? -ENOMEM : 0;
}

/* Unpacks the verified tarball of m into dir (built aside, renamed). Caller holds the key lock. */
static int unpack_base(const struct lxm_paths *paths, const struct lxm_cache_meta *m, const char *dir, bool progress)
{
	/* The sha256 is checked while unpacking (one read of the tarball), before the rename. */
	struct lxm_extract_opts opts = { .progress = progress, .expect_sha256 = m->sha256 };
	_cleanup_free_ char *tarball = NULL, *tmp = NULL;
	int r;

	if ((r = lxm_cache_verify_size(paths, m)) < 0)
		return log_error_errno(r, "Cached template '%s' is damaged: refresh it", m->key);
	if ((r = lxm_cache_tarball(paths, m->key, &tarball)) < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp-XXXXXX", dir) < 0)
		return -ENOMEM;
	if (!mkdtemp(tmp))
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", tmp);
	(void)chmod(tmp, 0755);
	r = lxm_archive_extract(tarball, tmp, &opts);
	if (r == -EBADMSG)
		log_error_errno(r, "Cached template '%s' is damaged: refresh it", m->key);
	if (r >= 0 && rename(tmp, dir) < 0)
		r = log_error_errno(negative_errno(), "Failed to rename '%s': %m", tmp);
	if (r < 0)
		(void)lxm_rm_rf(tmp);
	return r;
}

int lxm_overlay_base_get(const struct lxm_paths *paths, const char *tmpl, const char *release, const char *arch,
			 const char *init, bool progress, struct lxm_overlay_base *ret)
{
	struct lxm_cache_meta *l = NULL;
	_cleanup_free_ char *bdir = NULL, *path = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct lxm_overlay_base b = {};
	size_t n, best = SIZE_MAX;
	struct stat st;
	int r;

	if ((r = lxm_cache_list_template(paths, tmpl, &l, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (matches(&l[i], tmpl, release, arch, init) && (best == SIZE_MAX || l[i].created > l[best].created))
			best = i;
	if (best == SIZE_MAX) {
		lxm_cache_list_free(l, n);
		return -ENOENT;
	}
	const struct lxm_cache_meta *m = &l[best];
	if ((r = bases_dir(paths, &bdir)) < 0 || (r = lxm_mkdir_p(bdir, 0755)) < 0)
		goto out;
	if ((r = lxm_cache_base_path(paths, m, &path)) < 0) /* in bdir */
		goto out;
	if (lstat(path, &st) < 0) {
		if ((r = lxm_cache_lock(paths, m->key, &lock)) < 0)
			goto out;
		if (lstat(path, &st) < 0 && (r = unpack_base(paths, m, path, progress)) < 0)
			goto out;
	}
	b.path = TAKE_PTR(path);
	b.release = m->release ? strdup(m->release) : NULL;
	b.arch = m->arch ? strdup(m->arch) : NULL;
	b.init = m->init ? strdup(m->init) : NULL;
	*ret = b;
	r = 0;
out:
	lxm_cache_list_free(l, n);
	return r;
}
