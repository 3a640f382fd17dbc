/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "resources/limits.h"
#include "resources/usage.h"
#include "runtime/net-info.h"
#include "util/log.h"
#include "util/macros.h"

#define UNKNOWN LXM_CGROUP_USAGE_UNKNOWN

static void net_usage(const struct lxm_container *c, const char *uuid, pid_t init_pid, struct lxm_usage *u)
{
	_cleanup_free_ struct lxm_net_iface_info *ifs = NULL;
	size_t n = 0;

	if (init_pid <= 0 || lxm_net_info(c->config, uuid, init_pid, &ifs, &n) < 0)
		return;
	u->have_net = true;
	for (size_t i = 0; i < n; i++) {
		u->rx_bytes += ifs[i].rx_bytes;
		u->tx_bytes += ifs[i].tx_bytes;
	}
}

int lxm_usage_collect(const struct lxm_paths *paths, const struct lxm_container *c,
		      const struct lxm_state_info *si, struct lxm_usage *ret)
{
	_cleanup_free_ char *uuid = NULL;
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	struct lxm_usage u = {};
	struct timespec ts;
	int r;

	memset(&u.cg, 0xff, sizeof(u.cg)); /* every field UNKNOWN */
	*ret = u;
	if (si->state == LXM_STATE_STOPPED || si->init_pid <= 0)
		return 0;
	u.running = true;
	r = lxm_state_read_key(paths, c->name, "uuid", &uuid);
	if (r == -ENOMEM)
		return r;
	/* The payload cgroup only: the monitor's own memory and CPU are not the container's. */
	if (r >= 0 && lxm_cgroup_open_by_id(uuid, LXM_CGROUP_PAYLOAD, &cg) >= 0 &&
	    (r = lxm_cgroup_get_usage(cg, &u.cg)) < 0)
		log_debug_errno(r, "Failed to read the cgroup usage of '%s': %m", c->name);
	net_usage(c, uuid, si->init_pid, &u);
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
	u.uptime_sec = si->started_usec > 0 && now > si->started_usec ? (now - si->started_usec) / 1000000 : 0;
	*ret = u;
	return 0;
}

/* Bytes used below dfd on its own filesystem; hard links are counted per name. */
static uint64_t walk(int dfd, dev_t dev, unsigned depth)
{
	int fd2 = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
	uint64_t total = 0;
	struct dirent *de;

	if (!d) {
		if (fd2 >= 0)
			close(fd2);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, "..") ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		total += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode) && depth < 256) {
			_cleanup_close_ int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				total += walk(sub, dev, depth + 1);
		}
	}
	closedir(d);
	return total;
}

int lxm_usage_disk(const char *rootfs, uint64_t *ret)
{
	_cleanup_close_ int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	*ret = (uint64_t)st.st_blocks * 512 + walk(fd, st.st_dev, 0);
	return 0;
}

static void print_size(const char *label, uint64_t v)
{
	if (v != UNKNOWN)
		printf("%-13s %.1f MiB\n", label, (double)v / (1024.0 * 1024.0));
}

void lxm_usage_print_text(const struct lxm_usage *u)
{
	if (!u->running)
		return;
	print_size("memory", u->cg.memory_current);
	print_size("memory_peak", u->cg.memory_peak);
	print_size("swap", u->cg.swap_current);
	if (u->cg.cpu_usage_usec != UNKNOWN)
		printf("%-13s %.2f s (user %.2f s, system %.2f s)\n", "cpu_time", u->cg.cpu_usage_usec / 1e6,
		       u->cg.cpu_user_usec != UNKNOWN ? u->cg.cpu_user_usec / 1e6 : 0.0,
		       u->cg.cpu_system_usec != UNKNOWN ? u->cg.cpu_system_usec / 1e6 : 0.0);
	if (u->cg.pids_current != UNKNOWN)
		printf("%-13s %" PRIu64 "\n", "processes", u->cg.pids_current);
	if (u->have_net)
		printf("%-13s rx %" PRIu64 " B, tx %" PRIu64 " B\n", "network", u->rx_bytes, u->tx_bytes);
}

static void kv_known(struct lxm_json *j, const char *key, uint64_t v)
{
	lxm_json_key(j, key);
	if (v == UNKNOWN)
		lxm_json_null(j);
	else
		lxm_json_uint(j, v);
}

void lxm_usage_json(struct lxm_json *j, const struct lxm_usage *u)
{
	if (!u->running) {
		lxm_json_null(j);
		return;
	}
	lxm_json_object_begin(j);
	kv_known(j, "memory_bytes", u->cg.memory_current);
	kv_known(j, "memory_peak_bytes", u->cg.memory_peak);
	kv_known(j, "swap_bytes", u->cg.swap_current);
	kv_known(j, "cpu_usec", u->cg.cpu_usage_usec);
	kv_known(j, "cpu_user_usec", u->cg.cpu_user_usec);
	kv_known(j, "cpu_system_usec", u->cg.cpu_system_usec);
	kv_known(j, "pids", u->cg.pids_current);
	kv_known(j, "rx_bytes", u->have_net ? u->rx_bytes : UNKNOWN);
	kv_known(j, "tx_bytes", u->have_net ? u->tx_bytes : UNKNOWN);
	kv_known(j, "uptime_sec", u->uptime_sec);
	kv_known(j, "disk_bytes", u->have_disk ? u->disk_bytes : UNKNOWN);
	lxm_json_object_end(j);
}
