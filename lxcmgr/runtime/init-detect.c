/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which init a root filesystem boots, from ROOTFS/sbin/init and what it points to. Everything is
 * resolved inside the rootfs (mount-util.h): a container can point /sbin/init anywhere, and the
 * host must never read, or be fooled by, one of its own files.
 */
#include <fcntl.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>

#include "runtime/mount-util.h"
#include "runtime/start.h"
#include "util/log.h"

static const char *const init_names[] = {
	[LXM_INIT_UNKNOWN] = "unknown", [LXM_INIT_SYSTEMD] = "systemd", [LXM_INIT_SYSVINIT] = "sysvinit",
	[LXM_INIT_OPENRC] = "openrc",   [LXM_INIT_RUNIT] = "runit",     [LXM_INIT_BUSYBOX] = "busybox",
	[LXM_INIT_SHIM] = "shim",
};

const char *lxm_init_system_to_string(enum lxm_init_system i)
{
	return (size_t)i < ARRAY_SIZE(init_names) ? init_names[i] : "unknown";
}

int lxm_init_system_from_string(const char *s, enum lxm_init_system *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(init_names); i++)
		if (s && STREQ(s, init_names[i])) {
			*ret = (enum lxm_init_system)i;
			return 0;
		}
	return -EINVAL;
}

void lxm_init_signals(enum lxm_init_system i, int *ret_halt, int *ret_reboot)
{
	int halt = SIGTERM, reboot = SIGINT;

	switch (i) {
	case LXM_INIT_SYSTEMD:
		halt = SIGRTMIN + 3; /* systemd: SIGRTMIN+3 = halt, SIGRTMIN+4 = poweroff */
		reboot = SIGINT;     /* ctrl-alt-del -> reboot.target */
		break;
	case LXM_INIT_SYSVINIT:
	case LXM_INIT_OPENRC:        /* Debian's OpenRC runs under sysvinit's PID 1 */
		halt = SIGPWR;       /* needs "p0::powerfail:/sbin/init 0" in inittab (templates add it) */
		reboot = SIGINT;     /* ctrlaltdel entry of inittab */
		break;
	case LXM_INIT_BUSYBOX:
		halt = SIGUSR1;      /* SIGUSR2 = poweroff, SIGTERM = reboot */
		reboot = SIGTERM;
		break;
	case LXM_INIT_RUNIT:
		halt = SIGCONT;      /* with /run/runit.stopit (Debian; upstream /etc/runit/stopit) mode 100 */
		reboot = SIGCONT;    /* and /run/runit.reboot (upstream /etc/runit/reboot) mode 100 */
		break;
	case LXM_INIT_SHIM:
	case LXM_INIT_UNKNOWN:
		halt = SIGTERM;
		reboot = SIGINT;
		break;
	}
	if (ret_halt)
		*ret_halt = halt;
	if (ret_reboot)
		*ret_reboot = reboot;
}

/* The path inside the rootfs that fd ends up at, from the kernel's own names of both fds. */
static int path_inside(int root_fd, int fd, char *buf, size_t size)
{
	char p[64], root[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", root_fd);
	n = readlink(p, root, sizeof(root) - 1);
	if (n < 0)
		return negative_errno();
	root[n] = 0;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return negative_errno();
	target[n] = 0;
	size_t rl = STREQ(root, "/") ? 0 : strlen(root);
	if (strncmp(target, root, rl) != 0 || (target[rl] != '/' && target[rl] != 0))
		return -EXDEV; /* cannot happen with RESOLVE_IN_ROOT; refuse rather than guess */
	snprintf(buf, size, "%s", target[rl] ? target + rl : "/");
	return 0;
}

/* Whether the regular file at path (inside root) contains one of the needles, reading at most
 * 16 MiB: enough for any init binary, bounded against a hostile huge file. */
static bool file_contains(int root_fd, const char *path, const char *const *needles)
{
	const size_t size = 65536 + 64;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t keep = 0, total = 0;

	if (lxm_open_file_in_root(root_fd, path, &fd) < 0)
		return false;
	buf = malloc(size);
	if (!buf)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf + keep, size - keep);
		if (n <= 0)
			return false;
		size_t len = keep + (size_t)n;
		for (const char *const *nd = needles; *nd; nd++)
			if (memmem(buf, len, *nd, strlen(*nd)))
				return true;
		total += (size_t)n;
		if (total > 16u << 20)
			return false;
		/* Keep a tail so a needle across two reads is found. */
		keep = len < 64 ? len : 64;
		memmove(buf, buf + len - keep, keep);
	}
}

static bool exists_in_root(int root_fd, const char *path)
{
	_cleanup_close_ int fd = -EBADF;

	return lxm_open_in_root(root_fd, path, 0, &fd) >= 0;
}

static enum lxm_init_system detect_by_name(const char *inside)
{
	const char *base = strrchr(inside, '/');

	base = base ? base + 1 : inside;
	if (STREQ(base, "systemd"))
		return LXM_INIT_SYSTEMD;
	if (STREQ(base, "busybox"))
		return LXM_INIT_BUSYBOX;
	if (STREQ(base, "runit-init") || STREQ(base, "runit"))
		return LXM_INIT_RUNIT;
	if (STREQ(base, "lxcmgr-init"))
		return LXM_INIT_SHIM;
	if (STREQ(base, "openrc-init"))
		return LXM_INIT_OPENRC;
	return LXM_INIT_UNKNOWN;
}

static enum lxm_init_system detect_by_content(int root_fd, const char *inside)
{
	static const char *const busybox[] = { "BusyBox v", NULL };
	static const char *const shim[] = { "lxcmgr-init", NULL };
	static const char *const sysvinit[] = { "INIT: version", "sysvinit", NULL };
	static const char *const openrc[] = { "openrc", NULL };

	if (file_contains(root_fd, inside, busybox)) /* busybox --install makes hard links */
		return LXM_INIT_BUSYBOX;
	if (file_contains(root_fd, inside, shim))
		return LXM_INIT_SHIM;
	if (exists_in_root(root_fd, "etc/inittab") || exists_in_root(root_fd, "lib/sysvinit") ||
	    file_contains(root_fd, inside, sysvinit)) {
		/* OpenRC on Debian/Devuan boots through sysvinit's PID 1: an inittab calling it, or
		 * Debian's stock inittab calling /etc/init.d/rc, which the openrc package makes a
		 * wrapper of openrc. */
		if (exists_in_root(root_fd, "sbin/openrc") &&
		    (file_contains(root_fd, "etc/inittab", openrc) || file_contains(root_fd, "etc/init.d/rc", openrc)))
			return LXM_INIT_OPENRC;
		return LXM_INIT_SYSVINIT;
	}
	return LXM_INIT_UNKNOWN;
}

int lxm_init_detect(const char *rootfs, enum lxm_init_system *ret)
{
	_cleanup_close_ int root_fd = -EBADF, fd = -EBADF;
	char inside[PATH_MAX];
	enum lxm_init_system i;
	struct stat st;
	int r;

	*ret = LXM_INIT_UNKNOWN;
	root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return log_debug_errno(errno, "Failed to open rootfs '%s': %m", rootfs);
	r = lxm_open_in_root(root_fd, "sbin/init", 0, &fd);
	if (r < 0)
		return log_debug_errno(r, "No init in '%s' (/sbin/init): %m", rootfs);
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return log_debug_errno(ENOEXEC, "'%s/sbin/init' is not a regular file", rootfs);
	r = path_inside(root_fd, fd, inside, sizeof(inside));
	if (r < 0)
		return log_debug_errno(r, "Failed to name the target of '%s/sbin/init': %m", rootfs);

	i = detect_by_name(inside);
	if (i == LXM_INIT_UNKNOWN)
		i = detect_by_content(root_fd, inside);
	/* Debian's runit-init also leaves /sbin/init a symlink named init in some setups. */
	if (i == LXM_INIT_UNKNOWN && exists_in_root(root_fd, "sbin/runit-init") &&
	    exists_in_root(root_fd, "etc/runit"))
		i = LXM_INIT_RUNIT;
	log_debug("Init of '%s': %s ('%s')", rootfs, lxm_init_system_to_string(i), inside);
	*ret = i;
	return 0;
}
