/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root filesystem archives through libarchive. */
#pragma once

#include <stdbool.h>

struct lxm_extract_opts {
	bool progress; /* percent/bytes on stderr (caller decides: only when stderr is a terminal) */
};

/* Unpacks archive_path (.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2; detected by content) into the
 * existing directory dest, preserving owners, modes, xattrs, hard links and device nodes.
 * Hostile members are refused without writing outside dest: "../" components, absolute paths,
 * writing through a symlink that leaves dest, hard links to outside; device nodes other than the
 * usual set are logged. Returns -EINVAL (logged, naming the member) for a hostile or corrupt
 * archive; dest may then hold a partial tree that the caller discards. */
int lxm_archive_extract(const char *archive_path, const char *dest, const struct lxm_extract_opts *opts);

/* Writes the tree at src_dir as a tar.zst (or by suffix of out_path: .tar, .tar.gz, .tar.xz) to
 * out_path atomically, preserving the same attributes. */
int lxm_archive_create(const char *src_dir, const char *out_path, bool progress);
