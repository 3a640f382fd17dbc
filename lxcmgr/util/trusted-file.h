/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files lxcmgr keeps for itself (caches under the run directory) and the helper binaries it runs. */
#pragma once

#include <stddef.h>

/*
 * Reads the whole regular file path into buf (NUL-terminated) when it and its directory belong to
 * us (the effective uid) and nobody else may write either: what such a cache says decides
 * security settings or where a process is put, so a file someone else planted or could edit is
 * never read. -EPERM when not trusted, -EFBIG when it does not fit, else 0 or -errno. Symlinks at
 * either level are refused (O_NOFOLLOW). No heap use (callers are on exec's hot path).
 */
int lxm_read_trusted_file(const char *path, char *buf, size_t size);

/*
 * Finds helper binary name (lxcmgr-full, lxcmgr-monitor): next to the running binary when that is
 * not the installed one (a build tree, a relocated copy), else in LXCMGR_LIBEXECDIR; never next to
 * a binary in LXCMGR_BINDIR, where a program of that name may be an unrelated one (it would get
 * the caller's fds and arguments). 0 with the path in buf, or -ENOENT.
 */
int lxm_find_helper_binary(const char *name, char *buf, size_t size);
