/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "runtime/control.h"
#include "util/macros.h"

/* The peer answers one request with a canned reply. */
static int request_with_reply(const char *reply_text, char *reply, size_t size, char *seen, size_t seen_size)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(lxm_control_send(sv[1], reply_text), 0); /* queued before the request */
	int r = lxm_control_request(sv[0], "stop 30", reply, size);
	assert_true(lxm_control_recv(sv[1], seen, seen_size) > 0);
	close(sv[0]);
	close(sv[1]);
	return r;
}

static void test_ok_reply(void **state)
{
	char reply[LXM_CONTROL_PACKET_MAX], seen[64];
	assert_int_equal(request_with_reply("ok stopping", reply, sizeof(reply), seen, sizeof(seen)), 0);
	assert_string_equal(reply, "ok stopping");
	assert_string_equal(seen, "stop 30"); /* one request, one packet */
}

static void test_err_reply_maps_errno(void **state)
{
	char reply[LXM_CONTROL_PACKET_MAX], seen[64];
	assert_int_equal(request_with_reply("err 3 No such process", reply, sizeof(reply), seen, sizeof(seen)), -ESRCH);
	assert_int_equal(request_with_reply("err garbage", reply, sizeof(reply), seen, sizeof(seen)), -EIO);
}

static void test_eof_is_reset(void **state)
{
	int sv[2];
	char reply[64];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(lxm_control_request(sv[0], "state", reply, sizeof(reply)), -ECONNRESET);
	close(sv[0]);
	close(sv[1]);
}

static void test_connect_without_monitor(void **state)
{
	struct lxm_paths paths;
	int fd;
	assert_int_equal(lxm_paths_init(&paths, "/nonexistent-lxcmgr-root"), 0);
	assert_int_equal(lxm_control_connect(&paths, "web", &fd), -ENOENT);
	lxm_paths_done(&paths);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_reply),
		cmocka_unit_test(test_err_reply_maps_errno),
		cmocka_unit_test(test_eof_is_reset),
		cmocka_unit_test(test_connect_without_monitor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
