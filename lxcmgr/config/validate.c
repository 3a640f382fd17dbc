/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <ctype.h>
#include <net/if.h>
#include <stdbool.h>
#include <time.h>
#include <uuid/uuid.h>

#include "config/config.h"
#include "config/validate.h"
#include "util/macros.h"
#include "util/parse.h"

/* The value being validated: the last one set (a list's newest element). */
static const char *last_str(cfg_opt_t *opt)
{
	unsigned n = cfg_opt_size(opt);
	return n ? cfg_opt_getnstr(opt, n - 1) : NULL;
}

static long last_int(cfg_opt_t *opt)
{
	unsigned n = cfg_opt_size(opt);
	return n ? cfg_opt_getnint(opt, n - 1) : 0;
}

/* "limits.memory" or "network.eth0.ipv4" for messages. */
static const char *label(cfg_t *cfg, cfg_opt_t *opt, char *buf, size_t size)
{
	const char *title = cfg_title(cfg);
	if (!cfg->name || STREQ(cfg->name, "root"))
		snprintf(buf, size, "%s", opt->name);
	else if (title)
		snprintf(buf, size, "%s.%s.%s", cfg->name, title, opt->name);
	else
		snprintf(buf, size, "%s.%s", cfg->name, opt->name);
	return buf;
}

static int bad(cfg_t *cfg, cfg_opt_t *opt, const char *value, const char *why)
{
	char buf[256];
	cfg_error(cfg, "Invalid value '%s' for '%s': %s", value ? value : "", label(cfg, opt, buf, sizeof(buf)),
		  why);
	return -1;
}

static int bad_int(cfg_t *cfg, cfg_opt_t *opt, long value, const char *why)
{
	char v[32];
	snprintf(v, sizeof(v), "%ld", value);
	return bad(cfg, opt, v, why);
}

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (STREQ(s, *list))
			return true;
	return false;
}

bool lxm_config_name_is_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 1 || n > 63 || name[0] == '-' || name[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) || name[i] == '-'))
			return false;
	return true;
}

int lxm_v_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (!lxm_config_name_is_valid(s))
		return bad(cfg, opt, s, "names are 1-63 characters of a-z, 0-9 and '-', not starting or ending with '-'");
	return 0;
}

int lxm_v_uuid(cfg_t *cfg, cfg_opt_t *opt)
{
	uuid_t u;
	const char *s = last_str(opt);
	if (!s || uuid_parse(s, u) < 0)
		return bad(cfg, opt, s, "not a UUID");
	return 0;
}

int lxm_v_init_system(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const inits[] = { "systemd", "sysvinit", "openrc", "runit", "busybox", "shim", "unknown", NULL };
	const char *s = last_str(opt);
	if (!s || !one_of(s, inits))
		return bad(cfg, opt, s, "expected systemd, sysvinit, openrc, runit, busybox, shim or unknown");
	return 0;
}

int lxm_v_timestamp(cfg_t *cfg, cfg_opt_t *opt)
{
	struct tm tm = {};
	const char *s = last_str(opt);
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end || (*end && !STREQ(end, "Z")))
		return bad(cfg, opt, s, "expected an ISO 8601 UTC time such as 2024-01-31T12:00:00Z");
	return 0;
}

int lxm_v_hostname(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	size_t n = s ? strlen(s) : 0, label_len = 0;

	if (n < 1 || n > 253)
		return bad(cfg, opt, s, "a host name has 1-253 characters");
	for (size_t i = 0; i <= n; i++) {
		char c = s[i];
		if (c == '.' || c == 0) {
			if (label_len == 0 || label_len > 63 || s[i - 1] == '-')
				return bad(cfg, opt, s, "each dot-separated label has 1-63 characters and does not end with '-'");
			label_len = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && !(c == '-' && label_len > 0))
			return bad(cfg, opt, s, "only letters, digits, '-' and '.' are allowed");
		label_len++;
	}
	return 0;
}

int lxm_v_command(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (!s || s[0] != '/')
		return bad(cfg, opt, s, "the command must start with an absolute path");
	return 0;
}

int lxm_v_signal(cfg_t *cfg, cfg_opt_t *opt)
{
	int sig;
	const char *s = last_str(opt);
	if (lxm_parse_signal(s, &sig) < 0)
		return bad(cfg, opt, s, "not a signal (use a name such as SIGPWR or SIGRTMIN+3, or a number)");
	return 0;
}

int lxm_v_nonempty(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (IS_EMPTY(s))
		return bad(cfg, opt, s, "must not be empty");
	return 0;
}

int lxm_v_abs_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (!s || s[0] != '/')
		return bad(cfg, opt, s, "must be an absolute path");
	return 0;
}

int lxm_v_size(cfg_t *cfg, cfg_opt_t *opt)
{
	uint64_t v;
	const char *s = last_str(opt);
	if (lxm_parse_size(s, &v) < 0)
		return bad(cfg, opt, s, "not a size (use a number with an optional K, M, G or T suffix, or max)");
	return 0;
}

/* limits.memory: 0 is no "no limit" (that is max) but a limit nothing fits under, which the kernel
 * refuses at start (v1: EBUSY) or answers with an OOM kill of init (v2). */
int lxm_v_memory(cfg_t *cfg, cfg_opt_t *opt)
{
	uint64_t v;
	const char *s = last_str(opt);
	if (lxm_parse_size(s, &v) < 0)
		return bad(cfg, opt, s, "not a size (use a number with an optional K, M, G or T suffix, or max)");
	if (v == 0)
		return bad(cfg, opt, s, LXM_MEMORY_ZERO_WHY);
	return 0;
}

int lxm_v_log_rotate(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = last_int(opt);
	if (v < 0 || v > 100)
		return bad_int(cfg, opt, v, "expected 0-100 rotated files");
	return 0;
}

static_assert(LXM_CONFIG_TTYS_MAX == 6, "update the message of lxm_v_ttys()");

int lxm_v_ttys(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = last_int(opt);
	if (v < 0 || v > LXM_CONFIG_TTYS_MAX)
		return bad_int(cfg, opt, v, "expected 0-6 (the number of /dev/ttyN)");
	return 0;
}

int lxm_v_net_type(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const types[] = { "veth", "macvlan", "empty", "none", NULL };
	const char *s = last_str(opt);
	if (!s || !one_of(s, types))
		return bad(cfg, opt, s, "expected veth, macvlan, empty or none");
	return 0;
}

static bool ifname_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n >= IFNAMSIZ || STREQ(s, ".") || STREQ(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) || !isprint((unsigned char)s[i]))
			return false;
	return true;
}

int lxm_v_ifname(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (!ifname_is_valid(s))
		return bad(cfg, opt, s, "interface names have 1-15 characters without '/', ':' or spaces");
	return 0;
}

int lxm_v_hwaddr(cfg_t *cfg, cfg_opt_t *opt)
{
	uint8_t mac[6];
	const char *s = last_str(opt);
	if (s && STREQ(s, "auto"))
		return 0;
	if (lxm_parse_mac(s, mac) < 0)
		return bad(cfg, opt, s, "expected \"auto\" or a unicast MAC address such as 02:00:0a:00:03:0a");
	return 0;
}

int lxm_v_mtu(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = last_int(opt);
	if (v < 68 || v > 65535)
		return bad_int(cfg, opt, v, "the MTU must be within 68-65535");
	return 0;
}

static int check_cidr(cfg_t *cfg, cfg_opt_t *opt, int family, bool gateway)
{
	struct lxm_cidr c;
	const char *s = last_str(opt);
	const char *what = family == AF_INET ? "IPv4" : "IPv6";
	char why[160];

	if (s && STREQ(s, "auto"))
		return 0;
	if (!gateway && s && (STREQ(s, "dhcp") || (family == AF_INET && STREQ(s, "none"))))
		return 0;
	if (lxm_parse_cidr(s, gateway, &c) < 0 || c.family != family || (gateway && strchr(s, '/'))) {
		if (gateway)
			snprintf(why, sizeof(why), "expected \"auto\" or an %s address", what);
		else
			snprintf(why, sizeof(why), "expected \"dhcp\", \"auto\"%s or an %s address with prefix length (%s)",
				 family == AF_INET ? ", \"none\"" : "", what, family == AF_INET ? "10.0.3.10/24" : "fd42::10/64");
		return bad(cfg, opt, s, why);
	}
	/* What the address is on its own prefix; a managed network's subnet is checked by `config
	 * set` and at start (runtime/net-check.c), which know the network. */
	const char *problem;
	if (!gateway && family == AF_INET && lxm_cidr_v4_check_host(&c, &problem) < 0)
		return bad(cfg, opt, s, problem);
	return 0;
}

int lxm_v_ipv4(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_cidr(cfg, opt, AF_INET, false);
}

int lxm_v_ipv6(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_cidr(cfg, opt, AF_INET6, false);
}

int lxm_v_gateway4(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_cidr(cfg, opt, AF_INET, true);
}

int lxm_v_gateway6(cfg_t *cfg, cfg_opt_t *opt)
{
	return check_cidr(cfg, opt, AF_INET6, true);
}

/* Multi sections are validated when they close: opt is the section option, the newest is last. */
static cfg_t *last_sec(cfg_opt_t *opt)
{
	unsigned n = cfg_opt_size(opt);
	return n ? cfg_opt_getnsec(opt, n - 1) : NULL;
}

int lxm_v_network_section(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = last_sec(opt);
	const char *title = sec ? cfg_title(sec) : NULL;
	if (!ifname_is_valid(title)) {
		cfg_error(cfg, "Invalid network interface name '%s': 1-15 characters without '/', ':' or spaces",
			  title ? title : "");
		return -1;
	}
	return 0;
}

int lxm_v_cpus(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned n = cfg_opt_size(opt);
	double v = n ? cfg_opt_getnfloat(opt, n - 1) : 0;
	uint64_t milli;
	if (lxm_cpus_to_milli(v, &milli) < 0) {
		char s[64];
		snprintf(s, sizeof(s), "%.15g", v); /* "%g" would show 1000.0001 as 1000 */
		return bad(cfg, opt, s, "the CPU quota is 0.01-1000 (1.5 = one and a half CPUs)");
	}
	return 0;
}

int lxm_v_weight(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = last_int(opt);
	if (v < 1 || v > 10000)
		return bad_int(cfg, opt, v, "weights are within 1-10000");
	return 0;
}

static long host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 ? n : 1;
}

int lxm_v_cpuset(cfg_t *cfg, cfg_opt_t *opt)
{
	uint64_t mask[16];
	const char *s = last_str(opt);
	long ncpu = host_cpus();
	char why[128];

	if (lxm_parse_cpuset(s, mask) < 0)
		return bad(cfg, opt, s, "expected a CPU list such as 0-1,3");
	/* A cpuset naming CPUs the host lacks is refused by the kernel at start: say so now. */
	for (long i = ncpu; i < 1024; i++)
		if (mask[i / 64] & (1ULL << (i % 64))) {
			snprintf(why, sizeof(why), "CPU %ld does not exist on this host (CPUs 0-%ld)", i, ncpu - 1);
			return bad(cfg, opt, s, why);
		}
	return 0;
}

int lxm_v_pids(cfg_t *cfg, cfg_opt_t *opt)
{
	uint64_t v;
	const char *s = last_str(opt);
	if (s && STREQ(s, "max"))
		return 0;
	if (lxm_parse_uint(s, 1, UINT32_MAX, &v) < 0)
		return bad(cfg, opt, s, "expected a number of processes >= 1, or max");
	return 0;
}

int lxm_v_cgroup_layout(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (s && (STREQ(s, "host") || STREQ(s, "unified")))
		return 0;
	return bad(cfg, opt, s, "expected \"host\" (the host's hierarchies) or \"unified\" (cgroup2 only)");
}

int lxm_v_mount_target(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (!s || s[0] != '/')
		return bad(cfg, opt, s, "the target is an absolute path inside the container");
	/* ".." components could name a place outside the rootfs before it is resolved safely. */
	if (strstr(s, "/../") || (strlen(s) >= 3 && STREQ(s + strlen(s) - 3, "/..")))
		return bad(cfg, opt, s, "'..' is not allowed in a mount target");
	return 0;
}

int lxm_v_mount_section(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = last_sec(opt);
	if (!sec)
		return 0;
	if (cfg_size(sec, "source") == 0 || cfg_size(sec, "target") == 0) {
		cfg_error(cfg, "Mount '%s' needs both 'source' and 'target'", cfg_title(sec));
		return -1;
	}
	return 0;
}

/* "u 0 100000 65536; g 0 100000 65536": one or more maps, each "u|g|b INSIDE OUTSIDE COUNT". */
static bool idmap_is_valid(const char *s)
{
	bool any = false;

	while (*s) {
		char kind;
		unsigned long a, b, c;
		int used = 0;

		while (*s == ' ' || *s == ';')
			s++;
		if (!*s)
			break;
		if (sscanf(s, "%c %lu %lu %lu%n", &kind, &a, &b, &c, &used) != 4 || used == 0)
			return false;
		if (!strchr("ugb", kind) || c == 0 || a > UINT32_MAX || b > UINT32_MAX || c > UINT32_MAX)
			return false;
		s += used;
		if (*s && *s != ';' && *s != ' ')
			return false;
		any = true;
	}
	return any;
}

int lxm_v_idmap(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (s && (STREQ(s, "auto") || STREQ(s, "isolated") || idmap_is_valid(s)))
		return 0;
	return bad(cfg, opt, s, "expected \"auto\", \"isolated\" or maps such as \"u 0 100000 65536; g 0 100000 65536\"");
}

int lxm_v_idmap_shifted(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (!s || !*s || idmap_is_valid(s))
		return 0;
	return bad(cfg, opt, s, "expected empty or maps such as \"u 0 100000 65536; g 0 100000 65536\"");
}

int lxm_v_capability(cfg_t *cfg, cfg_opt_t *opt)
{
	int cap;
	const char *s = last_str(opt);
	if (lxm_parse_capability(s, &cap) < 0)
		return bad(cfg, opt, s, "not a capability name (such as sys_admin or CAP_NET_ADMIN)");
	return 0;
}

int lxm_v_seccomp(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (s && (STREQ(s, "default") || STREQ(s, "none") || s[0] == '/'))
		return 0;
	return bad(cfg, opt, s, "expected \"default\", \"none\" or an absolute path to a profile");
}

int lxm_v_apparmor(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (IS_EMPTY(s))
		return bad(cfg, opt, s, "expected \"generated\", \"unconfined\" or a profile name");
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return bad(cfg, opt, s, "a profile name has no spaces");
	return 0;
}

/* "c 10:200 rwm": type, major:minor ('*' for any), access. */
int lxm_v_device(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	char type, majmin[32], access[8];
	int used = 0;

	if (!s || sscanf(s, "%c %31s %7s%n", &type, majmin, access, &used) != 3 || s[used] != 0)
		goto fail;
	if (!strchr("cba", type) || strspn(access, "rwm") != strlen(access))
		goto fail;
	char *colon = strchr(majmin, ':');
	if (!colon)
		goto fail;
	*colon = 0;
	const char *parts[2] = { majmin, colon + 1 };
	for (int i = 0; i < 2; i++) {
		uint64_t v;
		if (!STREQ(parts[i], "*") && lxm_parse_uint(parts[i], 0, UINT32_MAX, &v) < 0)
			goto fail;
	}
	return 0;
fail:
	return bad(cfg, opt, s, "expected \"TYPE MAJOR:MINOR ACCESS\" such as \"c 10:200 rwm\"");
}

int lxm_v_nonnegative(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = last_int(opt);
	if (v < 0)
		return bad_int(cfg, opt, v, "must not be negative");
	return 0;
}

int lxm_v_positive(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = last_int(opt);
	if (v < 1)
		return bad_int(cfg, opt, v, "must be at least 1");
	return 0;
}

int lxm_v_group(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_str(opt);
	if (!lxm_config_name_is_valid(s))
		return bad(cfg, opt, s, "group names are 1-63 characters of a-z, 0-9 and '-'");
	return 0;
}

int lxm_v_policy(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const policies[] = { "no", "on-failure", "always", NULL };
	const char *s = last_str(opt);
	if (!s || !one_of(s, policies))
		return bad(cfg, opt, s, "expected no, on-failure or always");
	return 0;
}

int lxm_v_storage(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const types[] = { "dir", "overlay", "btrfs", NULL };
	const char *s = last_str(opt);
	if (!s || !one_of(s, types))
		return bad(cfg, opt, s, "expected dir, overlay or btrfs");
	return 0;
}

int lxm_v_proto(cfg_t *cfg, cfg_opt_t *opt)
{
	static const char *const protos[] = { "tcp", "udp", NULL };
	const char *s = last_str(opt);
	if (!s || !one_of(s, protos))
		return bad(cfg, opt, s, "expected tcp or udp");
	return 0;
}

int lxm_v_port(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = last_int(opt);
	if (v < 1 || v > 65535)
		return bad_int(cfg, opt, v, "ports are within 1-65535");
	return 0;
}

int lxm_v_forward_section(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = last_sec(opt);
	if (!sec)
		return 0;
	if (cfg_size(sec, "host_port") == 0 || cfg_size(sec, "container_port") == 0) {
		cfg_error(cfg, "Forward '%s' needs both 'host_port' and 'container_port'", cfg_title(sec));
		return -1;
	}
	return 0;
}
