/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The few rtnetlink link operations dev add and dev del need. */
#ifndef __PSPBPF_NETLINK_H
#define __PSPBPF_NETLINK_H

#include <stdint.h>

struct nl_link {
	uint32_t mtu;
	uint32_t gso_max_segs;
};

/* In the caller's network namespace. 0 or -errno. */
int nl_link_get(int ifindex, struct nl_link *link);
int nl_link_set_gso_max_segs(int ifindex, uint32_t segs);

#endif /* __PSPBPF_NETLINK_H */
