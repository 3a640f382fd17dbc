/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * System calls and string helpers for the freestanding front (front.c, front-kill.c): they run
 * before the C library started in the static lxcmgr, so they talk to the kernel directly (x86_64,
 * the only architecture the static front is built for). A system call's result is the kernel's:
 * -errno on failure, errno untouched.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

static inline long lxm_front_sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

static inline long lxm_front_sys3(long n, long a, long b, long c)
{
	return lxm_front_sys6(n, a, b, c, 0, 0, 0);
}

static inline bool lxm_front_str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* What follows prefix in s, or NULL when s does not start with it. */
static inline const char *lxm_front_after_prefix(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return NULL;
	return s;
}
