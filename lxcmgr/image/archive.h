/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Root filesystem archives through libarchive. */
#pragma once

#include <stdbool.h>

struct lxm_extract_opts {
	bool progress; /* percent/bytes on stderr (caller decides: only when stderr is a terminal) */
	/* When set (64 lower-case hex digits): the SHA-256 of the whole archive file, computed over
	 * the bytes as they are read for unpacking (one read instead of a checksum pass first), the
	 * rest of the file after the tar end included. A mismatch returns -EBADMSG after the unpack:
	 * dest then holds a tree the caller must discard, as after any failure. */
	const char *expect_sha256;
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

/* The member name check lxm_archive_extract() applies: strips leading "./" (and "//", "/./"),
 * refuses absolute names and ".." components (-EINVAL, *ret_reason set to a static string).
 * *ret is newly allocated; "" names the root directory itself. */
int lxm_archive_normalize_path(const char *name, char **ret, const char **ret_reason);

/* True for the device nodes a rootfs normally carries (dev/null, dev/zero, dev/tty*, dev/pts/...);
 * rel is a normalised member name. */
bool lxm_archive_device_is_usual(const char *rel);
