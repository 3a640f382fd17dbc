/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr limit NAME [KEY=VALUE...]: without pairs, the configured and the effective limits; with
 * them, the running container's cgroup and the config at once. Order: every value is parsed and
 * the edited config validated first; then the cgroup gets all values in one all-or-nothing call
 * (a value the kernel refuses rolls back the ones already written); only then is the config file
 * replaced (atomically). A stopped container only gets the config change.
 */
#include <sys/stat.h>

#include "cgroup/cgroup.h"
#include "cli/cli-common.h"
#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "config/config.h"
#include "config/edit.h"
#include "resources/limits.h"
#include "runtime/state.h"
#include "util/log.h"

/* The payload cgroup of a running NAME, or NULL (*ret) when it is not running. */
static int open_payload(struct lxm_context *ctx, const char *name, struct lxm_cgroup **ret)
{
	_cleanup_free_ char *uuid = NULL;
	struct lxm_state_info si = {};
	int r = lxm_state_query(&ctx->paths, name, &si);
	bool running = r >= 0 && si.state != LXM_STATE_STOPPED && si.init_pid > 0;

	lxm_state_info_done(&si);
	*ret = NULL;
	if (r < 0)
		return log_error_errno(r, "Failed to read the state of '%s': %m", name);
	if (!running || lxm_state_read_key(&ctx->paths, name, "uuid", &uuid) < 0)
		return 0;
	r = lxm_cgroup_open_by_id(uuid, LXM_CGROUP_PAYLOAD, ret);
	if (r < 0)
		return log_error_errno(r, "Failed to open the cgroup of '%s': %m", name);
	return 1;
}

static int show(struct lxm_container *c, struct lxm_cgroup *cg)
{
	printf("%-12s %-14s %s\n", "KEY", "CONFIGURED", cg ? "EFFECTIVE" : "EFFECTIVE (not running)");
	for (size_t i = 0; lxm_limit_keys[i]; i++) {
		_cleanup_free_ char *key = NULL, *conf = NULL, *eff = NULL;
		if (asprintf(&key, "limits.%s", lxm_limit_keys[i]) < 0)
			return -ENOMEM;
		conf = lxm_cli_config_str(c->config, key);
		if (cg && lxm_limit_read_effective(cg, lxm_limit_keys[i], &eff) < 0)
			eff = strdup("unavailable");
		printf("%-12s %-14s %s\n", lxm_limit_keys[i], conf ? conf : "-", eff ? eff : "-");
	}
	return 0;
}

/* Parses every pair into *l and the edited config text into *ret_text (validated). */
static int parse_pairs(struct lxm_container *c, char **pairs, size_t n, struct lxm_cgroup_limits *l,
		       char **cpuset_buf, char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	int r = lxm_read_file(c->config_path, &text, NULL);

	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m", c->config_path);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = NULL, *value = NULL, *dotted = NULL, *out = NULL;
		r = lxm_limit_parse_kv(pairs[i], l, &key, &value, cpuset_buf);
		if (r < 0)
			return r;
		if (asprintf(&dotted, "limits.%s", key) < 0)
			return -ENOMEM;
		r = lxm_config_edit_text(text, dotted, value, &out);
		if (r < 0)
			return r;
		free(text);
		text = TAKE_PTR(out);
	}
	r = lxm_config_parse_string(text, c->config_path, NULL);
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(text);
	return 0;
}

static int change(struct lxm_container *c, struct lxm_cgroup *cg, char **pairs, size_t n)
{
	struct lxm_cgroup_limits l = LXM_CGROUP_LIMITS_INIT;
	_cleanup_free_ char *text = NULL, *cpuset = NULL, *notes = NULL;
	struct stat st;
	int r;

	r = parse_pairs(c, pairs, n, &l, &cpuset, &text);
	if (r < 0)
		return r;
	if (cg) {
		r = lxm_cgroup_set_limits(cg, &l, &notes);
		/* A refused value is neither a usage nor a state error (EBUSY here means "cannot
		 * reclaim below that"): exit code 1 */
		if (r < 0 && lxm_cgroup_strerror(cg)) {
			log_error_errno(r, "The kernel refused the new limits of '%s', nothing changed: %s", c->name,
					lxm_cgroup_strerror(cg));
			return LXM_EXIT_FAILURE;
		}
		if (r < 0) {
			log_error_errno(r, "Failed to apply the new limits of '%s', nothing changed: %m", c->name);
			return LXM_EXIT_FAILURE;
		}
		for (char *line = notes, *end; line && *line; line = end ? end + 1 : NULL) {
			end = strchr(line, '\n');
			if (end)
				*end = '\0';
			log_warning("%s", line);
		}
	} else if (l.memory_high != LXM_CGROUP_UNSET && access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0)
		log_warning("memory_high is ignored on cgroup v1");
	if (stat(c->config_path, &st) < 0)
		return log_error_errno(-errno, "Failed to stat '%s': %m", c->config_path);
	r = lxm_write_file_atomic(c->config_path, text, st.st_mode & 07777);
	if (r < 0)
		return log_error_errno(r, "Failed to write '%s' (the running container has the new limits): %m",
				       c->config_path);
	return 0;
}

int lxm_cmd_limit(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	if (argc < 2 || argv[1][0] == '-')
		return log_error_errno(-EINVAL, "Usage: lxcmgr limit NAME [KEY=VALUE...]");
	const char *name = argv[1];
	/* The lock: no start or stop while the cgroup and the config change together. */
	r = lxm_cli_runtime_open(ctx, name, &c, argc > 2 ? &lock : NULL);
	if (r < 0)
		return r;
	r = open_payload(ctx, name, &cg);
	if (r < 0)
		return r;
	if (argc == 2)
		return show(c, cg);
	return change(c, cg, argv + 2, (size_t)argc - 2);
}
