/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container config file (libconfuse). One schema, used by container configs, by the
 * `defaults` block of the global config and by provisioning files.
 *
 * Top level keys:   name uuid template release arch init_system created hostname
 *                   init halt_signal reboot_signal
 * Sections:         console { ring_size log_size log_rotate }
 *                   network NAME { type bridge hwaddr mtu ipv4 ipv4_gateway ipv6 ipv6_gateway }  (multi, titled)
 *                   limits { memory memory_high swap cpus cpu_weight cpuset pids io_weight }
 *                   mount NAME { source target options }                                        (multi, titled)
 *                   security { privileged idmap cap_drop cap_keep no_new_privs seccomp apparmor }
 *                   autostart { enabled order delay group }
 *                   restart { policy max window backoff }
 *                   forward NAME { proto host_port container_port }                             (multi, titled)
 *                   hook { pre_start post_start pre_stop post_stop }
 * Every value is validated while parsing; errors read "PATH:LINE: message".
 */
#pragma once

#include <confuse.h>
#include <stdint.h>

#include "util/macros.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cfg_t *, cfg_free)
#define _cleanup_cfg_free_ _cleanup_(cfg_freep)

/* The identity written into a new container's config. Strings may be NULL/"" where unknown. */
struct lxm_config_identity {
	const char *name;
	const char *uuid;
	const char *template_name;
	const char *release;
	const char *arch;
	const char *init_system; /* systemd | sysvinit | openrc | runit | busybox | unknown */
	const char *created;     /* ISO 8601 UTC */
};

/* Parses and validates the file at path. Errors are logged as "PATH:LINE: ...", -EINVAL then;
 * -ENOENT when missing. *ret owned by caller (cfg_free). */
int lxm_config_load(const char *path, cfg_t **ret);

/* Same for text in memory; name is used in error messages in place of a path. */
int lxm_config_parse_string(const char *text, const char *name, cfg_t **ret);

/* Renders the text of a new container's config: identity, hostname = name, then the
 * global config's `defaults` block (may be NULL), commented and validated. *ret owned. */
int lxm_config_render_new(const struct lxm_config_identity *id, cfg_t *global, char **ret);

/* Dotted keys: "hostname", "limits.memory", "network.eth0.ipv4" (a titled section by title).
 * get: *ret the value as text (lists as "a,b"); -ENOENT when the key is unset, -EINVAL when
 * it is not in the schema. */
int lxm_config_get(cfg_t *cfg, const char *key, char **ret);

/* Edits the file in place keeping comments and layout: replaces the value's text, or adds the
 * key (and a missing section) at the end of its section. The result is validated before it is
 * written atomically; on any error the file is unchanged. value NULL = unset. */
int lxm_config_set_in_file(const char *path, const char *key, const char *value);

/* Writes text to path atomically (temporary file in the same directory, fsync, rename). */
int lxm_write_file_atomic(const char *path, const char *text, unsigned mode);

/* Reads a whole file; *ret NUL-terminated, owned by caller. */
int lxm_read_file(const char *path, char **ret, size_t *ret_size);

/* Typed readers for the string-typed values: the size (limits.memory, console.ring_size: "max" gives
 * UINT64_MAX) or signal (halt_signal, reboot_signal) named name in section sec. -ENOENT when the
 * option is unset and has no default, -EINVAL when unparseable (never after a validated load). */
int lxm_config_get_size(cfg_t *sec, const char *name, uint64_t *ret);
int lxm_config_get_signal(cfg_t *sec, const char *name, int *ret);
