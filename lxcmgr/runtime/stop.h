/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ending a running container from the CLI: through its monitor, or through its cgroup when the
 * monitor was lost (killed). */
#pragma once

#include "core/paths.h"
#include "runtime/state.h"

/* Stops NAME and waits until it is stopped and torn down: the init's halt signal, SIGKILL of
 * everything after timeout_sec (0: at once). *ret_how (may be NULL; owned) is how it ended
 * ("clean", "killed"). -ESRCH when it is not running. Stale leftovers are cleaned. */
int lxm_runtime_stop(const struct lxm_paths *paths, const char *name, unsigned timeout_sec, char **ret_how);

/* The same with the state the caller has just read (lxm_state_query(), not freed here). */
int lxm_runtime_stop_state(const struct lxm_paths *paths, const char *name, const struct lxm_state_info *s,
			   unsigned timeout_sec, char **ret_how);

/* Sends sig to the container's init. -ESRCH when it is not running. */
int lxm_runtime_kill(const struct lxm_paths *paths, const char *name, int sig);

/* Asks the monitor to reboot the container (init's reboot signal). */
int lxm_runtime_reboot(const struct lxm_paths *paths, const char *name);
