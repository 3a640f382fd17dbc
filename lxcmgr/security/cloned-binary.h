/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running from a sealed memfd copy of our own binary before entering a container (the protection
 * runc added for CVE-2019-5736): /proc/PID/exe of every lxcmgr process that joins the container
 * then points at an immutable anonymous copy instead of the host's lxcmgr file.
 */
#pragma once

/* Name of the environment marker set across the re-exec; removed again before returning. */
#define LXM_CLONED_BINARY_ENV "_LXCMGR_CLONED_BINARY"

/* True when /proc/self/exe is a memfd carrying every seal we put on the copy. */
int lxm_cloned_binary_is_sealed(void);

/*
 * Returns 0 when already running from a sealed copy (and removes the marker); otherwise copies
 * /proc/self/exe into a sealed memfd and re-executes it with the same argv and environment (does
 * not return on success). -errno when the copy or the exec fails.
 */
int lxm_cloned_binary_ensure(int argc, char **argv);
