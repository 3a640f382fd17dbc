/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "runtime/console-ring.h"
#include "util/macros.h"

static size_t ring_text(const struct lxm_console_ring *r, char *out, size_t size)
{
	struct iovec iov[2];
	size_t len = 0;
	int n = lxm_console_ring_peek(r, iov);
	for (int i = 0; i < n; i++) {
		assert_true(len + iov[i].iov_len < size);
		memcpy(out + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	out[len] = '\0';
	return len;
}

static void test_ring_wraps(void **state)
{
	struct lxm_console_ring r;
	char out[64];
	lxm_console_ring_init(&r, 8);
	assert_int_equal(ring_text(&r, out, sizeof(out)), 0); /* nothing allocated yet */
	assert_null(r.buf);
	lxm_console_ring_append(&r, "abc", 3);
	ring_text(&r, out, sizeof(out));
	assert_string_equal(out, "abc");
	lxm_console_ring_append(&r, "defgh", 5);
	ring_text(&r, out, sizeof(out));
	assert_string_equal(out, "abcdefgh");
	lxm_console_ring_append(&r, "ij", 2); /* wraps: oldest bytes go */
	ring_text(&r, out, sizeof(out));
	assert_string_equal(out, "cdefghij");
	lxm_console_ring_append(&r, "0123456789", 10); /* larger than the ring: the tail */
	ring_text(&r, out, sizeof(out));
	assert_string_equal(out, "23456789");
	lxm_console_ring_append(&r, "X", 1);
	ring_text(&r, out, sizeof(out));
	assert_string_equal(out, "3456789X");
	lxm_console_ring_done(&r);
}

static void test_ring_zero_size(void **state)
{
	struct lxm_console_ring r;
	char out[8];
	lxm_console_ring_init(&r, 0);
	lxm_console_ring_append(&r, "abc", 3);
	assert_int_equal(ring_text(&r, out, sizeof(out)), 0);
	lxm_console_ring_done(&r);
}

static void test_log_rotates(void **state)
{
	char dir[] = "/tmp/test-console-log-XXXXXX", path[128], p1[160], p2[160], p3[160];
	struct lxm_console_log l;
	struct stat st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/console.log", dir);
	snprintf(p1, sizeof(p1), "%s.1", path);
	snprintf(p2, sizeof(p2), "%s.2", path);
	snprintf(p3, sizeof(p3), "%s.3", path);
	assert_int_equal(lxm_console_log_open(&l, path, 10, 2), 0);
	lxm_console_log_write(&l, "12345678", 8);
	lxm_console_log_write(&l, "abcd", 4); /* 12 > 10: rotate first */
	assert_int_equal(stat(p1, &st), 0);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4);
	lxm_console_log_write(&l, "efghijkl", 8); /* 4 + 8 > 10: .1 moves to .2 */
	assert_int_equal(stat(p2, &st), 0);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(stat(p1, &st), 0);
	assert_int_equal(st.st_size, 4);
	lxm_console_log_write(&l, "0123456789", 10);
	assert_int_not_equal(stat(p3, &st), 0); /* only log_rotate files kept */
	lxm_console_log_close(&l);
	/* reopening appends and knows the size */
	assert_int_equal(lxm_console_log_open(&l, path, 10, 2), 0);
	assert_int_equal(l.size, 10);
	lxm_console_log_close(&l);
	unlink(path);
	unlink(p1);
	unlink(p2);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_ring_zero_size),
		cmocka_unit_test(test_log_rotates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
