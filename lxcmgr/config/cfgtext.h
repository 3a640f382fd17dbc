/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The layout of a libconfuse file as text: statements with byte offsets, so an edit can replace a
 * value or remove a line and leave every comment and blank line where the author put it. Knows
 * the lexer's rules: "..." (escapes, ${VAR}) and '...' strings, bare words, { } ( ) = += ,
 * and #, // and C-style block comments.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/macros.h"

struct lxm_cfgtext_block;

enum lxm_cfgtext_kind {
	LXM_CFGTEXT_ASSIGN,  /* name = value | name += value */
	LXM_CFGTEXT_SECTION, /* name [title] { ... } */
	LXM_CFGTEXT_FUNC,    /* name(args) */
};

struct lxm_cfgtext_stmt {
	enum lxm_cfgtext_kind kind;
	char *name;    /* unquoted */
	char *title;   /* unquoted, titled sections only */
	size_t start;  /* offset of the name */
	size_t end;    /* offset after the statement's last token */
	size_t vstart; /* assignments: the value's text (quotes or braces included) */
	size_t vend;
	bool append;              /* += */
	size_t open, close;       /* sections: offsets of '{' and '}' */
	struct lxm_cfgtext_block *body;
};

struct lxm_cfgtext_block {
	struct lxm_cfgtext_stmt *items;
	size_t n;
};

/* Parses text into *ret (the top level). -EINVAL with the line in *ret_line on a syntax error,
 * -ENODATA when the text ends inside a section. */
int lxm_cfgtext_parse(const char *text, struct lxm_cfgtext_block **ret, unsigned *ret_line);
/* *ret = text with every comment character replaced by a space (newlines kept). libconfuse 3.3
 * miscounts lines after comments; parsing this copy keeps its error line numbers right.
 * -EBADMSG with the string's first line in *ret_line for an unterminated string. */
int lxm_cfgtext_blank_comments(const char *text, char **ret, unsigned *ret_line);

void lxm_cfgtext_free(struct lxm_cfgtext_block *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lxm_cfgtext_block *, lxm_cfgtext_free)
#define _cleanup_cfgtext_free_ _cleanup_(lxm_cfgtext_freep)
