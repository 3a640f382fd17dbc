/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "services/hooks.h"
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

void lxm_monitor_lost_settle(const struct lxm_paths *paths, const struct lxm_container *c)
{
	_cleanup_free_ char *pid_s = NULL;
	struct lxm_state_info si;
	bool killed = false;

	if (lxm_state_query(paths, c->name, &si) < 0)
		return;
	lxm_monitor_lost_warn(c->name, &si, c->config);
	bool stale = si.stale;
	lxm_state_info_done(&si);
	if (!stale)
		return;
	(void)lxm_state_read_key(paths, c->name, "init_pid", &pid_s);
	(void)lxm_state_cleanup(paths, c->name, &killed);
	if (!killed)
		(void)lxm_state_set_last_exit(paths, c->name, "unknown");
	struct lxm_hook_opts o = { .init_pid = pid_s ? (pid_t)atoi(pid_s) : 0, .exit_how = "unknown", .out_fd = -EBADF };
	(void)lxm_hook_run_opts(paths, c, "post_stop", &o);
}

const char *lxm_monitor_lost_summary(const struct lxm_state_info *si)
{
	if (si->monitor_lost)
		return "lost: killed while init ran; no supervision, restart policy or console until 'start' re-attaches one";
	if (si->stale)
		return "lost: killed, and init has exited since (how is unknown); 'start' starts it again";
	return NULL;
}
