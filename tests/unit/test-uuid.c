/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The uuids of new and copied containers: version 4 text, a fresh one each time. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "util/uuid.h"

#define N 64

static void v4_and_distinct(void **state)
{
	(void)state;
	char u[N][LXM_UUID_STRING_LEN];
	regex_t re;

	assert_int_equal(regcomp(&re, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	for (int i = 0; i < N; i++) {
		lxm_uuid_v4(u[i]);
		assert_int_equal(regexec(&re, u[i], 0, NULL, 0), 0);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(u[i], u[j]);
	}
	regfree(&re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_and_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
