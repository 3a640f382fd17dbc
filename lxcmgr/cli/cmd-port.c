/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr port NAME add|remove|list: port forwards, persisted as `forward` sections and applied
 * live to the container's network while it runs. */
#include "cli/cli-common.h"
#include "cli/commands.h"
#include "config/config.h"
#include "config/edit.h"
#include "networking/ipam.h"
#include "runtime/net-forward.h"
#include "store/store.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse.h"

static int parse_port(const char *s, uint16_t *ret)
{
	uint64_t v;

	if (lxm_parse_uint(s, 1, 65535, &v) < 0)
		return log_error_errno(-EINVAL, "Invalid port '%s': 1 to 65535", s);
	*ret = v;
	return 0;
}

/* Finds the forward section for proto/host_port; *ret_title borrowed from cfg. */
static cfg_t *find_forward(cfg_t *cfg, const char *proto, uint16_t host_port)
{
	for (unsigned i = 0; i < cfg_size(cfg, "forward"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "forward", i);
		const char *p = cfg_getstr(sec, "proto");
		if (STREQ(p ? p : "tcp", proto) && cfg_getint(sec, "host_port") == host_port)
			return sec;
	}
	return NULL;
}

/* Applies edits (key, value pairs; value NULL removes) to the config file as one validated write. */
static int edit_config(const struct lxm_container *c, const char *const *kv, size_t n)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_cfg_free_ cfg_t *check = NULL;
	int r;

	r = lxm_read_file(c->config_path, &text, NULL);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m", c->config_path);
	for (size_t i = 0; i < n; i += 2) {
		char *next = NULL;
		r = lxm_config_edit_text(text, kv[i], kv[i + 1], &next);
		if (r < 0)
			return r;
		free(text);
		text = next;
	}
	r = lxm_config_parse_string(text, c->config_path, &check);
	if (r < 0)
		return r;
	r = lxm_write_file_atomic(c->config_path, text, 0644);
	if (r < 0)
		return log_error_errno(r, "Failed to write '%s': %m", c->config_path);
	return 0;
}

static int port_add(const struct lxm_paths *paths, struct lxm_container *c, int argc, char **argv)
{
	struct lxm_nft_forward f = {};
	char network[IF_NAMESIZE], table[LXM_NFT_TABLE_MAX], title[32], k1[64], k2[64], k3[64], hp[8], cp[8], proto[8];
	int r, i = 0;

	snprintf(f.proto, sizeof(f.proto), "tcp");
	if (argc == 3) {
		if (lxm_nft_proto_validate(argv[0]) < 0)
			return log_error_errno(-EINVAL, "Invalid protocol '%s': tcp or udp", argv[0]);
		snprintf(f.proto, sizeof(f.proto), "%s", argv[i++]);
	} else if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr port NAME add [tcp|udp] HOST_PORT CONTAINER_PORT");
	if ((r = parse_port(argv[i], &f.host_port)) < 0 || (r = parse_port(argv[i + 1], &f.container_port)) < 0)
		return r;
	if (find_forward(c->config, f.proto, f.host_port))
		return log_error_errno(-EEXIST, "Container '%s' already forwards %s/%u", c->name, f.proto, f.host_port);
	snprintf(title, sizeof(title), "%s-%u", f.proto, f.host_port);
	snprintf(k1, sizeof(k1), "forward.%s.proto", title);
	snprintf(k2, sizeof(k2), "forward.%s.host_port", title);
	snprintf(k3, sizeof(k3), "forward.%s.container_port", title);
	snprintf(proto, sizeof(proto), "%s", f.proto);
	snprintf(hp, sizeof(hp), "%u", f.host_port);
	snprintf(cp, sizeof(cp), "%u", f.container_port);
	/* Live first: a port another container holds must fail before the config says otherwise. */
	if (lxm_net_forward_target(paths, c->config, c->name, network, &f.addr) >= 0) {
		lxm_nft_table_name(paths->root, network, table);
		r = lxm_nft_forward_add(table, &f);
		if (r == -EEXIST)
			return log_error_errno(r, "Host port %s/%u is already forwarded on network '%s'", f.proto,
					       f.host_port, network);
		if (r < 0)
			return log_error_errno(r, "Failed to add the forward: %m");
	}
	r = edit_config(c, (const char *[]){ k1, proto, k2, hp, k3, cp }, 6);
	if (r < 0 && f.addr.family)
		(void)lxm_nft_forward_remove(table, f.proto, f.host_port);
	return r;
}

static int port_remove(const struct lxm_paths *paths, struct lxm_container *c, int argc, char **argv)
{
	char network[IF_NAMESIZE], table[LXM_NFT_TABLE_MAX], key[64];
	const char *proto = "tcp";
	struct lxm_cidr addr;
	uint16_t host_port;
	cfg_t *sec;
	int r;

	if (argc == 2) {
		if (lxm_nft_proto_validate(argv[0]) < 0)
			return log_error_errno(-EINVAL, "Invalid protocol '%s': tcp or udp", argv[0]);
		proto = argv[0];
	} else if (argc != 1)
		return log_error_errno(-EINVAL, "Usage: lxcmgr port NAME remove [tcp|udp] HOST_PORT");
	r = parse_port(argv[argc - 1], &host_port);
	if (r < 0)
		return r;
	sec = find_forward(c->config, proto, host_port);
	if (!sec)
		return log_error_errno(-ENOENT, "Container '%s' has no forward %s/%u", c->name, proto, host_port);
	snprintf(key, sizeof(key), "forward.%s", cfg_title(sec));
	r = edit_config(c, (const char *[]){ key, NULL }, 2);
	if (r < 0)
		return r;
	if (lxm_net_forward_target(paths, c->config, c->name, network, &addr) >= 0) {
		lxm_nft_table_name(paths->root, network, table);
		r = lxm_nft_forward_remove(table, proto, host_port);
		if (r < 0 && r != -ENOENT)
			return log_error_errno(r, "Failed to remove the live forward: %m");
	}
	return 0;
}

static int port_list(const struct lxm_paths *paths, struct lxm_container *c, enum lxm_output_format fmt)
{
	_cleanup_free_ struct lxm_nft_forward *live = NULL;
	char network[IF_NAMESIZE] = "", table[LXM_NFT_TABLE_MAX], a[LXM_CIDR_STRLEN];
	struct lxm_cidr addr = {};
	size_t n_live = 0;

	if (lxm_net_forward_target(paths, c->config, c->name, network, &addr) >= 0) {
		lxm_nft_table_name(paths->root, network, table);
		(void)lxm_nft_forward_list(table, &live, &n_live);
	}
	struct lxm_json j;
	if (fmt == LXM_FORMAT_JSON) {
		lxm_json_init(&j, stdout, isatty(STDOUT_FILENO));
		lxm_json_array_begin(&j);
	} else
		printf("%-5s %-9s %-14s %s\n", "PROTO", "HOST_PORT", "CONTAINER_PORT", "STATE");
	for (unsigned i = 0; i < cfg_size(c->config, "forward"); i++) {
		cfg_t *sec = cfg_getnsec(c->config, "forward", i);
		const char *proto = cfg_getstr(sec, "proto") ?: "tcp";
		long hp = cfg_getint(sec, "host_port"), cp = cfg_getint(sec, "container_port");
		bool active = false;
		for (size_t k = 0; k < n_live; k++)
			active |= STREQ(live[k].proto, proto) && live[k].host_port == hp &&
				  live[k].addr.addr.v4.s_addr == addr.addr.v4.s_addr && live[k].container_port == cp;
		if (fmt == LXM_FORMAT_JSON) {
			lxm_json_object_begin(&j);
			lxm_json_kv_string(&j, "proto", proto);
			lxm_json_kv_uint(&j, "host_port", (uint64_t)hp);
			lxm_json_kv_uint(&j, "container_port", (uint64_t)cp);
			lxm_json_kv_bool(&j, "active", active);
			lxm_json_kv_string(&j, "address", active ? lxm_ipam_addr_to_string(&addr, a) : NULL);
			lxm_json_object_end(&j);
			continue;
		}
		printf("%-5s %-9ld %-14ld %s\n", proto, hp, cp,
		       active ? (snprintf(a, sizeof(a), "active -> %s", lxm_ipam_addr_to_string(&addr, (char[LXM_CIDR_STRLEN]){})), a)
			      : "inactive");
	}
	if (fmt == LXM_FORMAT_JSON) {
		lxm_json_array_end(&j);
		return lxm_json_end(&j);
	}
	return 0;
}

int lxm_cmd_port(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	_cleanup_close_ int lock = -EBADF;
	int r;

	if (argc < 3)
		return log_error_errno(-EINVAL, "Usage: lxcmgr port NAME add|remove|list ...");
	r = lxm_name_validate(argv[1]);
	if (r < 0)
		return r;
	r = lxm_container_lock(&ctx->paths, argv[1], &lock);
	if (r < 0)
		return r;
	r = lxm_container_load(&ctx->paths, argv[1], &c);
	if (r < 0)
		return r;
	if (STREQ(argv[2], "add"))
		return port_add(&ctx->paths, c, argc - 3, argv + 3);
	if (STREQ(argv[2], "remove"))
		return port_remove(&ctx->paths, c, argc - 3, argv + 3);
	if (STREQ(argv[2], "list") && argc == 3)
		return port_list(&ctx->paths, c, LXM_FORMAT_TABLE);
	if (STREQ(argv[2], "list") && argc == 5 && STREQ(argv[3], "--format")) {
		enum lxm_output_format fmt;
		r = lxm_output_format_from_string(argv[4], &fmt);
		return r < 0 ? r : port_list(&ctx->paths, c, fmt);
	}
	return log_error_errno(-EINVAL, "Usage: lxcmgr port NAME add|remove|list ...");
}
