/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsers for values in configs and on the command line; all return -EINVAL on bad input. */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* "512M", "1G", "1024", "0": K/M/G/T (binary, optional trailing B/iB), or "max"/"unlimited" -> UINT64_MAX. */
int lxm_parse_size(const char *s, uint64_t *ret);
/* "SIGRTMIN+3", "RTMIN+3", "SIGPWR", "PWR", "15" -> signal number. */
int lxm_parse_signal(const char *s, int *ret);
/* Writes "SIGRTMIN+3" etc. into buf. */
const char *lxm_signal_to_string(int sig, char *buf, size_t size);
/* "02:00:0a:00:03:0a" -> 6 bytes. Refuses multicast and all-zero addresses. */
int lxm_parse_mac(const char *s, uint8_t ret[6]);

struct lxm_cidr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	unsigned prefix;
};
/* "10.0.3.10/24", "fd42::10/64"; plain addresses get /32 or /128 when allow_plain. */
int lxm_parse_cidr(const char *s, bool allow_plain, struct lxm_cidr *ret);
/* 0 when c (IPv4) can be an interface's own address with its prefix; -EINVAL with *ret_why
 * (static text) when not: /0, 0.0.0.0, 255.255.255.255, multicast, and the network or broadcast
 * address of a /1-/30 (a /31 or /32 has neither, RFC 3021). */
int lxm_cidr_v4_check_host(const struct lxm_cidr *c, const char **ret_why);
/* "0-1,3" -> bitmask of CPUs (up to 1024 CPUs, bits in ret[0..15]). */
int lxm_parse_cpuset(const char *s, uint64_t ret[16]);
/* Non-negative decimal integer within [min, max]. */
int lxm_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret);
/* limits.cpus (1.5 = one and a half CPUs) as thousandths of a CPU: 0.01-1000 CPUs, what the
 * cgroup files take (a quota of at least 1 ms per 100 ms period). -EINVAL outside (and NaN). One
 * range for the config's validation, `limit` and the cgroup library. */
#define LXM_CPUS_MILLI_MIN 10
#define LXM_CPUS_MILLI_MAX 1000000
int lxm_cpus_to_milli(double cpus, uint64_t *ret);
/* "true|yes|1|on" / "false|no|0|off". */
int lxm_parse_bool(const char *s, bool *ret);
/* "sys_admin", "CAP_SYS_ADMIN" (any case) -> capability number (0..40). */
int lxm_parse_capability(const char *s, int *ret);
/* Lower-case name without "cap_", NULL for unknown numbers. */
const char *lxm_capability_to_string(int cap);
/* "2026-11-24T08:10:05Z" (UTC, RFC 3339) into buf (at least LXM_UTC_STAMP_LEN bytes). Computed
 * from the seconds alone: gmtime_r() and strftime() first load the local time zone (reading
 * /etc/localtime, 7 system calls) although neither a UTC date nor this format uses it. */
#define LXM_UTC_STAMP_LEN 32
int lxm_format_utc(int64_t seconds, char *buf, size_t size);
