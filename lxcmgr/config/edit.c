/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <sys/stat.h>

#include "config/cfgtext.h"
#include "config/config.h"
#include "config/edit.h"
#include "config/render.h"
#include "config/schema.h"
#include "util/log.h"
#include "util/parse.h"

#define MAX_DEPTH 4

/* A dotted key resolved against the schema: the sections leading to it and the option. */
struct keypath {
	const char *section[MAX_DEPTH];
	char *title[MAX_DEPTH];
	size_t depth;
	cfg_opt_t *leaf; /* NULL when the key names a section (unset only) */
	char *buf;
};

static void keypath_done(struct keypath *k)
{
	for (size_t i = 0; i < k->depth; i++)
		free(k->title[i]);
	free(k->buf);
}

static int resolve_path(const char *key, struct keypath *k)
{
	cfg_opt_t *opts = lxm_schema_container_opts();
	char *p;

	k->buf = strdup(key);
	if (!k->buf)
		return -ENOMEM;
	for (p = k->buf;;) {
		char *dot = strchr(p, '.');
		if (dot)
			*dot = 0;
		cfg_opt_t *opt = lxm_schema_find(opts, p);
		if (!opt || (opt->type != CFGT_SEC && dot) || k->depth >= MAX_DEPTH)
			return -EINVAL;
		if (opt->type != CFGT_SEC) {
			k->leaf = opt;
			return 0;
		}
		k->section[k->depth] = opt->name;
		if (opt->flags & CFGF_TITLE) {
			if (!dot)
				return -EINVAL; /* "network" alone names no instance */
			p = dot + 1;
			/* The title runs up to the last component (interface names may hold dots); with no
			 * further component the key names the titled section itself. */
			char *last = strrchr(p, '.');
			if (last)
				*last = 0;
			k->title[k->depth] = strdup(p);
			if (!k->title[k->depth])
				return -ENOMEM;
			k->depth++;
			if (!last)
				return 0;
			p = last + 1;
		} else {
			k->depth++;
			if (!dot)
				return 0;
			p = dot + 1;
		}
		opts = opt->subopts;
	}
}

static int convert_scalar(cfg_opt_t *opt, const char *key, const char *v, FILE *f)
{
	char *end;
	bool b;

	switch (opt->type) {
	case CFGT_STR:
		lxm_config_quote(v, f);
		return 0;
	case CFGT_INT:
		errno = 0;
		long n = strtol(v, &end, 0);
		if (errno || end == v || *end)
			break;
		fprintf(f, "%ld", n);
		return 0;
	case CFGT_FLOAT:
		errno = 0;
		(void)strtod(v, &end);
		if (errno || end == v || *end)
			break;
		fputs(v, f);
		return 0;
	case CFGT_BOOL:
		if (lxm_parse_bool(v, &b) < 0)
			break;
		fputs(b ? "true" : "false", f);
		return 0;
	default:
		break;
	}
	static const char *const type_names[] = { [CFGT_INT] = "an integer", [CFGT_FLOAT] = "a number",
						  [CFGT_BOOL] = "true or false" };
	log_error("Invalid value '%s' for '%s': expected %s", v, key,
		  (size_t)opt->type < ARRAY_SIZE(type_names) && type_names[opt->type] ? type_names[opt->type] : "a value");
	return -EINVAL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	for (size_t n = strlen(s); n > 0 && isspace((unsigned char)s[n - 1]); n--)
		s[n - 1] = 0;
	return s;
}

/* The value as config text: strings quoted, numbers and booleans bare, lists "a,b" -> {"a", "b"}. */
static int render_value(cfg_opt_t *opt, const char *key, const char *value, char **ret)
{
	_cleanup_free_ char *text = NULL, *copy = NULL;
	size_t len = 0;
	int r = 0;

	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	if (!(opt->flags & CFGF_LIST))
		r = convert_scalar(opt, key, value, f);
	else if (!(copy = strdup(value)))
		r = -ENOMEM;
	else {
		char *s = trim(copy), *save = NULL;
		size_t n = strlen(s);
		if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
			s[n - 1] = 0;
			s = trim(s + 1);
		}
		fputc('{', f);
		bool first = true;
		for (char *item = strtok_r(s, ",", &save); item && r >= 0; item = strtok_r(NULL, ",", &save)) {
			fputs(first ? "" : ", ", f);
			first = false;
			r = convert_scalar(opt, key, trim(item), f);
		}
		fputc('}', f);
	}
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(text);
	return 0;
}

struct splice {
	size_t start, end;
	char *text; /* owned; NULL = delete */
};

struct edit {
	const char *text;
	struct splice s[64];
	size_t n;
};

static int add_splice(struct edit *e, size_t start, size_t end, char *text)
{
	if (e->n >= ARRAY_SIZE(e->s)) {
		free(text);
		return -E2BIG;
	}
	e->s[e->n++] = (struct splice){ start, end, text };
	return 0;
}

static int cmp_splice(const void *a, const void *b)
{
	const struct splice *x = a, *y = b;
	return x->start < y->start ? 1 : x->start > y->start ? -1 : 0;
}

static int apply(struct edit *e, char **ret)
{
	_cleanup_free_ char *out = strdup(e->text);
	if (!out)
		return -ENOMEM;
	/* From the end backwards, so earlier offsets stay valid. */
	qsort(e->s, e->n, sizeof(e->s[0]), cmp_splice);
	for (size_t i = 0; i < e->n; i++) {
		const char *ins = e->s[i].text ? e->s[i].text : "";
		size_t olen = strlen(out), ilen = strlen(ins);
		char *n = malloc(olen - (e->s[i].end - e->s[i].start) + ilen + 1);
		if (!n)
			return -ENOMEM;
		memcpy(n, out, e->s[i].start);
		memcpy(n + e->s[i].start, ins, ilen);
		strcpy(n + e->s[i].start + ilen, out + e->s[i].end);
		free(out);
		out = n;
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static void edit_done(struct edit *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->s[i].text);
}

static size_t line_start(const char *t, size_t pos)
{
	while (pos > 0 && t[pos - 1] != '\n')
		pos--;
	return pos;
}

static bool only_blank(const char *t, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (t[i] != ' ' && t[i] != '\t')
			return false;
	return true;
}

/* Offset after the end of the line holding pos, skipping a trailing # or // comment. */
static size_t rest_of_line(const char *t, size_t pos, bool *ret_clean)
{
	while (t[pos] == ' ' || t[pos] == '\t' || t[pos] == '\r')
		pos++;
	*ret_clean = !t[pos] || t[pos] == '\n' || t[pos] == '#' || (t[pos] == '/' && t[pos + 1] == '/');
	if (!*ret_clean)
		return pos;
	while (t[pos] && t[pos] != '\n')
		pos++;
	return t[pos] ? pos + 1 : pos;
}

/* Removes a statement; when it is alone on its line the whole line goes (trailing comment too). */
static int remove_stmt(struct edit *e, const struct lxm_cfgtext_stmt *st)
{
	size_t ls = line_start(e->text, st->start);
	bool clean;
	size_t after = rest_of_line(e->text, st->end, &clean);

	if (clean && only_blank(e->text, ls, st->start))
		return add_splice(e, ls, after, NULL);
	return add_splice(e, st->start, clean ? st->end : after, NULL);
}

static const char *indent_unit(const char *text)
{
	return strstr(text, "\n\t") ? "\t" : "  ";
}

static char *indent_at(const char *t, size_t pos)
{
	size_t ls = line_start(t, pos), i = ls;
	while (t[i] == ' ' || t[i] == '\t')
		i++;
	return strndup(t + ls, i - ls);
}

static struct lxm_cfgtext_stmt *find_section(struct lxm_cfgtext_block *b, const char *name, const char *title)
{
	struct lxm_cfgtext_stmt *found = NULL;
	for (size_t i = 0; i < b->n; i++) {
		struct lxm_cfgtext_stmt *st = &b->items[i];
		if (st->kind == LXM_CFGTEXT_SECTION && STREQ(st->name, name) &&
		    (!title ? !st->title : st->title && STREQ(st->title, title)))
			found = st;
	}
	return found;
}

/* Inserts stmt (one or more lines, each without the block's indent) at the end of a section, or
 * for the top level after the last top-level assignment (sections go to the end of the file). */
static int insert_into(struct edit *e, struct lxm_cfgtext_block *root, struct lxm_cfgtext_stmt *sec,
		       const char *stmt, bool is_section)
{
	const char *t = e->text;
	_cleanup_free_ char *indent = NULL;
	char *out = NULL;
	size_t at;

	if (!sec) {
		struct lxm_cfgtext_stmt *last = NULL;
		for (size_t i = 0; i < root->n && !is_section; i++)
			if (root->items[i].kind == LXM_CFGTEXT_ASSIGN)
				last = &root->items[i];
		if (last) {
			bool clean;
			at = rest_of_line(t, last->end, &clean);
			indent = indent_at(t, last->start);
			if (asprintf(&out, "%s%s%s\n", t[at - 1] == '\n' ? "" : "\n", indent, stmt) < 0)
				return -ENOMEM;
		} else {
			size_t len = strlen(t);
			/* A blank line before the new section, unless the text ends with one: the one
			 * an unset of the section left (set/unset cycles grew the file a line each) */
			bool blank_end = len >= 2 && t[len - 1] == '\n' && t[len - 2] == '\n';
			at = len;
			if (asprintf(&out, "%s%s%s\n", len == 0 || t[len - 1] == '\n' ? "" : "\n",
				     len > 0 && !blank_end ? "\n" : "", stmt) < 0)
				return -ENOMEM;
		}
		return add_splice(e, at, at, out);
	}

	size_t ls = line_start(t, sec->close);
	if (only_blank(t, ls, sec->close) && ls > sec->open) {
		/* "}" on its own line: a new line before it, indented like the section's last line. */
		struct lxm_cfgtext_stmt *last = sec->body->n ? &sec->body->items[sec->body->n - 1] : NULL;
		if (last && line_start(t, last->start) > sec->open)
			indent = indent_at(t, last->start);
		else {
			_cleanup_free_ char *outer = indent_at(t, sec->close);
			if (!outer || asprintf(&indent, "%s%s", outer, indent_unit(t)) < 0)
				return -ENOMEM;
		}
		if (!indent || asprintf(&out, "%s%s\n", indent, stmt) < 0)
			return -ENOMEM;
		return add_splice(e, ls, ls, out);
	}
	/* A one-line section "limits { memory = "1G" }": append inside the braces. */
	at = sec->close;
	while (at > sec->open + 1 && (t[at - 1] == ' ' || t[at - 1] == '\t'))
		at--;
	if (asprintf(&out, " %s ", stmt) < 0)
		return -ENOMEM;
	return add_splice(e, at, sec->close, out);
}

/* "section [title] {\n<unit>inner\n}" for the sections from depth i on, around the assignment. */
static int build_sections(const struct keypath *k, size_t i, const char *unit, const char *assign, char **ret)
{
	_cleanup_free_ char *inner = NULL, *title = NULL;
	size_t len = 0;

	if (i == k->depth) {
		*ret = strdup(assign);
		return *ret ? 0 : -ENOMEM;
	}
	int r = build_sections(k, i + 1, unit, assign, &inner);
	if (r < 0)
		return r;
	if (k->title[i]) {
		FILE *f = open_memstream(&title, &len);
		if (!f)
			return -ENOMEM;
		lxm_config_write_title(k->title[i], f);
		fputc(' ', f);
		fclose(f);
	}
	/* Indent every line of the inner text. */
	_cleanup_free_ char *body = NULL;
	FILE *f = open_memstream(&body, &len);
	if (!f)
		return -ENOMEM;
	for (const char *p = inner; *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(f, "%s%.*s\n", unit, (int)n, p);
		p += n + (p[n] ? 1 : 0);
	}
	fclose(f);
	if (asprintf(ret, "%s %s{\n%s}", k->section[i], title ? title : "", body) < 0)
		return -ENOMEM;
	return 0;
}

static int do_set(struct edit *e, struct lxm_cfgtext_block *root, const struct keypath *k, const char *vtext)
{
	struct lxm_cfgtext_block *b = root;
	struct lxm_cfgtext_stmt *sec = NULL, *keep = NULL;
	_cleanup_free_ char *assign = NULL;
	size_t i;
	int r;

	if (asprintf(&assign, "%s = %s", k->leaf->name, vtext) < 0)
		return -ENOMEM;
	for (i = 0; i < k->depth; i++) {
		struct lxm_cfgtext_stmt *st = find_section(b, k->section[i], k->title[i]);
		if (!st)
			break;
		sec = st;
		b = st->body;
	}
	if (i < k->depth) {
		_cleanup_free_ char *text = NULL;
		r = build_sections(k, i, indent_unit(e->text), assign, &text);
		if (r < 0)
			return r;
		return insert_into(e, root, sec, text, true);
	}

	/* The last plain "=" wins in libconfuse: replace it, drop the others and any "+=". */
	for (i = 0; i < b->n; i++)
		if (b->items[i].kind == LXM_CFGTEXT_ASSIGN && STREQ(b->items[i].name, k->leaf->name) &&
		    !b->items[i].append)
			keep = &b->items[i];
	for (i = 0; i < b->n; i++) {
		struct lxm_cfgtext_stmt *st = &b->items[i];
		if (st == keep || st->kind != LXM_CFGTEXT_ASSIGN || STRNEQ(st->name, k->leaf->name))
			continue;
		r = remove_stmt(e, st);
		if (r < 0)
			return r;
	}
	if (keep) {
		char *v = strdup(vtext);
		if (!v)
			return -ENOMEM;
		return add_splice(e, keep->vstart, keep->vend, v);
	}
	return insert_into(e, root, sec, assign, false);
}

static int do_unset(struct edit *e, struct lxm_cfgtext_block *root, const struct keypath *k)
{
	struct lxm_cfgtext_block *b = root;
	struct lxm_cfgtext_stmt *sec = NULL;
	int r;

	for (size_t i = 0; i < k->depth; i++) {
		sec = find_section(b, k->section[i], k->title[i]);
		if (!sec)
			return 0; /* nothing to remove */
		b = sec->body;
	}
	if (!k->leaf) {
		/* The key names a section: remove every instance of it at this level. */
		struct lxm_cfgtext_block *parent = root;
		for (size_t i = 0; i + 1 < k->depth; i++)
			parent = find_section(parent, k->section[i], k->title[i])->body;
		for (size_t i = 0; i < parent->n; i++) {
			struct lxm_cfgtext_stmt *st = &parent->items[i];
			if (st->kind == LXM_CFGTEXT_SECTION && STREQ(st->name, sec->name) &&
			    (!sec->title ? !st->title : st->title && STREQ(st->title, sec->title)) &&
			    (r = remove_stmt(e, st)) < 0)
				return r;
		}
		return 0;
	}
	for (size_t i = 0; i < b->n; i++) {
		struct lxm_cfgtext_stmt *st = &b->items[i];
		if (st->kind == LXM_CFGTEXT_ASSIGN && STREQ(st->name, k->leaf->name) && (r = remove_stmt(e, st)) < 0)
			return r;
	}
	return 0;
}

/* The untitled section on k's path at depth d-1, when nothing is left between its braces but
 * blanks: no statement, no comment (a comment is the author's, and stays with its section). */
static struct lxm_cfgtext_stmt *empty_section(const char *text, struct lxm_cfgtext_block *root,
					      const struct keypath *k, size_t d)
{
	struct lxm_cfgtext_stmt *sec = NULL;
	for (size_t i = 0; i < d; i++) {
		sec = find_section(root, k->section[i], k->title[i]);
		if (!sec)
			return NULL;
		root = sec->body;
	}
	if (!sec || sec->title || sec->body->n > 0)
		return NULL;
	for (size_t i = sec->open + 1; i < sec->close; i++)
		if (!isspace((unsigned char)text[i]))
			return NULL;
	return sec;
}

/*
 * After a key's unset, the untitled sections it leaves empty go too, innermost first:
 * "unset cgroup.layout" leaves no "cgroup { }" behind. An empty untitled section reads as its
 * defaults, as an absent one does, so nothing changes in meaning. A titled one stays: an empty
 * "network eth0 { }" still declares the interface.
 */
static int prune_empty(const struct keypath *k, char **text)
{
	for (size_t d = k->depth; d > 0; d--) {
		_cleanup_cfgtext_free_ struct lxm_cfgtext_block *root = NULL;
		struct edit e = { .text = *text };
		unsigned line = 0;
		char *out = NULL;
		int r;

		r = lxm_cfgtext_parse(*text, &root, &line);
		if (r < 0)
			return r;
		struct lxm_cfgtext_stmt *sec = empty_section(*text, root, k, d);
		if (!sec)
			return 0;
		r = remove_stmt(&e, sec);
		if (r >= 0)
			r = apply(&e, &out);
		edit_done(&e);
		if (r < 0)
			return r;
		free(*text);
		*text = out;
	}
	return 0;
}

int lxm_config_edit_text(const char *text, const char *key, const char *value, char **ret)
{
	_cleanup_cfgtext_free_ struct lxm_cfgtext_block *root = NULL;
	_cleanup_free_ char *vtext = NULL;
	struct keypath k = {};
	struct edit e = { .text = text };
	unsigned line = 0;
	int r;

	r = resolve_path(key, &k);
	if (r == -EINVAL)
		log_error("Unknown config key '%s'", key);
	if (r < 0)
		goto out;
	if (value && !k.leaf) {
		r = log_error_errno(-EINVAL, "'%s' is a section: set one of its keys", key);
		goto out;
	}
	r = lxm_cfgtext_parse(text, &root, &line);
	if (r < 0) {
		log_error("Cannot edit the config: syntax error near line %u (fix it with 'config NAME edit')", line);
		goto out;
	}
	if (value) {
		r = render_value(k.leaf, key, value, &vtext);
		if (r >= 0)
			r = do_set(&e, root, &k, vtext);
	} else
		r = do_unset(&e, root, &k);
	if (r >= 0)
		r = apply(&e, ret);
	if (r >= 0 && !value && k.leaf && e.n > 0) {
		r = prune_empty(&k, ret);
		if (r < 0) {
			free(*ret);
			*ret = NULL;
		}
	}
out:
	edit_done(&e);
	keypath_done(&k);
	return r;
}

int lxm_config_set_in_file(const char *path, const char *key, const char *value)
{
	return lxm_config_set_in_file_checked(path, key, value, NULL, NULL);
}

int lxm_config_set_in_file_checked(const char *path, const char *key, const char *value, lxm_config_check_fn check,
				   void *userdata)
{
	_cleanup_free_ char *text = NULL, *out = NULL;
	_cleanup_cfg_free_ cfg_t *old = NULL, *cfg = NULL;
	struct stat st;
	int r;

	r = lxm_read_file(path, &text, NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m", path);
	if (stat(path, &st) < 0)
		return log_error_errno(negative_errno(), "Failed to stat '%s': %m", path);
	r = lxm_config_edit_text(text, key, value, &out);
	if (r < 0)
		return r;
	/* Validate the whole result: a bad value (or an already broken file) changes nothing. */
	r = lxm_config_parse_string(out, path, check ? &cfg : NULL);
	if (r < 0)
		return r;
	if (STREQ(out, text))
		return 0;
	if (check) {
		(void)lxm_config_parse_string_quiet(text, &old); /* NULL when broken: every section is new */
		r = check(old, cfg, userdata);
		if (r < 0)
			return r;
	}
	r = lxm_write_file_atomic(path, out, st.st_mode & 07777);
	if (r < 0)
		return log_error_errno(r, "Failed to write '%s': %m", path);
	return 0;
}

int lxm_config_edit_text_in_place(char **text, const char *key, const char *value)
{
	_cleanup_free_ char *out = NULL;
	int r = lxm_config_edit_text(*text, key, value, &out);
	if (r < 0)
		return r;
	free(*text);
	*text = TAKE_PTR(out);
	return 0;
}
