/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Through libnftables rather than the `nft` program: forwards are added and removed on the start
 * and stop paths, where no helper process may be spawned (DESIGN.md section 5); the ruleset
 * text is still nft's own language, so what we run is what `nft list table` shows, and one
 * buffer is one atomic kernel transaction.
 */
#include <arpa/inet.h>
#include <nftables/libnftables.h>
#include <stdio.h>

#include "networking/ipam.h"
#include "networking/nft.h"
#include "util/dl.h"
#include "util/log.h"

/* libnftables (with libxml2, GMP, xtables and more behind it) is loaded on the first rule change,
 * not by every lxcmgr process and monitor (util/dl.h). */
#ifndef LXM_NFTABLES_SONAME
#define LXM_NFTABLES_SONAME "libnftables.so.1"
#endif
static struct lxm_dl_lib nft_lib = { .soname = LXM_NFTABLES_SONAME };
#define nft_ctx_new(...) LXM_DL_CALL(&nft_lib, nft_ctx_new)(__VA_ARGS__)
#define nft_ctx_free(...) LXM_DL_CALL(&nft_lib, nft_ctx_free)(__VA_ARGS__)
#define nft_ctx_buffer_output(...) LXM_DL_CALL(&nft_lib, nft_ctx_buffer_output)(__VA_ARGS__)
#define nft_ctx_buffer_error(...) LXM_DL_CALL(&nft_lib, nft_ctx_buffer_error)(__VA_ARGS__)
#define nft_ctx_get_output_buffer(...) LXM_DL_CALL(&nft_lib, nft_ctx_get_output_buffer)(__VA_ARGS__)
#define nft_ctx_get_error_buffer(...) LXM_DL_CALL(&nft_lib, nft_ctx_get_error_buffer)(__VA_ARGS__)
#define nft_run_cmd_from_buffer(...) LXM_DL_CALL(&nft_lib, nft_run_cmd_from_buffer)(__VA_ARGS__)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nft_ctx *, nft_ctx_free)

void lxm_nft_table_name(const char *root, const char *network, char ret[static LXM_NFT_TABLE_MAX])
{
	const char *parts[] = { "nft", root ? root : "", network };
	uint64_t h = lxm_ipam_hash(parts, ARRAY_SIZE(parts));

	snprintf(ret, LXM_NFT_TABLE_MAX, "lxcmgr_%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

/* nft reports kernel errors as strerror() text: map the ones callers act on. */
static int nft_error_to_errno(const char *err)
{
	if (!err)
		return -EIO;
	if (strstr(err, strerror(ENOENT)))
		return -ENOENT;
	if (strstr(err, strerror(EEXIST)))
		return -EEXIST;
	if (strstr(err, strerror(EPERM)) || strstr(err, strerror(EACCES)))
		return -EPERM;
	if (strstr(err, strerror(EBUSY)))
		return -EBUSY;
	if (strstr(err, "syntax error"))
		return -EINVAL;
	return -EIO;
}

/* Runs cmd; with ret_output the command's output is returned (owned). */
static int nft_run(const char *cmd, char **ret_output)
{
	_cleanup_(nft_ctx_freep) struct nft_ctx *ctx = NULL;
	const char *err;
	int r;

	r = lxm_dl_open(&nft_lib);
	if (r < 0)
		return r;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0)
		return -ENOMEM;
	r = nft_run_cmd_from_buffer(ctx, cmd);
	if (r != 0) {
		err = nft_ctx_get_error_buffer(ctx);
		r = nft_error_to_errno(err);
		return log_debug_errno(r, "nft failed: %s (%m)", err ? err : "");
	}
	if (ret_output) {
		*ret_output = strdup(nft_ctx_get_output_buffer(ctx) ?: "");
		if (!*ret_output)
			return -ENOMEM;
	}
	return 0;
}

int lxm_nft_network_apply(const struct lxm_nft_network *n)
{
	_cleanup_free_ char *text = NULL, *comment = strdup(n->comment ? n->comment : "lxcmgr");
	char net[LXM_CIDR_STRLEN], masq[256] = "";
	struct lxm_cidr network = lxm_ipam_network(n->subnet);
	int r;

	if (!comment)
		return -ENOMEM;
	/* The comment carries a --root path: a quote or newline in it must not end the string and
	 * become ruleset text. nft also limits comments to 128 bytes. */
	for (char *p = comment; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '_';
	if (strlen(comment) > 127)
		comment[127] = '\0';
	lxm_ipam_cidr_to_string(&network, net);
	if (n->nat)
		snprintf(masq, sizeof(masq), "\t\tip saddr %s ip daddr != %s masquerade\n", net, net);
	/* "add table" then "delete table" makes the replace work whether or not it existed; the
	 * whole buffer is one transaction, so there is no moment without the rules. */
	r = asprintf(&text,
		     "add table ip %1$s\n"
		     "delete table ip %1$s\n"
		     "table ip %1$s {\n"
		     "\tcomment \"%2$s\"\n"
		     "\tmap fwd_tcp { type inet_service : ipv4_addr . inet_service; }\n"
		     "\tmap fwd_udp { type inet_service : ipv4_addr . inet_service; }\n"
		     /* Forwards reached from other hosts ... */
		     "\tchain prerouting {\n"
		     "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		     "\t\tfib daddr type local dnat ip to tcp dport map @fwd_tcp\n"
		     "\t\tfib daddr type local dnat ip to udp dport map @fwd_udp\n"
		     "\t}\n"
		     /* ... and from the host itself (not through 127.0.0.1: that needs route_localnet). */
		     "\tchain output {\n"
		     "\t\ttype nat hook output priority -100; policy accept;\n"
		     "\t\tfib daddr type local ip daddr != 127.0.0.0/8 dnat ip to tcp dport map @fwd_tcp\n"
		     "\t\tfib daddr type local ip daddr != 127.0.0.0/8 dnat ip to udp dport map @fwd_udp\n"
		     "\t}\n"
		     "\tchain postrouting {\n"
		     "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		     "%3$s"
		     /* A container reaching a forward of its own bridge through a host address. */
		     "\t\tct status dnat ip saddr %4$s ip daddr %4$s masquerade\n"
		     "\t}\n"
		     "\tchain forward {\n"
		     "\t\ttype filter hook forward priority filter; policy accept;\n"
		     "\t\tiifname \"%5$s\" accept\n"
		     "\t\toifname \"%5$s\" accept\n"
		     "\t}\n"
		     "}\n",
		     n->table, comment, masq, net, n->bridge);
	if (r < 0)
		return -ENOMEM;
	r = nft_run(text, NULL);
	if (r < 0)
		return log_debug_errno(r, "Failed to create nftables table '%s': %m", n->table);
	return 0;
}

int lxm_nft_network_remove(const char *table)
{
	_cleanup_free_ char *cmd = NULL;

	if (asprintf(&cmd, "add table ip %1$s\ndelete table ip %1$s\n", table) < 0)
		return -ENOMEM;
	return nft_run(cmd, NULL);
}

int lxm_nft_network_exists(const char *table)
{
	_cleanup_free_ char *cmd = NULL;
	int r;

	if (asprintf(&cmd, "list table ip %s", table) < 0)
		return -ENOMEM;
	r = nft_run(cmd, NULL);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

int lxm_nft_proto_validate(const char *proto)
{
	return proto && (STREQ(proto, "tcp") || STREQ(proto, "udp")) ? 0 : -EINVAL;
}

int lxm_nft_forward_add(const char *table, const struct lxm_nft_forward *f)
{
	_cleanup_free_ char *cmd = NULL;
	char addr[LXM_CIDR_STRLEN];

	if (lxm_nft_proto_validate(f->proto) < 0 || f->addr.family != AF_INET)
		return -EINVAL;
	/* "create", not "add": a host port forwarded twice must fail, not silently re-point. */
	if (asprintf(&cmd, "create element ip %s fwd_%s { %u : %s . %u }", table, f->proto, f->host_port,
		     lxm_ipam_addr_to_string(&f->addr, addr), f->container_port) < 0)
		return -ENOMEM;
	return nft_run(cmd, NULL);
}

int lxm_nft_forward_remove(const char *table, const char *proto, uint16_t host_port)
{
	_cleanup_free_ char *cmd = NULL;

	if (lxm_nft_proto_validate(proto) < 0)
		return -EINVAL;
	if (asprintf(&cmd, "delete element ip %s fwd_%s { %u }", table, proto, host_port) < 0)
		return -ENOMEM;
	return nft_run(cmd, NULL);
}

/* Parses "elements = { 8080 : 10.0.3.5 . 80, 53 : ... }" of one map listing. */
static int parse_elements(const char *text, const char *proto, struct lxm_nft_forward **items, size_t *n)
{
	const char *p = strstr(text, "elements = {");

	if (!p)
		return 0;
	p += strlen("elements = {");
	for (;;) {
		struct lxm_nft_forward f = {};
		unsigned hp, cp;
		char ip[INET_ADDRSTRLEN + 1];
		int used = 0;

		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == ',')
			p++;
		if (*p == '}' || *p == '\0')
			return 0;
		if (sscanf(p, "%u : %16[0-9.] . %u%n", &hp, ip, &cp, &used) != 3 || hp > 65535 || cp > 65535)
			return -EBADMSG;
		p += used;
		snprintf(f.proto, sizeof(f.proto), "%s", proto);
		f.host_port = hp;
		f.container_port = cp;
		if (lxm_ipam_parse_addr(ip, &f.addr) < 0)
			return -EBADMSG;
		struct lxm_nft_forward *m = realloc(*items, (*n + 1) * sizeof(*m));
		if (!m)
			return -ENOMEM;
		*items = m;
		(*items)[(*n)++] = f;
	}
}

int lxm_nft_forward_list(const char *table, struct lxm_nft_forward **ret, size_t *ret_n)
{
	struct lxm_nft_forward *items = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < 2 && r >= 0; i++) {
		const char *proto = i == 0 ? "tcp" : "udp";
		_cleanup_free_ char *cmd = NULL, *out = NULL;
		if (asprintf(&cmd, "list map ip %s fwd_%s", table, proto) < 0)
			r = -ENOMEM;
		else
			r = nft_run(cmd, &out);
		if (r >= 0)
			r = parse_elements(out, proto, &items, &n);
	}
	if (r < 0) {
		free(items);
		return r;
	}
	*ret = items;
	*ret_n = n;
	return 0;
}
