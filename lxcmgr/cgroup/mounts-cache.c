/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading /proc/self/mountinfo costs ~0.1 ms per process (the kernel formats every mount of the
 * namespace, the cgroup ones with their options), a fifth of an exec. exec only needs the cgroup
 * mounts, which almost never change: they are kept in a file (RUN/.cgroup-mounts) together with
 * the unique ids of every mount of our mount namespace, and served from there while listmount(2)
 * (Linux >= 6.8, ~3 us) returns exactly the same ids.
 *
 * Why that is exact: a unique mount id (64 bits) is never reused, so any mount, unmount or
 * remount-by-replacing in the namespace changes the list; another mount namespace has other ids.
 * A mount keeps its id only through a remount in place (a v1 hierarchy's controllers cannot be
 * changed while it has cgroups, i.e. while any container uses it) or a move (the cached mount
 * point then names an empty directory: the join fails with ENOENT and the exec with it, nothing
 * is joined silently elsewhere). The ids are only trusted when listmount() listed as many mounts
 * as mountinfo had lines (a kernel listing children only would miss nested mounts), and the file
 * is written only when the ids did not change while mountinfo was read.
 *
 * Only root's own file in a directory only root may write is read back, as with the seccomp
 * cache: whoever could plant one (and send exec's processes to other cgroups) is root already.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/mounts-cache.h"
#include "util/trusted-file.h"
#include "util/log.h"
#include "util/macros.h"

#define CACHE_MAGIC "lxcmgr cgroup mounts 1\n"
#define MAX_MOUNTS 1024
#define MAX_CACHE (32 * 1024)

#ifndef __NR_listmount
#define __NR_listmount 458 /* the same on every architecture (the unified syscall table) */
#endif
#define LSMT_ROOT UINT64_MAX

struct mnt_id_req_v0 {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
};

/* Every mount of our namespace, by unique id (sorted by the kernel). -errno without listmount. */
static int list_mounts(uint64_t *ids, size_t max, size_t *ret_n)
{
	struct mnt_id_req_v0 req = { .size = sizeof(req), .mnt_id = LSMT_ROOT };
	long n = syscall(__NR_listmount, &req, ids, max, 0);
	if (n < 0)
		return negative_errno();
	if ((size_t)n >= max)
		return -E2BIG;
	*ret_n = (size_t)n;
	return 0;
}

static char *next_field(char **p, char sep)
{
	char *s = *p, *e = s ? strchr(s, sep) : NULL;
	if (!e)
		return NULL;
	*e = '\0';
	*p = e + 1;
	return s;
}

/* The mounts in text when its ids are ids[0..n); -ESTALE when they are not, -EBADMSG when the
 * text is not a cache file. */
static int parse_cache(char *text, const uint64_t *ids, size_t n, struct lxm_cgroup_mounts *ret)
{
	struct lxm_cgroup_mounts ms = {};
	unsigned layout;
	size_t n_ids, n_m;
	char *p = text;

	if (strncmp(p, CACHE_MAGIC, strlen(CACHE_MAGIC)) != 0)
		return -EBADMSG;
	p += strlen(CACHE_MAGIC);
	char *head = next_field(&p, '\n');
	if (!head || sscanf(head, "%u %zu %zu", &layout, &n_ids, &n_m) != 3 || n_m == 0 || n_m > MAX_MOUNTS ||
	    layout > LXM_CGROUP_LAYOUT_UNIFIED)
		return -EBADMSG;
	if (n_ids != n)
		return -ESTALE;
	for (size_t i = 0; i < n; i++) {
		char *f = next_field(&p, '\n'), *end;
		if (!f)
			return -EBADMSG;
		errno = 0;
		uint64_t id = strtoull(f, &end, 16);
		if (errno || *end || end == f)
			return -EBADMSG;
		if (id != ids[i])
			return -ESTALE;
	}
	ms.m = calloc(n_m, sizeof(*ms.m));
	if (!ms.m)
		return -ENOMEM;
	for (; ms.n < n_m; ms.n++) {
		struct lxm_cgroup_mount *m = &ms.m[ms.n];
		char *v2 = next_field(&p, '\t'), *mp = next_field(&p, '\t'), *name = next_field(&p, '\t');
		char *root = next_field(&p, '\t'), *ctl = next_field(&p, '\n');
		if (!ctl || (!STREQ(v2, "0") && !STREQ(v2, "1"))) {
			lxm_cgroup_mounts_done(&ms);
			return -EBADMSG;
		}
		m->v2 = STREQ(v2, "1");
		m->mountpoint = strdup(mp);
		m->name = strdup(name);
		m->root = strdup(root);
		m->controllers = strdup(ctl);
		if (!m->mountpoint || !m->name || !m->root || !m->controllers) {
			ms.n++;
			lxm_cgroup_mounts_done(&ms);
			return -ENOMEM;
		}
	}
	ms.layout = (enum lxm_cgroup_layout)layout;
	*ret = ms;
	return 0;
}

static bool field_ok(const char *s)
{
	return !strpbrk(s, "\t\n");
}

/* Best effort: through a temporary file and rename(), so a reader sees all of it or nothing. */
static void write_cache(const char *path, const uint64_t *ids, size_t n, const struct lxm_cgroup_mounts *ms)
{
	_cleanup_free_ char *tmp = NULL, *text = NULL;
	size_t len = 0;

	for (size_t i = 0; i < ms->n; i++)
		if (!field_ok(ms->m[i].mountpoint) || !field_ok(ms->m[i].name) || !field_ok(ms->m[i].root) ||
		    !field_ok(ms->m[i].controllers))
			return;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	fprintf(f, CACHE_MAGIC "%u %zu %zu\n", (unsigned)ms->layout, n, ms->n);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%" PRIx64 "\n", ids[i]);
	for (size_t i = 0; i < ms->n; i++)
		fprintf(f, "%d\t%s\t%s\t%s\t%s\n", ms->m[i].v2, ms->m[i].mountpoint, ms->m[i].name, ms->m[i].root,
			ms->m[i].controllers);
	if (fclose(f) != 0 || !text || len >= MAX_CACHE || asprintf(&tmp, "%s.%d.tmp", path, (int)getpid()) < 0)
		return;
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, text, len) != (ssize_t)len || rename(tmp, path) < 0) {
		log_debug_errno(negative_errno(), "Failed to cache the cgroup mounts in '%s', ignoring: %m", path);
		(void)unlink(tmp);
	}
}

static bool same_ids(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	return na == nb && memcmp(a, b, na * sizeof(*a)) == 0;
}

int lxm_cgroup_mounts_load_cached(const char *cache_path, struct lxm_cgroup_mounts *ret)
{
	/* on the stack: heap blocks this size would grow and shrink the heap (brk) on every exec */
	uint64_t ids[2 * MAX_MOUNTS];
	char text[MAX_CACHE];
	size_t n = 0, n2 = 0;
	int r;

	if (!cache_path || list_mounts(ids, MAX_MOUNTS, &n) < 0)
		return lxm_cgroup_parse_mountinfo(NULL, ret);
	r = lxm_read_trusted_file(cache_path, text, sizeof(text));
	if (r >= 0)
		r = parse_cache(text, ids, n, ret);
	if (r >= 0)
		return 0;
	log_debug_errno(r, "No usable cgroup mounts in '%s', reading mountinfo: %m", cache_path);
	size_t lines = 0;
	r = lxm_cgroup_parse_mountinfo_counted(NULL, ret, &lines);
	if (r < 0)
		return r;
	if (lines == n && list_mounts(ids + MAX_MOUNTS, MAX_MOUNTS, &n2) >= 0 && same_ids(ids, n, ids + MAX_MOUNTS, n2))
		write_cache(cache_path, ids, n, ret);
	return 0;
}
