/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr info NAME [--format json] [--disk]: identity, state, paths, config summary. */
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli-common.h"
#include "cli/info-net.h"
#include "cli/commands.h"
#include "config/config.h"
#include "resources/usage.h"
#include "runtime/state.h"
#include "services/monitor-lost.h"
#include "security/summary.h"
#include "store/store.h"
#include "util/json.h"
#include "util/log.h"

static const char *const identity_keys[] = { "name", "uuid", "template", "release", "arch", "init_system",
	"created", "hostname", "init" };
static const char *const limit_keys[] = { "memory", "memory_high", "swap", "cpus", "cpu_weight", "cpuset",
	"pids", "io_weight" };
static const char *const network_keys[] = { "type", "bridge", "hwaddr", "ipv4", "ipv6" };

struct info {
	struct lxm_container *c;
	struct lxm_state_info si;
	uint64_t uptime_sec;
	bool have_disk;
	uint64_t disk;
	unsigned restarts;      /* by the restart policy since the last start */
	char *restart_reason;   /* "killed, restarting in 1000ms", "gave up: ..."; NULL if none */
	struct lxm_usage usage;
};

/* CONTAINERS/NAME/restarts ("COUNT REASON", written by the monitor's restart policy). */
static void read_restarts(struct info *in)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	char *sp;
	if (asprintf(&path, "%s/restarts", in->c->dir) < 0 || lxm_read_file(path, &text, NULL) < 0)
		return;
	text[strcspn(text, "\n")] = '\0';
	in->restarts = (unsigned)strtoul(text, &sp, 10);
	if (*sp == ' ')
		in->restart_reason = strdup(sp + 1);
}

static void print_text(const struct info *in)
{
	cfg_t *cfg = in->c->config;
	for (size_t i = 0; i < ARRAY_SIZE(identity_keys); i++) {
		_cleanup_free_ char *v = lxm_cli_config_str(cfg, identity_keys[i]);
		if (v)
			printf("%-13s %s\n", identity_keys[i], v);
	}
	printf("%-13s %s\n", "state", lxm_state_to_string(in->si.state));
	if (in->si.init_pid > 0) {
		printf("%-13s %d\n", "pid", (int)in->si.init_pid);
		printf("%-13s %llu s\n", "uptime", (unsigned long long)in->uptime_sec);
	}
	if (in->si.last_exit)
		printf("%-13s %s\n", "last_exit", in->si.last_exit);
	if (in->restart_reason)
		printf("%-13s %u (%s)\n", "restarts", in->restarts, in->restart_reason);
	if (lxm_monitor_lost_summary(&in->si))
		printf("%-13s %s\n", "monitor", lxm_monitor_lost_summary(&in->si));
	printf("%-13s %s\n%-13s %s\n%-13s %s\n", "dir", in->c->dir, "config", in->c->config_path, "rootfs",
	       in->c->rootfs);
	if (in->have_disk)
		printf("%-13s %llu MiB\n", "disk", (unsigned long long)(in->disk >> 20));
	for (size_t i = 0; i < ARRAY_SIZE(limit_keys); i++) {
		_cleanup_free_ char *key = NULL, *v = NULL;
		if (asprintf(&key, "limits.%s", limit_keys[i]) < 0)
			return;
		v = lxm_cli_config_str(cfg, key);
		if (v)
			printf("%-13s %s\n", key, v);
	}
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		cfg_t *net = cfg_getnsec(cfg, "network", i);
		printf("network %s:", cfg_title(net));
		for (size_t k = 0; k < ARRAY_SIZE(network_keys); k++) {
			_cleanup_free_ char *key = NULL, *v = NULL;
			if (asprintf(&key, "network.%s.%s", cfg_title(net), network_keys[k]) < 0)
				return;
			v = lxm_cli_config_str(cfg, key);
			if (v)
				printf(" %s=%s", network_keys[k], v);
		}
		printf("\n");
	}
	_cleanup_free_ char *uuid = lxm_cli_config_str(cfg, "uuid");
	lxm_info_net_print_text(cfg, uuid, in->si.init_pid);
	lxm_usage_print_text(&in->usage);
	struct lxm_security_summary sec;
	if (lxm_security_summary(cfg, &sec) >= 0) {
		printf("%-13s %s%s%s\n", "security", sec.mode, sec.idmap ? ", idmap " : "", sec.idmap ? sec.idmap : "");
		printf("%-13s %s%s\n", "seccomp", sec.seccomp, sec.no_new_privs ? ", no_new_privs" : "");
		printf("%-13s %s\n", "apparmor", sec.apparmor);
		lxm_security_summary_done(&sec);
	}
}

static int print_json(const struct info *in)
{
	cfg_t *cfg = in->c->config;
	struct lxm_json j;

	lxm_json_init(&j, stdout, isatty(STDOUT_FILENO));
	lxm_json_object_begin(&j);
	for (size_t i = 0; i < ARRAY_SIZE(identity_keys); i++) {
		_cleanup_free_ char *v = lxm_cli_config_str(cfg, identity_keys[i]);
		lxm_json_kv_string(&j, STREQ(identity_keys[i], "init_system") ? "init" :
				       STREQ(identity_keys[i], "init") ? "init_command" : identity_keys[i], v);
	}
	lxm_json_kv_string(&j, "state", lxm_state_to_string(in->si.state));
	lxm_json_key(&j, "pid");
	in->si.init_pid > 0 ? lxm_json_int(&j, in->si.init_pid) : lxm_json_null(&j);
	lxm_json_key(&j, "uptime_sec");
	in->si.init_pid > 0 ? lxm_json_uint(&j, in->uptime_sec) : lxm_json_null(&j);
	lxm_json_kv_string(&j, "last_exit", in->si.last_exit);
	lxm_json_key(&j, "restarts");
	lxm_json_uint(&j, in->restarts);
	lxm_json_kv_string(&j, "restart_reason", in->restart_reason);
	lxm_json_kv_bool(&j, "monitor_lost", in->si.monitor_lost);
	lxm_json_key(&j, "paths");
	lxm_json_object_begin(&j);
	lxm_json_kv_string(&j, "dir", in->c->dir);
	lxm_json_kv_string(&j, "config", in->c->config_path);
	lxm_json_kv_string(&j, "rootfs", in->c->rootfs);
	lxm_json_object_end(&j);
	lxm_json_key(&j, "disk_bytes");
	in->have_disk ? lxm_json_uint(&j, in->disk) : lxm_json_null(&j);
	lxm_json_key(&j, "limits");
	lxm_json_object_begin(&j);
	for (size_t i = 0; i < ARRAY_SIZE(limit_keys); i++) {
		_cleanup_free_ char *key = NULL, *v = NULL;
		if (asprintf(&key, "limits.%s", limit_keys[i]) < 0)
			return -ENOMEM;
		v = lxm_cli_config_str(cfg, key);
		if (v)
			lxm_json_kv_string(&j, limit_keys[i], v);
	}
	lxm_json_object_end(&j);
	lxm_json_key(&j, "usage");
	lxm_usage_json(&j, &in->usage);
	lxm_json_key(&j, "networks");
	lxm_json_object_begin(&j);
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		cfg_t *net = cfg_getnsec(cfg, "network", i);
		lxm_json_key(&j, cfg_title(net));
		lxm_json_object_begin(&j);
		for (size_t k = 0; k < ARRAY_SIZE(network_keys); k++) {
			_cleanup_free_ char *key = NULL, *v = NULL;
			if (asprintf(&key, "network.%s.%s", cfg_title(net), network_keys[k]) < 0)
				return -ENOMEM;
			v = lxm_cli_config_str(cfg, key);
			if (v)
				lxm_json_kv_string(&j, network_keys[k], v);
		}
		lxm_json_object_end(&j);
	}
	lxm_json_object_end(&j);
	_cleanup_free_ char *uuid = lxm_cli_config_str(cfg, "uuid");
	lxm_info_net_print_json(&j, cfg, uuid, in->si.init_pid);
	struct lxm_security_summary sec;
	if (lxm_security_summary(cfg, &sec) >= 0) {
		lxm_json_key(&j, "security");
		lxm_json_object_begin(&j);
		lxm_json_kv_string(&j, "mode", sec.mode);
		lxm_json_key(&j, "privileged");
		lxm_json_bool(&j, sec.privileged);
		lxm_json_kv_string(&j, "idmap", sec.idmap);
		lxm_json_kv_string(&j, "seccomp", sec.seccomp);
		lxm_json_key(&j, "no_new_privs");
		lxm_json_bool(&j, sec.no_new_privs);
		lxm_json_kv_string(&j, "apparmor", sec.apparmor);
		lxm_json_object_end(&j);
		lxm_security_summary_done(&sec);
	}
	lxm_json_object_end(&j);
	return lxm_json_end(&j);
}

int lxm_cmd_info(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "disk", no_argument, NULL, 'd' },
		{},
	};
	enum lxm_output_format fmt = LXM_FORMAT_TABLE;
	_cleanup_container_free_ struct lxm_container *c = NULL;
	struct info in = {};
	bool disk = false;
	const char *name;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "f:", options, NULL)) != -1) {
		if (ch == 'd')
			disk = true;
		else if (ch != 'f' || (r = lxm_output_format_from_string(optarg, &fmt)) < 0)
			return -EINVAL;
	}
	if ((r = lxm_cli_one_name(argc, argv, "info", &name)) < 0 || (r = lxm_name_validate(name)) < 0)
		return r;
	(void)lxm_store_gc(&ctx->paths);
	if ((r = lxm_container_load(&ctx->paths, name, &c)) < 0)
		return r;
	in.c = c;
	r = lxm_state_query(&ctx->paths, name, &in.si);
	if (r < 0)
		return log_error_errno(r, "Failed to read the state of '%s': %m", name);
	lxm_monitor_lost_warn(name, &in.si, c->config);
	if (in.si.started_usec > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		in.uptime_sec = now > in.si.started_usec ? (now - in.si.started_usec) / 1000000 : 0;
	}
	if (disk)
		in.have_disk = lxm_usage_disk(c->rootfs, &in.disk) >= 0;
	if ((r = lxm_usage_collect(&ctx->paths, c, &in.si, &in.usage)) < 0)
		return r;
	in.usage.have_disk = in.have_disk;
	in.usage.disk_bytes = in.disk;
	read_restarts(&in);
	if (fmt == LXM_FORMAT_JSON)
		r = print_json(&in);
	else
		print_text(&in);
	lxm_state_info_done(&in.si);
	free(in.restart_reason);
	return r;
}
