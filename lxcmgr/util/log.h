/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging: one line per message to stderr (or a file for the monitor), "%m" expands to the error given. */
#pragma once

#include "util/macros.h"

enum lxm_log_level {
	LXM_LOG_ERROR = 0,
	LXM_LOG_WARNING,
	LXM_LOG_INFO,
	LXM_LOG_DEBUG,
	LXM_LOG_TRACE,
};

void lxm_log_set_level(enum lxm_log_level level);
enum lxm_log_level lxm_log_get_level(void);
/* Parses "error|warning|info|debug|trace"; -EINVAL for anything else. */
int lxm_log_parse_level(const char *s, enum lxm_log_level *ret);
/* Messages go to fd (not owned); -1 restores stderr. */
void lxm_log_set_fd(int fd);
/* Prefix printed before every message, "lxcmgr" by default (the monitor uses "lxcmgr-monitor[NAME]"). */
void lxm_log_set_ident(const char *ident);

/* Logs at level with errno set to |error| for %m; returns -|error| (or 0 when error is 0). */
int lxm_log_internal(enum lxm_log_level level, int error, const char *file, int line, const char *func,
		     const char *fmt, ...) _printf_(6, 7);

#define lxm_log_full_errno(level, error, ...) \
	lxm_log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define log_error_errno(error, ...) lxm_log_full_errno(LXM_LOG_ERROR, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) lxm_log_full_errno(LXM_LOG_WARNING, (error), __VA_ARGS__)
#define log_info_errno(error, ...) lxm_log_full_errno(LXM_LOG_INFO, (error), __VA_ARGS__)
#define log_debug_errno(error, ...) lxm_log_full_errno(LXM_LOG_DEBUG, (error), __VA_ARGS__)

#define log_error(...) ((void)lxm_log_full_errno(LXM_LOG_ERROR, 0, __VA_ARGS__))
#define log_warning(...) ((void)lxm_log_full_errno(LXM_LOG_WARNING, 0, __VA_ARGS__))
#define log_info(...) ((void)lxm_log_full_errno(LXM_LOG_INFO, 0, __VA_ARGS__))
#define log_debug(...) ((void)lxm_log_full_errno(LXM_LOG_DEBUG, 0, __VA_ARGS__))
#define log_trace(...) ((void)lxm_log_full_errno(LXM_LOG_TRACE, 0, __VA_ARGS__))
