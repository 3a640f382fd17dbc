/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive, loaded on first use (util/dl.h explains why). Include this instead of <archive.h>
 * and <archive_entry.h>; every function called through it is listed here, so one not listed
 * fails at link time rather than pulling libarchive back into every process.
 */
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "util/dl.h"

#ifndef LXM_ARCHIVE_SONAME
#define LXM_ARCHIVE_SONAME "libarchive.so.13"
#endif

extern struct lxm_dl_lib lxm_dl_archive;

/* 0, or -ELIBACC (logged) when libarchive cannot be loaded. */
int lxm_archive_load(void);

#define archive_entry_copy_hardlink(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_copy_hardlink)(__VA_ARGS__)
#define archive_entry_copy_pathname(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_copy_pathname)(__VA_ARGS__)
#define archive_entry_filetype(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_filetype)(__VA_ARGS__)
#define archive_entry_free(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_free)(__VA_ARGS__)
#define archive_entry_hardlink(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_hardlink)(__VA_ARGS__)
#define archive_entry_linkify(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_linkify)(__VA_ARGS__)
#define archive_entry_linkresolver_free(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_linkresolver_free)(__VA_ARGS__)
#define archive_entry_linkresolver_new(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_linkresolver_new)(__VA_ARGS__)
#define archive_entry_linkresolver_set_strategy(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_linkresolver_set_strategy)(__VA_ARGS__)
#define archive_entry_new(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_new)(__VA_ARGS__)
#define archive_entry_pathname(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_pathname)(__VA_ARGS__)
#define archive_entry_rdevmajor(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_rdevmajor)(__VA_ARGS__)
#define archive_entry_rdevminor(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_rdevminor)(__VA_ARGS__)
#define archive_entry_set_filetype(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_filetype)(__VA_ARGS__)
#define archive_entry_set_hardlink(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_hardlink)(__VA_ARGS__)
#define archive_entry_set_mtime(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_mtime)(__VA_ARGS__)
#define archive_entry_set_pathname(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_pathname)(__VA_ARGS__)
#define archive_entry_set_perm(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_perm)(__VA_ARGS__)
#define archive_entry_set_rdevmajor(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_rdevmajor)(__VA_ARGS__)
#define archive_entry_set_rdevminor(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_rdevminor)(__VA_ARGS__)
#define archive_entry_set_size(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_size)(__VA_ARGS__)
#define archive_entry_set_symlink(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_set_symlink)(__VA_ARGS__)
#define archive_entry_size(...) LXM_DL_CALL(&lxm_dl_archive, archive_entry_size)(__VA_ARGS__)
#define archive_errno(...) LXM_DL_CALL(&lxm_dl_archive, archive_errno)(__VA_ARGS__)
#define archive_error_string(...) LXM_DL_CALL(&lxm_dl_archive, archive_error_string)(__VA_ARGS__)
#define archive_filter_bytes(...) LXM_DL_CALL(&lxm_dl_archive, archive_filter_bytes)(__VA_ARGS__)
#define archive_format(...) LXM_DL_CALL(&lxm_dl_archive, archive_format)(__VA_ARGS__)
#define archive_read_data(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_data)(__VA_ARGS__)
#define archive_read_data_block(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_data_block)(__VA_ARGS__)
#define archive_read_disk_descend(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_disk_descend)(__VA_ARGS__)
#define archive_read_disk_new(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_disk_new)(__VA_ARGS__)
#define archive_read_disk_open(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_disk_open)(__VA_ARGS__)
#define archive_read_disk_set_behavior(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_disk_set_behavior)(__VA_ARGS__)
#define archive_read_disk_set_symlink_physical(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_disk_set_symlink_physical)(__VA_ARGS__)
#define archive_read_free(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_free)(__VA_ARGS__)
#define archive_read_new(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_new)(__VA_ARGS__)
#define archive_read_next_header(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_next_header)(__VA_ARGS__)
#define archive_read_next_header2(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_next_header2)(__VA_ARGS__)
#define archive_read_open(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_open)(__VA_ARGS__)
#define archive_read_open_fd(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_open_fd)(__VA_ARGS__)
#define archive_read_open_filename(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_open_filename)(__VA_ARGS__)
#define archive_read_support_filter_all(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_support_filter_all)(__VA_ARGS__)
#define archive_read_support_filter_gzip(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_support_filter_gzip)(__VA_ARGS__)
#define archive_read_support_format_gnutar(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_support_format_gnutar)(__VA_ARGS__)
#define archive_read_support_format_raw(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_support_format_raw)(__VA_ARGS__)
#define archive_read_support_format_tar(...) LXM_DL_CALL(&lxm_dl_archive, archive_read_support_format_tar)(__VA_ARGS__)
#define archive_write_add_filter_bzip2(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_add_filter_bzip2)(__VA_ARGS__)
#define archive_write_add_filter_gzip(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_add_filter_gzip)(__VA_ARGS__)
#define archive_write_add_filter_xz(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_add_filter_xz)(__VA_ARGS__)
#define archive_write_add_filter_zstd(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_add_filter_zstd)(__VA_ARGS__)
#define archive_write_close(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_close)(__VA_ARGS__)
#define archive_write_data(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_data)(__VA_ARGS__)
#define archive_write_data_block(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_data_block)(__VA_ARGS__)
#define archive_write_disk_new(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_disk_new)(__VA_ARGS__)
#define archive_write_disk_set_options(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_disk_set_options)(__VA_ARGS__)
#define archive_write_disk_set_standard_lookup(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_disk_set_standard_lookup)(__VA_ARGS__)
#define archive_write_finish_entry(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_finish_entry)(__VA_ARGS__)
#define archive_write_free(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_free)(__VA_ARGS__)
#define archive_write_header(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_header)(__VA_ARGS__)
#define archive_write_new(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_new)(__VA_ARGS__)
#define archive_write_open_fd(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_open_fd)(__VA_ARGS__)
#define archive_write_open_filename(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_open_filename)(__VA_ARGS__)
#define archive_write_set_filter_option(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_set_filter_option)(__VA_ARGS__)
#define archive_write_set_format_pax_restricted(...) LXM_DL_CALL(&lxm_dl_archive, archive_write_set_format_pax_restricted)(__VA_ARGS__)

/* The errno behind a's last failure (ENOSPC from a write into a full disk), else fallback:
 * libarchive's own messages ("Write failed") do not say why. */
static inline int lxm_archive_errno(struct archive *a, int fallback)
{
	int e = archive_errno(a);

	return e > 0 ? -e : fallback;
}
