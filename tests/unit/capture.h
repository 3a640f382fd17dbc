/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Captures lxcmgr's log in a memfd so tests can assert on messages (line numbers included). */
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include "util/log.h"

static int capture_fd = -1;

static inline void capture_start(void)
{
	if (capture_fd < 0)
		capture_fd = memfd_create("lxm-log", MFD_CLOEXEC);
	assert_true(capture_fd >= 0);
	assert_int_equal(ftruncate(capture_fd, 0), 0);
	assert_int_equal(lseek(capture_fd, 0, SEEK_SET), 0);
	lxm_log_set_fd(capture_fd);
}

/* Everything logged since capture_start(); static buffer, overwritten by the next call. */
static inline const char *capture_text(void)
{
	static char buf[16384];
	off_t end = lseek(capture_fd, 0, SEEK_CUR);
	ssize_t n = pread(capture_fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0 && n == end);
	buf[n] = 0;
	return buf;
}

/* Asserts the captured log contains needle, printing the log when it does not. */
#define assert_logged(needle)                                                          \
	do {                                                                           \
		const char *_log = capture_text();                                     \
		if (!strstr(_log, (needle)))                                           \
			fail_msg("expected '%s' in log:\n%s", (needle), _log);         \
	} while (0)
