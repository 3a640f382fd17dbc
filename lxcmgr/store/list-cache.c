/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The list cache: one line per container, "NAME DEV INO SIZE MTIME CTIME FLAGS UUID TEMPLATE
 * RELEASE INIT AUTOSTART IPV4-CLAIMS" separated by tabs (values escaped: \t \n \\, \N for no
 * value), after a header naming the format and the lxcmgr version (other schema defaults, other
 * values). Parsing a config with libconfuse was about half of `list`'s work per container, and
 * start on a managed network parsed every container's config for the addresses they claim.
 *
 * A stale entry would need an edit that keeps inode, size, mtime and ctime (ctime cannot be set
 * from user space; every config write of lxcmgr renames a new file into place, a new inode). The
 * file system's clock is coarse (a tick): two writes in one tick look the same, so, as git does
 * with its "racily clean" index entries, a config changed in the last RECENT_SEC seconds is not
 * cached. Only successfully parsed configs are cached: a broken one is parsed (and reported) on
 * every list.
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "networking/managed.h"
#include "security/summary.h"
#include "store/list-cache.h"
#include "store/store.h"
#include "util/log.h"

#define CACHE_HEADER "lxcmgr-list-cache 2 " PACKAGE_VERSION
#define N_VALUES 6
#define N_FIELDS (7 + N_VALUES)
#define RECENT_SEC 2

struct entry {
	char *name;
	char key[160]; /* DEV INO SIZE MTIME CTIME, formatted */
	struct lxm_list_fields f;
	bool used;
};

struct lxm_list_cache {
	char *path;
	struct entry *old, *cur;
	size_t n_old, n_cur;
	bool dirty;
};

void lxm_list_fields_done(struct lxm_list_fields *f)
{
	free(f->uuid);
	free(f->template_name);
	free(f->release);
	free(f->init);
	free(f->autostart);
	free(f->ipv4_claims);
	*f = (struct lxm_list_fields){};
}

static void values(struct lxm_list_fields *f, char **v[N_VALUES])
{
	v[0] = &f->uuid, v[1] = &f->template_name, v[2] = &f->release, v[3] = &f->init, v[4] = &f->autostart;
	v[5] = &f->ipv4_claims;
}

static void stat_key(const struct stat *st, char *buf, size_t size)
{
	snprintf(buf, size, "%llu\t%llu\t%lld\t%lld.%09ld\t%lld.%09ld", (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino, (long long)st->st_size, (long long)st->st_mtim.tv_sec,
		 st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/* Unescapes one field in place; *ret NULL for \N. */
static int unescape(char *s, char **ret)
{
	if (STREQ(s, "\\N")) {
		*ret = NULL;
		return 0;
	}
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			*o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
		} else
			*o++ = *p;
	}
	*o = '\0';
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static void escape(FILE *f, const char *s)
{
	if (!s) {
		fputs("\\N", f);
		return;
	}
	for (; *s; s++)
		if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\\')
			fputs("\\\\", f);
		else
			fputc(*s, f);
}

/* One line into e: N_FIELDS tab-separated fields. -EINVAL for anything else. */
static int parse_line(char *line, struct entry *e)
{
	char *field[N_FIELDS];
	size_t n = 0;
	for (char *p = line; n < ARRAY_SIZE(field);) {
		field[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n != ARRAY_SIZE(field) || strlen(field[6]) != 2)
		return -EINVAL;
	snprintf(e->key, sizeof(e->key), "%s\t%s\t%s\t%s\t%s", field[1], field[2], field[3], field[4], field[5]);
	e->f.privileged = field[6][0] == 'p';
	e->f.has_network = field[6][1] == 'n';
	char **v[N_VALUES];
	values(&e->f, v);
	for (size_t i = 0; i < N_VALUES; i++)
		if (unescape(field[7 + i], v[i]) < 0)
			return -ENOMEM;
	return unescape(field[0], &e->name) < 0 || !e->name ? -ENOMEM : 0;
}

static void parse_file(struct lxm_list_cache *c, char *text)
{
	char *line = text, *nl = strchr(text, '\n');
	if (!nl || (size_t)(nl - text) != strlen(CACHE_HEADER) || strncmp(text, CACHE_HEADER, (size_t)(nl - text)) != 0)
		return; /* another format or version: everything is parsed again and the file rewritten */
	for (line = nl + 1; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		struct entry *a = realloc(c->old, (c->n_old + 1) * sizeof(*a));
		if (!a)
			return;
		c->old = a;
		struct entry *e = &c->old[c->n_old];
		*e = (struct entry){};
		if (parse_line(line, e) < 0) {
			lxm_list_fields_done(&e->f);
			free(e->name);
			continue;
		}
		c->n_old++;
	}
}

struct lxm_list_cache *lxm_list_cache_load(const struct lxm_paths *paths)
{
	struct lxm_list_cache *c = calloc(1, sizeof(*c));
	if (!c || lxm_path_join(&c->path, paths->run_dir, "list-cache") < 0) {
		free(c);
		return NULL;
	}
	/* Only a file of root's that nobody else may write is believed: a planted one would make list
	 * show another container's uuid or mode. (RUN is root's 0700 directory anyway.) */
	_cleanup_close_ int fd = open(c->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) ||
	    st.st_size > 4 * 1024 * 1024)
		return c;
	_cleanup_free_ char *text = malloc((size_t)st.st_size + 1);
	if (!text)
		return c;
	ssize_t n = read(fd, text, (size_t)st.st_size);
	if (n != st.st_size)
		return c;
	text[n] = '\0';
	parse_file(c, text);
	return c;
}

static int copy_fields(const struct lxm_list_fields *from, struct lxm_list_fields *to)
{
	*to = (struct lxm_list_fields){ .privileged = from->privileged, .has_network = from->has_network };
	char **src[N_VALUES], **dst[N_VALUES];
	values((struct lxm_list_fields *)from, src);
	values(to, dst);
	for (size_t i = 0; i < N_VALUES; i++)
		if (*src[i] && !(*dst[i] = strdup(*src[i]))) {
			lxm_list_fields_done(to);
			return -ENOMEM;
		}
	return 0;
}

int lxm_list_cache_get(struct lxm_list_cache *c, const char *name, const struct stat *st,
		       struct lxm_list_fields *ret)
{
	char key[160];
	stat_key(st, key, sizeof(key));
	for (size_t i = 0; i < c->n_old; i++) {
		struct entry *e = &c->old[i];
		if (e->used || !STREQ(e->name, name) || !STREQ(e->key, key))
			continue;
		int r = copy_fields(&e->f, ret);
		if (r < 0)
			return r;
		e->used = true;
		return 1;
	}
	return 0;
}

void lxm_list_cache_keep(struct lxm_list_cache *c, const char *name)
{
	for (size_t i = 0; c && i < c->n_old; i++)
		if (STREQ(c->old[i].name, name))
			c->old[i].used = true;
}

static bool recent(const struct timespec *t, const struct timespec *now)
{
	int64_t ns = ((int64_t)now->tv_sec - (int64_t)t->tv_sec) * 1000000000 + (now->tv_nsec - t->tv_nsec);
	return ns < (int64_t)RECENT_SEC * 1000000000;
}

int lxm_list_cache_put(struct lxm_list_cache *c, const char *name, const struct stat *st,
		       const struct lxm_list_fields *f)
{
	struct timespec now;
	if (clock_gettime(CLOCK_REALTIME, &now) < 0 || recent(&st->st_ctim, &now) || recent(&st->st_mtim, &now))
		return 0; /* racily clean: parsed again next time */
	struct entry *a = realloc(c->cur, (c->n_cur + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	c->cur = a;
	struct entry *e = &c->cur[c->n_cur];
	*e = (struct entry){};
	stat_key(st, e->key, sizeof(e->key));
	if (!(e->name = strdup(name)) || copy_fields(f, &e->f) < 0) {
		free(e->name);
		return -ENOMEM;
	}
	c->n_cur++;
	c->dirty = true;
	return 0;
}

static void write_entry(FILE *f, const struct entry *e)
{
	char **v[N_VALUES];
	values((struct lxm_list_fields *)&e->f, v);
	escape(f, e->name);
	fprintf(f, "\t%s\t%c%c", e->key, e->f.privileged ? 'p' : '-', e->f.has_network ? 'n' : '-');
	for (size_t i = 0; i < N_VALUES; i++) {
		fputc('\t', f);
		escape(f, *v[i]);
	}
	fputc('\n', f);
}

/* Atomically: a temporary file of our own (O_EXCL, pid in its name) renamed over the cache. */
static void write_file(struct lxm_list_cache *c)
{
	char tmp[PATH_MAX];
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", c->path, (int)getpid()) >= sizeof(tmp))
		return;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		(void)unlink(tmp);
		return;
	}
	fputs(CACHE_HEADER "\n", f);
	for (size_t i = 0; i < c->n_old; i++)
		if (c->old[i].used)
			write_entry(f, &c->old[i]);
	for (size_t i = 0; i < c->n_cur; i++)
		write_entry(f, &c->cur[i]);
	if (fclose(f) != 0 || rename(tmp, c->path) < 0)
		(void)unlink(tmp);
}

static void free_entries(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].name);
		lxm_list_fields_done(&e[i].f);
	}
	free(e);
}

void lxm_list_cache_finish(struct lxm_list_cache *c)
{
	if (!c)
		return;
	bool stale = c->dirty;
	for (size_t i = 0; i < c->n_old && !stale; i++)
		stale = !c->old[i].used; /* a container went, or changed */
	/* only root keeps it: RUN is root's, and what a user's list parsed is not trusted for root */
	if (stale && geteuid() == 0)
		write_file(c);
	free_entries(c->old, c->n_old);
	free_entries(c->cur, c->n_cur);
	free(c->path);
	free(c);
}

/* "IPV4@BRIDGE ..." of the network sections with an ipv4 value other than a keyword that could be
 * an address (what start's address check reads, see lxm_list_fields.ipv4_claims); NULL if none.
 * A value with a space or '@' is no address and is left out rather than split wrongly. */
static int ipv4_claims(cfg_t *cfg, char **ret)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0;

	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		const char *v4 = cfg_getstr(sec, "ipv4"), *br = cfg_getstr(sec, "bridge");
		if (IS_EMPTY(br))
			br = LXM_NETWORK_DEFAULT;
		if (IS_EMPTY(v4) || STREQ(v4, "dhcp") || STREQ(v4, "auto") || STREQ(v4, "none") ||
		    strpbrk(v4, " \t\n@") || strpbrk(br, " \t\n"))
			continue;
		size_t add = strlen(v4) + 1 + strlen(br) + 1;
		char *m = realloc(out, len + add + 1);
		if (!m)
			return -ENOMEM;
		out = m;
		len += (size_t)sprintf(out + len, "%s%s@%s", len ? " " : "", v4, br);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int fields_from_config(cfg_t *cfg, struct lxm_list_fields *f)
{
	const char *key[N_VALUES - 1] = { "uuid", "template", "release", "init_system", "autostart.enabled" };
	char **v[N_VALUES];

	values(f, v);
	for (size_t i = 0; i < ARRAY_SIZE(key); i++)
		if (lxm_config_get(cfg, key[i], v[i]) == -ENOMEM)
			return -ENOMEM;
	f->privileged = !lxm_security_wants_userns(cfg);
	f->has_network = cfg_size(cfg, "network") > 0;
	return ipv4_claims(cfg, &f->ipv4_claims);
}

int lxm_list_cache_fields(struct lxm_list_cache *c, const struct lxm_paths *paths, const char *name,
			  struct lxm_list_fields *ret, struct lxm_container **ret_c)
{
	_cleanup_free_ char *dir = NULL, *config = NULL;
	struct stat st;
	int r;

	*ret = (struct lxm_list_fields){};
	if ((r = lxm_path_join(&dir, paths->containers_dir, name)) < 0 || (r = lxm_path_join(&config, dir, "config")) < 0)
		return r;
	/* stat before the load: a config changed in between is cached under its old stat, never met */
	bool have_st = c && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && stat(config, &st) == 0;
	if (have_st && (r = lxm_list_cache_get(c, name, &st, ret)) != 0)
		return r < 0 ? r : 0;
	_cleanup_container_free_ struct lxm_container *ct = NULL;
	r = lxm_container_load(paths, name, &ct);
	if (r < 0)
		return r;
	r = fields_from_config(ct->config, ret);
	if (r < 0) {
		lxm_list_fields_done(ret);
		return r;
	}
	if (have_st)
		(void)lxm_list_cache_put(c, name, &st, ret);
	if (ret_c)
		*ret_c = TAKE_PTR(ct);
	return 0;
}
