/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgroup/cgroup.h"
#include "resources/freeze.h"
#include "runtime/state.h"
#include "util/log.h"
#include "util/macros.h"

static int payload_of(const struct lxm_paths *paths, const char *name, enum lxm_state *ret_state,
		      struct lxm_cgroup **ret)
{
	_cleanup_free_ char *uuid = NULL;
	struct lxm_state_info si = {};
	int r = lxm_state_query(paths, name, &si);
	bool running = r >= 0 && si.init_pid > 0 && si.state != LXM_STATE_STOPPED;

	*ret_state = si.state;
	lxm_state_info_done(&si);
	if (r < 0)
		return r;
	if (!running || lxm_state_read_key(paths, name, "uuid", &uuid) < 0)
		return -ESRCH;
	return lxm_cgroup_open_by_id(uuid, LXM_CGROUP_PAYLOAD, ret);
}

int lxm_container_freeze(const struct lxm_paths *paths, const char *name, bool freeze)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	enum lxm_state state;
	int r = payload_of(paths, name, &state, &cg);

	if (r < 0)
		return r;
	/* A thaw asks the cgroup itself: "stopping" or "starting" can hide a frozen payload (a stop
	 * asked of a frozen container by someone who did not thaw it first) */
	if (!freeze && lxm_cgroup_is_frozen(cg) == 0)
		return -EALREADY;
	if (freeze && state == LXM_STATE_FROZEN)
		return -EALREADY;
	if (freeze && state != LXM_STATE_RUNNING)
		return -EBUSY; /* starting or stopping */
	r = lxm_cgroup_freeze(cg, freeze);
	if (r < 0)
		log_debug_errno(r, "Failed to %s '%s': %s", freeze ? "freeze" : "thaw", name,
				lxm_cgroup_strerror(cg) ?: "");
	return r;
}

int lxm_container_thaw_if_frozen(const struct lxm_paths *paths, const char *name)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	enum lxm_state state;
	int r = payload_of(paths, name, &state, &cg);

	if (r < 0 || lxm_cgroup_is_frozen(cg) <= 0)
		return 0;
	r = lxm_cgroup_freeze(cg, false);
	if (r < 0)
		return log_debug_errno(r, "Failed to thaw '%s': %m", name);
	return 1;
}

bool lxm_container_is_frozen(const struct lxm_paths *paths, const char *name)
{
	struct lxm_state_info si = {};
	bool frozen = lxm_state_query(paths, name, &si) >= 0 && si.state == LXM_STATE_FROZEN;

	lxm_state_info_done(&si);
	return frozen;
}
