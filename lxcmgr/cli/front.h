/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which binary runs a command: `lxcmgr` itself (statically linked where the build can, see
 * front.c) or the dynamically linked lxcmgr-full, which has every command and can load libarchive
 * and libnftables. Linked into lxcmgr only; lxcmgr-full runs everything it is given.
 */
#pragma once

/* Name of the dynamically linked binary, next to a build tree's lxcmgr or in LXCMGR_LIBEXECDIR. */
#define LXM_FRONT_FULL_NAME "lxcmgr-full"

/*
 * Executes lxcmgr-full with argv and the environment unchanged unless argv names a command this
 * binary runs itself; returns when it runs it (or lxcmgr-full cannot be executed: everything but
 * the library-loading paths works here too, and those report why they cannot). Called first
 * thing in main() of a dynamically linked lxcmgr (a sanitizer build, which routes the same way
 * so the tests exercise the split); the static one decided before the C library started.
 */
void lxm_front_route(int argc, char **argv);

/* Executes lxcmgr-full with argv (main()'s, as it was given) and the current environment, for a
 * command that started here and found it needs lxcmgr-full after all (a create from a cold
 * cache, cli/create-route.h); returns only when lxcmgr-full cannot be executed. */
void lxm_front_exec_full(char **argv);

/* Maps the next pages of the heap from the one in_heap (a fresh allocation) lies in, up to bytes
 * of them and not past the break, in one system call (static lxcmgr: see front.c); nothing
 * elsewhere. */
void lxm_front_prefault_heap(const void *in_heap, unsigned long bytes);

/* Maps this binary's code and read-only data in one system call per segment (static lxcmgr: see
 * front.c); for a freshly forked process, which has none of it mapped. */
void lxm_front_prefault_code(void);

/* `kill NAME` and `stop -k NAME` of a container its small monitor can kill whole, done without the
 * C library (front-kill.c): ends the process (status 0) when it did the kill; returns, having
 * changed nothing, in every other case, and main() runs the command. */
void lxm_front_kill(char **argv, char **envp);
