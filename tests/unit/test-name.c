/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/log.h"

static void test_valid(void **state)
{
	static const char *const ok[] = { "a", "web", "web-1", "0", "a-b-c", "debian12", "x0-9",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk" /* 63 */ };
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(lxm_name_validate(ok[i]), 0);
		assert_int_equal(lxm_name_validate_quiet(ok[i]), 0);
	}
}

static void test_invalid(void **state)
{
	static const char *const bad[] = { "", "-a", "a-", "-", "Web", "a_b", "a.b", "a/b", "..", ".tmp-x",
		"a b", "a\nb", "caf\xc3\xa9", "a;b", "$(x)",
		"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl" /* 64 */ };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(lxm_name_validate(bad[i]), -EINVAL);
		assert_int_equal(lxm_name_validate_quiet(bad[i]), -EINVAL);
	}
	assert_int_equal(lxm_name_validate(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};
	lxm_log_set_level(LXM_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
