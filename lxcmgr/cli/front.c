/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The split between a statically linked `lxcmgr` and the dynamically linked lxcmgr-full.
 *
 * Why: a dynamically linked lxcmgr pays the loader on every command (opening, mapping and
 * relocating libc, binding ~280 imports lazily, ~25 more page faults): ~0.3-0.45 ms of the ~3 ms
 * an `exec` takes on this kind of machine, measured A/B (bench/README.md). A static-pie binary
 * does none of that and keeps its own address randomised. But a static glibc program cannot load
 * shared libraries safely (dlopen() in it maps a second C library), and libarchive and
 * libnftables are dlopen()ed on first use (util/dl.h) and ship no static archives; glibc's NSS
 * (getpwnam() in the DHCP service, getaddrinfo()) has the same problem. So the commands that can
 * reach any of them run in lxcmgr-full, the same program linked dynamically, and `lxcmgr` runs
 * the rest: the hot, small ones (exec, kill, stop, list, info...) that never load a library, and
 * start, which hands the few steps that do to lxcmgr-full (runtime/full-helper.h).
 *
 * The other way round (a dynamic `lxcmgr` with a static helper for exec) would add an exec to the
 * command that is meant to be fast. Deciding in main() would run the static C library's start-up
 * first (~0.3 ms here: glibc's CPU feature probing issues dozens of CPUID instructions, each a VM
 * exit of ~6 us on this host) before an exec into lxcmgr-full that pays it again: the static
 * binary decides in its ELF entry point instead, before the C library starts, which leaves
 * ~0.1 ms (the kernel's exec) for a command that goes on to lxcmgr-full (config, a cold create...).
 *
 * Nothing here is a security boundary: both binaries are the same program with the same argv and
 * environment, run by the same user. lxcmgr-full is looked up the way the small monitor is
 * (monitor-handover.c): next to a build tree's binary, else the installed one in
 * LXCMGR_LIBEXECDIR, never next to an installed lxcmgr (a bin directory may hold an unrelated
 * program of that name).
 *
 * Constraints of the early entry: it runs before the static-pie binary relocated itself and before
 * TLS exists, so this file is built freestanding (no libc call, no stack protector, no table of
 * pointers, whose entries would still be unrelocated) and talks to the kernel directly.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "cli/front-sys.h"
#include "cli/front.h"

/* The commands `lxcmgr` runs itself: none can reach libarchive, libnftables or NSS but through
 * the steps it hands to lxcmgr-full (runtime/full-helper.h): start (and the monitor it forks)
 * hands over a managed network's nft table and dnsmasq and the port forwards, only for a container
 * that has them, so a start without them pays neither lxcmgr-full's exec nor its loader. create
 * runs here from a warm template cache only (a copy of, or an overlay on, the unpacked base);
 * anything else (a tarball to unpack, a template to run) it hands to lxcmgr-full whole, with this
 * argv, before it does anything (cli/create-route.h). One string, not a table of pointers (see
 * above). */
static const char in_process[] = "exec\0shell\0kill\0stop\0list\0info\0console\0freeze\0unfreeze\0"
				 "stats\0metrics\0help\0start\0create\0";

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static bool listed(const char *name)
{
	for (const char *p = in_process; *p; p += str_len(p) + 1)
		if (lxm_front_str_eq(name, p))
			return true;
	return false;
}

/* Whether this binary runs the command line. main()'s own options before the command are
 * followed exactly as written; anything getopt_long() might read differently (an abbreviated
 * option, bundled flags, "--") goes to lxcmgr-full, which runs every command anyway. */
static bool runs_here(char **argv)
{
	for (char **a = argv + 1; *a; a++) {
		const char *s = *a;
		if (s[0] != '-')
			return listed(s);
		if (lxm_front_str_eq(s, "--version") || lxm_front_str_eq(s, "--help") ||
		    lxm_front_str_eq(s, "-h"))
			return true;
		if (lxm_front_str_eq(s, "--root") || lxm_front_str_eq(s, "--log-level")) {
			if (!a[1])
				return true; /* main() reports the missing argument */
			a++;
			continue;
		}
		if (!lxm_front_after_prefix(s, "--root=") && !lxm_front_after_prefix(s, "--log-level="))
			return false;
	}
	return true; /* no command: main() prints the usage */
}

static size_t append(char *buf, size_t at, size_t size, const char *s)
{
	while (*s && at + 1 < size)
		buf[at++] = *s++;
	buf[at] = '\0';
	return at;
}

/* Executes lxcmgr-full; returns only when that failed. */
static void exec_full(char **argv, char **envp)
{
	char exe[4096], path[4096 + sizeof(LXCMGR_LIBEXECDIR) + sizeof(LXM_FRONT_FULL_NAME) + 2];
	size_t n = 0;
	long len = lxm_front_sys3(SYS_readlink, (long)"/proc/self/exe", (long)exe, sizeof(exe) - 1);
	if (len > 0) {
		size_t slash = (size_t)len;
		exe[len] = '\0';
		while (slash > 0 && exe[slash - 1] != '/')
			slash--;
		if (slash > 1) {
			exe[slash - 1] = '\0'; /* the directory */
			if (!lxm_front_str_eq(exe, LXCMGR_BINDIR)) {
				n = append(path, 0, sizeof(path), exe);
				n = append(path, n, sizeof(path), "/" LXM_FRONT_FULL_NAME);
				lxm_front_sys3(SYS_execve, (long)path, (long)argv, (long)envp);
			}
		}
	}
	n = append(path, 0, sizeof(path), LXCMGR_LIBEXECDIR "/" LXM_FRONT_FULL_NAME);
	lxm_front_sys3(SYS_execve, (long)path, (long)argv, (long)envp);
}

void lxm_front_exec_full(char **argv)
{
	extern char **environ;
	exec_full(argv, environ);
}

#ifdef LXM_STATIC_FRONT
#include <elf.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#define PAGE_SIZE_MIN 4096UL
/* What a command run here touches of its stack (exec: ~56 KiB deep, the plan's and the cgroup
 * mounts' read buffers) and of the end of .bss (the C library's own variables, linked last: its
 * malloc arena, stdio, the locks; exec: 5 pages). Both inside what the kernel mapped: the initial
 * stack mapping is 128 KiB below the arguments. */
#define STACK_PREFAULT (64 * 1024UL)
#define BSS_TAIL_PREFAULT (32 * 1024UL)

/* Our own ELF header, defined by the linker; hidden, so reached PC-relative before the static-pie
 * relocated itself. */
extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));

static void populate(unsigned long start, unsigned long end, int advice)
{
	start &= ~(PAGE_SIZE_MIN - 1);
	end = (end + PAGE_SIZE_MIN - 1) & ~(PAGE_SIZE_MIN - 1);
	if (end > start) /* best effort: before Linux 5.14 EINVAL, and the faults come as before */
		(void)lxm_front_sys3(SYS_madvise, (long)start, (long)(end - start), advice);
}

/*
 * Maps in one system call per range what the command would otherwise fault in page by page.
 *
 * Why: in a guest whose page tables the hypervisor shadows (this project's machines are
 * paravirtualised PVM guests; nested virtualisation without hardware support is the same), every
 * page fault is an exit to the hypervisor: ~10-25 us each, measured (bench/README.md), against
 * ~1 us on bare metal. An `exec` took ~72 faults in this binary before the command ran: ~28 in the
 * code and read-only data (the kernel maps 64 KiB around each fault: a start-up that touches most
 * of 2 MiB of code faults once per 64 KiB window), ~13 in the writable data the static-pie
 * relocation writes (a copy-on-write fault per page), ~10 on the stack, ~8 at the end of .bss.
 * MADV_POPULATE_* maps the same pages without the exceptions: the code mapped is about what the
 * faults' 64 KiB windows mapped anyway, the writable data is all written by the relocation, and
 * the stack and .bss ranges are what the commands use. Nothing here changes what is mapped or how
 * (the protections, ASLR, the later RELRO mprotect()): only when the page tables are filled.
 */
static void populate_code(void)
{
	const unsigned long base = (unsigned long)&__ehdr_start;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + __ehdr_start.e_phoff);

	for (unsigned i = 0; i < __ehdr_start.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && !(ph[i].p_flags & PF_W))
			populate(base + ph[i].p_vaddr, base + ph[i].p_vaddr + ph[i].p_memsz, MADV_POPULATE_READ);
}

static void prefault(long *sp)
{
	const unsigned long base = (unsigned long)&__ehdr_start;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + __ehdr_start.e_phoff);

	populate_code();
	for (unsigned i = 0; i < __ehdr_start.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W))
			continue;
		unsigned long start = base + ph[i].p_vaddr, file_end = start + ph[i].p_filesz;
		unsigned long end = start + ph[i].p_memsz;
		populate(start, file_end, MADV_POPULATE_WRITE);
		if (end - start > BSS_TAIL_PREFAULT && end - BSS_TAIL_PREFAULT > file_end)
			file_end = end - BSS_TAIL_PREFAULT;
		/* the page .data ends in belongs to the file mapping: from the next one on */
		populate((file_end + PAGE_SIZE_MIN - 1) & ~(PAGE_SIZE_MIN - 1), end, MADV_POPULATE_WRITE);
	}
	populate((unsigned long)sp - STACK_PREFAULT, (unsigned long)sp, MADV_POPULATE_WRITE);
}

/* A fork maps none of the parent's code (the kernel copies no page table entries of a mapping
 * without anonymous pages: a fault fills them in), so a forked process faults its code in again:
 * the monitor ~26 times before its clone of init's process, that child ~19 times before its exec
 * (traced, bench/README.md "Where a start's time goes"), each an exit to the hypervisor. One call
 * per read-only segment maps it at once, as the entry point does for the command. */
void lxm_front_prefault_code(void)
{
	populate_code();
}

/* The heap does not exist yet at the entry point: glibc's start-up makes it (its TLS block, then
 * malloc's first 132 KiB from brk()), and a command faults its pages in as its allocations reach
 * them (exec: 3 faults, ~12 KiB of small strings and lists). Its caller asks once its allocations
 * begin; the break bounds the range, so nothing beyond what malloc owns is touched. */
void lxm_front_prefault_heap(const void *in_heap, unsigned long bytes)
{
	unsigned long start = (unsigned long)in_heap, end = (unsigned long)lxm_front_sys3(SYS_brk, 0, 0, 0);
	if (start >= end)
		return; /* not from the brk heap (an mmap()ed chunk): nothing to do */
	if (end - start > bytes)
		end = start + bytes;
	populate(start, end, MADV_POPULATE_WRITE);
}

/* Called from the entry point below with the initial stack: argc, argv..., NULL, envp... */
__attribute__((visibility("hidden"), used)) void lxm_front_early(long *sp);
__attribute__((visibility("hidden"), used)) void lxm_front_early(long *sp)
{
	char **argv = (char **)(sp + 1);
	if (!runs_here(argv))
		exec_full(argv, argv + sp[0] + 1);
	lxm_front_kill(argv, argv + sp[0] + 1); /* returns unless it did the kill */
	prefault(sp);
}

/* The ELF entry point (-Wl,-e): the kernel's initial registers and stack go on to glibc's _start
 * unchanged (%rdx, the termination function, is kept in a callee-saved register). The stack is
 * 16-byte aligned at entry, as a call expects. */
__asm__(".text\n"
	".globl lxm_front_entry\n"
	".hidden lxm_front_entry\n"
	".type lxm_front_entry, @function\n"
	"lxm_front_entry:\n"
	"\tendbr64\n"
	"\tmov %rdx, %r12\n"
	"\tmov %rsp, %rdi\n"
	"\tcall lxm_front_early\n"
	"\tmov %r12, %rdx\n"
	"\txor %ebp, %ebp\n"
	"\tjmp _start\n"
	".size lxm_front_entry, . - lxm_front_entry\n");

void lxm_front_route(int argc, char **argv)
{
	/* decided at the entry point already */
}

/*
 * glibc's static start-up (_dl_non_dynamic_init()) asks for the program's own directory once,
 * with readlink("/proc/self/exe"), for the $ORIGIN of libraries dlopen() would load. This binary
 * loads none (util/dl.c refuses dlopen() in it; NSS is not used), and on this kind of host that
 * first lookup below /proc of a new process costs ~0.25 ms (measured: 255 us for the first
 * readlink of /proc/self/exe in a fresh child, 4.5 us for the next; ~4% of a create's samples),
 * paid by every command before main(). Linked with --wrap=_dl_get_origin (lxcmgr/local.mk), the
 * C library's call lands here: (char *)-1 is glibc's own "origin unknown", which leaves an
 * $ORIGIN in a search path unexpanded, as when the readlink fails.
 */
const char *__wrap__dl_get_origin(void);
const char *__wrap__dl_get_origin(void)
{
	return (const char *)-1;
}
#else
void lxm_front_prefault_heap(const void *in_heap, unsigned long bytes)
{
	/* a dynamically linked lxcmgr (the sanitizer build): its faults are the loader's anyway */
}

void lxm_front_route(int argc, char **argv)
{
	extern char **environ;
	if (!runs_here(argv))
		exec_full(argv, environ);
	/* the same path as the static entry point's, after the C library started: exercised by the
	 * sanitizer build's tests too */
	lxm_front_kill(argv, environ);
}
#endif
