/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CVE-2019-5736 (the runc host binary overwrite): a process that joins a container and then
 * executes something the container controls can be made to execute itself (a container binary
 * replaced by "#!/proc/self/exe"). The container's root then holds /proc/PID/exe of a process
 * whose executable is the host's lxcmgr, and as soon as no process executes it any more (no
 * ETXTBSY), it reopens that fd for writing and replaces the host binary: the next lxcmgr run by
 * the host's root runs the container's code. Re-executing from a sealed memfd first means that
 * /proc/PID/exe is an anonymous copy that nobody can write, shrink or grow; the seals are checked
 * with F_GET_SEALS, never trusted from the environment marker (anyone can set that).
 *
 * The copy costs a second dynamic load of lxcmgr on every exec, and it only matters where the
 * container's root could write the host binary at all. An unprivileged container's root is a
 * host uid from its subuid range: for a binary owned by host root (unmapped in its user
 * namespace) and not group/other writable, the reopen fails with EACCES whatever the container
 * does (runc's advisory says the same of user namespaces). lxm_cloned_binary_needed() checks
 * exactly that against the kernel's facts (the init's uid_map/gid_map, the binary's inode), so
 * privileged containers, and any mapping or binary that does not fit, still get the copy.
 */
#include <assert.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/cloned-binary.h"
#include "util/log.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool fd_is_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

int lxm_cloned_binary_is_sealed(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return fd_is_sealed(fd);
}

static int memfd_new(void)
{
	/* MFD_EXEC keeps the copy executable where vm.memfd_noexec would default to noexec;
	 * kernels before 6.3 do not know the flag (EINVAL) and are executable anyway. */
	int fd = memfd_create("lxcmgr", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("lxcmgr", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd < 0 ? negative_errno() : fd;
}

/* How much of the file exec needs: up to the end of the last PT_LOAD segment, from our own program
 * headers. Symbols and debug info follow (an unstripped -g build is 4x that): not copied on every
 * exec. Sanitizer builds copy everything, their reports symbolise through /proc/self/exe. 0: all. */
static off_t loaded_size(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	return 0;
#else
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	off_t end = 0;
	if (!ph || getauxval(AT_PHENT) != sizeof(ElfW(Phdr)))
		return 0;
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && (off_t)(ph[i].p_offset + ph[i].p_filesz) > end)
			end = (off_t)(ph[i].p_offset + ph[i].p_filesz);
	return end;
#endif
}

/* Copies our executable into a new memfd and seals it; returns the fd. */
static int clone_self(void)
{
	_cleanup_close_ int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return log_debug_errno(negative_errno(), "Failed to open '/proc/self/exe': %m");
	struct stat st;
	if (fstat(src, &st) < 0)
		return negative_errno();
	off_t want = loaded_size();
	if (want > 0 && want < st.st_size)
		st.st_size = want;

	_cleanup_close_ int mfd = memfd_new();
	if (mfd < 0)
		return log_debug_errno(mfd, "Failed to create a memfd: %m");
	if (ftruncate(mfd, st.st_size) < 0)
		return negative_errno();
	off_t off = 0;
	while (off < st.st_size) {
		/* in-kernel copy: no user-space buffer for a binary of several MB */
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return log_debug_errno(negative_errno(), "Failed to copy '/proc/self/exe': %m");
		if (n == 0)
			return log_debug_errno(-EIO, "Short copy of '/proc/self/exe'");
	}
	if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
		return log_debug_errno(negative_errno(), "Failed to seal the binary copy: %m");
	if (!fd_is_sealed(mfd))
		return -EPERM;
	return TAKE_FD(mfd);
}

/* Whether host id `id` is the outside of one of the map's "inside outside count" lines. A map has
 * at most 340 lines (the kernel's limit), read with one read(): a map that does not fit, or
 * cannot be read, counts as covering (the sealed copy is used then). */
static bool map_covers(const char *path, unsigned long id)
{
	char buf[340 * 36 + 1];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
		return true;
	buf[n] = '\0';
	for (char *p = buf, *end; *p; p = end) {
		unsigned long in, out, count;
		end = strchrnul(p, '\n');
		if (*end)
			*end++ = '\0';
		if (sscanf(p, "%lu %lu %lu", &in, &out, &count) != 3)
			return true;
		if (id >= out && id - out < count)
			return true;
	}
	return false;
}

int lxm_cloned_binary_needed(pid_t pid)
{
	char path[64];
	struct stat self_ns, parent_st, exe;

	/* A user namespace of its own, created from ours: only then are the maps below in our ids
	 * and the container's root powerless over files whose owner is not mapped. */
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	_cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return 1;
	_cleanup_close_ int parent = ioctl(ns, NS_GET_PARENT);
	if (parent < 0 || fstat(parent, &parent_st) < 0 || stat("/proc/self/ns/user", &self_ns) < 0 ||
	    parent_st.st_ino != self_ns.st_ino || parent_st.st_dev != self_ns.st_dev)
		return 1;
	/* The attack writes the binary through the inode: the kernel lets the container's root do so
	 * only as the owner (its uid mapped), through the group or other write bits, or with
	 * CAP_DAC_OVERRIDE in its namespace, which counts only for inodes whose uid and gid are both
	 * mapped there. A write-protected binary of an unmapped owner and group is out of reach (the
	 * ACL mask is the group bits: no named entry grants more). */
	if (stat("/proc/self/exe", &exe) < 0 || (exe.st_mode & (S_IWGRP | S_IWOTH)))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (map_covers(path, exe.st_uid))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (map_covers(path, exe.st_gid))
		return 1;
	return 0;
}

static struct {
	char **argv;
	bool marked; /* this process is the re-exec (the marker was set) */
} self_exec;

void lxm_cloned_binary_init(int argc, char **argv)
{
	assert(argv[argc] == NULL);
	self_exec.argv = argv;
	/* the command run in the container must not inherit our marker */
	self_exec.marked = getenv(LXM_CLONED_BINARY_ENV) != NULL;
	if (self_exec.marked)
		(void)unsetenv(LXM_CLONED_BINARY_ENV);
}

int lxm_cloned_binary_ensure(void)
{
	int r = lxm_cloned_binary_is_sealed();
	if (r < 0)
		return log_debug_errno(r, "Failed to inspect '/proc/self/exe': %m");
	if (r > 0)
		return 0;
	if (!self_exec.argv)
		return log_debug_errno(-EINVAL, "No command line to re-execute with");
	/* Set by us and still not sealed: the re-exec did not land on the copy; stop, do not loop. */
	if (self_exec.marked)
		return log_debug_errno(-ELOOP, "Re-executed from the sealed copy but '/proc/self/exe' is not sealed");

	_cleanup_close_ int fd = clone_self();
	if (fd < 0)
		return fd;
	if (setenv(LXM_CLONED_BINARY_ENV, "1", 1) < 0)
		return negative_errno();
	extern char **environ;
	(void)syscall(SYS_execveat, fd, "", self_exec.argv, environ, AT_EMPTY_PATH);
	r = negative_errno();
	(void)unsetenv(LXM_CLONED_BINARY_ENV);
	return log_debug_errno(r, "Failed to re-execute from the sealed copy: %m");
}
