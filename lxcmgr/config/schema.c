/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "config/cfgtext.h"
#include "config/config.h"
#include "config/schema.h"
#include "config/validate.h"
#include "util/log.h"
#include "util/macros.h"

#define STR(n) CFG_STR(n, NULL, CFGF_NODEFAULT)
#define STR_DEF(n, d) CFG_STR(n, d, CFGF_NONE)
#define INT(n) CFG_INT(n, 0, CFGF_NODEFAULT)
#define INT_DEF(n, d) CFG_INT(n, d, CFGF_NONE)
#define BOOL_DEF(n, d) CFG_BOOL(n, d, CFGF_NONE)
#define MULTI (CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES)

static cfg_opt_t console_opts[] = {
	STR_DEF("ring_size", "128K"),
	STR_DEF("log_size", "1M"),
	INT_DEF("log_rotate", 2),
	INT_DEF("ttys", LXM_CONFIG_TTYS_DEFAULT), /* LXC's lxc.tty.max: /dev/tty1..N */
	CFG_END(),
};

static cfg_opt_t network_opts[] = {
	STR_DEF("type", "veth"),
	STR_DEF("bridge", "lxcbr0"),
	STR_DEF("hwaddr", "auto"),
	INT("mtu"),
	STR("ipv4"),
	STR("ipv4_gateway"),
	STR("ipv6"),
	STR("ipv6_gateway"),
	CFG_END(),
};

static cfg_opt_t limits_opts[] = {
	STR("memory"),
	STR("memory_high"),
	STR("swap"),
	CFG_FLOAT("cpus", 0, CFGF_NODEFAULT),
	INT("cpu_weight"),
	STR("cpuset"),
	STR("pids"),
	INT("io_weight"),
	CFG_END(),
};

static cfg_opt_t mount_opts[] = {
	STR("source"),
	STR("target"),
	STR_DEF("options", "bind"),
	CFG_END(),
};

static cfg_opt_t security_opts[] = {
	BOOL_DEF("privileged", cfg_false), /* unprivileged by default: root inside is not host root */
	STR_DEF("idmap", "auto"),
	STR("idmap_shifted"), /* written by lxcmgr: the map the rootfs' owners were shifted with */
	CFG_STR_LIST("cap_drop", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("cap_keep", NULL, CFGF_NODEFAULT),
	BOOL_DEF("no_new_privs", cfg_false),
	STR_DEF("seccomp", "default"),
	STR_DEF("apparmor", "generated"),
	CFG_STR_LIST("devices", NULL, CFGF_NODEFAULT),
	CFG_END(),
};

static cfg_opt_t cgroup_opts[] = {
	STR_DEF("layout", "host"), /* what the container sees at /sys/fs/cgroup: runtime/steps/cgroupfs.c */
	CFG_END(),
};

static cfg_opt_t autostart_opts[] = {
	BOOL_DEF("enabled", cfg_false),
	INT_DEF("order", 0),
	INT_DEF("delay", 0),
	STR("group"),
	CFG_END(),
};

static cfg_opt_t restart_opts[] = {
	STR_DEF("policy", "no"),
	INT_DEF("max", 5),
	INT_DEF("window", 300),
	INT_DEF("backoff", 1),
	CFG_END(),
};

static cfg_opt_t forward_opts[] = {
	STR_DEF("proto", "tcp"),
	INT("host_port"),
	INT("container_port"),
	CFG_END(),
};

static cfg_opt_t hook_opts[] = {
	STR("pre_start"),
	STR("post_start"),
	STR("pre_stop"),
	STR("post_stop"),
	CFG_END(),
};

static cfg_opt_t container_opts[] = {
	STR("name"),
	STR("uuid"),
	STR("template"),
	STR("release"),
	STR("arch"),
	STR("init_system"),
	STR("created"),
	STR("hostname"),
	STR("init"),
	STR("halt_signal"),
	STR("reboot_signal"),
	STR_DEF("storage", "dir"),
	STR("storage_base"),
	CFG_SEC("console", console_opts, CFGF_NONE),
	CFG_SEC("network", network_opts, MULTI),
	CFG_SEC("limits", limits_opts, CFGF_NONE),
	CFG_SEC("cgroup", cgroup_opts, CFGF_NONE),
	CFG_SEC("mount", mount_opts, MULTI),
	CFG_SEC("security", security_opts, CFGF_NONE),
	CFG_SEC("autostart", autostart_opts, CFGF_NONE),
	CFG_SEC("restart", restart_opts, CFGF_NONE),
	CFG_SEC("forward", forward_opts, MULTI),
	CFG_SEC("hook", hook_opts, CFGF_NONE),
	CFG_END(),
};

/* The container sections a global `defaults { }` block may hold. */
static cfg_opt_t defaults_opts[] = {
	CFG_SEC("console", console_opts, CFGF_NONE),
	CFG_SEC("network", network_opts, MULTI),
	CFG_SEC("limits", limits_opts, CFGF_NONE),
	CFG_SEC("cgroup", cgroup_opts, CFGF_NONE),
	CFG_SEC("security", security_opts, CFGF_NONE),
	CFG_SEC("autostart", autostart_opts, CFGF_NONE),
	CFG_SEC("restart", restart_opts, CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t global_opts[] = {
	STR("lib_dir"),
	STR("cache_dir"),
	STR("run_dir"),
	STR_DEF("default_template", "busybox"),
	STR("default_release"),
	/* No default here: each template has its own (debian: systemd, busybox: busybox), and a
	 * global "systemd" would be passed to templates that cannot install it. */
	STR("default_init"),
	CFG_SEC("defaults", defaults_opts, CFGF_NONE),
	CFG_END(),
};

struct validator {
	const char *path;
	cfg_validate_callback_t fn;
};

/* Paths relative to a container config (or to `defaults` in the global config). */
static const struct validator container_validators[] = {
	{ "name", lxm_v_name },
	{ "uuid", lxm_v_uuid },
	{ "template", lxm_v_nonempty },
	{ "init_system", lxm_v_init_system },
	{ "created", lxm_v_timestamp },
	{ "hostname", lxm_v_hostname },
	{ "storage", lxm_v_storage },
	{ "storage_base", lxm_v_abs_path },
	{ "init", lxm_v_command },
	{ "halt_signal", lxm_v_signal },
	{ "reboot_signal", lxm_v_signal },
	{ "console|ring_size", lxm_v_size },
	{ "console|log_size", lxm_v_size },
	{ "console|log_rotate", lxm_v_log_rotate },
	{ "console|ttys", lxm_v_ttys },
	{ "network", lxm_v_network_section },
	{ "network|type", lxm_v_net_type },
	{ "network|bridge", lxm_v_ifname },
	{ "network|hwaddr", lxm_v_hwaddr },
	{ "network|mtu", lxm_v_mtu },
	{ "network|ipv4", lxm_v_ipv4 },
	{ "network|ipv4_gateway", lxm_v_gateway4 },
	{ "network|ipv6", lxm_v_ipv6 },
	{ "network|ipv6_gateway", lxm_v_gateway6 },
	{ "limits|memory", lxm_v_memory },
	{ "limits|memory_high", lxm_v_size },
	{ "limits|swap", lxm_v_size },
	{ "limits|cpus", lxm_v_cpus },
	{ "limits|cpu_weight", lxm_v_weight },
	{ "limits|cpuset", lxm_v_cpuset },
	{ "limits|pids", lxm_v_pids },
	{ "limits|io_weight", lxm_v_weight },
	{ "cgroup|layout", lxm_v_cgroup_layout },
	{ "mount", lxm_v_mount_section },
	{ "mount|source", lxm_v_nonempty },
	{ "mount|target", lxm_v_mount_target },
	{ "security|idmap", lxm_v_idmap },
	{ "security|idmap_shifted", lxm_v_idmap_shifted },
	{ "security|cap_drop", lxm_v_capability },
	{ "security|cap_keep", lxm_v_capability },
	{ "security|seccomp", lxm_v_seccomp },
	{ "security|apparmor", lxm_v_apparmor },
	{ "security|devices", lxm_v_device },
	{ "autostart|delay", lxm_v_nonnegative },
	{ "autostart|group", lxm_v_group },
	{ "restart|policy", lxm_v_policy },
	{ "restart|max", lxm_v_nonnegative },
	{ "restart|window", lxm_v_positive },
	{ "restart|backoff", lxm_v_nonnegative },
	{ "forward", lxm_v_forward_section },
	{ "forward|proto", lxm_v_proto },
	{ "forward|host_port", lxm_v_port },
	{ "forward|container_port", lxm_v_port },
	{ "hook|pre_start", lxm_v_abs_path },
	{ "hook|post_start", lxm_v_abs_path },
	{ "hook|pre_stop", lxm_v_abs_path },
	{ "hook|post_stop", lxm_v_abs_path },
};

static const struct validator global_validators[] = {
	{ "lib_dir", lxm_v_abs_path },
	{ "cache_dir", lxm_v_abs_path },
	{ "run_dir", lxm_v_abs_path },
	{ "default_template", lxm_v_nonempty },
	{ "default_init", lxm_v_init_system },
};

/* The source named in messages of the parse in progress (parsing is single-threaded). */
static const char *current_source = "config";

static void report_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg && cfg->line > 0)
		log_error("%s:%d: %s", current_source, cfg->line, msg);
	else
		log_error("%s: %s", current_source, msg);
}

/* Walks "section|option" through option tables without touching a cfg (cfg_getopt would
 * report a missing option as a parse error). */
static cfg_opt_t *find_path(cfg_opt_t *opts, const char *path)
{
	char buf[128];
	char *save = NULL;
	cfg_opt_t *opt = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *part = strtok_r(buf, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
		if (opt)
			opts = opt->subopts;
		opt = lxm_schema_find(opts, part);
		if (!opt)
			return NULL;
	}
	return opt;
}

/* Installs the validators whose option exists under prefix (`defaults` holds only some sections). */
static void install(cfg_t *cfg, const char *prefix, const struct validator *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s%s", prefix, v[i].path);
		if (find_path(cfg->opts, path))
			cfg_set_validate_func(cfg, path, v[i].fn);
	}
}

/* Sets the validators in the static option tables, once per process: cfg_init() copies each
 * option with its validator, so every cfg made from the tables has them, as install() would give
 * (cfg_set_validate_func() only sets the copy's validcb), for a fraction of the cost: list parses
 * one config per container and install() was a third of each parse. */
static void install_static(cfg_opt_t *opts, const struct validator *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cfg_opt_t *opt = find_path(opts, v[i].path);
		if (opt)
			opt->validcb = v[i].fn;
	}
}

static void install_static_once(void)
{
	static bool done;

	if (done)
		return;
	install_static(container_opts, container_validators, ARRAY_SIZE(container_validators));
	install_static(defaults_opts, container_validators, ARRAY_SIZE(container_validators));
	install_static(global_opts, global_validators, ARRAY_SIZE(global_validators));
	done = true;
}

cfg_t *lxm_schema_container_new(void)
{
	install_static_once();
	cfg_t *cfg = cfg_init(container_opts, CFGF_NONE);
	if (!cfg)
		return NULL;
	cfg_set_error_function(cfg, report_error);
	return cfg;
}

cfg_t *lxm_schema_global_new(void)
{
	install_static_once();
	cfg_t *cfg = cfg_init(global_opts, CFGF_NONE);
	if (!cfg)
		return NULL;
	cfg_set_error_function(cfg, report_error);
	return cfg;
}

void lxm_schema_prepare(cfg_t *cfg, const char *prefix)
{
	cfg_set_error_function(cfg, report_error);
	install(cfg, prefix, container_validators, ARRAY_SIZE(container_validators));
}

static void ignore_error(cfg_t *cfg, const char *fmt, va_list ap)
{
}

static int parse(cfg_t *cfg, const char *text, const char *source, bool quiet)
{
	const char *saved = current_source;
	_cleanup_free_ char *plain = NULL;
	int r;

	unsigned line = 0;
	r = lxm_cfgtext_blank_comments(text, &plain, &line);
	if (r == -EBADMSG && quiet)
		return -EINVAL;
	if (r == -EBADMSG)
		return log_error_errno(-EINVAL, "%s:%u: Unterminated string", source ? source : "config", line);
	if (r < 0)
		return r;
	current_source = source ? source : "config";
	r = cfg_parse_buf(cfg, plain);
	current_source = saved;
	switch (r) {
	case CFG_SUCCESS:
		break;
	case CFG_PARSE_ERROR:
		return -EINVAL;
	default:
		return -ENOMEM;
	}

	/* libconfuse accepts a file that ends inside a section; a truncated file must not load. */
	_cleanup_cfgtext_free_ struct lxm_cfgtext_block *b = NULL;
	r = lxm_cfgtext_parse(text, &b, &line);
	if (r < 0 && quiet)
		return -EINVAL;
	if (r == -ENODATA)
		return log_error_errno(-EINVAL, "%s:%u: Unexpected end of file: a section is missing its '}'",
				       source ? source : "config", line);
	if (r < 0)
		return log_error_errno(-EINVAL, "%s:%u: Syntax error", source ? source : "config", line);
	return 0;
}

int lxm_schema_parse(cfg_t *cfg, const char *text, const char *source)
{
	return parse(cfg, text, source, false);
}

int lxm_schema_parse_quiet(cfg_t *cfg, const char *text)
{
	cfg_set_error_function(cfg, ignore_error);
	return parse(cfg, text, NULL, true);
}

cfg_opt_t *lxm_schema_container_opts(void)
{
	install_static_once();
	return container_opts;
}

cfg_opt_t *lxm_schema_global_opts(void)
{
	return global_opts;
}

cfg_opt_t *lxm_schema_find(cfg_opt_t *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (STREQ(opts->name, name))
			return opts;
	return NULL;
}
