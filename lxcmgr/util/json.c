/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>

#include "util/json.h"

void lxm_json_init(struct lxm_json *j, FILE *f, bool pretty)
{
	*j = (struct lxm_json){ .f = f, .pretty = pretty };
	j->first[0] = true;
}

static void indent(struct lxm_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator before a value or a key. */
static void before_item(struct lxm_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0) {
		if (!j->first[0])
			j->error = -EINVAL; /* two top-level values */
		j->first[0] = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	indent(j);
}

static void open_level(struct lxm_json *j, char c)
{
	before_item(j);
	fputc(c, j->f);
	if (j->depth + 1 >= LXM_JSON_MAX_DEPTH) {
		j->error = -EINVAL;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void close_level(struct lxm_json *j, char c)
{
	if (j->depth == 0 || j->after_key) {
		j->error = -EINVAL;
		return;
	}
	bool empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
}

void lxm_json_object_begin(struct lxm_json *j)
{
	open_level(j, '{');
}

void lxm_json_object_end(struct lxm_json *j)
{
	close_level(j, '}');
}

void lxm_json_array_begin(struct lxm_json *j)
{
	open_level(j, '[');
}

void lxm_json_array_end(struct lxm_json *j)
{
	close_level(j, ']');
}

/* Length of a valid UTF-8 sequence at s (1-4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void lxm_json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		if (c >= 0x80) {
			size_t n = utf8_len(s);
			if (n == 0) {
				fputs("\\ufffd", f);
				s++;
			} else {
				fwrite(s, 1, n, f);
				s += n;
			}
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
		s++;
	}
	fputc('"', f);
}

void lxm_json_key(struct lxm_json *j, const char *key)
{
	if (j->depth == 0 || j->after_key) {
		j->error = -EINVAL;
		return;
	}
	before_item(j);
	lxm_json_escape(j->f, key);
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void lxm_json_string(struct lxm_json *j, const char *s)
{
	before_item(j);
	if (s)
		lxm_json_escape(j->f, s);
	else
		fputs("null", j->f);
}

void lxm_json_int(struct lxm_json *j, int64_t v)
{
	before_item(j);
	fprintf(j->f, "%" PRId64, v);
}

void lxm_json_uint(struct lxm_json *j, uint64_t v)
{
	before_item(j);
	fprintf(j->f, "%" PRIu64, v);
}

void lxm_json_bool(struct lxm_json *j, bool v)
{
	before_item(j);
	fputs(v ? "true" : "false", j->f);
}

void lxm_json_null(struct lxm_json *j)
{
	before_item(j);
	fputs("null", j->f);
}

void lxm_json_kv_string(struct lxm_json *j, const char *key, const char *s)
{
	lxm_json_key(j, key);
	lxm_json_string(j, s);
}

void lxm_json_kv_int(struct lxm_json *j, const char *key, int64_t v)
{
	lxm_json_key(j, key);
	lxm_json_int(j, v);
}

void lxm_json_kv_uint(struct lxm_json *j, const char *key, uint64_t v)
{
	lxm_json_key(j, key);
	lxm_json_uint(j, v);
}

void lxm_json_kv_bool(struct lxm_json *j, const char *key, bool v)
{
	lxm_json_key(j, key);
	lxm_json_bool(j, v);
}

int lxm_json_end(struct lxm_json *j)
{
	if (j->depth != 0 || j->after_key)
		j->error = -EINVAL;
	fputc('\n', j->f);
	return j->error;
}
