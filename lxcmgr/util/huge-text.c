/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why: on the paravirtualised hosts lxcmgr is measured on, the hypervisor shadows the guest's page
 * tables, so the first touch of each 4 KiB page by an address space is an exit to it (~6 us for a
 * read even with the guest's page table entry present; bench/README.md, "Where a start's time
 * goes"), and a start runs three fresh address spaces through the static lxcmgr's code and
 * constants: the command, the monitor it forks, the container's child. A 2 MiB block mapped with
 * one PMD is one shadow entry. The static lxcmgr is linked so that its code and its read-only data
 * each fill whole 2 MiB blocks at 2 MiB-aligned file offsets and addresses (cli/huge-text.ld); the
 * kernel maps such a block with one PMD when the page cache holds it as one 2 MiB folio (A/B on
 * the test host: start until init runs 0.84x, exec 0.88x).
 *
 * An exec reads a file's pages into 4 KiB folios (read-around), a mapping with MADV_HUGEPAGE reads
 * them into 2 MiB ones (on filesystems with large folios: ext4 since 6.16, xfs, tmpfs with huge
 * pages). So, per block: drop its 4 KiB folios (pages a running process maps stay, and so does
 * the block's layout), map it with MADV_HUGEPAGE and read it. The folio then serves every later
 * exec until it is evicted. Run by lxcmgr-full (`lxcmgr __warm-text`: make, make install, the
 * boot service), which has no mapping of the static lxcmgr that would pin its pages, and by
 * lxcmgr-monitor after each hand-over: the page cache does not keep the folios forever (memory
 * pressure, or a host that pages out cold page cache as DAMON's pageout scheme does, took them
 * within an hour of idling on the test host), and the next command reads the file back into
 * 4 KiB folios; the first start after that puts them back.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/huge-text.h"
#include "util/log.h"
#include "util/macros.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#define MAX_PHDRS 64
#define BLOCK LXM_HUGE_TEXT_SIZE

long lxm_huge_text_pmd_kb(void)
{
	/* smaps_rollup, not smaps: one short text whatever the mappings; read() into the stack, no
	 * stdio (lxcmgr-monitor links this file and keeps its heap small) */
	_cleanup_close_ int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
	static const char key[] = "\nFilePmdMapped:";
	char buf[4096];
	size_t n = 0;
	ssize_t k;

	if (fd < 0)
		return -errno;
	while (n < sizeof(buf) - 1 && (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	const char *p = strstr(buf, key);
	if (!p)
		return -ENODATA; /* before Linux 5.4 */
	p += sizeof(key) - 1;
	while (*p == ' ')
		p++;
	long kb = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		kb = kb * 10 + (*p - '0');
	return kb;
}

static int read_phdrs(int fd, Elf64_Phdr *ph, size_t *ret_n)
{
	Elf64_Ehdr eh;
	size_t len;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > MAX_PHDRS)
		return -ENOEXEC;
	len = eh.e_phnum * sizeof(Elf64_Phdr);
	if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
		return -ENOEXEC;
	*ret_n = eh.e_phnum;
	return 0;
}

/* Maps the block at 'off' with MADV_HUGEPAGE, reads it and tells whether it came in one PMD. */
static bool map_block(int fd, off_t off)
{
	/* The PMD needs the address congruent to the file offset modulo 2 MiB: a 2 MiB-aligned
	 * address inside a reservation twice as large. */
	long before = lxm_huge_text_pmd_kb();
	if (before < 0)
		return false;
	void *area = mmap(NULL, 2 * BLOCK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	bool huge = false;

	if (area == MAP_FAILED)
		return false;
	void *at = (void *)(((uintptr_t)area + BLOCK - 1) & ~(BLOCK - 1));
	char *m = mmap(at, BLOCK, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, off);
	if (m != MAP_FAILED) {
		(void)madvise(m, BLOCK, MADV_HUGEPAGE);
		if (madvise(m, BLOCK, MADV_POPULATE_READ) < 0) /* before 5.14 */
			for (size_t i = 0; i < BLOCK; i += 4096)
				(void)*(volatile char *)(m + i);
		/* the only mapping this process changed in between */
		huge = lxm_huge_text_pmd_kb() - before >= (long)(BLOCK / 1024);
	}
	(void)munmap(area, 2 * BLOCK);
	return huge;
}

static bool warm_block(int fd, off_t off)
{
	if (map_block(fd, off))
		return true; /* already one folio */
	(void)posix_fadvise(fd, off, BLOCK, POSIX_FADV_DONTNEED);
	return map_block(fd, off);
}

int lxm_huge_text_warm(const char *path, struct lxm_huge_text_result *ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*ret = (struct lxm_huge_text_result){ 0 };
		return -errno;
	}
	return lxm_huge_text_warm_fd(fd, true, ret);
}

int lxm_huge_text_warm_fd(int fd, bool sync, struct lxm_huge_text_result *ret)
{
	Elf64_Phdr ph[MAX_PHDRS];
	bool synced = !sync;
	struct stat st;
	size_t n;
	int r;

	*ret = (struct lxm_huge_text_result){ 0 };
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	r = read_phdrs(fd, ph, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];
		if (p->p_type != PT_LOAD || (p->p_flags & PF_W) || p->p_align < BLOCK || p->p_offset % BLOCK ||
		    p->p_vaddr % BLOCK)
			continue;
		/* within the file, without overflow whatever the headers say */
		uint64_t size = (uint64_t)st.st_size;
		if (p->p_offset >= size)
			continue;
		uint64_t end = p->p_filesz > size - p->p_offset ? size : p->p_offset + p->p_filesz;
		for (uint64_t off = p->p_offset; off + BLOCK <= end; off += BLOCK) {
			/* A file just linked or installed is dirty, and POSIX_FADV_DONTNEED drops no
			 * dirty page: written back first, once. */
			if (!synced && fdatasync(fd) < 0)
				log_debug_errno(-errno, "fdatasync() of the program failed: %m");
			synced = true;
			ret->blocks++;
			if (warm_block(fd, (off_t)off))
				ret->warmed++;
		}
	}
	log_debug("%u of %u 2 MiB blocks of the program in huge pages", ret->warmed, ret->blocks);
	return 0;
}
