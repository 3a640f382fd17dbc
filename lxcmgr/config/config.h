/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container config file (libconfuse). One schema, used by container configs, by the
 * `defaults` block of the global config and by provisioning files. Read values with libconfuse:
 * cfg_getstr/cfg_getint/cfg_getfloat/cfg_getbool, cfg_getsec(cfg, "limits") (never NULL for the
 * plain sections), cfg_size(cfg, "network") + cfg_getnsec(cfg, "network", i) + cfg_title(sec) or
 * cfg_gettsec(cfg, "network", "eth0") for titled ones. "-" below = no default: cfg_size() is 0 and
 * cfg_getstr() NULL (cfg_getint/float 0) when unset. Every value is validated while parsing;
 * errors read "PATH:LINE: message". Sizes and signals are strings: use lxm_config_get_size() and
 * lxm_config_get_signal() (or lxm_parse_size/lxm_parse_signal from util/parse.h).
 *
 * Top level (all str, -): name uuid template release arch init_system created hostname
 *                   init (command line for PID 1) halt_signal reboot_signal (signal names/numbers)
 *                   storage str "dir" (dir|overlay|btrfs); storage_base str - (absolute: overlay lower)
 * console { ring_size str size "128K"; log_size str size "1M"; log_rotate int 2;
 *     ttys int 4 (0-6: /dev/tty1..N, LXC's lxc.tty.max) }
 * network NAME {    (multi, titled by the interface name inside the container, unique)
 *     type str "veth" (veth|macvlan|empty|none); bridge str "lxcbr0"; hwaddr str "auto" (or MAC);
 *     mtu int - (68-65535); ipv4 str - ("dhcp"|"auto"|A.B.C.D/N); ipv4_gateway str - ("auto"|addr);
 *     ipv6 str - ("dhcp"|"auto"|ADDR/N); ipv6_gateway str - ("auto"|addr) }
 * limits { memory str size - (> 0); memory_high str size -; swap str size -; cpus float - (0.01-1000);
 *     cpu_weight int - (1-10000); cpuset str - ("0-1,3", within the host); pids str - (>= 1 or
 *     "max"; a bare number in the file is fine); io_weight int - (1-10000) }
 * cgroup { layout str "host" ("host": /sys/fs/cgroup inside shows the host's hierarchies, v1 ones
 *     included; "unified": only the cgroup2 one, as on a pure v2 host) }
 * mount NAME { source str - (required); target str - (absolute, required); options str "bind" }  (multi)
 * security { privileged bool false; idmap str "auto" ("auto"|"isolated"|"u 0 100000 65536; g ...");
 *     idmap_shifted str - (written by lxcmgr: the map the rootfs' owners are shifted with);
 *     cap_drop str list -; cap_keep str list - (names as "sys_admin" or "CAP_SYS_ADMIN");
 *     no_new_privs bool false; seccomp str "default" ("default"|"none"|/path);
 *     apparmor str "generated" ("generated"|"unconfined"|profile); devices str list -
 *     ("c 10:200 rwm": TYPE MAJOR:MINOR ACCESS, '*' allowed) }
 * autostart { enabled bool false; order int 0; delay int 0 (>= 0); group str - }
 * restart { policy str "no" (no|on-failure|always); max int 5; window int 300; backoff int 1 }
 * forward NAME { proto str "tcp" (tcp|udp); host_port int - ; container_port int - (both required,
 *     1-65535) }                                                                     (multi, titled)
 * hook { pre_start post_start pre_stop post_stop: str - (absolute paths) }
 */
#pragma once

#include <confuse.h>
#include <stdint.h>

#include "util/macros.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cfg_t *, cfg_free)
#define _cleanup_cfg_free_ _cleanup_(cfg_freep)

/* console.ttys: /dev/tty1..N (LXC's lxc.tty.max). The bound is the classic inittab's tty1..6;
 * the runtime's fd arrays are sized by it (runtime/start.h LXM_MAX_TTYS). */
#define LXM_CONFIG_TTYS_DEFAULT 4
#define LXM_CONFIG_TTYS_MAX 6

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
/* Same without messages, for the config before a change (which may be the broken one it fixes). */
int lxm_config_parse_string_quiet(const char *text, cfg_t **ret);

/* Renders the text of a new container's config: identity, hostname = name, then the
 * global config's `defaults` block (may be NULL), commented and validated. *ret owned; ret_cfg
 * (may be NULL): the validation's parse of *ret, for a caller that reads it (cfg_free). */
int lxm_config_render_new(const struct lxm_config_identity *id, cfg_t *global, char **ret, cfg_t **ret_cfg);

/* Dotted keys: "hostname", "limits.memory", "network.eth0.ipv4" (a titled section by title).
 * get: *ret the value as text (lists as "a,b"); -ENOENT when the key is unset, -EINVAL when
 * it is not in the schema. */
int lxm_config_get(cfg_t *cfg, const char *key, char **ret);

/* Edits the file in place keeping comments and layout: replaces the value's text, or adds the
 * key (and a missing section) at the end of its section. The result is validated before it is
 * written atomically; on any error the file is unchanged. value NULL = unset. */
int lxm_config_set_in_file(const char *path, const char *key, const char *value);

/* A check of a change that needs more than the file (other containers, managed networks): old is
 * the config before (NULL when it did not parse), cfg after. < 0 (logged) refuses the change. */
typedef int (*lxm_config_check_fn)(cfg_t *old, cfg_t *cfg, void *userdata);
/* lxm_config_set_in_file() with check (may be NULL) run on the validated result before writing. */
int lxm_config_set_in_file_checked(const char *path, const char *key, const char *value, lxm_config_check_fn check,
				   void *userdata);

/* Writes text to path atomically (temporary file in the same directory, fsync, rename). */
int lxm_write_file_atomic(const char *path, const char *text, unsigned mode);

/* Reads a whole file; *ret NUL-terminated, owned by caller. */
int lxm_read_file(const char *path, char **ret, size_t *ret_size);

/* Typed readers for the string-typed values: the size (limits.memory, console.ring_size: "max" gives
 * UINT64_MAX) or signal (halt_signal, reboot_signal) named name in section sec. -ENOENT when the
 * option is unset and has no default, -EINVAL when unparseable (never after a validated load). */
int lxm_config_get_size(cfg_t *sec, const char *name, uint64_t *ret);
int lxm_config_get_signal(cfg_t *sec, const char *name, int *ret);
