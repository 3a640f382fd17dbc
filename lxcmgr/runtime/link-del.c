/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Deleting a host link by name with one raw rtnetlink request: libc only, for the small monitor
 * (static, no libnl) and for a child of `kill` that must not outlive its work in any library state.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/link-del.h"
#include "util/macros.h"

/* RTM_DELLINK in our (the host's) netns of the link with that index, else of the one called name;
 * 0, or -errno (-ENODEV: already gone with the container's netns, as a veth pair dies with either
 * end). The reply comes once the kernel has unregistered the pair, the floor of ~15 ms here. */
static int delete_link(const char *name, int ifindex)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(IF_NAMESIZE)];
	} req = {};
	char buf[1024];
	size_t len = name ? strlen(name) + 1 : 0;

	if (len > IF_NAMESIZE || (!name && ifindex <= 0))
		return -EINVAL;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return negative_errno();
	req.nh.nlmsg_type = RTM_DELLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(req.ifi));
	if (ifindex > 0) {
		req.ifi.ifi_index = ifindex;
	} else {
		struct rtattr *rta = (struct rtattr *)req.attrs;
		rta->rta_type = IFLA_IFNAME;
		rta->rta_len = (unsigned short)RTA_LENGTH(len);
		memcpy(RTA_DATA(rta), name, len);
		req.nh.nlmsg_len += (uint32_t)RTA_SPACE(len);
	}
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return negative_errno();
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EINTR ? -EINTR : negative_errno();
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n))
			if (nh->nlmsg_type == NLMSG_ERROR && nh->nlmsg_seq == 1)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	}
}

int lxm_link_delete_raw(const char *name)
{
	return delete_link(name, 0);
}

int lxm_link_delete_raw_index(int ifindex)
{
	return delete_link(NULL, ifindex);
}

bool lxm_link_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= IF_NAMESIZE)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_' || *c == '.'))
			return false;
	return true;
}
