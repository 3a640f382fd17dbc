/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the monitor lands: every container reads as stopped. */
#include "runtime/state.h"
#include "util/macros.h"

const char *lxm_state_to_string(enum lxm_state s)
{
	static const char *const names[] = {
		[LXM_STATE_STOPPED] = "stopped",   [LXM_STATE_STARTING] = "starting",
		[LXM_STATE_RUNNING] = "running",   [LXM_STATE_STOPPING] = "stopping",
		[LXM_STATE_FROZEN] = "frozen",
	};
	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

int lxm_state_query(const struct lxm_paths *paths, const char *name, struct lxm_state_info *ret)
{
	*ret = (struct lxm_state_info){ .state = LXM_STATE_STOPPED };
	return 0;
}

void lxm_state_info_done(struct lxm_state_info *s)
{
	free(s->last_exit);
	s->last_exit = NULL;
}

int lxm_state_force_stop(const struct lxm_paths *paths, const char *name)
{
	struct lxm_state_info s;
	int r = lxm_state_query(paths, name, &s);
	if (r < 0)
		return r;
	enum lxm_state st = s.state;
	lxm_state_info_done(&s);
	return st == LXM_STATE_STOPPED ? 0 : -EBUSY;
}
