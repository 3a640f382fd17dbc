/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running from a sealed memfd copy of our own binary before entering a container (the protection
 * runc added for CVE-2019-5736): /proc/PID/exe of every lxcmgr process that joins the container
 * then points at an immutable anonymous copy instead of the host's lxcmgr file.
 */
#pragma once

#include <sys/types.h>

/* Name of the environment marker set across the re-exec; removed again before returning. */
#define LXM_CLONED_BINARY_ENV "_LXCMGR_CLONED_BINARY"

/* True when /proc/self/exe is a memfd carrying every seal we put on the copy. */
int lxm_cloned_binary_is_sealed(void);

/* Remembers argv for a later re-exec (main() calls it for exec and shell, before parsing
 * anything) and removes the environment marker, remembering that it was there. */
void lxm_cloned_binary_init(int argc, char **argv);

/* Whether joining the process PID's namespaces needs the sealed copy: 1 unless PID has a user
 * namespace of its own, child of ours, that maps neither the owner nor the group of our binary,
 * which nobody but its owner may write. 1 on any doubt (an error reading the facts). */
int lxm_cloned_binary_needed(pid_t pid);

/*
 * Returns 0 when already running from a sealed copy; otherwise copies /proc/self/exe into a
 * sealed memfd and re-executes it with the argv given to lxm_cloned_binary_init() and the same
 * environment (does not return on success). -errno when the copy or the exec fails.
 */
int lxm_cloned_binary_ensure(void);
