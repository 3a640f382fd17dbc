/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The whole network step for the start sequence in two calls (built on net-setup.h and
 * net-forward.h):
 *   clone flags:  CLONE_NEWNET unless !lxm_net_wants_netns(container->config)
 *   parent step 'network', child cloned and waiting:  lxm_net_start(paths, container, child_pid)
 *   stop / monitor cleanup (also after a crash):       lxm_net_stop(paths, container)
 */
#pragma once

#include <sys/types.h>

#include "core/paths.h"
#include "store/store.h"

/* Creates the container's interfaces in the network namespace of pid (host pid of the waiting
 * child), configures them from the host, adds the forwards and writes chosen "auto" values back
 * to the config (the caller holds the container lock) and writes the rootfs' DHCP marker and
 * resolv.conf (net-rootfs.h). On failure everything it made is removed
 * again and the error was logged. */
int lxm_net_start(const struct lxm_paths *paths, const struct lxm_container *c, pid_t pid);

/* For a container in the host's network namespace (type "none"): only removes the rootfs' DHCP
 * marker (net-rootfs.h). Logs its failure. */
int lxm_net_start_host_netns(const struct lxm_container *c);

/* Removes the host side: veths, leases, DNS names, forwards. Idempotent; logs warnings only. */
int lxm_net_stop(const struct lxm_paths *paths, const struct lxm_container *c);
