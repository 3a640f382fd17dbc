/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files lxcmgr keeps for itself (caches under the run directory) and the helper binaries it runs. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Opens the regular file path (read-only) when it and its directory belong to us (the effective
 * uid) and nobody else may write either: what such a cache says decides security settings or where
 * a process is put, so a file someone else planted or could edit is never read. Symlinks at either
 * level are refused (O_NOFOLLOW). The fd, with the file's size in *ret_size, or -EPERM when not
 * trusted, -EINVAL for a path without a directory, else -errno.
 */
int lxm_open_trusted_file(const char *path, off_t *ret_size);

/*
 * Reads the whole trusted file path (as lxm_open_trusted_file() opens it) into buf, NUL-terminated:
 * -EFBIG when it does not fit, else 0 or -errno. No heap use (callers are on exec's hot path).
 */
int lxm_read_trusted_file(const char *path, char *buf, size_t size);

/*
 * Finds helper binary name (lxcmgr-full, lxcmgr-monitor): next to the running binary when that is
 * not the installed one (a build tree, a relocated copy), else in LXCMGR_LIBEXECDIR; never next to
 * a binary in LXCMGR_BINDIR, where a program of that name may be an unrelated one (it would get
 * the caller's fds and arguments). 0 with the path in buf, or -ENOENT.
 */
int lxm_find_helper_binary(const char *name, char *buf, size_t size);
