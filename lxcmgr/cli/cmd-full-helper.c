/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps the statically linked lxcmgr hands to lxcmgr-full (runtime/full-helper.h) because they
 * load libnftables or use NSS:
 * - `__state-cleanup NAME`: settles a container whose monitor was lost (lxm_state_cleanup()).
 *   Exit status 10 when something was killed, 0 when not.
 * - `__network-up NETWORK`: brings a managed network up for a starting container (lxm_network_up():
 *   bridge, nft table, dnsmasq).
 * - `__net-forwards add NETWORK ADDRESS PROTO/HOST/CONTAINER... | remove NETWORK ADDRESS`: the
 *   nft work of the container's port forwards (lxm_net_forwards_add_to() / _remove_from()), with
 *   the values the static process took from its own config (the monitor's snapshot from the start,
 *   not the file, which may have been edited or broken since).
 */
#include "cli/commands.h"
#include "runtime/net-forward.h"
#include "runtime/net-setup.h"
#include "runtime/state.h"
#include "networking/link.h"
#include "util/parse.h"
#include "store/store.h"
#include "util/log.h"

int lxm_cmd_internal_state_cleanup(struct lxm_context *ctx, int argc, char **argv)
{
	bool killed = false;
	if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr __state-cleanup NAME");
	int r = lxm_name_validate(argv[1]);
	if (r < 0)
		return r;
	r = lxm_state_cleanup(&ctx->paths, argv[1], &killed);
	if (r < 0)
		return r;
	return killed ? 10 : 0;
}

int lxm_cmd_internal_network_up(struct lxm_context *ctx, int argc, char **argv)
{
	if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr __network-up NETWORK");
	/* the network's definition exists: the caller loaded (or made) it */
	return lxm_net_ensure_up(&ctx->paths, argv[1]);
}

/* "PROTO/HOST_PORT/CONTAINER_PORT" into f (its address set by the caller). */
static int forward_spec(const char *s, struct lxm_nft_forward *f)
{
	char proto[4];
	unsigned hp, cp;
	int used = 0;

	if (sscanf(s, "%3[a-z]/%u/%u%n", proto, &hp, &cp, &used) != 3 || s[used] || lxm_nft_proto_validate(proto) < 0 ||
	    hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
		return log_error_errno(-EINVAL, "Invalid forward '%s'", s);
	memcpy(f->proto, proto, sizeof(f->proto));
	f->host_port = (uint16_t)hp;
	f->container_port = (uint16_t)cp;
	return 0;
}

int lxm_cmd_internal_net_forwards(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_free_ struct lxm_nft_forward *fw = NULL;
	struct lxm_cidr addr;
	bool add = argc >= 4 && STREQ(argv[1], "add");

	if (argc < 4 || (!add && (STRNEQ(argv[1], "remove") || argc != 4)))
		return log_error_errno(-EINVAL, "Usage: lxcmgr __net-forwards add NETWORK ADDRESS PROTO/HOST/CONTAINER... | "
						"remove NETWORK ADDRESS");
	if (lxm_link_name_validate(argv[2]) < 0 || lxm_parse_cidr(argv[3], true, &addr) < 0 || addr.family != AF_INET)
		return log_error_errno(-EINVAL, "Invalid network '%s' or address '%s'", argv[2], argv[3]);
	if (!add)
		return lxm_net_forwards_remove_from(&ctx->paths, argv[2], &addr);
	size_t n = (size_t)argc - 4;
	fw = calloc(n, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		fw[i].addr = addr;
		int r = forward_spec(argv[4 + i], &fw[i]);
		if (r < 0)
			return r;
	}
	return lxm_net_forwards_add_to(&ctx->paths, argv[2], fw, n);
}
