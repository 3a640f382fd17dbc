/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User namespace id maps. Containers run with root mapped to an unprivileged 64 Ki block of host
 * ids, so a process that escapes the container's filesystem view is nobody on the host: it cannot
 * write host files owned by root, signal host processes or use host-root capabilities.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "security/idmap.h"
#include "util/log.h"

/* The lowest host id handed out: below it live the host's own system and login users. */
#define FIRST_HOST_ID 100000u

struct subid_range {
	char owner[64];
	uint32_t start, count;
};

void lxm_idmap_files_default(struct lxm_idmap_files *ret)
{
	/* The environment may point them elsewhere (the integration tests' own files): lxcmgr runs
	 * as root for root, so this gives the caller nothing it could not do anyway. */
	const char *u = getenv("LXCMGR_SUBUID"), *g = getenv("LXCMGR_SUBGID"), *reg = getenv("LXCMGR_IDMAP_REGISTRY");
	ret->subuid = !IS_EMPTY(u) ? u : "/etc/subuid";
	ret->subgid = !IS_EMPTY(g) ? g : "/etc/subgid";
	ret->registry = !IS_EMPTY(reg) ? reg : "/var/lib/lxcmgr/idmap-isolated";
}

static bool ranges_overlap(uint32_t a, uint32_t an, uint32_t b, uint32_t bn)
{
	return (uint64_t)a < (uint64_t)b + bn && (uint64_t)b < (uint64_t)a + an;
}

static int parse_u32(const char *s, uint32_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int add_range(struct lxm_idmap *m, enum lxm_idmap_type type, uint32_t ns, uint32_t host, uint32_t count)
{
	if (count == 0 || (uint64_t)ns + count > UINT32_MAX || (uint64_t)host + count > UINT32_MAX)
		return -EINVAL;
	if (m->n >= LXM_IDMAP_MAX)
		return -E2BIG;
	/* The kernel refuses overlapping ranges; refusing them here gives the user the reason. */
	for (unsigned i = 0; i < m->n; i++)
		if (m->ranges[i].type == type &&
		    (ranges_overlap(m->ranges[i].ns_id, m->ranges[i].count, ns, count) ||
		     ranges_overlap(m->ranges[i].host_id, m->ranges[i].count, host, count)))
			return -EINVAL;
	m->ranges[m->n++] = (struct lxm_idmap_range){ type, ns, host, count };
	return 0;
}

int lxm_idmap_parse(const char *spec, struct lxm_idmap *ret)
{
	struct lxm_idmap m = { 0 };
	bool have_u = false, have_g = false;
	_cleanup_free_ char *copy = strdup(spec ? spec : "");
	if (!copy)
		return -ENOMEM;

	for (char *p = copy, *item; (item = strsep(&p, ";"));) {
		char *save = NULL, *tok[5];
		unsigned n = 0;
		for (char *t = strtok_r(item, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
			tok[n < 5 ? n++ : 4] = t;
		if (n == 0)
			continue;
		uint32_t v[3];
		if (n != 4 || (!STREQ(tok[0], "u") && !STREQ(tok[0], "g")) || parse_u32(tok[1], &v[0]) < 0 ||
		    parse_u32(tok[2], &v[1]) < 0 || parse_u32(tok[3], &v[2]) < 0)
			return -EINVAL;
		enum lxm_idmap_type type = tok[0][0] == 'u' ? LXM_IDMAP_UID : LXM_IDMAP_GID;
		int r = add_range(&m, type, v[0], v[1], v[2]);
		if (r < 0)
			return r;
		have_u |= type == LXM_IDMAP_UID;
		have_g |= type == LXM_IDMAP_GID;
	}
	if (!have_u || !have_g)
		return -EINVAL;
	*ret = m;
	return 0;
}

/* Reads "owner:start:count" lines; malformed lines are skipped as shadow-utils does. */
static int read_subid(FILE *f, struct subid_range **ret, size_t *ret_n)
{
	_cleanup_free_ struct subid_range *v = NULL;
	size_t n = 0;
	char line[256];

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || (size_t)(c1 - line) >= sizeof(v->owner))
			continue;
		*c1 = *c2 = '\0';
		c2[strcspn(c2 + 1, "\n") + 1] = '\0';
		uint32_t start, count;
		if (parse_u32(c1 + 1, &start) < 0 || parse_u32(c2 + 1, &count) < 0 || count == 0)
			continue;
		struct subid_range *nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			return -ENOMEM;
		v = nv;
		memcpy(v[n].owner, line, (size_t)(c1 - line) + 1);
		v[n].start = start;
		v[n++].count = count;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static int open_locked(const char *path, int flags, FILE **ret)
{
	_cleanup_close_ int fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return negative_errno();
	/* Two starts allocating at once must not hand out the same block. */
	if (flock(fd, LOCK_EX) < 0)
		return negative_errno();
	FILE *f = fdopen(fd, (flags & O_ACCMODE) == O_RDONLY ? "r" : "r+");
	if (!f)
		return negative_errno();
	TAKE_FD(fd);
	*ret = f;
	return 0;
}

/* Is [start, start+LXM_IDMAP_BLOCK) delegated to root in this file? */
static bool delegated_to_root(const struct subid_range *v, size_t n, uint32_t start)
{
	for (size_t i = 0; i < n; i++)
		if (STREQ(v[i].owner, "root") && start >= v[i].start &&
		    (uint64_t)start + LXM_IDMAP_BLOCK <= (uint64_t)v[i].start + v[i].count)
			return true;
	return false;
}

/* The first host id (at least 100000, where shadow-utils starts too) past every range of every
 * owner: a new delegation there cannot hand a container ids that already belong to a user or to
 * another tool's containers. */
static uint32_t first_free(const struct subid_range *a, size_t na, const struct subid_range *b, size_t nb)
{
	uint64_t end = FIRST_HOST_ID;
	for (size_t i = 0; i < na; i++)
		end = end > (uint64_t)a[i].start + a[i].count ? end : (uint64_t)a[i].start + a[i].count;
	for (size_t i = 0; i < nb; i++)
		end = end > (uint64_t)b[i].start + b[i].count ? end : (uint64_t)b[i].start + b[i].count;
	return end + LXM_IDMAP_BLOCK > UINT32_MAX ? 0 : (uint32_t)end;
}

static int append_root(FILE *f, uint32_t start)
{
	if (fseek(f, 0, SEEK_END) < 0)
		return negative_errno();
	/* Keep the file line-structured even if its last line had no newline. */
	long size = ftell(f);
	if (size > 0) {
		if (fseek(f, size - 1, SEEK_SET) < 0)
			return negative_errno();
		int last = fgetc(f);
		if (fseek(f, 0, SEEK_END) < 0)
			return negative_errno();
		if (last != '\n')
			fputc('\n', f);
	}
	fprintf(f, "root:%" PRIu32 ":%u\n", start, LXM_IDMAP_BLOCK);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		return negative_errno();
	return 0;
}

static void set_block(struct lxm_idmap *m, uint32_t start)
{
	m->n = 2;
	m->ranges[0] = (struct lxm_idmap_range){ LXM_IDMAP_UID, 0, start, LXM_IDMAP_BLOCK };
	m->ranges[1] = (struct lxm_idmap_range){ LXM_IDMAP_GID, 0, start, LXM_IDMAP_BLOCK };
}

struct subid_files {
	FILE *u, *g;
	struct subid_range *uv, *gv;
	size_t un, gn;
};

static void subid_files_done(struct subid_files *s)
{
	if (s->u)
		fclose(s->u);
	if (s->g)
		fclose(s->g);
	free(s->uv);
	free(s->gv);
}

static int subid_files_open(const struct lxm_idmap_files *files, struct subid_files *s)
{
	int r = open_locked(files->subuid, O_RDWR | O_CREAT, &s->u);
	if (r < 0)
		return log_error_errno(r, "Failed to open '%s': %m", files->subuid);
	r = open_locked(files->subgid, O_RDWR | O_CREAT, &s->g);
	if (r < 0)
		return log_error_errno(r, "Failed to open '%s': %m", files->subgid);
	r = read_subid(s->u, &s->uv, &s->un);
	if (r >= 0)
		r = read_subid(s->g, &s->gv, &s->gn);
	return r;
}

static int note_root(struct subid_range **v, size_t *n, uint32_t start)
{
	struct subid_range *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = (struct subid_range){ .owner = "root", .start = start, .count = LXM_IDMAP_BLOCK };
	(*n)++;
	return 0;
}

/* Appends a fresh root block to both files (and to s's view of them, so that a second delegation
 * in the same call gets the next block) and returns its start. */
static int delegate_new_block(struct subid_files *s, uint32_t *ret)
{
	uint32_t start = first_free(s->uv, s->un, s->gv, s->gn);
	if (start == 0)
		return log_error_errno(-ENOSPC, "No free host id range left for a new container");
	int r = append_root(s->u, start);
	if (r >= 0)
		r = append_root(s->g, start);
	if (r < 0)
		return log_error_errno(r, "Failed to delegate ids %" PRIu32 "-%" PRIu32 " to root: %m", start,
				       start + LXM_IDMAP_BLOCK - 1);
	if ((r = note_root(&s->uv, &s->un, start)) < 0 || (r = note_root(&s->gv, &s->gn, start)) < 0)
		return r;
	log_info("Delegated host ids %" PRIu32 "-%" PRIu32 " to root in subuid/subgid", start, start + LXM_IDMAP_BLOCK - 1);
	*ret = start;
	return 0;
}

/* The block every "auto" container shares: the start of root's first delegation (in both files),
 * or 0 when root has none yet. */
static uint32_t auto_block(const struct subid_files *s)
{
	for (size_t i = 0; i < s->un; i++)
		if (STREQ(s->uv[i].owner, "root") && s->uv[i].count >= LXM_IDMAP_BLOCK &&
		    delegated_to_root(s->gv, s->gn, s->uv[i].start))
			return s->uv[i].start;
	return 0;
}

static int resolve_auto(const struct lxm_idmap_files *files, struct lxm_idmap *ret)
{
	_cleanup_(subid_files_done) struct subid_files s = { 0 };
	int r = subid_files_open(files, &s);
	if (r < 0)
		return r;
	uint32_t start = auto_block(&s);
	if (start == 0 && (r = delegate_new_block(&s, &start)) < 0)
		return r;
	set_block(ret, start);
	return 0;
}

/* Registry lines "UUID START". Returns the start recorded for uuid, or 0. */
static int registry_read(FILE *f, const char *uuid, uint32_t *ret_mine, uint32_t **ret_all, size_t *ret_n)
{
	_cleanup_free_ uint32_t *all = NULL;
	size_t n = 0;
	char line[256];

	*ret_mine = 0;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char id[128];
		uint32_t start;
		if (sscanf(line, "%127s %" SCNu32, id, &start) != 2)
			continue;
		if (STREQ(id, uuid))
			*ret_mine = start;
		uint32_t *na = realloc(all, (n + 1) * sizeof(*all));
		if (!na)
			return -ENOMEM;
		all = na;
		all[n++] = start;
	}
	*ret_all = TAKE_PTR(all);
	*ret_n = n;
	return 0;
}

/* Removes uuid's lines from the (locked) registry. */
static int registry_drop(FILE *reg, const char *uuid)
{
	_cleanup_free_ char *kept = NULL;
	size_t size = 0;
	_cleanup_fclose_ FILE *out = open_memstream(&kept, &size);
	if (!out)
		return -ENOMEM;
	char line[256];
	rewind(reg);
	while (fgets(line, sizeof(line), reg)) {
		size_t l = strlen(uuid);
		if (strncmp(line, uuid, l) == 0 && line[l] == ' ')
			continue;
		fputs(line, out);
	}
	if (fflush(out) != 0)
		return -ENOMEM;
	if (ftruncate(fileno(reg), 0) < 0 || pwrite(fileno(reg), kept, size, 0) != (ssize_t)size)
		return negative_errno();
	return 0;
}

static bool taken(const uint32_t *all, size_t n, uint32_t start)
{
	for (size_t i = 0; i < n; i++)
		if (ranges_overlap(all[i], LXM_IDMAP_BLOCK, start, LXM_IDMAP_BLOCK))
			return true;
	return false;
}

/* A block inside root's delegation (in both files) that no other container holds, or 0. Never
 * the "auto" block: root in an isolated container must not be the host user that root in every
 * "auto" container is (a breakout from either could then touch the other's files and processes). */
static uint32_t find_free_block(const struct subid_files *s, const uint32_t *all, size_t n, uint32_t shared)
{
	for (size_t i = 0; i < s->un; i++) {
		if (!STREQ(s->uv[i].owner, "root"))
			continue;
		for (uint64_t b = s->uv[i].start; b + LXM_IDMAP_BLOCK <= (uint64_t)s->uv[i].start + s->uv[i].count;
		     b += LXM_IDMAP_BLOCK)
			if (b != 0 && !taken(all, n, (uint32_t)b) && !ranges_overlap((uint32_t)b, LXM_IDMAP_BLOCK, shared, LXM_IDMAP_BLOCK) &&
			    delegated_to_root(s->gv, s->gn, (uint32_t)b))
				return (uint32_t)b;
	}
	return 0;
}

/* "isolated": every container its own block, so root in one container is a different host user
 * from root in another, and a breakout from one cannot touch the files or processes of the
 * others. */
static int resolve_isolated(const char *uuid, const struct lxm_idmap_files *files, struct lxm_idmap *ret)
{
	if (IS_EMPTY(uuid) || strpbrk(uuid, " \t\n"))
		return -EINVAL;
	_cleanup_fclose_ FILE *reg = NULL;
	int r = open_locked(files->registry, O_RDWR | O_CREAT, &reg);
	if (r < 0)
		return log_error_errno(r, "Failed to open '%s': %m", files->registry);
	_cleanup_(subid_files_done) struct subid_files s = { 0 };
	r = subid_files_open(files, &s);
	if (r < 0)
		return r;
	_cleanup_free_ uint32_t *all = NULL;
	size_t n;
	uint32_t start;
	r = registry_read(reg, uuid, &start, &all, &n);
	if (r < 0)
		return r;
	/* A recorded block is reused only while root still holds it: if an admin took the
	 * delegation away, the ids may belong to someone else now. */
	if (start != 0 && !(delegated_to_root(s.uv, s.un, start) && delegated_to_root(s.gv, s.gn, start)))
		return log_error_errno(-EPERM, "Host ids %" PRIu32 "+ recorded for container %s are no longer delegated to root", start, uuid);
	/* The "auto" block exists before any isolated one: else the first block delegated here would
	 * become the one that every later "auto" container shares (it is root's first delegation). */
	uint32_t shared = auto_block(&s);
	if (shared == 0 && (r = delegate_new_block(&s, &shared)) < 0)
		return r;
	if (start != 0 && ranges_overlap(start, LXM_IDMAP_BLOCK, shared, LXM_IDMAP_BLOCK)) {
		/* Recorded by an earlier lxcmgr, which handed out the "auto" block too: the container
		 * gets a block of its own (an id-mapped rootfs keeps its files; a shifted one is
		 * shifted to the new map at this start). */
		log_warning("Container %s's isolated host ids %" PRIu32 "+ are those the \"auto\" containers share, "
			    "giving it a block of its own", uuid, start);
		free(all), all = NULL;
		if ((r = registry_drop(reg, uuid)) < 0 || (r = registry_read(reg, uuid, &start, &all, &n)) < 0)
			return log_error_errno(r, "Failed to update '%s': %m", files->registry);
	}
	if (start != 0) {
		set_block(ret, start);
		return 0;
	}

	start = find_free_block(&s, all, n, shared);
	if (start == 0) {
		r = delegate_new_block(&s, &start);
		if (r < 0)
			return r;
	}
	if (fseek(reg, 0, SEEK_END) < 0)
		return negative_errno();
	fprintf(reg, "%s %" PRIu32 "\n", uuid, start);
	if (fflush(reg) != 0 || fsync(fileno(reg)) < 0)
		return log_error_errno(negative_errno(), "Failed to write '%s': %m", files->registry);
	set_block(ret, start);
	return 0;
}

int lxm_idmap_registry_lookup(const char *uuid, const struct lxm_idmap_files *files, uint32_t *ret_start)
{
	_cleanup_fclose_ FILE *reg = fopen(files->registry, "re");
	_cleanup_free_ uint32_t *all = NULL;
	size_t n;
	uint32_t start;
	if (!reg)
		return negative_errno();
	int r = registry_read(reg, uuid, &start, &all, &n);
	if (r < 0)
		return r;
	if (start == 0)
		return -ENOENT;
	*ret_start = start;
	return 0;
}

int lxm_idmap_release(const char *uuid, const struct lxm_idmap_files *files)
{
	_cleanup_fclose_ FILE *reg = NULL;
	int r = open_locked(files->registry, O_RDWR, &reg);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return registry_drop(reg, uuid);
}

static int write_map(pid_t pid, const struct lxm_idmap *map, enum lxm_idmap_type type)
{
	char path[64], buf[LXM_IDMAP_MAX * 40];
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, type == LXM_IDMAP_UID ? "uid_map" : "gid_map");
	for (unsigned i = 0; i < map->n; i++)
		if (map->ranges[i].type == type)
			len += snprintf(buf + len, sizeof(buf) - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
					map->ranges[i].ns_id, map->ranges[i].host_id, map->ranges[i].count);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	/* The kernel takes a map in one write() only. */
	if (write(fd, buf, len) != (ssize_t)len)
		return negative_errno();
	return 0;
}

int lxm_idmap_write(pid_t pid, const struct lxm_idmap *map)
{
	/* setgroups stays "allow": the writer is host root (CAP_SETGID over the parent namespace),
	 * for which the kernel does not require "deny"; "deny" only matters when an unprivileged
	 * user maps itself (dropping supplementary groups could then bypass "negative" group
	 * permissions), and the distro inside needs setgroups() for its logins and daemons. */
	int r = write_map(pid, map, LXM_IDMAP_UID);
	if (r < 0)
		return log_debug_errno(r, "Failed to write uid_map of %d: %m", (int)pid);
	r = write_map(pid, map, LXM_IDMAP_GID);
	if (r < 0)
		return log_debug_errno(r, "Failed to write gid_map of %d: %m", (int)pid);
	return 0;
}

int lxm_idmap_map_id(const struct lxm_idmap *map, enum lxm_idmap_type type, uint32_t id, bool to_host,
		     uint32_t *ret)
{
	for (unsigned i = 0; i < map->n; i++) {
		const struct lxm_idmap_range *g = &map->ranges[i];
		uint32_t from = to_host ? g->ns_id : g->host_id, to = to_host ? g->host_id : g->ns_id;
		if (g->type == type && id >= from && (uint64_t)id < (uint64_t)from + g->count) {
			*ret = to + (id - from);
			return 0;
		}
	}
	return -ERANGE;
}

int lxm_idmap_to_string(const struct lxm_idmap *map, char **ret)
{
	_cleanup_free_ char *s = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&s, &size);
	if (!f)
		return -ENOMEM;
	for (unsigned i = 0; i < map->n; i++)
		fprintf(f, "%s%c %" PRIu32 " %" PRIu32 " %" PRIu32, i ? "; " : "",
			map->ranges[i].type == LXM_IDMAP_UID ? 'u' : 'g', map->ranges[i].ns_id, map->ranges[i].host_id,
			map->ranges[i].count);
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(s);
	return 0;
}

int lxm_idmap_resolve(const char *setting, const char *uuid, const struct lxm_idmap_files *files,
		      struct lxm_idmap *ret)
{
	if (IS_EMPTY(setting) || STREQ(setting, "auto"))
		return resolve_auto(files, ret);
	if (STREQ(setting, "isolated"))
		return resolve_isolated(uuid, files, ret);
	int r = lxm_idmap_parse(setting, ret);
	if (r < 0)
		return log_error_errno(r, "Invalid id map '%s'", setting);
	return 0;
}
