/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The limits keys as `lxcmgr limit NAME KEY=VALUE` takes them: parsing into struct
 * lxm_cgroup_limits (the same rules as the config's validation), the config text of each value,
 * the check of a cpuset against the host's online CPUs, and reading back what the kernel holds.
 */
#pragma once

#include <stdbool.h>

#include "cgroup/cgroup.h"

extern const char *const lxm_limit_keys[]; /* NULL-terminated: memory memory_high swap cpus ... */

/* One "KEY=VALUE". An empty VALUE resets the key: it is removed from the config and the cgroup
 * gets the kernel's default (max, weight 100, all online CPUs). Sets the field of KEY in *l and
 * *ret_config_value (owned; NULL = remove the key from the config). -EINVAL (logged) for an unknown
 * key or a bad value. l->cpuset points into *ret_cpuset (owned) when KEY is cpuset. */
int lxm_limit_parse_kv(const char *kv, struct lxm_cgroup_limits *l, char **ret_key, char **ret_config_value,
		       char **ret_cpuset);

/* 0 when every CPU of cpuset is online on this host ("/sys/devices/system/cpu/online"),
 * -EINVAL (logged, naming the CPU and the online list) otherwise. online_path NULL = the real file. */
int lxm_cpuset_check_online(const char *cpuset, const char *online_path);

/* What the kernel holds for KEY in the cgroup, as text: "512M", "max", "1.5", "0-1",
 * "ignored on cgroup v1". *ret owned; -ENOENT when the file is missing. */
int lxm_limit_read_effective(struct lxm_cgroup *cg, const char *key, char **ret);

/* Bytes as "512M", "1.5G", "4096" (exact binary units when they divide), "max" for UINT64_MAX. */
void lxm_format_size(uint64_t v, char *buf, size_t size);
