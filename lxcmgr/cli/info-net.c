/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/info-net.h"
#include "networking/ipam.h"
#include "runtime/net-info.h"
#include "util/log.h"
#include "util/macros.h"

static void mac_string(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static size_t query(cfg_t *cfg, const char *uuid, pid_t init_pid, struct lxm_net_iface_info **ret)
{
	size_t n = 0;
	*ret = NULL;
	if (init_pid <= 0 || cfg_size(cfg, "network") == 0)
		return 0;
	int r = lxm_net_info(cfg, uuid, init_pid, ret, &n);
	if (r < 0) {
		log_warning_errno(r, "Failed to read the container's interfaces, ignoring: %m");
		return 0;
	}
	return n;
}

void lxm_info_net_print_text(cfg_t *cfg, const char *uuid, pid_t init_pid)
{
	_cleanup_free_ struct lxm_net_iface_info *ifs = NULL;
	size_t n = query(cfg, uuid, init_pid, &ifs);

	for (size_t i = 0; i < n; i++) {
		char mac[18], a[LXM_CIDR_STRLEN];
		mac_string(ifs[i].mac, mac);
		printf("interface %s: mac=%s", ifs[i].name, mac);
		if (ifs[i].host_ifname[0])
			printf(" host=%s", ifs[i].host_ifname);
		for (size_t k = 0; k < ifs[i].n_addrs; k++)
			printf(" %s", lxm_ipam_cidr_to_string(&ifs[i].addrs[k], a));
		printf(" rx=%llu tx=%llu\n", (unsigned long long)ifs[i].rx_bytes,
		       (unsigned long long)ifs[i].tx_bytes);
	}
}

void lxm_info_net_print_json(struct lxm_json *j, cfg_t *cfg, const char *uuid, pid_t init_pid)
{
	_cleanup_free_ struct lxm_net_iface_info *ifs = NULL;
	size_t n = query(cfg, uuid, init_pid, &ifs);

	lxm_json_key(j, "interfaces");
	lxm_json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		char mac[18], a[LXM_CIDR_STRLEN];
		mac_string(ifs[i].mac, mac);
		lxm_json_object_begin(j);
		lxm_json_kv_string(j, "name", ifs[i].name);
		lxm_json_kv_string(j, "hwaddr", mac);
		lxm_json_kv_string(j, "host_veth", ifs[i].host_ifname[0] ? ifs[i].host_ifname : NULL);
		lxm_json_key(j, "addresses");
		lxm_json_array_begin(j);
		for (size_t k = 0; k < ifs[i].n_addrs; k++)
			lxm_json_string(j, lxm_ipam_cidr_to_string(&ifs[i].addrs[k], a));
		lxm_json_array_end(j);
		lxm_json_kv_uint(j, "rx_bytes", ifs[i].rx_bytes);
		lxm_json_kv_uint(j, "tx_bytes", ifs[i].tx_bytes);
		lxm_json_object_end(j);
	}
	lxm_json_array_end(j);
}
