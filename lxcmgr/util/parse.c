/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <signal.h>
#include <strings.h>

#include "util/macros.h"
#include "util/parse.h"

int lxm_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (IS_EMPTY(s))
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int lxm_parse_size(const char *s, uint64_t *ret)
{
	static const char units[] = "KMGT";
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (IS_EMPTY(s))
		return -EINVAL;
	if (strcasecmp(s, "max") == 0 || strcasecmp(s, "unlimited") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (*p) {
		const char *u = strchr(units, toupper((unsigned char)*p));
		if (!u)
			return -EINVAL;
		mult = 1ULL << (10 * (u - units + 1));
		p++;
		/* "512M", "512MB", "512MiB" all mean the same binary unit. */
		if (*p == 'i')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
		if (*p)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mult)
		return -EINVAL;
	*ret = v * mult;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signal_names[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT },   { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "BUS", SIGBUS },     { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },   { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM },   { "TERM", SIGTERM },   { "STKFLT", SIGSTKFLT },
	{ "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP },   { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },   { "URG", SIGURG },     { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
	{ "IO", SIGIO },     { "PWR", SIGPWR },     { "SYS", SIGSYS },     { "IOT", SIGABRT },
	{ "POLL", SIGIO },   { "CLD", SIGCHLD },
};

static int parse_rt_signal(const char *s, int *ret)
{
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
	int base, dir;
	uint64_t n = 0;

	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGRTMIN;
		dir = 1;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGRTMAX;
		dir = -1;
	} else
		return -EINVAL;
	s += 5;
	if (*s) {
		if (*s != (dir > 0 ? '+' : '-'))
			return -EINVAL;
		if (lxm_parse_uint(s + 1, 0, (uint64_t)(SIGRTMAX - SIGRTMIN), &n) < 0)
			return -EINVAL;
	}
	*ret = base + dir * (int)n;
	return 0;
}

int lxm_parse_signal(const char *s, int *ret)
{
	uint64_t n;

	if (IS_EMPTY(s))
		return -EINVAL;
	if (isdigit((unsigned char)s[0])) {
		if (lxm_parse_uint(s, 1, (uint64_t)SIGRTMAX, &n) < 0)
			return -EINVAL;
		*ret = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (parse_rt_signal(s, ret) == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++)
		if (strcasecmp(s, signal_names[i].name) == 0) {
			*ret = signal_names[i].sig;
			return 0;
		}
	return -EINVAL;
}

const char *lxm_signal_to_string(int sig, char *buf, size_t size)
{
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		if (sig == SIGRTMIN)
			snprintf(buf, size, "SIGRTMIN");
		else
			snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(signal_names); i++)
		if (signal_names[i].sig == sig) {
			snprintf(buf, size, "SIG%s", signal_names[i].name);
			return buf;
		}
	snprintf(buf, size, "%d", sig);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int lxm_parse_mac(const char *s, uint8_t ret[6])
{
	uint8_t mac[6];

	if (!s || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		int hi = hexval(p[0]), lo = hexval(p[1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < 5 && p[2] != ':' && p[2] != '-')
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1) /* multicast/broadcast cannot be an interface address */
		return -EINVAL;
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	memcpy(ret, mac, 6);
	return 0;
}

int lxm_parse_cidr(const char *s, bool allow_plain, struct lxm_cidr *ret)
{
	char addr[INET6_ADDRSTRLEN + 1];
	struct lxm_cidr c = {};
	const char *slash;
	uint64_t prefix;
	size_t len;

	if (IS_EMPTY(s))
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = 0;

	if (inet_pton(AF_INET, addr, &c.addr.v4) == 1)
		c.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &c.addr.v6) == 1)
		c.family = AF_INET6;
	else
		return -EINVAL;

	unsigned maxp = c.family == AF_INET ? 32 : 128;
	if (slash) {
		/* At most three digits: "/0024" is not a prefix length anyone means. */
		if (strlen(slash + 1) > 3 || lxm_parse_uint(slash + 1, 0, maxp, &prefix) < 0)
			return -EINVAL;
		c.prefix = (unsigned)prefix;
	} else if (allow_plain)
		c.prefix = maxp;
	else
		return -EINVAL;
	*ret = c;
	return 0;
}

int lxm_cidr_v4_check_host(const struct lxm_cidr *c, const char **ret_why)
{
	uint32_t a = ntohl(c->addr.v4.s_addr);
	uint32_t host = c->prefix >= 32 ? 0 : UINT32_MAX >> c->prefix;

	*ret_why = NULL;
	if (c->family != AF_INET)
		return -EINVAL;
	if (c->prefix == 0)
		*ret_why = "a /0 prefix makes every address on-link";
	else if (a == 0)
		*ret_why = "0.0.0.0 is no host address";
	else if (a == UINT32_MAX)
		*ret_why = "255.255.255.255 is the limited broadcast address";
	else if ((a >> 28) == 0xe)
		*ret_why = "a multicast address is no host address";
	else if (c->prefix <= 30 && (a & host) == 0)
		*ret_why = "the network address of its prefix is no host address";
	else if (c->prefix <= 30 && (a & host) == host)
		*ret_why = "the broadcast address of its prefix is no host address";
	return *ret_why ? -EINVAL : 0;
}

int lxm_parse_cpuset(const char *s, uint64_t ret[16])
{
	uint64_t mask[16] = {};
	const char *p = s;

	if (IS_EMPTY(s))
		return -EINVAL;
	for (;;) {
		uint64_t a = 0, b;
		char *end;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		errno = 0;
		a = strtoull(p, &end, 10);
		if (errno || a >= 1024)
			return -EINVAL;
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			errno = 0;
			b = strtoull(p, &end, 10);
			if (errno || b >= 1024 || b < a)
				return -EINVAL;
			p = end;
		}
		for (uint64_t i = a; i <= b; i++)
			mask[i / 64] |= 1ULL << (i % 64);
		if (*p == 0)
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	memcpy(ret, mask, sizeof(mask));
	return 0;
}

int lxm_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "1", "on" };
	static const char *const no[] = { "false", "no", "0", "off" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const cap_names[] = {
	"chown",	  "dac_override",   "dac_read_search", "fowner",	    "fsetid",
	"kill",		  "setgid",	    "setuid",	       "setpcap",	    "linux_immutable",
	"net_bind_service", "net_broadcast", "net_admin",     "net_raw",	    "ipc_lock",
	"ipc_owner",	  "sys_module",	    "sys_rawio",       "sys_chroot",	    "sys_ptrace",
	"sys_pacct",	  "sys_admin",	    "sys_boot",	       "sys_nice",	    "sys_resource",
	"sys_time",	  "sys_tty_config", "mknod",	       "lease",		    "audit_write",
	"audit_control",  "setfcap",	    "mac_override",    "mac_admin",	    "syslog",
	"wake_alarm",	  "block_suspend",  "audit_read",      "perfmon",	    "bpf",
	"checkpoint_restore",
};

int lxm_parse_capability(const char *s, int *ret)
{
	if (IS_EMPTY(s))
		return -EINVAL;
	if (strncasecmp(s, "CAP_", 4) == 0)
		s += 4;
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcasecmp(s, cap_names[i]) == 0) {
			*ret = (int)i;
			return 0;
		}
	return -EINVAL;
}

const char *lxm_capability_to_string(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

int lxm_format_utc(int64_t seconds, char *buf, size_t size)
{
	/* Days since 1970-01-01 to a proleptic Gregorian date, in 400-year eras of 146097 days
	 * starting on March 1st (so the leap day ends a year): H. Hinnant's civil_from_days(). */
	int64_t days = seconds / 86400, rem = seconds % 86400;
	if (rem < 0)
		rem += 86400, days--;
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                   /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);           /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                 /* [0, 11], March first */
	int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);

	if (year < 0 || year > 9999)
		return -ERANGE;
	int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)year, (int)month, (int)day,
			 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

int lxm_cpus_to_milli(double cpus, uint64_t *ret)
{
	/* Compared as given, before rounding: 0.0099 would round up to 10 thousandths. */
	if (!(cpus >= LXM_CPUS_MILLI_MIN / 1000.0) || !(cpus <= LXM_CPUS_MILLI_MAX / 1000.0))
		return -EINVAL;
	*ret = (uint64_t)(cpus * 1000 + 0.5);
	return 0;
}
