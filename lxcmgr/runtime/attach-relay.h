/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The CLI side of exec while the command runs: terminal relay and signal forwarding. */
#pragma once

#include <signal.h>
#include <sys/types.h>

/* The signals forwarded to the command (blocked in the CLI from before the fork on; the command's
 * first process unblocks them before its exec). */
void lxm_attach_forward_set(sigset_t *ret);

/* Relays stdin to master and master to stdout (master < 0: no pty, stdio was inherited; then
 * SIGCHLD must be blocked as well and not ignored), with the
 * local terminal raw while it runs, window size changes copied to the pty, and the signals of
 * lxm_attach_forward_set() sent by someone to the CLI forwarded to cmd. Returns once the process
 * waiter (the CLI's child) exited and the pty is drained. */
int lxm_attach_relay(int master, pid_t cmd, pid_t waiter);
