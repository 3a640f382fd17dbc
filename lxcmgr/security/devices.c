/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device allow-list. Without it a container's root could mknod the host's disk (b 8:0) and
 * read or rewrite every file of the host below any mount namespace, or open /dev/mem, /dev/kmsg,
 * or the host's input devices. Only the devices a distro needs are allowed; everything else is
 * denied by default (v1: devices.deny "a"; v2: the program returns 0 unless a rule matched).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/devices-bpf.h"
#include "security/devices.h"
#include "util/log.h"
#include "util/macros.h"

/* What LXC's common.conf allows too. mknod of any node stays allowed (systemd and debootstrap
 * create nodes), because a node that cannot be opened is harmless: read/write is what the rules
 * below grant, per device. */
static const char *const default_rules[] = {
	"c *:* m", "b *:* m",
	"c 1:3 rwm",    /* null */
	"c 1:5 rwm",    /* zero */
	"c 1:7 rwm",    /* full */
	"c 1:8 rwm",    /* random */
	"c 1:9 rwm",    /* urandom */
	"c 5:0 rwm",    /* tty */
	"c 5:1 rwm",    /* console */
	"c 5:2 rwm",    /* ptmx */
	"c 136:* rwm",  /* pts */
	"c 10:229 rwm", /* fuse: filesystems in user space are checked by the kernel per mount */
	NULL,
};

static int parse_num(const char *s, int *ret)
{
	if (STREQ(s, "*")) {
		*ret = LXM_DEV_ANY;
		return 0;
	}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 0xfffff)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int lxm_device_rule_parse(const char *s, struct lxm_device_rule *ret)
{
	char type, num[32], acc[8] = "rwm";
	struct lxm_device_rule r = { .major = LXM_DEV_ANY, .minor = LXM_DEV_ANY, .access = 0 };
	int n = sscanf(s, " %c %31s %7s", &type, num, acc);

	if (n < 1 || !strchr("abc", type))
		return -EINVAL;
	r.type = type;
	if (type == 'a') {
		if (n != 1)
			return -EINVAL;
		r.access = LXM_DEV_ACC_ALL;
		*ret = r;
		return 0;
	}
	if (n < 2)
		return -EINVAL;
	char *colon = strchr(num, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (parse_num(num, &r.major) < 0 || parse_num(colon + 1, &r.minor) < 0)
		return -EINVAL;
	for (const char *a = acc; *a; a++) {
		unsigned bit = *a == 'r' ? LXM_DEV_ACC_READ : *a == 'w' ? LXM_DEV_ACC_WRITE : *a == 'm' ? LXM_DEV_ACC_MKNOD : 0;
		if (!bit || (r.access & bit))
			return -EINVAL;
		r.access |= bit;
	}
	*ret = r;
	return 0;
}

void lxm_device_rule_format(const struct lxm_device_rule *r, char *buf, size_t size)
{
	char maj[16], min[16];
	if (r->type == 'a') {
		snprintf(buf, size, "a");
		return;
	}
	snprintf(maj, sizeof(maj), r->major == LXM_DEV_ANY ? "*" : "%d", r->major);
	snprintf(min, sizeof(min), r->minor == LXM_DEV_ANY ? "*" : "%d", r->minor);
	snprintf(buf, size, "%c %s:%s %s%s%s", r->type, maj, min, r->access & LXM_DEV_ACC_READ ? "r" : "",
		 r->access & LXM_DEV_ACC_WRITE ? "w" : "", r->access & LXM_DEV_ACC_MKNOD ? "m" : "");
}

int lxm_devices_rules(const char *const *extra, struct lxm_device_rule **ret, size_t *ret_n)
{
	size_t n_extra = 0;
	while (extra && extra[n_extra])
		n_extra++;
	_cleanup_free_ struct lxm_device_rule *v = calloc(ARRAY_SIZE(default_rules) + n_extra, sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; default_rules[i]; i++)
		if (lxm_device_rule_parse(default_rules[i], &v[n++]) < 0)
			return -EINVAL;
	for (size_t i = 0; i < n_extra; i++)
		if (lxm_device_rule_parse(extra[i], &v[n++]) < 0)
			return log_error_errno(-EINVAL, "Invalid device rule '%s' (expected e.g. \"c 10:200 rwm\")", extra[i]);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}


static int apply_v2(struct lxm_cgroup *cg, const struct lxm_device_rule *rules, size_t n)
{
	struct lxm_cgroup_hierarchy_info h = { 0 };
	bool found = false;
	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(cg) && !found; i++)
		if (lxm_cgroup_hierarchy(cg, i, &h) >= 0 && h.v2)
			found = true;
	if (!found)
		return -ENOENT;

	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t n_insns;
	int r = lxm_devices_bpf_generate(rules, n, &insns, &n_insns);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = -EBADF;
	r = lxm_devices_bpf_load(insns, n_insns, &fd);
	if (r < 0)
		return log_debug_errno(r, "Failed to load the device program: %m");
	r = lxm_devices_bpf_attach(fd, h.path);
	if (r < 0)
		return log_debug_errno(r, "Failed to attach the device program to '%s': %m", h.path);
	return 0;
}

/* v1 refuses "a" in devices.deny while the cgroup has children: after a reboot from inside, the
 * payload cgroup still holds systemd's sub-cgroups. It was restricted by the first start; accept
 * it only when it still is (no "a *:* rwm" in devices.list), then add the allow rules again. */
static int reapply_v1(struct lxm_cgroup *cg, const char *const *rules)
{
	struct lxm_cgroup_hierarchy_info h;
	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(cg); i++) {
		if (lxm_cgroup_hierarchy(cg, i, &h) < 0 || h.v2 || !strstr(h.controllers, "devices"))
			continue;
		char path[4096], line[64];
		snprintf(path, sizeof(path), "%s/devices.list", h.path);
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "a ", 2) == 0)
			return -EINVAL;
		snprintf(path, sizeof(path), "%s/devices.allow", h.path);
		for (size_t k = 0; rules[k]; k++) {
			_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, rules[k], strlen(rules[k])) < 0)
				return negative_errno();
		}
		return 0;
	}
	return -EINVAL;
}

int lxm_devices_apply(struct lxm_cgroup *cg, const struct lxm_device_rule *rules, size_t n, const char **ret_how)
{
	if (lxm_cgroup_layout(cg) == LXM_CGROUP_LAYOUT_UNIFIED) {
		*ret_how = "cgroup v2 BPF device program";
		return apply_v2(cg, rules, n);
	}
	*ret_how = "cgroup v1 devices controller";
	_cleanup_strv_free_ char **v = calloc(n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		lxm_device_rule_format(&rules[i], buf, sizeof(buf));
		v[i] = strdup(buf);
		if (!v[i])
			return -ENOMEM;
	}
	int r = lxm_cgroup_set_devices(cg, (const char *const *)v);
	if (r == -EINVAL)
		r = reapply_v1(cg, (const char *const *)v);
	return r;
}
