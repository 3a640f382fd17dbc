/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config/cfgtext.h"
#include "util/macros.h"

enum tok_type {
	T_EOF = 0,
	T_WORD,
	T_STRING,
	T_LBRACE,
	T_RBRACE,
	T_LPAREN,
	T_RPAREN,
	T_EQ,
	T_PLUSEQ,
	T_COMMA,
	T_ERROR,
};

/* Far deeper than any schema: only a hostile file nests more, and recursion must stay bounded. */
#define MAX_NESTING 16

struct lexer {
	const char *text;
	size_t pos;
	unsigned line;
	unsigned depth;
	char *blank; /* when set: a copy of text whose comment characters are overwritten with spaces */
};

static void blank_to(struct lexer *l, size_t from)
{
	if (!l->blank)
		return;
	for (size_t i = from; i < l->pos; i++)
		if (l->blank[i] != '\n')
			l->blank[i] = ' ';
}

struct tok {
	enum tok_type type;
	size_t start, end;
};

static void skip_space_and_comments(struct lexer *l)
{
	const char *t = l->text;

	for (;;) {
		char c = t[l->pos];
		if (c == '\n') {
			l->line++;
			l->pos++;
		} else if (c == ' ' || c == '\t' || c == '\r')
			l->pos++;
		else if (c == '#' || (c == '/' && t[l->pos + 1] == '/')) {
			size_t from = l->pos;
			while (t[l->pos] && t[l->pos] != '\n')
				l->pos++;
			blank_to(l, from);
		} else if (c == '/' && t[l->pos + 1] == '*') {
			size_t from = l->pos;
			l->pos += 2;
			while (t[l->pos] && !(t[l->pos] == '*' && t[l->pos + 1] == '/')) {
				if (t[l->pos] == '\n')
					l->line++;
				l->pos++;
			}
			if (t[l->pos])
				l->pos += 2;
			blank_to(l, from);
		} else
			return;
	}
}

static bool is_word_char(const char *p)
{
	if (*p == '/')
		return p[1] != '/' && p[1] != '*';
	return *p && !strchr(" #\"'\t\n\r={}()+,*", *p);
}

static enum tok_type lex_string(struct lexer *l)
{
	char quote = l->text[l->pos++];

	for (;;) {
		char c = l->text[l->pos];
		if (!c)
			return T_ERROR;
		l->pos++;
		if (c == '\n')
			l->line++;
		else if (c == '\\' && l->text[l->pos]) {
			if (l->text[l->pos] == '\n')
				l->line++;
			l->pos++;
		} else if (c == quote)
			return T_STRING;
	}
}

static struct tok next(struct lexer *l)
{
	struct tok t = {};
	const char *s = l->text;

	skip_space_and_comments(l);
	t.start = l->pos;
	switch (s[l->pos]) {
	case 0:
		t.type = T_EOF;
		break;
	case '{': t.type = T_LBRACE; l->pos++; break;
	case '}': t.type = T_RBRACE; l->pos++; break;
	case '(': t.type = T_LPAREN; l->pos++; break;
	case ')': t.type = T_RPAREN; l->pos++; break;
	case '=': t.type = T_EQ; l->pos++; break;
	case ',': t.type = T_COMMA; l->pos++; break;
	case '"':
	case '\'':
		t.type = lex_string(l);
		break;
	case '+':
		if (s[l->pos + 1] != '=')
			return (t.type = T_ERROR), t;
		t.type = T_PLUSEQ;
		l->pos += 2;
		break;
	case '$':
		if (s[l->pos + 1] == '{') {
			const char *close = strchr(s + l->pos, '}');
			if (!close)
				return (t.type = T_ERROR), t;
			l->pos = (size_t)(close - s) + 1;
			t.type = T_WORD;
			break;
		}
		__attribute__((fallthrough));
	default:
		if (!is_word_char(s + l->pos))
			return (t.type = T_ERROR), t;
		while (is_word_char(s + l->pos))
			l->pos++;
		t.type = T_WORD;
	}
	t.end = l->pos;
	return t;
}

/* The text of a name or title token without quotes (escapes reduced to the escaped character). */
static char *unquote(const char *text, struct tok t)
{
	size_t len = t.end - t.start;
	const char *p = text + t.start;
	char *out, *o;

	if (t.type != T_STRING)
		return strndup(p, len);
	out = o = malloc(len + 1);
	if (!out)
		return NULL;
	for (size_t i = 1; i + 1 < len; i++) {
		if (p[i] == '\\' && i + 2 < len)
			i++;
		*o++ = p[i];
	}
	*o = 0;
	return out;
}

static int parse_block(struct lexer *l, struct lxm_cfgtext_block *b, bool nested, size_t *ret_close);

static struct lxm_cfgtext_stmt *add_stmt(struct lxm_cfgtext_block *b)
{
	struct lxm_cfgtext_stmt *n = realloc(b->items, (b->n + 1) * sizeof(*n));
	if (!n)
		return NULL;
	b->items = n;
	memset(&n[b->n], 0, sizeof(*n));
	return &n[b->n++];
}

static int parse_value(struct lexer *l, struct lxm_cfgtext_stmt *st)
{
	struct tok t = next(l);

	st->vstart = t.start;
	if (t.type == T_WORD || t.type == T_STRING) {
		st->vend = st->end = t.end;
		return 0;
	}
	if (t.type != T_LBRACE)
		return -EINVAL;
	/* { a, b, ... } */
	for (bool first = true;; first = false) {
		t = next(l);
		if (t.type == T_RBRACE)
			break;
		if (!first) {
			if (t.type != T_COMMA)
				return -EINVAL;
			t = next(l);
		}
		if (t.type != T_WORD && t.type != T_STRING)
			return -EINVAL;
	}
	st->vend = st->end = t.end;
	return 0;
}

static int parse_section(struct lexer *l, struct lxm_cfgtext_stmt *st, struct tok open)
{
	st->kind = LXM_CFGTEXT_SECTION;
	st->open = open.start;
	if (l->depth >= MAX_NESTING)
		return -EINVAL;
	st->body = calloc(1, sizeof(*st->body));
	if (!st->body)
		return -ENOMEM;
	l->depth++;
	int r = parse_block(l, st->body, true, &st->close);
	l->depth--;
	if (r < 0)
		return r;
	st->end = st->close + 1;
	return 0;
}

static int parse_stmt(struct lexer *l, struct lxm_cfgtext_stmt *st, struct tok name)
{
	struct tok t = next(l);

	st->start = name.start;
	st->name = unquote(l->text, name);
	if (!st->name)
		return -ENOMEM;
	switch (t.type) {
	case T_EQ:
	case T_PLUSEQ:
		st->kind = LXM_CFGTEXT_ASSIGN;
		st->append = t.type == T_PLUSEQ;
		return parse_value(l, st);
	case T_LBRACE:
		return parse_section(l, st, t);
	case T_WORD:
	case T_STRING: {
		st->title = unquote(l->text, t);
		if (!st->title)
			return -ENOMEM;
		struct tok open = next(l);
		if (open.type != T_LBRACE)
			return -EINVAL;
		return parse_section(l, st, open);
	}
	case T_LPAREN:
		st->kind = LXM_CFGTEXT_FUNC;
		do
			t = next(l);
		while (t.type != T_RPAREN && t.type != T_EOF && t.type != T_ERROR);
		if (t.type != T_RPAREN)
			return -EINVAL;
		st->end = t.end;
		return 0;
	default:
		return -EINVAL;
	}
}

static int parse_block(struct lexer *l, struct lxm_cfgtext_block *b, bool nested, size_t *ret_close)
{
	for (;;) {
		struct tok t = next(l);
		if (t.type == T_EOF && !nested)
			return 0;
		if (t.type == T_RBRACE && nested) {
			*ret_close = t.start;
			return 0;
		}
		if (t.type == T_EOF)
			return -ENODATA; /* a section was never closed */
		if (t.type != T_WORD && t.type != T_STRING)
			return -EINVAL;
		struct lxm_cfgtext_stmt *st = add_stmt(b);
		if (!st)
			return -ENOMEM;
		int r = parse_stmt(l, st, t);
		if (r < 0)
			return r;
	}
}

int lxm_cfgtext_parse(const char *text, struct lxm_cfgtext_block **ret, unsigned *ret_line)
{
	struct lexer l = { .text = text, .line = 1 };
	_cleanup_cfgtext_free_ struct lxm_cfgtext_block *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	r = parse_block(&l, b, false, NULL);
	if (r < 0) {
		if (ret_line)
			*ret_line = l.line;
		return r;
	}
	*ret = TAKE_PTR(b);
	return 0;
}

void lxm_cfgtext_free(struct lxm_cfgtext_block *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->items[i].name);
		free(b->items[i].title);
		lxm_cfgtext_free(b->items[i].body);
	}
	free(b->items);
	free(b);
}

int lxm_cfgtext_blank_comments(const char *text, char **ret, unsigned *ret_line)
{
	struct lexer l = { .text = text, .line = 1 };

	l.blank = strdup(text);
	if (!l.blank)
		return -ENOMEM;
	for (;;) {
		unsigned line = l.line;
		struct tok t = next(&l);
		if (t.type == T_EOF)
			break;
		if (t.type == T_ERROR && (text[t.start] == '"' || text[t.start] == '\'')) {
			/* libconfuse's lexer would echo a dangling backslash of an unterminated string to
			 * stdout; refuse such text here. */
			free(l.blank);
			if (ret_line)
				*ret_line = line;
			return -EBADMSG;
		}
		/* Like libconfuse's lexer, step over what does not lex and go on. */
		if (t.type == T_ERROR && l.text[l.pos])
			l.pos++;
	}
	*ret = l.blank;
	return 0;
}
