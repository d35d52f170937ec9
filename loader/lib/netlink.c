// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink.h"

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[64];
};

static void add_u32(struct nl_req *r, unsigned short type, uint32_t v)
{
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(sizeof(v));
	memcpy(RTA_DATA(rta), &v, sizeof(v));
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Sends one request and reads the answer into buf; returns its length or
 * -errno (an NLMSG_ERROR with an error included). */
static int nl_talk(struct nl_req *r, char *buf, size_t size)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n, err = 0;
	struct nlmsghdr *nh;

	if (fd < 0)
		return -errno;
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	n = (int)recv(fd, buf, size, 0);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	nh = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(nh, (unsigned int)n)) {
		err = -EIO;
	} else if (nh->nlmsg_type == NLMSG_ERROR) {
		err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	} else {
		err = n;
	}
out:
	close(fd);
	return err;
}

int nl_link_get(int ifindex, struct nl_link *link)
{
	struct nl_req r = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	char buf[16384];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct rtattr *rta;
	int n = nl_talk(&r, buf, sizeof(buf)), len;

	if (n < 0)
		return n;
	memset(link, 0, sizeof(*link));
	len = (int)IFLA_PAYLOAD(nh);
	for (rta = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) < sizeof(uint32_t))
			continue;
		if (rta->rta_type == IFLA_MTU)
			memcpy(&link->mtu, RTA_DATA(rta), sizeof(uint32_t));
		else if (rta->rta_type == IFLA_GSO_MAX_SEGS)
			memcpy(&link->gso_max_segs, RTA_DATA(rta), sizeof(uint32_t));
	}
	return link->mtu ? 0 : -EIO;
}

int nl_link_set_gso_max_segs(int ifindex, uint32_t segs)
{
	struct nl_req r = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_NEWLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
		.ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex },
	};
	char buf[1024];
	int n;

	add_u32(&r, IFLA_GSO_MAX_SEGS, segs);
	n = nl_talk(&r, buf, sizeof(buf));
	return n < 0 ? n : 0;
}
