/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hooks from the monitor: pre_start before each start of init (a failure aborts it, and on the first
 * start the CLI reads the hook's output and the reason on its stderr), post_start once init runs,
 * pre_stop when a stop is requested, post_stop whenever init has ended, by request or on its own.
 * They run synchronously: the monitor serves nothing else meanwhile (as LXC's hooks do).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "runtime/monitor-hooks.h"
#include "runtime/monitor-internal.h"
#include "services/hooks.h"
#include "util/log.h"

/* After the start, the monitor's stderr is /dev/null (monitor.c detach_log). */
static bool stderr_is_null(void)
{
	struct stat st;
	return fstat(STDERR_FILENO, &st) < 0 ||
	       (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
}

bool lxm_monitor_hook_exists(const struct lxm_monitor *m, const char *which)
{
	cfg_t *sec;
	return m->c && (sec = cfg_getsec(m->c->config, "hook")) && !IS_EMPTY(cfg_getstr(sec, which));
}

int lxm_monitor_hook(struct lxm_monitor *m, const char *which, pid_t init_pid, const char *how)
{
	_cleanup_free_ char *log_path = NULL;
	_cleanup_close_ int log_fd = -EBADF;
	struct lxm_hook_opts o = { .init_pid = init_pid, .exit_how = how, .out_fd = STDERR_FILENO };
	cfg_t *sec;

	if (!m->c || !(sec = cfg_getsec(m->c->config, "hook")) || IS_EMPTY(cfg_getstr(sec, which)))
		return 0;
	if (stderr_is_null() && asprintf(&log_path, "%s/%s/monitor.log", m->paths->containers_dir, m->name) >= 0) {
		log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		o.out_fd = log_fd;
	}
	log_info("Running the %s hook", which);
	return lxm_hook_run_opts(m->paths, m->c, which, &o);
}
