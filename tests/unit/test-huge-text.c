/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The huge-page warm-up of a binary's read-only segments (util/huge-text.c), for real: ELF files
 * made here, in the build directory (the filesystem the build's binaries are on), warmed, then
 * mapped without MADV_HUGEPAGE, as an exec maps them, and read back from /proc/self/smaps. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/huge-text.h"

#define BLOCK LXM_HUGE_TEXT_SIZE

struct seg {
	uint32_t flags;
	uint64_t off, size, align;
};

/* A file of 'total' bytes, written 4 KiB at a time (so its page cache holds 4 KiB folios), with an
 * ELF header and one PT_LOAD per seg. Returns its name, kept for remove_file(). */
static char name[64];

static const char *make_elf(const struct seg *segs, size_t n, size_t total)
{
	unsigned char page[4096];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)page;
	int fd;

	snprintf(name, sizeof(name), "test-huge-text.XXXXXX");
	fd = mkstemp(name);
	assert_true(fd >= 0);
	for (size_t at = 0; at < total; at += sizeof(page)) {
		memset(page, (int)(at / sizeof(page)) | 1, sizeof(page)); /* not zero: a real read */
		if (at == 0) {
			memset(page, 0, sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr));
			memcpy(eh->e_ident, ELFMAG, SELFMAG);
			eh->e_ident[EI_CLASS] = ELFCLASS64;
			eh->e_ident[EI_DATA] = ELFDATA2LSB;
			eh->e_ident[EI_VERSION] = EV_CURRENT;
			eh->e_type = ET_DYN;
			eh->e_machine = EM_X86_64;
			eh->e_version = EV_CURRENT;
			eh->e_phoff = sizeof(Elf64_Ehdr);
			eh->e_ehsize = sizeof(Elf64_Ehdr);
			eh->e_phentsize = sizeof(Elf64_Phdr);
			eh->e_phnum = (uint16_t)n;
			Elf64_Phdr *ph = (Elf64_Phdr *)(page + sizeof(Elf64_Ehdr));
			for (size_t i = 0; i < n; i++)
				ph[i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = segs[i].flags, .p_offset = segs[i].off,
						      .p_vaddr = segs[i].off, .p_paddr = segs[i].off,
						      .p_filesz = segs[i].size, .p_memsz = segs[i].size,
						      .p_align = segs[i].align };
		}
		assert_int_equal(write(fd, page, sizeof(page)), sizeof(page));
	}
	assert_int_equal(close(fd), 0);
	return name;
}

/* Also when an assertion ended the case early. */
static int remove_file(void **state)
{
	(void)state;
	if (name[0])
		unlink(name);
	name[0] = '\0';
	return 0;
}

/* Maps the 2 MiB at 'off' of 'path' as an exec would (no MADV_HUGEPAGE), reads it; whether it
 * came as one PMD. Leaves it mapped when 'keep' (then *ret_area is the reservation). */
static bool mapped_huge(const char *path, off_t off, bool keep, void **ret_area)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long before = lxm_huge_text_pmd_kb();
	char *area, *m;
	bool huge;

	assert_true(fd >= 0);
	assert_true(before >= 0);
	area = mmap(NULL, 2 * BLOCK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(area != MAP_FAILED);
	m = mmap((void *)(((uintptr_t)area + BLOCK - 1) & ~(BLOCK - 1)), BLOCK, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
		 off);
	assert_true(m != MAP_FAILED);
	close(fd);
	for (size_t i = 0; i < BLOCK; i += 4096)
		assert_int_equal(m[i], (char)((off + (off_t)i) / 4096 | 1));
	huge = lxm_huge_text_pmd_kb() - before >= (long)(BLOCK / 1024);
	if (keep)
		*ret_area = area;
	else
		munmap(area, 2 * BLOCK);
	return huge;
}

static void test_not_elf(void **state)
{
	struct lxm_huge_text_result res;
	char tmp[] = "test-huge-text.XXXXXX";
	int fd = mkstemp(tmp);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	assert_int_equal(lxm_huge_text_warm(tmp, &res), -ENOEXEC);
	unlink(tmp);
	assert_int_equal(lxm_huge_text_warm(tmp, &res), -ENOENT);
	assert_int_equal(lxm_huge_text_warm(".", &res), -ENOEXEC);
}

/* Segments that are not laid out for huge pages are left alone: 4 KiB alignment, a writable
 * segment, a 2 MiB-aligned one shorter than 2 MiB. */
static void test_no_blocks(void **state)
{
	const struct seg segs[] = {
		{ PF_R, 0, 0x1000, 0x1000 },
		{ PF_R | PF_X, 0x201000, BLOCK, 0x1000 },
		{ PF_R | PF_W, 0x600000, BLOCK, BLOCK },
		{ PF_R, 0x800000, BLOCK - 4096, BLOCK },
	};
	const char *path = make_elf(segs, 4, 0xa00000);
	struct lxm_huge_text_result res;

	(void)state;
	assert_int_equal(lxm_huge_text_warm(path, &res), 0);
	assert_int_equal(res.blocks, 0);
	assert_int_equal(res.warmed, 0);
}

/* Headers that point past the file or claim more than it holds: the blocks the file really has,
 * no overflow. */
static void test_hostile_headers(void **state)
{
	const struct seg segs[] = {
		{ PF_R, 0xffffffffffe00000ULL, BLOCK, BLOCK },
		{ PF_R | PF_X, BLOCK, UINT64_MAX, BLOCK },
	};
	const char *path = make_elf(segs, 2, 3 * BLOCK);
	struct lxm_huge_text_result res;

	(void)state;
	assert_int_equal(lxm_huge_text_warm(path, &res), 0);
	assert_int_equal(res.blocks, 2);
	assert_true(res.warmed <= res.blocks);
}

/* The static lxcmgr's layout: code in one block, read-only data in one and a half (one block). */
static void test_warm(void **state)
{
	const struct seg segs[] = {
		{ PF_R, 0, 0x1000, BLOCK },
		{ PF_R | PF_X, BLOCK, BLOCK, BLOCK },
		{ PF_R, 2 * BLOCK, BLOCK + BLOCK / 2, BLOCK },
	};
	const char *path = make_elf(segs, 3, 4 * BLOCK);
	struct lxm_huge_text_result res;

	(void)state;
	assert_false(mapped_huge(path, BLOCK, false, NULL)); /* written in 4 KiB: small folios */
	assert_int_equal(lxm_huge_text_warm(path, &res), 0);
	assert_int_equal(res.blocks, 2);
	assert_int_equal(res.warmed, 2);
	assert_true(mapped_huge(path, BLOCK, false, NULL));
	assert_true(mapped_huge(path, 2 * BLOCK, false, NULL));
	assert_false(mapped_huge(path, 3 * BLOCK, false, NULL)); /* the half block: not warmed */
	/* a second run finds them warm and keeps them */
	assert_int_equal(lxm_huge_text_warm(path, &res), 0);
	assert_int_equal(res.warmed, 2);
}

/* A block a running process maps cannot be dropped: it stays in 4 KiB pages, counted, no error,
 * the mapping's contents untouched; the other block is warmed. */
static void test_mapped_block_stays(void **state)
{
	const struct seg segs[] = {
		{ PF_R | PF_X, BLOCK, BLOCK, BLOCK },
		{ PF_R, 2 * BLOCK, BLOCK, BLOCK },
	};
	const char *path = make_elf(segs, 2, 3 * BLOCK);
	struct lxm_huge_text_result res;
	void *held = NULL;

	(void)state;
	assert_false(mapped_huge(path, BLOCK, true, &held));
	assert_int_equal(lxm_huge_text_warm(path, &res), 0);
	assert_int_equal(res.blocks, 2);
	assert_int_equal(res.warmed, 1);
	assert_true(mapped_huge(path, 2 * BLOCK, false, NULL));
	munmap(held, 2 * BLOCK);
}

/* Whether this filesystem and kernel put a 2 MiB write into one page-cache folio that a mapping
 * then maps with one PMD: the same large-folio support the warm-up needs, found another way. */
static bool large_folios_here(void)
{
	char tmp[] = "test-huge-text.XXXXXX";
	int fd = mkstemp(tmp);
	char *buf = malloc(BLOCK);
	bool ok;

	if (fd < 0 || !buf)
		return false;
	for (size_t i = 0; i < BLOCK; i += 4096)
		memset(buf + i, (int)(i / 4096) | 1, 4096);
	ok = pwrite(fd, buf, BLOCK, 0) == (ssize_t)BLOCK;
	close(fd);
	free(buf);
	ok = ok && mapped_huge(tmp, 0, false, NULL);
	unlink(tmp);
	return ok;
}

int main(void)
{
	const struct CMUnitTest parse[] = {
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test_teardown(test_no_blocks, remove_file),
		cmocka_unit_test_teardown(test_hostile_headers, remove_file),
	};
	const struct CMUnitTest warm[] = {
		cmocka_unit_test_teardown(test_warm, remove_file),
		cmocka_unit_test_teardown(test_mapped_block_stays, remove_file),
	};
	int r = cmocka_run_group_tests(parse, NULL, NULL);

	if (r)
		return r;
	if (!large_folios_here()) {
		printf("test-huge-text: a 2 MiB write to this filesystem does not become one huge page-cache folio "
		       "(no large folios: ext4 before Linux 6.16, or transparent huge pages disabled): nothing the "
		       "warm-up could do here, skipping its cases\n");
		return 77;
	}
	return cmocka_run_group_tests(warm, NULL, NULL);
}
