/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2 device programs (BPF_PROG_TYPE_CGROUP_DEVICE): generation, loading, attaching. */
#pragma once

#include <linux/bpf.h>
#include <stddef.h>

#include "security/devices.h"

/* The cgroup v2 device program for rules (default deny). *ret is owned by the caller. */
int lxm_devices_bpf_generate(const struct lxm_device_rule *rules, size_t n, struct bpf_insn **ret,
			     size_t *ret_n);
/* bpf(BPF_PROG_LOAD) of a device program (needs CAP_BPF or CAP_SYS_ADMIN); *ret_fd O_CLOEXEC.
 * The verifier log goes to the debug log on failure. */
int lxm_devices_bpf_load(const struct bpf_insn *insns, size_t n, int *ret_fd);
/* Attaches prog_fd to the cgroup directory (BPF_F_ALLOW_MULTI so systemd inside can add its own,
 * which can only narrow what is allowed). */
int lxm_devices_bpf_attach(int prog_fd, const char *cgroup_dir);

