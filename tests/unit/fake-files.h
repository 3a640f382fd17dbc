/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing and reading small files of a fake tree (cgroupfs stand-ins) in unit tests. */
#pragma once

#include <stdio.h>

/* DIR/FILE gets TEXT (created or truncated). */
static inline void put(const char *dir, const char *file, const char *text)
{
	char p[512];
	FILE *f;

	int len = snprintf(p, sizeof(p), "%s/%s", dir, file);
	assert_true(len > 0 && (size_t)len < sizeof(p));
	f = fopen(p, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The contents of DIR/FILE; static buffer, overwritten by the next call. */
static inline char *get(const char *dir, const char *file)
{
	static char buf[4096];
	char p[512];
	size_t n;
	FILE *f;

	int len = snprintf(p, sizeof(p), "%s/%s", dir, file);
	assert_true(len > 0 && (size_t)len < sizeof(p));
	f = fopen(p, "re");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}
