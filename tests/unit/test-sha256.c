/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/sha256.h"
#include "util/macros.h"

static void hash_str(const char *s, size_t len, char hex[LXM_SHA256_HEX_SIZE])
{
	struct lxm_sha256 st;
	uint8_t d[LXM_SHA256_SIZE];

	lxm_sha256_init(&st);
	lxm_sha256_update(&st, s, len);
	lxm_sha256_final(&st, d);
	lxm_sha256_to_hex(d, hex);
}

/* FIPS 180-4 / NIST CAVP vectors. */
static void test_vectors(void **state)
{
	char hex[LXM_SHA256_HEX_SIZE];

	hash_str("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash_str("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_str("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	hash_str("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		 112, hex);
	assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a' fed in uneven pieces: exercises the block buffering. */
static void test_million_a(void **state)
{
	struct lxm_sha256 st;
	uint8_t d[LXM_SHA256_SIZE];
	char hex[LXM_SHA256_HEX_SIZE], buf[997];
	size_t left = 1000000;

	memset(buf, 'a', sizeof(buf));
	lxm_sha256_init(&st);
	for (size_t n = 1; left > 0; n = (n + 7) % sizeof(buf) + 1) {
		size_t k = n < left ? n : left;
		lxm_sha256_update(&st, buf, k);
		left -= k;
	}
	lxm_sha256_final(&st, d);
	assert_string_equal(lxm_sha256_to_hex(d, hex),
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_file(void **state)
{
	char path[] = "/tmp/lxm-sha256-XXXXXX", hex[LXM_SHA256_HEX_SIZE];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(lxm_sha256_file(path, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	unlink(path);
	assert_int_equal(lxm_sha256_file(path, hex), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
