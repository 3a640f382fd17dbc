/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Network namespaces by fd: open one of a process, make a new one, run code inside one. */
#pragma once

#include <sys/types.h>

/* *ret_fd = O_CLOEXEC fd of /proc/PID/ns/net. */
int lxm_netns_open_pid(pid_t pid, int *ret_fd);

/* A new, empty network namespace (only a down loopback) as an fd; the calling thread stays in
 * its own namespace. */
int lxm_netns_create(int *ret_fd);

/* Runs fn(userdata) in a forked child that joined netns_fd and returns what fn returned (0 or
 * -errno, passed back through a pipe). For work that must run inside (sysctls, sockets bound
 * there); link and address work should rather use lxm_nl_open_in_netns(). */
int lxm_netns_run(int netns_fd, int (*fn)(void *userdata), void *userdata);
