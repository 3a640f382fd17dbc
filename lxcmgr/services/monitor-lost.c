/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "services/monitor-lost.h"
#include "services/restart-policy.h"
#include "util/log.h"

void lxm_monitor_lost_warn(const char *name, const struct lxm_state_info *si, cfg_t *config)
{
	struct lxm_restart_policy p;
	lxm_restart_policy_from_config(config, &p);
	const char *policy = lxm_restart_policy_to_string(p.kind);

	if (si->monitor_lost)
		log_warning("The monitor of '%s' was killed; its init (pid %d) was left running without supervision "
			    "(restart policy \"%s\" inactive, no console): 'lxcmgr start %s' re-attaches a monitor",
			    name, (int)si->init_pid, policy, name);
	else if (si->stale && p.kind != LXM_RESTART_NO)
		log_warning("The monitor of '%s' was killed and its init has exited since (how is unknown); the "
			    "restart policy \"%s\" could not act: 'lxcmgr start %s' starts it again", name, policy, name);
	else if (si->stale)
		log_warning("The monitor of '%s' was killed and its init has exited since (how is unknown)", name);
}

void lxm_monitor_lost_check(const struct lxm_paths *paths, const char *name, cfg_t *config)
{
	struct lxm_state_info si;
	if (lxm_state_query(paths, name, &si) < 0)
		return;
	lxm_monitor_lost_warn(name, &si, config);
	lxm_state_info_done(&si);
}

const char *lxm_monitor_lost_summary(const struct lxm_state_info *si)
{
	if (si->monitor_lost)
		return "lost: killed while init ran; no supervision, restart policy or console until 'start' re-attaches one";
	if (si->stale)
		return "lost: killed, and init has exited since (how is unknown); 'start' starts it again";
	return NULL;
}
