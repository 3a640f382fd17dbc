/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's control socket RUN/NAME/control (AF_UNIX, SOCK_SEQPACKET, root only). One request per
 * packet, text, space-separated; one reply packet "ok ..." or "err ERRNO MESSAGE":
 *   state              -> ok STATE INIT_PID
 *   stop SECONDS       -> ok stopping, later "done HOW" (HOW: clean|killed|...) and the monitor closes
 *                         the connection when everything is torn down. SECONDS 0 kills at once;
 *                         the small monitor's fast kill answers "ok stopping veth NAME..." with
 *                         the host veths, whose removal the client starts (MONITOR.md).
 *   stop SECONDS cgroup -> the same (older clients; the monitor cgroup is shared and stays, cgroup.h)
 *   stop-fast          -> as `stop 0`, granted only by a small monitor that does the whole kill and
 *                         names no host veth ("ok stopping" then "done killed" at the end); anything
 *                         else answers "err ..." having done nothing: the C-library-free `kill`
 *                         (cli/front-kill.c) then asks `stop 0` the full way.
 *   kill SIGNAL        -> ok (signal sent to init)
 *   reboot             -> ok (init's reboot signal sent)
 *   console TTY        -> ok, then the connection carries raw bytes both ways: the ring buffer's
 *                         content first, then live output; packets from the client are input.
 *                         TTY 0 is /dev/console, N is /dev/ttyN.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "core/paths.h"

#define LXM_CONTROL_PACKET_MAX 4096

/* Connects to NAME's monitor: -ENOENT/-ECONNREFUSED when no monitor listens. *ret_fd owned. */
int lxm_control_connect(const struct lxm_paths *paths, const char *name, int *ret_fd);

/* Sends one request and reads one reply into reply (NUL-terminated). A reply "err N MSG" returns
 * -N after logging MSG at debug level. */
int lxm_control_request(int fd, const char *request, char *reply, size_t size);

/* Reads one packet as text; 0 at EOF, else its length. */
ssize_t lxm_control_recv(int fd, char *buf, size_t size);
int lxm_control_send(int fd, const char *text);
