/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the lifecycle commands (start, stop, restart, kill, console, exec, shell) share. */
#pragma once

#include "cli/context.h"
#include "store/store.h"

/* Loads the global config (once), validates NAME, loads the container (-ENOENT logged when it does
 * not exist) and, when ret_lock is not NULL, takes its lock. *ret (may be NULL) owned. */
int lxm_cli_runtime_open(struct lxm_context *ctx, const char *name, struct lxm_container **ret, int *ret_lock);
/* The same, also handing out the config text the container was parsed from (NULL when the file
 * could not be read as a whole: the container was loaded the usual way). */
int lxm_cli_runtime_open_text(struct lxm_context *ctx, const char *name, struct lxm_container **ret,
			      char **ret_text, size_t *ret_size, int *ret_lock);

/* "Container 'NAME' is not running" (-ESRCH, exit code 4). */
int lxm_cli_not_running(const char *name);

/* start/stop with the lock held (cmd-start.c, cmd-stop.c; shared with restart and kill).
 * start: -EALREADY when not stopped. stop: quiet_if_stopped makes a stopped container no error. */
int lxm_cli_start_locked(struct lxm_context *ctx, const char *name);
int lxm_cli_stop_locked(struct lxm_context *ctx, const char *name, unsigned timeout, bool quiet_if_stopped);

/* kill NAME / stop -k NAME (cmd-kill.c): takes the lock; a running container with its monitor costs
 * one state query and no config parse, anything else takes lxm_cli_stop_locked(). */
int lxm_cli_kill_now(struct lxm_context *ctx, const char *name);
