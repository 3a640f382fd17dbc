/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Escape attempts run inside a container by tests/integration/escape.sh (compiled statically by
 * the test, so it runs in any rootfs). Each verb makes one attempt and prints one line:
 *   "blocked: <what> (<errno text>)"  exit 0: the attempt failed
 *   "ESCAPED: <what>"                 exit 1: it worked
 * Exit 2: usage or a failure that is not the attempt's.
 *
 *   escape-probe init_module | finit_module | kexec_load | kexec_file_load
 *   escape-probe open_by_handle_at              ext4's root inode through a forged handle
 *   escape-probe mknod-read MAJOR MINOR         make a block node, read the host disk through it
 *   escape-probe mount-disk MAJOR MINOR FSTYPE  make a node, mount the host disk
 *   escape-probe sysrq                          write 'h' (help: harmless) to /proc/sysrq-trigger
 *   escape-probe proc-write FILE                open /proc/FILE for writing (nothing written)
 *   escape-probe freshproc-write FILE           the same through a newly mounted procfs
 *   escape-probe cgroup-limit FILE VALUE        raise a limit of the container's own cgroup
 *   escape-probe cgroup-limit-freshmount CONTROLLER FILE VALUE   same on a new v1 mount
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int blocked(const char *what, int err)
{
	printf("blocked: %s (%s)\n", what, strerror(err));
	return 0;
}

static int escaped(const char *what)
{
	printf("ESCAPED: %s\n", what);
	return 1;
}

/* A syscall that must fail with EPERM/ENOSYS (seccomp or a missing capability). Other errors mean
 * the kernel looked at the arguments: the call itself was allowed. */
static int must_be_denied(const char *what, long r)
{
	if (r < 0 && (errno == EPERM || errno == ENOSYS || errno == EACCES))
		return blocked(what, errno);
	if (r >= 0)
		return escaped(what);
	printf("ESCAPED: %s reached the kernel (%s)\n", what, strerror(errno));
	return 1;
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value, strlen(value));
	int err = n < 0 ? errno : 0;
	close(fd);
	return n < 0 ? -err : 0;
}

static int make_node(const char *path, const char *maj, const char *min)
{
	unlink(path);
	if (mknod(path, S_IFBLK | 0600, makedev(atoi(maj), atoi(min))) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	const char *v = argc > 1 ? argv[1] : "";
	char buf[512];
	int r;

	if (!strcmp(v, "init_module"))
		return must_be_denied("init_module", syscall(SYS_init_module, buf, sizeof(buf), ""));
	if (!strcmp(v, "finit_module")) {
		int fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
		return must_be_denied("finit_module", syscall(SYS_finit_module, fd, "", 0));
	}
	if (!strcmp(v, "kexec_load"))
		return must_be_denied("kexec_load", syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL));
	if (!strcmp(v, "kexec_file_load"))
		return must_be_denied("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 1UL, "", 0UL));
	if (!strcmp(v, "open_by_handle_at")) {
		/* "shocker": FILEID_INO32_GEN of inode 2 (an ext4 root directory), gen 0. */
		struct {
			struct file_handle h;
			unsigned int ino, gen;
		} fh = { .h = { .handle_bytes = 8, .handle_type = 1 }, .ino = 2, .gen = 0 };
		int mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		long fd = syscall(SYS_open_by_handle_at, mfd, &fh.h, O_RDONLY | O_DIRECTORY);
		return must_be_denied("open_by_handle_at", fd);
	}
	if (!strcmp(v, "mknod-read") && argc == 4) {
		if ((r = make_node("/tmp/escape-disk", argv[2], argv[3])) < 0)
			return blocked("mknod of the host disk", -r);
		int fd = open("/tmp/escape-disk", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return blocked("opening the host disk through a node made inside", errno);
		ssize_t n = read(fd, buf, sizeof(buf));
		return n < 0 ? blocked("reading the host disk", errno) : escaped("read the host disk");
	}
	if (!strcmp(v, "mount-disk") && argc == 5) {
		mkdir("/tmp/escape-mnt", 0700);
		if ((r = make_node("/tmp/escape-disk", argv[2], argv[3])) < 0)
			return blocked("mknod of the host disk", -r);
		if (mount("/tmp/escape-disk", "/tmp/escape-mnt", argv[4], MS_RDONLY, NULL) < 0)
			return blocked("mounting the host disk", errno);
		return escaped("mounted the host disk");
	}
	if (!strcmp(v, "sysrq")) {
		r = write_file("/proc/sysrq-trigger", "h");
		return r < 0 ? blocked("writing /proc/sysrq-trigger", -r) : escaped("wrote /proc/sysrq-trigger");
	}
	if (!strcmp(v, "proc-write") && argc == 3) {
		/* Opened for writing only: a host kernel setting such as core_pattern must not
		 * actually change when the protection is missing. */
		char path[256];
		snprintf(path, sizeof(path), "/proc/%s", argv[2]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return blocked("opening it for writing", errno);
		close(fd);
		return escaped("opened it for writing");
	}
	if (!strcmp(v, "freshproc-write") && argc == 3) {
		char path[256];
		mkdir("/tmp/escape-proc", 0700);
		if (mount("proc", "/tmp/escape-proc", "proc", 0, NULL) < 0)
			return blocked("mounting a fresh procfs", errno);
		snprintf(path, sizeof(path), "/tmp/escape-proc/%s", argv[2]);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		int err = errno;
		umount2("/tmp/escape-proc", MNT_DETACH);
		if (fd < 0)
			return blocked("a fresh procfs is mounted, but opening it for writing", err);
		close(fd);
		return escaped("opened it for writing through a fresh procfs");
	}
	if (!strcmp(v, "cgroup-limit") && argc == 4) {
		r = write_file(argv[2], argv[3]);
		return r < 0 ? blocked("raising its own cgroup limit", -r) : escaped("raised its own cgroup limit");
	}
	if (!strcmp(v, "cgroup-limit-freshmount") && argc == 5) {
		char path[256];
		mkdir("/tmp/escape-cg", 0700);
		if (mount("cgroup", "/tmp/escape-cg", "cgroup", 0, argv[2]) < 0)
			return blocked("mounting its cgroup hierarchy read-write", errno);
		snprintf(path, sizeof(path), "/tmp/escape-cg/%s", argv[3]);
		r = write_file(path, argv[4]);
		umount2("/tmp/escape-cg", MNT_DETACH);
		return r < 0 ? blocked("raising its own cgroup limit on a fresh mount", -r)
			     : escaped("raised its own cgroup limit on a fresh mount");
	}
	fprintf(stderr, "usage: see the comment at the top of tests/escape-probe.c\n");
	return 2;
}
