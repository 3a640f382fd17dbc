/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The viewer side of `console`: relays the terminal to a pty held by the monitor. */
#pragma once

#include "core/paths.h"

/* Attaches to NAME's /dev/console (tty 0) or /dev/ttyN until Ctrl-ESCAPE q (escape: a letter,
 * 'a' by default) or until the container stops. The local terminal is raw while attached and
 * restored after. -ESRCH when the container is not running, -ENXIO for a tty it does not have. */
int lxm_console_client(const struct lxm_paths *paths, const char *name, unsigned tty, char escape);

/* Writes the console log (rotated files oldest first, then the current one) to stdout. */
int lxm_console_print_log(const struct lxm_paths *paths, const char *name);
