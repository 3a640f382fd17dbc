/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: sizes, signals, MAC, CIDR, cpusets, integers, booleans, capabilities. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <cmocka.h>

#include "util/macros.h"
#include "util/parse.h"

static void test_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "0", 0 },
		{ "1024", 1024 },
		{ "1K", 1024 },
		{ "512M", 512ULL << 20 },
		{ "512m", 512ULL << 20 },
		{ "1G", 1ULL << 30 },
		{ "1GB", 1ULL << 30 },
		{ "1GiB", 1ULL << 30 },
		{ "2T", 2ULL << 40 },
		{ "max", UINT64_MAX },
		{ "unlimited", UINT64_MAX },
		{ "16777215T", 16777215ULL << 40 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = { "", "12Q", "-1", "1.5G", "G", " 1G", "1G ", "1KK", "16777216T",
					   "18446744073709551616", "1P", "0x10" };
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(lxm_parse_size(ok[i].s, &v), 0);
		assert_true(v == ok[i].v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lxm_parse_size(bad[i], &v) != -EINVAL)
			fail_msg("size '%s' accepted", bad[i]);
	assert_int_equal(lxm_parse_size(NULL, &v), -EINVAL);
}

static void test_signal(void **state)
{
	int sig;
	char buf[32];

	assert_int_equal(lxm_parse_signal("SIGRTMIN+3", &sig), 0);
	assert_int_equal(sig, SIGRTMIN + 3);
	assert_int_equal(lxm_parse_signal("RTMIN+3", &sig), 0);
	assert_int_equal(sig, SIGRTMIN + 3);
	assert_int_equal(lxm_parse_signal("sigrtmin", &sig), 0);
	assert_int_equal(sig, SIGRTMIN);
	assert_int_equal(lxm_parse_signal("SIGRTMAX-1", &sig), 0);
	assert_int_equal(sig, SIGRTMAX - 1);
	assert_int_equal(lxm_parse_signal("SIGPWR", &sig), 0);
	assert_int_equal(sig, SIGPWR);
	assert_int_equal(lxm_parse_signal("PWR", &sig), 0);
	assert_int_equal(sig, SIGPWR);
	assert_int_equal(lxm_parse_signal("usr1", &sig), 0);
	assert_int_equal(sig, SIGUSR1);
	assert_int_equal(lxm_parse_signal("15", &sig), 0);
	assert_int_equal(sig, 15);
	assert_int_equal(lxm_parse_signal("64", &sig), 0);

	static const char *const bad[] = { "", "0", "65", "SIGFOO", "SIG", "RTMIN+", "RTMIN-1", "RTMIN+31",
					   "RTMAX+1", "SIGRTMIN+x", "-9", "9x", "SIG SIGTERM" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lxm_parse_signal(bad[i], &sig) != -EINVAL)
			fail_msg("signal '%s' accepted", bad[i]);

	assert_string_equal(lxm_signal_to_string(SIGRTMIN + 3, buf, sizeof(buf)), "SIGRTMIN+3");
	assert_string_equal(lxm_signal_to_string(SIGRTMIN, buf, sizeof(buf)), "SIGRTMIN");
	assert_string_equal(lxm_signal_to_string(SIGPWR, buf, sizeof(buf)), "SIGPWR");
	assert_string_equal(lxm_signal_to_string(SIGTERM, buf, sizeof(buf)), "SIGTERM");
	/* Round trip every signal. */
	for (int s = 1; s <= SIGRTMAX; s++) {
		if (s == 32 || s == 33)
			continue; /* reserved by glibc below SIGRTMIN */
		assert_int_equal(lxm_parse_signal(lxm_signal_to_string(s, buf, sizeof(buf)), &sig), 0);
		assert_int_equal(sig, s);
	}
}

static void test_mac(void **state)
{
	uint8_t mac[6];

	assert_int_equal(lxm_parse_mac("02:00:0a:00:03:0A", mac), 0);
	assert_int_equal(mac[0], 0x02);
	assert_int_equal(mac[5], 0x0a);
	assert_int_equal(lxm_parse_mac("02-00-0a-00-03-0a", mac), 0);
	static const char *const bad[] = { "", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00",
					   "02:00:0a:00:03", "02:00:0a:00:03:0a:01", "02:00:0g:00:03:0a",
					   "020:00:0a:00:03:0", "auto" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lxm_parse_mac(bad[i], mac) != -EINVAL)
			fail_msg("MAC '%s' accepted", bad[i]);
}

static void test_cidr(void **state)
{
	struct lxm_cidr c;
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(lxm_parse_cidr("10.0.3.10/24", false, &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 24);
	assert_string_equal(inet_ntop(AF_INET, &c.addr.v4, buf, sizeof(buf)), "10.0.3.10");
	assert_int_equal(lxm_parse_cidr("fd42::10/64", false, &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix, 64);
	assert_int_equal(lxm_parse_cidr("10.0.3.1", true, &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(lxm_parse_cidr("fd42::1", true, &c), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(lxm_parse_cidr("10.0.3.1/0", false, &c), 0);
	static const char *const bad[] = { "10.0.3.1", "10.0.3.1/33", "10.0.3/24", "fd42::1/129", "/24",
					   "10.0.3.1/", "10.0.3.1/2x", "dhcp", "", "256.0.0.1/8" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lxm_parse_cidr(bad[i], false, &c) != -EINVAL)
			fail_msg("CIDR '%s' accepted", bad[i]);
}

static void test_cpuset(void **state)
{
	uint64_t m[16];

	assert_int_equal(lxm_parse_cpuset("0-1,3", m), 0);
	assert_true(m[0] == 0xb);
	assert_int_equal(lxm_parse_cpuset("64", m), 0);
	assert_true(m[0] == 0 && m[1] == 1);
	assert_int_equal(lxm_parse_cpuset("1023", m), 0);
	assert_true(m[15] == 1ULL << 63);
	static const char *const bad[] = { "", "1024", "3-1", "0-", "-1", "0,,1", "0,", "a", "0 1" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lxm_parse_cpuset(bad[i], m) != -EINVAL)
			fail_msg("cpuset '%s' accepted", bad[i]);
}

static void test_uint_bool_cap(void **state)
{
	uint64_t v;
	bool b;
	int cap;

	assert_int_equal(lxm_parse_uint("65535", 1, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(lxm_parse_uint("0", 1, 65535, &v), -EINVAL);
	assert_int_equal(lxm_parse_uint("65536", 1, 65535, &v), -EINVAL);
	assert_int_equal(lxm_parse_uint("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(lxm_parse_uint("99999999999999999999", 0, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(lxm_parse_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(lxm_parse_bool("OFF", &b), 0);
	assert_false(b);
	assert_int_equal(lxm_parse_bool("maybe", &b), -EINVAL);
	assert_int_equal(lxm_parse_capability("CAP_SYS_ADMIN", &cap), 0);
	assert_int_equal(cap, 21);
	assert_int_equal(lxm_parse_capability("net_admin", &cap), 0);
	assert_int_equal(cap, 12);
	assert_string_equal(lxm_capability_to_string(40), "checkpoint_restore");
	assert_int_equal(lxm_parse_capability("sys_everything", &cap), -EINVAL);
}

/* Against the C library's gmtime_r() + strftime() (what create used before): the epoch, leap
 * days (2000 is a leap year, 2100 is not), year ends, and a spread of seconds over 1970-2400. */
static void test_format_utc(void **state)
{
	static const int64_t fixed[] = { 0, 59, 86399, 86400, 951782400, 951868800, 946684799, 4107542400,
					 4107456000, 1795507241, 253402300799 };
	char got[LXM_UTC_STAMP_LEN], want[LXM_UTC_STAMP_LEN];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(fixed) + 20000; i++) {
		int64_t s = i < ARRAY_SIZE(fixed) ? fixed[i] : (int64_t)(i - ARRAY_SIZE(fixed)) * 682597 + 12345;
		time_t t = (time_t)s;
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		assert_true(strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
		assert_int_equal(lxm_format_utc(s, got, sizeof(got)), 0);
		assert_string_equal(got, want);
	}
	assert_int_equal(lxm_format_utc(253402300800, got, sizeof(got)), -ERANGE); /* year 10000 */
	assert_int_equal(lxm_format_utc(0, got, 20), -ENOBUFS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),   cmocka_unit_test(test_signal), cmocka_unit_test(test_mac),
		cmocka_unit_test(test_cidr),   cmocka_unit_test(test_cpuset), cmocka_unit_test(test_uint_bool_cap),
		cmocka_unit_test(test_format_utc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
