/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device allow-list: which device nodes a container may create (mknod) and open. Enforced by
 * the v1 devices controller (devices.deny "a" + devices.allow rules) or, on cgroup v2, by a
 * BPF_PROG_TYPE_CGROUP_DEVICE program generated here and attached to the payload cgroup.
 */
#pragma once

#include <stddef.h>

#include "cgroup/cgroup.h"

#define LXM_DEV_ANY (-1)

enum {
	LXM_DEV_ACC_MKNOD = 1, /* same bits as BPF_DEVCG_ACC_* */
	LXM_DEV_ACC_READ = 2,
	LXM_DEV_ACC_WRITE = 4,
	LXM_DEV_ACC_ALL = 7,
};

struct lxm_device_rule {
	char type; /* 'c', 'b' or 'a' (any) */
	int major; /* LXM_DEV_ANY for '*' */
	int minor;
	unsigned access; /* LXM_DEV_ACC_* bits */
};

/* Parses a rule in the v1 devices.allow syntax: "c 1:3 rwm", "c 136:* rw", "b *:* m", "a". */
int lxm_device_rule_parse(const char *s, struct lxm_device_rule *ret);
/* The same syntax back, for devices.allow: buf of at least 32 bytes. */
void lxm_device_rule_format(const struct lxm_device_rule *r, char *buf, size_t size);

/* The default allow-list (null zero full random urandom tty console ptmx, pts 136:*, fuse, and
 * mknod of any node) followed by the configured extra rules (NULL-terminated, may be NULL).
 * *ret is owned by the caller; -EINVAL names the bad rule in the log. */
int lxm_devices_rules(const char *const *extra, struct lxm_device_rule **ret, size_t *ret_n);

/* Applies rules to the payload cgroup: v1 devices controller, v2 BPF program (the program stays
 * attached after the fd is closed, until the cgroup is removed). *ret_how names the mechanism
 * ("cgroup v1 devices controller" or "cgroup v2 BPF device program"; static). */
int lxm_devices_apply(struct lxm_cgroup *cg, const struct lxm_device_rule *rules, size_t n,
		      const char **ret_how);
