/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Value validators for the config schema (libconfuse validate callbacks). Each checks the value
 * just parsed (for lists: the element just added), reports "PATH:LINE: message" through
 * cfg_error() and returns -1 to stop the parse.
 */
#pragma once

#include <confuse.h>
#include <stdbool.h>

int lxm_v_name(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_uuid(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_init_system(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_timestamp(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_hostname(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_command(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_signal(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_nonempty(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_abs_path(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_size(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_memory(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_log_rotate(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_ttys(cfg_t *cfg, cfg_opt_t *opt);

int lxm_v_net_type(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_ifname(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_hwaddr(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_mtu(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_ipv4(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_ipv6(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_gateway4(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_gateway6(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_network_section(cfg_t *cfg, cfg_opt_t *opt);

int lxm_v_cpus(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_weight(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_cpuset(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_pids(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_cgroup_layout(cfg_t *cfg, cfg_opt_t *opt);

int lxm_v_mount_target(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_mount_section(cfg_t *cfg, cfg_opt_t *opt);

int lxm_v_idmap(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_idmap_shifted(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_capability(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_seccomp(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_apparmor(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_device(cfg_t *cfg, cfg_opt_t *opt);

int lxm_v_nonnegative(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_positive(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_group(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_policy(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_storage(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_proto(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_port(cfg_t *cfg, cfg_opt_t *opt);
int lxm_v_forward_section(cfg_t *cfg, cfg_opt_t *opt);

/* Why limits.memory 0 is refused (the config's validation and `limit`). */
#define LXM_MEMORY_ZERO_WHY "0 leaves no memory at all (use max for no limit)"

/* Container names: 1-63 chars of [a-z0-9-], not starting or ending with '-'. No logging. */
bool lxm_config_name_is_valid(const char *name);
