/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files come from the container, whose root user controls them: lines are bounded, fields are
 * copied with explicit lengths and numbers are range-checked, so a hostile passwd file can at worst
 * give a wrong answer, never corrupt the (host-privileged) process reading it.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "runtime/attach-user.h"
#include "util/macros.h"

#define LINE_MAX_LEN 4096

static bool parse_id(const char *s, unsigned long *ret)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v >= (unsigned long)UINT_MAX)
		return false;
	*ret = v;
	return true;
}

/*
 * The lines of a file, read into a buffer of the caller's. Why not stdio: exec's child reads these
 * files on the CLI's memory (CLONE_VM) after it joined the container, and fopen() takes a FILE and a
 * 4 KiB buffer from the heap for each (fresh heap pages: a page fault each, an exit to the
 * hypervisor on this project's machines) and an fstat() per file, for files of a few lines.
 */
struct line_reader {
	int fd;
	size_t start, end; /* the unread part of buf */
	bool eof;
	char buf[LINE_MAX_LEN + 1];
};

/* The next line without its '\n', or NULL at the end (or a read error, as fgets() had it). A line
 * longer than LINE_MAX_LEN is skipped whole: its tail is not read as a line of its own, which
 * would let a long field (a GECOS) carry an entry the file's own lines do not have. */
static char *next_line(struct line_reader *r)
{
	bool skipping = false;
	for (;;) {
		char *line = r->buf + r->start, *nl = memchr(line, '\n', r->end - r->start);
		if (nl) {
			*nl = '\0';
			r->start = (size_t)(nl - r->buf) + 1;
			if (!skipping)
				return line;
			skipping = false;
			continue;
		}
		if (r->eof) {
			if (skipping || r->start == r->end)
				return NULL;
			r->buf[r->end] = '\0'; /* a last line without '\n' */
			r->start = r->end;
			return line;
		}
		if (r->start == 0 && r->end == LINE_MAX_LEN) {
			skipping = true; /* a full buffer without '\n': drop it, find the line's end */
			r->end = 0;
		} else {
			memmove(r->buf, line, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		ssize_t n = read(r->fd, r->buf + r->end, LINE_MAX_LEN - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r->eof = true;
		else
			r->end += (size_t)n;
	}
}

static int reader_open(struct line_reader *r, const char *path)
{
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	r->start = r->end = 0;
	r->eof = false;
	return r->fd < 0 ? -ESRCH : 0;
}

/* Splits line at ':' into at most n fields; returns how many. */
static size_t split(char *line, char **fields, size_t n)
{
	size_t i = 0;
	fields[i++] = line;
	for (char *p = line; *p && i < n; p++)
		if (*p == ':') {
			*p = '\0';
			fields[i++] = p + 1;
		}
	return i;
}

/* Finds a passwd entry by name (by_name) or uid. */
static int passwd_find(const char *path, const char *name, unsigned long uid, bool by_name,
		       struct lxm_attach_user *u)
{
	struct line_reader f;
	char *line, *fl[7];
	unsigned long v, g;
	if (reader_open(&f, path) < 0)
		return -ESRCH;
	_cleanup_close_ int fd = f.fd;
	while ((line = next_line(&f))) {
		if (split(line, fl, 7) < 7 || !parse_id(fl[2], &v) || !parse_id(fl[3], &g))
			continue;
		if (by_name ? STRNEQ(fl[0], name) : v != uid)
			continue;
		u->uid = (uid_t)v;
		u->gid = (gid_t)g;
		snprintf(u->name, sizeof(u->name), "%s", fl[0]);
		snprintf(u->home, sizeof(u->home), "%s", *fl[5] ? fl[5] : "/");
		snprintf(u->shell, sizeof(u->shell), "%s", *fl[6] ? fl[6] : "/bin/sh");
		return 0;
	}
	return -ESRCH;
}

/* Group by name or gid; with member set, collects the supplementary groups listing it instead. */
static int group_scan(const char *path, const char *name, unsigned long *gid, const char *member,
		      struct lxm_attach_user *u)
{
	struct line_reader f;
	char *line, *fl[4];
	unsigned long v;
	if (reader_open(&f, path) < 0)
		return -ESRCH;
	_cleanup_close_ int fd = f.fd;
	while ((line = next_line(&f))) {
		if (split(line, fl, 4) < 4 || !parse_id(fl[2], &v))
			continue;
		if (!member) {
			if (name && STREQ(fl[0], name)) {
				*gid = v;
				return 0;
			}
			continue;
		}
		for (char *tok, *save = NULL, *s = fl[3]; (tok = strtok_r(s, ",", &save)); s = NULL)
			if (STREQ(tok, member) && u->n_groups < LXM_ATTACH_MAX_GROUPS && v != u->gid)
				u->groups[u->n_groups++] = (gid_t)v;
	}
	return member ? 0 : -ESRCH;
}

int lxm_attach_user_resolve(const char *spec, const char *passwd_path, const char *group_path,
			    struct lxm_attach_user *ret)
{
	char user[256] = "root";
	const char *group = NULL;
	unsigned long v;
	struct lxm_attach_user u = { .home = "/", .shell = "/bin/sh" };

	if (spec) {
		const char *colon = strchr(spec, ':');
		size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
		if (len == 0 || len >= sizeof(user))
			return -EINVAL;
		memcpy(user, spec, len);
		user[len] = '\0';
		group = colon ? colon + 1 : NULL;
		if (group && !*group)
			return -EINVAL;
	}
	if (parse_id(user, &v)) {
		if (passwd_find(passwd_path, NULL, v, false, &u) < 0) {
			u.uid = (uid_t)v; /* a bare number needs no entry */
			u.gid = (gid_t)v;
		}
	} else if (passwd_find(passwd_path, user, 0, true, &u) < 0) {
		if (STREQ(user, "root"))
			u = (struct lxm_attach_user){ .name = "root", .home = "/root", .shell = "/bin/sh" };
		else
			return -ESRCH;
	}
	if (group) {
		if (!parse_id(group, &v) && group_scan(group_path, group, &v, NULL, NULL) < 0)
			return -ESRCH;
		u.gid = (gid_t)v;
	}
	if (*u.name)
		(void)group_scan(group_path, NULL, NULL, u.name, &u);
	*ret = u;
	return 0;
}
