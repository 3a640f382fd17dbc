/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps the statically linked lxcmgr hands to lxcmgr-full (runtime/full-helper.h) because they
 * load libnftables or use NSS:
 * - `__state-cleanup NAME`: settles a container whose monitor was lost (lxm_state_cleanup()).
 *   Exit status 10 when something was killed, 0 when not.
 * - `__network-up NETWORK`: brings a managed network up for a starting container (lxm_network_up():
 *   bridge, nft table, dnsmasq).
 * - `__net-forwards add|remove NAME`: the container's port forwards (lxm_net_forwards_add() /
 *   lxm_net_forwards_remove()), from its config file as the monitor loaded it at start.
 */
#include "cli/commands.h"
#include "runtime/net-forward.h"
#include "runtime/net-setup.h"
#include "runtime/state.h"
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

int lxm_cmd_internal_net_forwards(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	if (argc != 3 || (STRNEQ(argv[1], "add") && STRNEQ(argv[1], "remove")))
		return log_error_errno(-EINVAL, "Usage: lxcmgr __net-forwards add|remove NAME");
	int r = lxm_name_validate(argv[2]);
	if (r < 0)
		return r;
	r = lxm_container_load(&ctx->paths, argv[2], &c);
	if (r < 0)
		return r;
	if (STREQ(argv[1], "add"))
		return lxm_net_forwards_add(&ctx->paths, c->config, c->name);
	return lxm_net_forwards_remove(&ctx->paths, c->config, c->name);
}
