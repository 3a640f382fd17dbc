/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/json.h"
#include "util/macros.h"

static char *render(void (*fn)(struct lxm_json *j), bool pretty, int *ret_err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	assert_non_null(f);
	struct lxm_json j;
	lxm_json_init(&j, f, pretty);
	fn(&j);
	*ret_err = lxm_json_end(&j);
	fclose(f);
	return buf;
}

static void doc_nested(struct lxm_json *j)
{
	lxm_json_array_begin(j);
	lxm_json_object_begin(j);
	lxm_json_kv_string(j, "name", "web");
	lxm_json_kv_int(j, "pid", -1);
	lxm_json_kv_uint(j, "mem", 18446744073709551615ULL);
	lxm_json_kv_bool(j, "ok", true);
	lxm_json_kv_string(j, "ipv4", NULL);
	lxm_json_key(j, "empty");
	lxm_json_array_begin(j);
	lxm_json_array_end(j);
	lxm_json_key(j, "o");
	lxm_json_object_begin(j);
	lxm_json_object_end(j);
	lxm_json_object_end(j);
	lxm_json_null(j);
	lxm_json_array_end(j);
}

static void test_compact(void **state)
{
	int err;
	_cleanup_free_ char *s = render(doc_nested, false, &err);
	assert_int_equal(err, 0);
	assert_string_equal(s, "[{\"name\":\"web\",\"pid\":-1,\"mem\":18446744073709551615,\"ok\":true,"
			       "\"ipv4\":null,\"empty\":[],\"o\":{}},null]\n");
}

static void test_pretty(void **state)
{
	int err;
	_cleanup_free_ char *s = render(doc_nested, true, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(s, "[\n  {\n    \"name\": \"web\",\n"));
	assert_non_null(strstr(s, "\"empty\": [],"));
}

static void doc_escape(struct lxm_json *j)
{
	lxm_json_string(j, "a\"b\\c\n\t\x01\x7f \xc3\xa9 \xff!");
}

static void test_escape(void **state)
{
	int err;
	_cleanup_free_ char *s = render(doc_escape, false, &err);
	assert_int_equal(err, 0);
	assert_string_equal(s, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f \xc3\xa9 \\ufffd!\"\n");
}

static void doc_unbalanced(struct lxm_json *j)
{
	lxm_json_object_begin(j);
	lxm_json_key(j, "a");
}

static void doc_two_values(struct lxm_json *j)
{
	lxm_json_int(j, 1);
	lxm_json_int(j, 2);
}

static void doc_too_deep(struct lxm_json *j)
{
	for (int i = 0; i < LXM_JSON_MAX_DEPTH + 2; i++)
		lxm_json_array_begin(j);
}

static void test_misuse(void **state)
{
	int err;
	free(render(doc_unbalanced, false, &err));
	assert_int_equal(err, -EINVAL);
	free(render(doc_two_values, false, &err));
	assert_int_equal(err, -EINVAL);
	free(render(doc_too_deep, false, &err));
	assert_int_equal(err, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
