/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "image/cache-base.h"
#include "services/overlay-base.h"
#include "store/store.h"
#include "util/log.h"

void lxm_overlay_base_done(struct lxm_overlay_base *b)
{
	free(b->path);
	free(b->release);
	free(b->arch);
	free(b->init);
	closep(&b->lock_fd);
	*b = (struct lxm_overlay_base)LXM_OVERLAY_BASE_INIT;
}

static bool matches(const struct lxm_cache_meta *m, const char *tmpl, const char *release, const char *arch,
		    const char *init)
{
	return STREQ(m->template_name, tmpl) && (!release || STREQ(m->release, release)) &&
	       (!arch || STREQ(m->arch, arch)) && (!init || STREQ(m->init, init));
}

/* The key's lock, shared, with m's base unpacked under it. Where the base is missing it is made
 * under the lock taken exclusively, then shared again (flock() converts by dropping and taking:
 * the base is looked for again after). -EAGAIN: m is no longer the key's current version (a
 * refresh ran since the caller listed the entries) or its base went: list again. */
static int hold_base(const struct lxm_paths *paths, const struct lxm_cache_meta *m, const char *path, bool progress,
		     int *ret_lock)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta now = {};
	_cleanup_close_ int lock = -EBADF;
	struct stat st;
	int r;

	if ((r = lxm_cache_lock_shared(paths, m->key, &lock)) < 0)
		return log_error_errno(r, "Failed to lock template cache entry '%s': %m", m->key);
	if (lstat(path, &st) == 0) {
		*ret_lock = TAKE_FD(lock);
		return 0;
	}
	if (flock(lock, LOCK_EX) < 0)
		return log_error_errno(negative_errno(), "Failed to lock template cache entry '%s': %m", m->key);
	lxm_cache_clean_stale(paths, m->key);
	if (lxm_cache_read(paths, m->key, &now) < 0 || !STREQ(now.sha256, m->sha256))
		return -EAGAIN;
	if (lstat(path, &st) < 0 && (r = lxm_cache_base_unpack(paths, m, progress)) < 0) {
		if (r == -EBADMSG)
			return log_error_errno(r, "Cached template '%s' is damaged: refresh it", m->key);
		return log_error_errno(r, "Failed to unpack the base of '%s': %m", m->key);
	}
	if (flock(lock, LOCK_SH) < 0)
		return log_error_errno(negative_errno(), "Failed to lock template cache entry '%s': %m", m->key);
	if (lstat(path, &st) < 0)
		return -EAGAIN;
	*ret_lock = TAKE_FD(lock);
	return 0;
}

/* The entries to choose from: with release, arch and init all known, the one entry of their key
 * when it matches (the entry a dir create unpacks, image/template.c; keys normalise idempotently,
 * so a matching entry is stored under that key), read without a read of the cache directory and of
 * the template's other entries' metas. Otherwise, or when it does not match, all of the template's. */
static int candidates(const struct lxm_paths *paths, const char *tmpl, const char *release, const char *arch,
		      const char *init, struct lxm_cache_meta **ret, size_t *ret_n)
{
	if (release && arch && init) {
		_cleanup_free_ char *key = NULL;
		struct lxm_cache_meta *m = calloc(1, sizeof(*m));
		if (!m)
			return -ENOMEM;
		if (lxm_cache_key(tmpl, release, arch, init, &key, NULL, NULL, NULL) >= 0 &&
		    lxm_cache_read(paths, key, m) >= 0 && matches(m, tmpl, release, arch, init)) {
			*ret = m;
			*ret_n = 1;
			return 0;
		}
		lxm_cache_list_free(m, 1);
	}
	return lxm_cache_list_template(paths, tmpl, ret, ret_n);
}

static int base_get_once(const struct lxm_paths *paths, const char *tmpl, const char *release, const char *arch,
			 const char *init, bool progress, struct lxm_overlay_base *ret)
{
	struct lxm_cache_meta *l = NULL;
	_cleanup_free_ char *path = NULL;
	struct lxm_overlay_base b = LXM_OVERLAY_BASE_INIT;
	size_t n, best = SIZE_MAX;
	int r;

	if ((r = candidates(paths, tmpl, release, arch, init, &l, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (matches(&l[i], tmpl, release, arch, init) && (best == SIZE_MAX || l[i].created > l[best].created))
			best = i;
	if (best == SIZE_MAX) {
		lxm_cache_list_free(l, n);
		return -ENOENT;
	}
	const struct lxm_cache_meta *m = &l[best];
	if ((r = lxm_cache_base_path(paths, m, &path)) < 0 || (r = hold_base(paths, m, path, progress, &b.lock_fd)) < 0)
		goto out;
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

int lxm_overlay_base_get(const struct lxm_paths *paths, const char *tmpl, const char *release, const char *arch,
			 const char *init, bool progress, struct lxm_overlay_base *ret)
{
	int r = -EAGAIN;

	/* a refresh between listing and locking is rare; three in a row would be a refresh loop */
	for (int i = 0; i < 3 && r == -EAGAIN; i++)
		r = base_get_once(paths, tmpl, release, arch, init, progress, ret);
	if (r == -EAGAIN)
		return log_error_errno(r, "Template '%s' changed while the create chose its base: try again", tmpl);
	return r;
}

/* The storage_base of each container of names, in the same order ("" for none, and for a container
 * being created or destroyed, whose config is not final): every config read once per prune. */
static int storage_bases(const struct lxm_paths *paths, char *const *names, char ***ret)
{
	size_t n = 0;
	while (names[n])
		n++;
	_cleanup_strv_free_ char **l = calloc(n + 1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		_cleanup_container_free_ struct lxm_container *c = NULL;
		const char *b = lxm_container_load(paths, names[i], &c) >= 0 ? cfg_getstr(c->config, "storage_base") : NULL;
		if (!(l[i] = strdup(b ?: "")))
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

int lxm_overlay_base_prune(const struct lxm_paths *paths, const char *key)
{
	_cleanup_(lxm_cache_meta_done) struct lxm_cache_meta m = {};
	_cleanup_strv_free_ char **bases = NULL, **names = NULL, **used = NULL;
	_cleanup_free_ char *current = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	if ((r = lxm_cache_lock(paths, key, &lock)) < 0)
		return log_error_errno(r, "Failed to lock template cache entry '%s': %m", key);
	lxm_cache_clean_stale(paths, key);
	if (lxm_cache_read(paths, key, &m) >= 0 && (r = lxm_cache_base_path(paths, &m, &current)) < 0)
		return r;
	if ((r = lxm_cache_base_list(paths, key, &bases)) < 0)
		return log_error_errno(r, "Failed to list the bases of '%s': %m", key);
	if (!bases[0])
		return 0; /* no container's config to read */
	if ((r = lxm_store_list(paths, &names)) < 0 || (r = storage_bases(paths, names, &used)) < 0)
		return log_error_errno(r, "Failed to list the containers' bases: %m");
	for (char **b = bases; *b; b++) {
		const char *user = NULL;
		if (current && STREQ(*b, current))
			continue;
		for (size_t i = 0; names[i] && !user; i++)
			if (STREQ(used[i], *b))
				user = names[i];
		if (user) {
			log_info("Keeping '%s': container '%s' stands on it", *b, user);
			continue;
		}
		if ((r = lxm_cache_base_remove(*b)) < 0)
			return log_error_errno(r, "Failed to remove '%s': %m", *b);
		log_debug("Removed the unused base '%s'", *b);
	}
	return 0;
}
