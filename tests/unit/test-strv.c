/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/macros.h"
#include "util/strv.h"

static void append_from_null_counts(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **l = NULL;

	assert_int_equal(lxm_strv_append(&l, NULL, "a"), 0);
	assert_int_equal(lxm_strv_append(&l, NULL, "b"), 0);
	assert_string_equal(l[0], "a");
	assert_string_equal(l[1], "b");
	assert_null(l[2]);
}

static void append_with_count_copies(void **state)
{
	(void)state;
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	size_t n = 0;
	char buf[8];

	assert_non_null(l);
	for (int i = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "%d", i);
		assert_int_equal(lxm_strv_append(&l, &n, buf), 0);
	}
	/* The entries are copies: the caller's buffer was reused for every one of them. */
	assert_int_equal(n, 100);
	assert_string_equal(l[0], "0");
	assert_string_equal(l[42], "42");
	assert_string_equal(l[99], "99");
	assert_null(l[100]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(append_from_null_counts),
		cmocka_unit_test(append_with_count_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
