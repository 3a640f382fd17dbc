/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A rootfs copied in-process from the template cache's unpacked base instead of unpacked again. */
#pragma once

/* Copies the contents of the directory src into the existing, empty directory dst (dst's own
 * owner and mode are kept, as extraction keeps them): regular files (data through
 * copy_file_range(), holes kept, a reflink where the filesystem makes one), directories,
 * symlinks, device nodes, FIFOs; owners (as root), modes with setuid/setgid, mtimes, the xattrs of
 * files and directories (file capabilities, POSIX ACLs) and hard links (among the copies: dst
 * shares no inode with src). Never follows a symlink, does not descend into mounts below src.
 * Large files are copied on a second thread, joined before the return (its failure is returned).
 * On failure dst holds a partial tree the caller discards. */
int lxm_image_tree_clone(const char *src, const char *dst);
/* The same, leaving out the non-directories at the paths in skip (relative to src, NULL-terminated;
 * NULL: none): files a configure step replaces right after need no copy. */
int lxm_image_tree_clone_skip(const char *src, const char *dst, const char *const *skip);
