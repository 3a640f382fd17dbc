/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny streaming JSON writer for --format json output (no parser). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LXM_JSON_MAX_DEPTH 32

struct lxm_json {
	FILE *f;
	bool pretty;
	unsigned depth;
	bool first[LXM_JSON_MAX_DEPTH]; /* nothing written yet at this level */
	bool after_key;
	int error; /* -EINVAL on misuse (too deep, unbalanced); checked by lxm_json_end() */
};

/* Starts writing to f (not owned). */
void lxm_json_init(struct lxm_json *j, FILE *f, bool pretty);
/* Finishes (newline after the top-level value); returns 0 or the first error. */
int lxm_json_end(struct lxm_json *j);

void lxm_json_object_begin(struct lxm_json *j);
void lxm_json_object_end(struct lxm_json *j);
void lxm_json_array_begin(struct lxm_json *j);
void lxm_json_array_end(struct lxm_json *j);
/* Inside an object: the key of the next value. */
void lxm_json_key(struct lxm_json *j, const char *key);

/* s NULL writes null. Strings are escaped (quotes, backslash, control characters; bytes >= 0x80
 * are passed through, invalid UTF-8 replaced by U+FFFD). */
void lxm_json_string(struct lxm_json *j, const char *s);
void lxm_json_int(struct lxm_json *j, int64_t v);
void lxm_json_uint(struct lxm_json *j, uint64_t v);
void lxm_json_bool(struct lxm_json *j, bool v);
void lxm_json_null(struct lxm_json *j);

/* key + value shorthands. */
void lxm_json_kv_string(struct lxm_json *j, const char *key, const char *s);
void lxm_json_kv_int(struct lxm_json *j, const char *key, int64_t v);
void lxm_json_kv_uint(struct lxm_json *j, const char *key, uint64_t v);
void lxm_json_kv_bool(struct lxm_json *j, const char *key, bool v);

/* Writes s as a JSON string literal (with quotes) to f. */
void lxm_json_escape(FILE *f, const char *s);
