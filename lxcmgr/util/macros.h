/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ownership helpers: cleanup attributes, TAKE_PTR/TAKE_FD, small utilities. */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _must_check_ __attribute__((warn_unused_result))

#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#define STREQ(a, b) (strcmp((a), (b)) == 0)
#define STRNEQ(a, b) (strcmp((a), (b)) != 0)
#define IS_EMPTY(s) (!(s) || !*(s))

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                       \
	({                                \
		__typeof__(p) _ptr_ = (p); \
		(p) = NULL;                \
		_ptr_;                     \
	})
#define TAKE_FD(fd)                \
	({                         \
		int _fd_ = (fd);   \
		(fd) = -EBADF;     \
		_fd_;              \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* Leaves -EBADF behind, so an explicit closep(&fd) before the scope ends (or a struct's fd closed
 * through it) cannot be closed a second time by a later cleanup, by then maybe another fd. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -EBADF;
}

static inline void fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}

static inline void closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
}

/* A NULL-terminated array of strings. */
static inline void strv_free(char **l)
{
	if (!l)
		return;
	for (char **s = l; *s; s++)
		free(*s);
	free(l);
}

static inline void strv_freep(char ***l)
{
	strv_free(*l);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Declare a cleanup helper for a library type: DEFINE_TRIVIAL_CLEANUP_FUNC(cfg_t *, cfg_free) gives cfg_freep(). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}

/* errno as a negative value, never 0 (a failing libc call that forgot errno still reads as failure). */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* CLOCK_MONOTONIC in microseconds: for deadlines and elapsed times. */
static inline uint64_t lxm_mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The same clock in milliseconds, signed: for deadlines that are compared by subtraction. */
static inline int64_t lxm_mono_msec(void)
{
	return (int64_t)(lxm_mono_usec() / 1000);
}

/* flock() errors of a filesystem that has no locks (some network and FUSE ones), not of a lock
 * another process holds. */
#define LXM_FLOCK_UNSUPPORTED(e) ((e) == ENOLCK || (e) == EOPNOTSUPP || (e) == EINVAL || (e) == ENOSYS)
