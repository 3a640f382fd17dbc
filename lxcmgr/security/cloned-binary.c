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
 */
#include <assert.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
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

int lxm_cloned_binary_ensure(int argc, char **argv)
{
	int r = lxm_cloned_binary_is_sealed();
	if (r < 0)
		return log_debug_errno(r, "Failed to inspect '/proc/self/exe': %m");
	if (r > 0) {
		/* the command run in the container must not inherit our marker */
		(void)unsetenv(LXM_CLONED_BINARY_ENV);
		return 0;
	}
	/* Set by us and still not sealed: the re-exec did not land on the copy; stop, do not loop. */
	if (getenv(LXM_CLONED_BINARY_ENV))
		return log_debug_errno(-ELOOP, "Re-executed from the sealed copy but '/proc/self/exe' is not sealed");

	_cleanup_close_ int fd = clone_self();
	if (fd < 0)
		return fd;
	if (setenv(LXM_CLONED_BINARY_ENV, "1", 1) < 0)
		return negative_errno();
	assert(argv[argc] == NULL);
	extern char **environ;
	(void)syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	r = negative_errno();
	(void)unsetenv(LXM_CLONED_BINARY_ENV);
	return log_debug_errno(r, "Failed to re-execute from the sealed copy: %m");
}
