/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The rtnetlink and sock_diag requests of the library, in the caller's
 * network namespace. Each returns 0 or -errno unless it says otherwise.
 * nl: the caller's rtnetlink socket (nl_open()), or -1 for one just for
 * the request. */
#ifndef __PSPBPF_NETLINK_H
#define __PSPBPF_NETLINK_H

#include <stdint.h>

struct nl_link {
	uint32_t mtu;
};

/* An rtnetlink socket to use again and again: -errno if none. */
int nl_open(void);

int nl_link_get(int nl, int ifindex, struct nl_link *link);
/* A veth pair, down, with no ARP. */
int nl_veth_add(int nl, const char *name, const char *peer, uint32_t mtu);
/* No IPv6 address of its own, link-local included, once up (-EAFNOSUPPORT
 * without IPv6). */
int nl_link_no_ipv6_addr(int nl, int ifindex);
int nl_link_up(int nl, int ifindex);
int nl_link_del(int nl, int ifindex);
/* ethtool -K ifname tx off; nl must be a socket here (an ioctl). */
int nl_link_tx_csum_off(int nl, const char *ifname);
/* The MTU of the device ifindex, named ifname. */
int nl_link_mtu(int nl, int ifindex, const char *ifname, uint32_t *mtu);

/* A route as rtnetlink has it; addresses in network order. */
struct nl_route {
	int family;
	uint8_t dst[16], gateway[16], prefsrc[16];
	int has_gateway, has_prefsrc;
	uint32_t oif, table, mtu;	/* mtu: the metric, 0 if none */
	uint8_t dst_len, protocol, scope, type;
};

/* The FIB entry traffic from src (or any source) to dst, with mark, takes. */
int nl_route_get(int nl, int family, const uint8_t *dst, const uint8_t *src, uint32_t mark,
		 struct nl_route *rt);
/* Adds rt, or replaces the route of its destination. */
int nl_route_add(int nl, const struct nl_route *rt, int replace);
int nl_route_del(int nl, const struct nl_route *rt);
/* Every route of family to cb, which stops the walk by returning non-zero. */
int nl_route_dump(int nl, int family, int (*cb)(const struct nl_route *rt, void *arg), void *arg);

/* A rule sending traffic of (mark & mask) to table; adding one that is
 * there already succeeds. */
int nl_rule_add(int nl, int family, uint32_t mark, uint32_t mask, uint32_t table, uint32_t pref);
int nl_rule_del(int nl, int family, uint32_t mark, uint32_t mask, uint32_t table, uint32_t pref);

/* A TCP socket: addresses in network order, ports in host order. */
struct nl_sock {
	int family;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint64_t cookie;
	uint8_t state;		/* TCP_ESTABLISHED... (netinet/tcp.h) */
};

/* Every TCP socket of family (listening, TIME_WAIT and all) to cb, which
 * stops the walk by returning non-zero. */
int nl_tcp_sock_dump(int family, int (*cb)(const struct nl_sock *sk, void *arg), void *arg);
/* Closes the socket sk (one nl_tcp_sock_dump() gave), as `ss -K` does: its
 * owner sees ECONNABORTED. -EOPNOTSUPP without CONFIG_INET_DIAG_DESTROY. */
int nl_tcp_sock_destroy(const struct nl_sock *sk);

#endif /* __PSPBPF_NETLINK_H */
