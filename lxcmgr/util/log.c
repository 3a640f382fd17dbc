/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <time.h>

#include "util/log.h"

static enum lxm_log_level log_level = LXM_LOG_WARNING;
static int log_fd = -1;
static const char *log_ident = "lxcmgr";

static const char *const level_names[] = {
	[LXM_LOG_ERROR] = "error",
	[LXM_LOG_WARNING] = "warning",
	[LXM_LOG_INFO] = "info",
	[LXM_LOG_DEBUG] = "debug",
	[LXM_LOG_TRACE] = "trace",
};

void lxm_log_set_level(enum lxm_log_level level)
{
	log_level = level;
}

enum lxm_log_level lxm_log_get_level(void)
{
	return log_level;
}

int lxm_log_parse_level(const char *s, enum lxm_log_level *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (STREQ(s, level_names[i])) {
			*ret = (enum lxm_log_level)i;
			return 0;
		}
	if (STREQ(s, "warn")) {
		*ret = LXM_LOG_WARNING;
		return 0;
	}
	return -EINVAL;
}

void lxm_log_set_fd(int fd)
{
	log_fd = fd;
}

void lxm_log_set_ident(const char *ident)
{
	log_ident = ident ? ident : "lxcmgr";
}

int lxm_log_internal(enum lxm_log_level level, int error, const char *file, int line, const char *func,
		     const char *fmt, ...)
{
	int saved = errno;
	int r = error < 0 ? error : -error;

	if (level > log_level) {
		errno = saved;
		return r;
	}

	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	errno = r < 0 ? -r : saved;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	char prefix[256];
	if (log_level >= LXM_LOG_DEBUG)
		snprintf(prefix, sizeof(prefix), "%s %s %s:%d %s: ", log_ident, level_names[level], file, line,
			 func);
	else if (level <= LXM_LOG_WARNING)
		snprintf(prefix, sizeof(prefix), "%s: %s: ", log_ident, level_names[level]);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", log_ident);

	if (log_fd >= 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		dprintf(log_fd, "%lld.%03ld %s%s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000, prefix, msg);
	} else {
		fprintf(stderr, "%s%s\n", prefix, msg);
	}

	errno = saved;
	return r;
}
