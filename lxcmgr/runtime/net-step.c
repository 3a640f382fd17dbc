/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "networking/netns.h"
#include "runtime/net-forward.h"
#include "runtime/net-rootfs.h"
#include "runtime/net-setup.h"
#include "runtime/net-step.h"
#include "util/log.h"

static const char *container_uuid(const struct lxm_container *c)
{
	cfg_opt_t *o = cfg_getopt(c->config, "uuid");

	return o && cfg_opt_size(o) > 0 && o->type == CFGT_STR ? cfg_opt_getnstr(o, 0) : NULL;
}

int lxm_net_start(const struct lxm_paths *paths, const struct lxm_container *c, pid_t pid)
{
	_cleanup_close_ int ns = -EBADF;
	struct lxm_net_state st = {};
	const char *uuid = container_uuid(c);
	int r;

	if (cfg_size(c->config, "network") == 0)
		return lxm_net_rootfs_write(paths, c->rootfs, NULL); /* a stale DHCP marker goes */
	/* Host link names and MACs derive from the uuid; without one they could collide. */
	if (IS_EMPTY(uuid))
		return log_error_errno(-EINVAL, "Container '%s' has no uuid in '%s'", c->name, c->config_path);
	r = lxm_netns_open_pid(pid, &ns);
	if (r < 0)
		return log_error_errno(r, "Failed to open the network namespace of the container's init: %m");
	r = lxm_net_setup_host(paths, c->config, c->name, uuid, ns, &st);
	if (r >= 0)
		r = lxm_net_setup_inside(&st, ns);
	if (r >= 0)
		r = lxm_net_forwards_add(paths, c->config, c->name);
	if (r >= 0)
		r = lxm_net_rootfs_write(paths, c->rootfs, &st);
	if (r < 0) {
		(void)lxm_net_teardown_host(paths, c->config, c->name, uuid);
		lxm_net_state_done(&st);
		return r;
	}
	/* The container runs either way; a read-only config only costs stability of "auto". */
	if (lxm_net_write_back(c->config_path, &st) < 0)
		log_warning("Could not record the generated network values in '%s', ignoring", c->config_path);
	lxm_net_state_done(&st);
	return 0;
}

int lxm_net_start_host_netns(const struct lxm_container *c)
{
	/* No DHCP client may run in the host's namespace from an old marker. */
	return lxm_net_rootfs_write(NULL, c->rootfs, NULL);
}

int lxm_net_stop(const struct lxm_paths *paths, const struct lxm_container *c)
{
	const char *uuid = container_uuid(c);

	if (cfg_size(c->config, "network") == 0 || IS_EMPTY(uuid))
		return 0;
	return lxm_net_teardown_host(paths, c->config, c->name, uuid);
}
