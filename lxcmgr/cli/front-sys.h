/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * System calls for the freestanding front (front.c, front-kill.c): they run before the C library
 * started in the static lxcmgr, so they talk to the kernel directly (x86_64, the only architecture
 * the static front is built for). The result is the kernel's: -errno on failure, errno untouched.
 */
#pragma once

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
