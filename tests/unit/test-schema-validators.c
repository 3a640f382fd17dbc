/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The validators set once in the static option tables (schema.c) apply to every cfg made from
 * them: the second and later parses of a process, the global `defaults` block, and sections
 * (a titled one added by the parse), whichever schema was made first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config/config.h"
#include "config/schema.h"
#include "util/log.h"
#include "util/macros.h"

static int parse_global(const char *text)
{
	_cleanup_cfg_free_ cfg_t *cfg = lxm_schema_global_new();
	assert_non_null(cfg);
	return lxm_schema_parse(cfg, text, "global");
}

static int parse_container(const char *text)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	return lxm_config_parse_string(text, "container", &cfg);
}

static void test_global_first(void **state)
{
	(void)state;
	/* The global schema made first: its own, the defaults' and then the container's validators. */
	assert_int_equal(parse_global("default_template = \"\"\n"), -EINVAL);
	assert_int_equal(parse_global("defaults { restart { policy = \"sometimes\" } }\n"), -EINVAL);
	assert_int_equal(parse_global("defaults { network eth0 { ipv4 = \"10.0.0.300/24\" } }\n"), -EINVAL);
	assert_int_equal(parse_global("defaults { restart { policy = \"always\" } }\n"), 0);
	assert_int_equal(parse_global("defaults { console { ttys = 9 } }\n"), -EINVAL);
	assert_int_equal(parse_global("defaults { console { ttys = 1 } }\n"), 0);
	assert_int_equal(parse_container("uuid = \"not a uuid\"\n"), -EINVAL);
}

static void test_every_parse(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(parse_container("name = \"ok\"\nhook { pre_start = \"relative\" }\n"), -EINVAL);
		assert_int_equal(parse_container("network eth0 { mtu = 12 }\n"), -EINVAL);
		assert_int_equal(parse_container("forward web { proto = \"sctp\" host_port = 80 container_port = 80 }\n"),
				 -EINVAL);
		assert_int_equal(parse_container("limits { memory = \"12Q\" }\n"), -EINVAL);
		assert_int_equal(parse_container("console { ttys = 7 }\n"), -EINVAL);
		assert_int_equal(parse_container("console { ttys = -1 }\n"), -EINVAL);
		assert_int_equal(parse_container("console { ttys = 0 }\n"), 0);
		assert_int_equal(parse_container("console { ttys = 6 }\n"), 0);
		assert_int_equal(parse_container("name = \"ok\"\nnetwork eth0 { ipv4 = \"10.0.0.2/24\" }\n"), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_first),
		cmocka_unit_test(test_every_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
