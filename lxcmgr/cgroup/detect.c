/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/detect.h"
#include "util/log.h"
#include "util/macros.h"

static const char *const layout_names[] = {
	[LXM_CGROUP_LAYOUT_UNKNOWN] = "unknown",
	[LXM_CGROUP_LAYOUT_LEGACY] = "legacy",
	[LXM_CGROUP_LAYOUT_HYBRID] = "hybrid",
	[LXM_CGROUP_LAYOUT_UNIFIED] = "unified",
};

const char *lxm_cgroup_layout_to_string(enum lxm_cgroup_layout l)
{
	if ((size_t)l >= ARRAY_SIZE(layout_names))
		return NULL;
	return layout_names[l];
}

static void mount_done(struct lxm_cgroup_mount *m)
{
	free(m->mountpoint);
	free(m->name);
	free(m->root);
	free(m->controllers);
}

void lxm_cgroup_mounts_done(struct lxm_cgroup_mounts *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		mount_done(&ms->m[i]);
	free(ms->m);
	ms->m = NULL;
	ms->n = 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

/* Super options of a v1 cgroup mount that are not controllers. */
static bool is_v1_option(const char *o)
{
	static const char *const opts[] = { "rw", "ro", "xattr", "noprefix", "clone_children",
					    "cpuset_v2_mode", "favordynmods", "none", "all" };

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (STREQ(o, opts[i]))
			return true;
	return strncmp(o, "release_agent=", 14) == 0;
}

static char *v1_controllers(const char *superopts)
{
	_cleanup_free_ char *copy = strdup(superopts);
	char *out, *save = NULL;
	size_t len = 0;

	if (!copy)
		return NULL;
	out = calloc(1, strlen(superopts) + 1);
	if (!out)
		return NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (is_v1_option(t))
			continue;
		len += (size_t)sprintf(out + len, "%s%s", len ? "," : "", t);
	}
	return out;
}

/* Fills m from one mountinfo line; 0 when it is not a cgroup mount below /sys/fs/cgroup. */
static int parse_line(char *line, struct lxm_cgroup_mount *m)
{
	char *f[6] = {}, *save = NULL, *dash, *fstype, *source, *superopts;
	size_t nf = 0;
	const char *rel;

	dash = strstr(line, " - ");
	if (!dash)
		return 0;
	*dash = '\0';
	for (char *t = strtok_r(line, " ", &save); t && nf < ARRAY_SIZE(f); t = strtok_r(NULL, " ", &save))
		f[nf++] = t;
	if (nf < 5)
		return 0;
	save = NULL;
	fstype = strtok_r(dash + 3, " \n", &save);
	source = strtok_r(NULL, " \n", &save);
	superopts = strtok_r(NULL, " \n", &save);
	if (!fstype || !source || !superopts)
		return 0;
	if (STRNEQ(fstype, "cgroup") && STRNEQ(fstype, "cgroup2"))
		return 0;
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	rel = f[4] + strlen(LXM_CGROUP_FS_ROOT);
	if (strncmp(f[4], LXM_CGROUP_FS_ROOT, strlen(LXM_CGROUP_FS_ROOT)) != 0 || (*rel && *rel != '/'))
		return 0;
	if (*rel == '/')
		rel++;

	*m = (struct lxm_cgroup_mount){ .v2 = STREQ(fstype, "cgroup2") };
	m->mountpoint = strdup(f[4]);
	m->name = strdup(rel);
	m->root = strdup(f[3]);
	m->controllers = m->v2 ? strdup("") : v1_controllers(superopts);
	if (!m->mountpoint || !m->name || !m->root || !m->controllers)
		return -ENOMEM;
	return 1;
}

static bool have_hierarchy(const struct lxm_cgroup_mounts *ms, const struct lxm_cgroup_mount *m)
{
	for (size_t i = 0; i < ms->n; i++)
		if (ms->m[i].v2 == m->v2 && STREQ(ms->m[i].controllers, m->controllers))
			return true;
	return false;
}

static enum lxm_cgroup_layout layout_of(const struct lxm_cgroup_mounts *ms)
{
	bool v1 = false, v2 = false;

	for (size_t i = 0; i < ms->n; i++) {
		if (ms->m[i].v2)
			v2 = true;
		else if (strncmp(ms->m[i].controllers, "name=", 5) != 0)
			v1 = true;
	}
	if (v1)
		return v2 ? LXM_CGROUP_LAYOUT_HYBRID : LXM_CGROUP_LAYOUT_LEGACY;
	return v2 ? LXM_CGROUP_LAYOUT_UNIFIED : LXM_CGROUP_LAYOUT_UNKNOWN;
}

int lxm_cgroup_parse_mountinfo(const char *path, struct lxm_cgroup_mounts *ret)
{
	return lxm_cgroup_parse_mountinfo_counted(path, ret, NULL);
}

int lxm_cgroup_parse_mountinfo_counted(const char *path, struct lxm_cgroup_mounts *ret, size_t *ret_lines)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	struct lxm_cgroup_mounts ms = {};
	size_t size = 0, lines = 0;
	int r = 0;

	f = fopen(path ?: "/proc/self/mountinfo", "re");
	if (!f)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", path);
	while (getline(&line, &size, f) >= 0) {
		struct lxm_cgroup_mount m = {}, *n;

		lines++;

		r = parse_line(line, &m);
		if (r > 0 && !have_hierarchy(&ms, &m)) {
			n = realloc(ms.m, (ms.n + 1) * sizeof(*n));
			if (n) {
				ms.m = n;
				ms.m[ms.n++] = m;
				continue;
			}
			r = -ENOMEM;
		}
		mount_done(&m);
		if (r < 0)
			break;
	}
	if (r < 0 || ms.n == 0) {
		lxm_cgroup_mounts_done(&ms);
		return r < 0 ? r : log_debug_errno(ENOENT, "No cgroup mounts below '%s' in '%s'",
						   LXM_CGROUP_FS_ROOT, path);
	}
	ms.layout = layout_of(&ms);
	*ret = ms;
	if (ret_lines)
		*ret_lines = lines;
	return 0;
}

int lxm_cgroup_detect(const char *mountinfo_path, enum lxm_cgroup_layout *ret)
{
	struct lxm_cgroup_mounts ms = {};
	int r;

	r = lxm_cgroup_parse_mountinfo(mountinfo_path, &ms);
	if (r < 0)
		return r;
	*ret = ms.layout;
	lxm_cgroup_mounts_done(&ms);
	return 0;
}

void lxm_cgroup_self_free(struct lxm_cgroup_self *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].controllers);
		free(s[i].path);
	}
	free(s);
}

int lxm_cgroup_parse_proc_cgroup(const char *path, struct lxm_cgroup_self **ret, size_t *ret_n)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	struct lxm_cgroup_self *s = NULL, *n;
	size_t size = 0, count = 0;
	ssize_t len;

	f = fopen(path ?: "/proc/self/cgroup", "re");
	if (!f)
		return log_debug_errno(negative_errno(), "Failed to open '%s': %m", path);
	while ((len = getline(&line, &size, f)) >= 0) {
		char *c1, *c2, *end;
		unsigned long id;

		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || c2[1] != '/')
			goto bad;
		errno = 0;
		id = strtoul(line, &end, 10);
		if (errno || end != c1 || end == line || id > 1000000)
			goto bad;
		n = realloc(s, (count + 1) * sizeof(*s));
		if (!n)
			goto oom;
		s = n;
		s[count] = (struct lxm_cgroup_self){ .id = (unsigned)id };
		s[count].controllers = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
		s[count].path = strdup(c2 + 1);
		count++;
		if (!s[count - 1].controllers || !s[count - 1].path)
			goto oom;
	}
	*ret = s;
	*ret_n = count;
	return 0;
bad:
	lxm_cgroup_self_free(s, count);
	return log_debug_errno(EINVAL, "Bad line in '%s': '%s'", path ?: "/proc/self/cgroup", line);
oom:
	lxm_cgroup_self_free(s, count);
	return -ENOMEM;
}

/* Same controllers, in any order: "cpu,cpuacct" == "cpuacct,cpu". */
static bool same_set(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	const char *p;

	for (p = a; *p; p++)
		na += *p == ',';
	for (p = b; *p; p++)
		nb += *p == ',';
	if (na != nb || (!*a) != (!*b))
		return false;
	for (p = a; *p;) {
		size_t l = strcspn(p, ",");
		const char *q = b;
		bool found = false;

		while (*q) {
			size_t lq = strcspn(q, ",");
			if (lq == l && strncmp(p, q, l) == 0)
				found = true;
			q += lq + (q[lq] == ',');
		}
		if (!found)
			return false;
		p += l + (p[l] == ',');
	}
	return true;
}

const struct lxm_cgroup_self *lxm_cgroup_self_find(const struct lxm_cgroup_self *s, size_t n,
						   const struct lxm_cgroup_mount *m)
{
	for (size_t i = 0; i < n; i++) {
		if (m->v2 && s[i].id == 0 && !*s[i].controllers)
			return &s[i];
		if (!m->v2 && s[i].id != 0 && same_set(s[i].controllers, m->controllers))
			return &s[i];
	}
	return NULL;
}

int lxm_cgroup_self_relative(const struct lxm_cgroup_self *s, const struct lxm_cgroup_mount *m, char **ret)
{
	const char *p = s->path;
	size_t l = strlen(m->root);

	/* Without a cgroup namespace a nested mount's root is our own ancestor: strip it. */
	if (STRNEQ(m->root, "/") && strncmp(p, m->root, l) == 0 && (p[l] == '/' || p[l] == '\0'))
		p += l;
	*ret = strdup(*p ? p : "/");
	return *ret ? 0 : -ENOMEM;
}
