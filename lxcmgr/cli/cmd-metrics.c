/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr metrics [--disk] [NAME...]: per-container figures in the Prometheus text exposition
 * format, for node_exporter's textfile collector (recipe in lxcmgr(1)). Figures come from the
 * payload cgroup (lxm_cgroup_get_usage), the state files and the container's interfaces; a figure
 * that cannot be read is left out rather than reported as 0.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "cgroup/cgroup.h"
#include "cli/cmd-metrics.h"
#include "cli/commands.h"
#include "cli/metrics-prom.h"
#include "resources/usage.h"
#include "runtime/net-info.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/log.h"
#include "util/macros.h"

static void gather_disk(const char *rootfs, struct lxm_metrics_container *m)
{
	uint64_t bytes = 0;
	if (lxm_usage_disk(rootfs, &bytes) >= 0) /* the same walk as `info --disk` and `stats --disk` */
		m->disk_bytes = bytes;
}

static void gather_running(struct lxm_container *c, pid_t init_pid, struct lxm_metrics_container *m)
{
	const char *u = cfg_getstr(c->config, "uuid");
	if (!u)
		return;

	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	struct lxm_cgroup_usage usage;
	if (lxm_cgroup_open_by_id(u, LXM_CGROUP_PAYLOAD, &cg) >= 0 && lxm_cgroup_get_usage(cg, &usage) >= 0) {
		m->memory_current = usage.memory_current;
		m->memory_peak = usage.memory_peak;
		m->cpu_user_usec = usage.cpu_user_usec;
		m->cpu_system_usec = usage.cpu_system_usec;
		m->pids = usage.pids_current;
	}

	_cleanup_free_ struct lxm_net_iface_info *ifs = NULL;
	size_t n = 0;
	if (init_pid > 0 && lxm_net_info(c->config, u, init_pid, &ifs, &n) >= 0) {
		m->rx_bytes = m->tx_bytes = 0;
		for (size_t i = 0; i < n; i++) {
			m->rx_bytes += ifs[i].rx_bytes;
			m->tx_bytes += ifs[i].tx_bytes;
		}
	}
}

static int gather(struct lxm_context *ctx, const char *name, bool disk, struct lxm_metrics_container *m)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	struct lxm_state_info si;
	int r;

	lxm_metrics_container_init(m);
	m->name = name;
	m->state = "unknown";
	r = lxm_container_load(&ctx->paths, name, &c);
	if (r < 0) {
		m->state = "broken";
		return r == -ENOENT ? r : 0;
	}
	if (lxm_state_query(&ctx->paths, name, &si) >= 0) {
		m->state = lxm_state_to_string(si.state);
		if (si.state == LXM_STATE_RUNNING || si.state == LXM_STATE_FROZEN)
			gather_running(c, si.init_pid, m);
		lxm_state_info_done(&si);
	}
	_cleanup_free_ char *restarts = NULL;
	if (lxm_state_read_key(&ctx->paths, name, "restarts", &restarts) >= 0 && restarts)
		(void)sscanf(restarts, "%" SCNu64, &m->restarts);
	if (disk)
		gather_disk(c->rootfs, m);
	return 0;
}

int lxm_metrics_print(struct lxm_context *ctx, char **names, size_t n, bool disk)
{
	_cleanup_strv_free_ char **all = NULL;
	int r;

	if (n == 0) {
		r = lxm_store_list(&ctx->paths, &all);
		if (r < 0)
			return log_error_errno(r, "Failed to list containers: %m");
		names = all;
		while (all[n])
			n++;
	}

	_cleanup_free_ struct lxm_metrics_container *m = calloc(n ? n : 1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = gather(ctx, names[i], disk, &m[i]);
		if (r < 0)
			return r;
	}
	r = lxm_metrics_prom_write(stdout, m, n);
	if (r < 0 || fflush(stdout) != 0)
		return log_error_errno(-EIO, "Failed to write the metrics");
	return 0;
}

int lxm_cmd_metrics(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = { { "disk", no_argument, NULL, 'd' }, {} };
	bool disk = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "d", options, NULL)) != -1) {
		if (ch != 'd')
			return log_error_errno(-EINVAL, "Usage: lxcmgr metrics [--disk] [NAME...]");
		disk = true;
	}
	return lxm_metrics_print(ctx, argv + optind, (size_t)(argc - optind), disk);
}
