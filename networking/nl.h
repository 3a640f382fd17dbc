/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Netlink sockets (libnl-3 route) and the one place libnl's NLE_* codes become -errno. */
#pragma once

#include <netlink/netlink.h>

#include "util/macros.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
#define _cleanup_nl_sock_ _cleanup_(nl_socket_freep)

/* Maps a libnl result (0 or -NLE_*) to 0 or -errno. */
int lxm_nl_errno(int nle);

/* A connected NETLINK_ROUTE socket in the calling thread's network namespace. *ret owned
 * (nl_socket_free). */
int lxm_nl_open(struct nl_sock **ret);

/* Same, but the socket lives in the network namespace netns_fd: the calling thread joins it
 * just long enough to create the socket, then returns to its own. A netlink socket keeps the
 * namespace it was created in, so every later request through it acts there; this is the
 * cheap way to configure a container's links from the host (no fork, no helper). */
int lxm_nl_open_in_netns(int netns_fd, struct nl_sock **ret);
