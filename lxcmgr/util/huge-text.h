/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#define LXM_HUGE_TEXT_SIZE (2UL * 1024 * 1024) /* one PMD on x86_64 */

struct lxm_huge_text_result {
	unsigned blocks; /* 2 MiB blocks of the file's read-only segments laid out for huge pages */
	unsigned warmed; /* of them, in the page cache as one huge folio each afterwards */
};

/* Puts the 2 MiB blocks of the read-only PT_LOAD segments of the ELF file at 'path' that are laid
 * out for huge pages (2 MiB-aligned in the file and in memory) into the page cache as huge folios,
 * so every later mapping of them (each exec) can map each block with one PMD (huge-text.c says
 * why). Best effort: a block still mapped by a running process, THP disabled, a filesystem
 * without large folios or no free 2 MiB of memory leave it in 4 KiB pages (counted, not an error).
 * Returns 0 with *ret filled, or -errno (not an ELF file, unreadable). */
int lxm_huge_text_warm(const char *path, struct lxm_huge_text_result *ret);
/* The same on an open (readable) fd of the file. sync: write its dirty pages back first (a file
 * just linked or installed; POSIX_FADV_DONTNEED drops no dirty page), which a device flush may
 * make slow; without, a dirty block just stays in 4 KiB pages. */
int lxm_huge_text_warm_fd(int fd, bool sync, struct lxm_huge_text_result *ret);

/* How much of this process's file mappings is mapped with PMDs (FilePmdMapped of
 * /proc/self/smaps_rollup), in kB, or -errno. */
long lxm_huge_text_pmd_kb(void);
