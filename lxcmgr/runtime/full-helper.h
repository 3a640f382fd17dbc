/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Work that may load a library (libnftables) or use glibc's NSS (getpwnam()), done by lxcmgr-full
 * when the running binary is the statically linked `lxcmgr` (cli/front.c), which can do neither.
 * The commands `lxcmgr` runs itself reach such work in a few places only, each handing just that
 * step over (cli/cmd-full-helper.c runs it):
 * - settling a container whose monitor was lost (lxm_state_cleanup(): its port forwards are
 *   nftables rules): `__state-cleanup NAME`;
 * - start (and its monitor, forked from it) on a managed network with IPv4: the network's nft
 *   table and its dnsmasq (whose config asks getpwnam("dnsmasq")): `__network-up NETWORK`;
 *   the container's port forwards: `__net-forwards add|remove NAME`.
 * A container without those (no network, a veth on an unmanaged bridge, a bridge-only managed
 * network) starts, runs and stops without lxcmgr-full.
 */
#pragma once

#include <stdbool.h>

#include "core/paths.h"

/* Whether this process is `lxcmgr` of a build with lxcmgr-full (cli/front.c links into it): the
 * static one, and a sanitizer build's dynamic one, which delegates the same way so the tests
 * exercise it. False in lxcmgr-full and in a build without the split. */
bool lxm_full_helper_wanted(void);

/* Runs `lxcmgr-full [--root ROOT] ARGS...` and waits: its exit status (0-255), or -errno when it
 * could not be run (no lxcmgr-full: the caller does the work itself). The helper starts with an
 * empty signal mask (a monitor blocks the signals it reads from its signalfd) and the caller's
 * stderr, where it reports its own errors. */
int lxm_full_helper_run(const struct lxm_paths *paths, const char *const *args);

/* The exit status of a helper command as -errno, as lxm_exit_code() mapped it: 0, -EINVAL (2),
 * -ENOENT (3), -EEXIST (4), else -EIO (the helper logged the cause). */
int lxm_full_helper_status_to_errno(int status);
