/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "networking/ipam.h"
#include "networking/managed.h"
#include "runtime/mount-util.h"
#include "runtime/net-rootfs.h"
#include "util/log.h"

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t k = write(fd, buf, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Replaces dir_fd/name by a new regular file (temporary file + rename). The new file belongs to
 * the owner of the directory, so the container's root (mapped or not) can change it. Symlink
 * attack blocked: the container may have planted a symlink at the temporary or final name
 * pointing at a host file; O_EXCL|O_NOFOLLOW on the temporary name and rename() (which replaces
 * the link itself) never write through one. */
static int replace_file(int dir_fd, const char *name, const char *content)
{
	_cleanup_close_ int fd = -EBADF;
	char tmp[64];
	struct stat st;
	int r;

	if (fstat(dir_fd, &st) < 0)
		return -errno;
	snprintf(tmp, sizeof(tmp), ".%s.lxcmgr-tmp", name);
	(void)unlinkat(dir_fd, tmp, 0);
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, content, strlen(content));
	if (r >= 0 && (fchown(fd, st.st_uid, st.st_gid) < 0 || fchmod(fd, 0644) < 0))
		r = -errno;
	if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dir_fd, tmp, 0);
	return r;
}

static bool iface_dhcp(const struct lxm_net_iface *ifc)
{
	return (ifc->type == LXM_NET_VETH || ifc->type == LXM_NET_MACVLAN) && !ifc->ipv4.family && !ifc->ipv4_none;
}

static int write_marker(int root_fd, const struct lxm_net_state *s)
{
	_cleanup_close_ int dir_fd = -EBADF;
	char buf[1024];
	size_t len;
	bool any = false;
	int r;

	len = (size_t)snprintf(buf, sizeof(buf), "# Written by lxcmgr at every start; changes are lost.\n");
	for (size_t i = 0; s && i < s->n; i++) {
		if (!iface_dhcp(&s->ifaces[i]) || len >= sizeof(buf))
			continue;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s=dhcp\n", s->ifaces[i].name);
		any = true;
	}
	if (len >= sizeof(buf))
		return -E2BIG;
	if (!any) {
		r = lxm_open_in_root(root_fd, "etc/lxcmgr", O_DIRECTORY, &dir_fd);
		if (r == -ENOENT || r == -ENOTDIR)
			return 0;
		if (r < 0)
			return r;
		return unlinkat(dir_fd, "network", 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	r = lxm_mkdir_in_root(root_fd, "etc/lxcmgr", 0755, &dir_fd);
	if (r < 0)
		return r;
	return replace_file(dir_fd, "network", buf);
}

/* True when etc/resolv.conf is missing, empty or ours: a regular file, never a symlink (systemd-
 * resolved's stub link or an administrator's choice is left alone). */
static bool resolv_is_ours(int etc_fd)
{
	_cleanup_close_ int fd = -EBADF;
	char head[sizeof(LXM_NET_RESOLV_HEADER)] = {};
	struct stat st;

	if (fstatat(etc_fd, "resolv.conf", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT;
	if (!S_ISREG(st.st_mode))
		return false;
	if (st.st_size == 0)
		return true;
	fd = openat(etc_fd, "resolv.conf", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || read(fd, head, sizeof(head) - 1) < 0)
		return false;
	return strncmp(head, LXM_NET_RESOLV_HEADER, strlen(LXM_NET_RESOLV_HEADER)) == 0;
}

static int write_resolv(const struct lxm_paths *paths, int root_fd, const struct lxm_net_state *s)
{
	for (size_t i = 0; s && i < s->n; i++) {
		const struct lxm_net_iface *ifc = &s->ifaces[i];
		_cleanup_network_free_ struct lxm_network *n = NULL;
		_cleanup_close_ int etc_fd = -EBADF;
		char a[LXM_CIDR_STRLEN], buf[512];
		int r;

		if (ifc->type != LXM_NET_VETH || !ifc->managed || !ifc->ipv4.family)
			continue;
		if (lxm_network_load(paths->networks_dir, ifc->link, &n) < 0 || !n->ipv4.family)
			continue;
		r = lxm_open_in_root(root_fd, "etc", O_DIRECTORY, &etc_fd);
		if (r < 0)
			return r == -ENOENT ? 0 : r;
		if (!resolv_is_ours(etc_fd))
			return 0;
		snprintf(buf, sizeof(buf), "%s for the static address of '%s' on network '%s'\nnameserver %s\nsearch %s\n",
			 LXM_NET_RESOLV_HEADER, ifc->name, n->name, lxm_ipam_addr_to_string(&n->ipv4, a),
			 IS_EMPTY(n->domain) ? "lxcmgr" : n->domain);
		return replace_file(etc_fd, "resolv.conf", buf);
	}
	return 0;
}

int lxm_net_rootfs_write(const struct lxm_paths *paths, const char *rootfs, const struct lxm_net_state *s)
{
	_cleanup_close_ int root_fd = -EBADF;
	int r;

	if (!rootfs)
		return 0; /* a container object without a store directory (unit tests) */
	root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return log_error_errno(-errno, "Failed to open the rootfs '%s': %m", rootfs);
	r = write_marker(root_fd, s);
	if (r < 0)
		return log_error_errno(r, "Failed to write '/etc/lxcmgr/network' in '%s': %m", rootfs);
	/* Only a convenience (names still resolve through the bridge address): a read-only rootfs
	 * must not stop the container. The marker above is not optional: a stale one runs DHCP. */
	r = write_resolv(paths, root_fd, s);
	if (r < 0)
		log_warning_errno(r, "Could not write '/etc/resolv.conf' in '%s', ignoring: %m", rootfs);
	return 0;
}
