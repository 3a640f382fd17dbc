/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device allow-list for cgroup v2 as a BPF_PROG_TYPE_CGROUP_DEVICE program. */
#pragma once

#include <stddef.h>

struct bpf_insn;

struct lxm_device_rule {
	char type;   /* 'a' all, 'b' block, 'c' char */
	int major;   /* -1 = any */
	int minor;   /* -1 = any */
	int access;  /* BPF_DEVCG_ACC_* bits: mknod 1, read 2, write 4 */
};

/* "c 1:3 rwm", "b *:* m", "c 136:* rw", "a" (everything). -EINVAL otherwise. */
int lxm_cgroup_parse_device_rule(const char *s, struct lxm_device_rule *ret);
/* The program allowing exactly the rules (default deny). *ret owned. */
int lxm_cgroup_bpf_devices_program(const char *const *rules, struct bpf_insn **ret, size_t *ret_n);
/* Loads the program and attaches it to the cgroup2 directory (BPF_F_ALLOW_MULTI), replacing a
 * device program attached there before. */
int lxm_cgroup_bpf_devices_attach(const char *cgroup_path, const char *const *rules);
