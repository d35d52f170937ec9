// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The few rtnetlink and sock_diag requests the library makes: links (dev
 * add, dev del, their seal ports), routes (the path MTU a Tx association needs, and the
 * device a socket's traffic takes), sockets (whether a flow still has
 * one). Each request is one exchange, on the caller's rtnetlink socket
 * if it has one.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <stdio.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "netlink.h"

struct nl_req {
	struct nlmsghdr nh;
	char body[512];		/* the family's header, then attributes */
};

static void nl_init(struct nl_req *r, unsigned short type, unsigned short flags,
		    const void *hdr, size_t hdr_len)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(hdr_len);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(&r->nh), hdr, hdr_len);
}

static struct rtattr *nl_put(struct nl_req *r, unsigned short type, const void *data,
			     size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void nl_put_u32(struct nl_req *r, unsigned short type, uint32_t v)
{
	nl_put(r, type, &v, sizeof(v));
}

/* A nest ends where the message now ends. */
static void nl_nest_end(struct nl_req *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)r + r->nh.nlmsg_len - (char *)nest);
}

int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? -errno : fd;
}

/*
 * Sends one request on fd (or, if fd < 0, on a socket of protocol proto
 * just for it) and hands each message of the answer to cb (a dump's many
 * too). The answer is read to its end even when cb stops early, so that
 * nothing of it is left for the next request on the socket; messages of
 * earlier requests are passed over by their sequence number. Returns 0,
 * the first non-zero value cb returns, or -errno (an NLMSG_ERROR's
 * included).
 */
static int nl_talk(int fd, int proto, struct nl_req *r,
		   int (*cb)(const struct nlmsghdr *nh, void *arg), void *arg)
{
	static uint32_t seq;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int own = fd < 0, err = 0, done = 0;
	char buf[32768];

	if (own)
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	r->nh.nlmsg_seq = ++seq;
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	while (!done) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		int n = (int)recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			err = err ?: -errno;
			break;
		}
		for (; NLMSG_OK(nh, (unsigned int)n) && !done; nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != r->nh.nlmsg_seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = 1;
			} else if (nh->nlmsg_type == NLMSG_ERROR) {
				err = err ?: ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				done = 1;
			} else if (cb && !err) {
				err = cb(nh, arg);
			}
			/* a single answer ends with its one message */
			if (!(nh->nlmsg_flags & NLM_F_MULTI))
				done = 1;
		}
	}
out:
	if (own)
		close(fd);
	return err;
}

static int link_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nl_link *link = arg;
	int len = (int)IFLA_PAYLOAD(nh);

	for (struct rtattr *rta = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (RTA_PAYLOAD(rta) < sizeof(uint32_t))
			continue;
		if (rta->rta_type == IFLA_MTU)
			memcpy(&link->mtu, RTA_DATA(rta), sizeof(uint32_t));
	}
	return 0;
}

int nl_link_get(int nl, int ifindex, struct nl_link *link)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_req r;
	int err;

	memset(link, 0, sizeof(*link));
	nl_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	err = nl_talk(nl, NETLINK_ROUTE, &r, link_cb, link);
	if (err)
		return err;
	return link->mtu ? 0 : -EIO;
}

int nl_link_mtu(int nl, int ifindex, const char *ifname, uint32_t *mtu)
{
	struct ifreq ifr = { 0 };
	struct nl_link link;
	int err;

	/* by name, one syscall, where rtnetlink's answer is two and carries
	 * every attribute of the device */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (nl >= 0 && !ioctl(nl, SIOCGIFMTU, &ifr) && ifr.ifr_mtu > 0) {
		*mtu = (uint32_t)ifr.ifr_mtu;
		return 0;
	}
	err = nl_link_get(nl, ifindex, &link);
	*mtu = link.mtu;
	return err;
}

/* A veth pair, name and peer, both with mtu and no ARP, down. */
int nl_veth_add(int nl, const char *name, const char *peer, uint32_t mtu)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC, .ifi_flags = IFF_NOARP, .ifi_change = IFF_NOARP,
	};
	struct rtattr *info, *data, *peer_info;
	struct nl_req r;

	nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &ifi, sizeof(ifi));
	nl_put(&r, IFLA_IFNAME, name, strlen(name) + 1);
	nl_put_u32(&r, IFLA_MTU, mtu);
	info = nl_put(&r, IFLA_LINKINFO, NULL, 0);
	nl_put(&r, IFLA_INFO_KIND, "veth", 4);
	data = nl_put(&r, IFLA_INFO_DATA, NULL, 0);
	peer_info = nl_put(&r, VETH_INFO_PEER, &ifi, sizeof(ifi));
	nl_put(&r, IFLA_IFNAME, peer, strlen(peer) + 1);
	nl_put_u32(&r, IFLA_MTU, mtu);
	nl_nest_end(&r, peer_info);
	nl_nest_end(&r, data);
	nl_nest_end(&r, info);
	return nl_talk(nl, NETLINK_ROUTE, &r, NULL, NULL);
}

/*
 * The link, down, gets no IPv6 address of its own when it comes up,
 * link-local included, and so sends no neighbour discovery or MLD. Fails
 * with EAFNOSUPPORT where there is no IPv6.
 */
int nl_link_no_ipv6_addr(int nl, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	uint8_t mode = IN6_ADDR_GEN_MODE_NONE;
	struct rtattr *spec, *inet6;
	struct nl_req r;

	nl_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	spec = nl_put(&r, IFLA_AF_SPEC, NULL, 0);
	inet6 = nl_put(&r, AF_INET6, NULL, 0);
	nl_put(&r, IFLA_INET6_ADDR_GEN_MODE, &mode, sizeof(mode));
	nl_nest_end(&r, inet6);
	nl_nest_end(&r, spec);
	return nl_talk(nl, NETLINK_ROUTE, &r, NULL, NULL);
}

int nl_link_up(int nl, int ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct nl_req r;

	nl_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	return nl_talk(nl, NETLINK_ROUTE, &r, NULL, NULL);
}

int nl_link_del(int nl, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_req r;

	nl_init(&r, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	return nl_talk(nl, NETLINK_ROUTE, &r, NULL, NULL);
}

/* TX checksumming off on ifname, which takes TSO with it: the kernel
 * completes the checksums of what is sent there, and segments it. */
int nl_link_tx_csum_off(int nl, const char *ifname)
{
	struct ethtool_value v = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&v;
	return ioctl(nl, SIOCETHTOOL, &ifr) ? -errno : 0;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void route_parse(const struct nlmsghdr *nh, struct nl_route *rt)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	int len = (int)RTM_PAYLOAD(nh);
	size_t alen = addr_len(rtm->rtm_family);

	memset(rt, 0, sizeof(*rt));
	rt->family = rtm->rtm_family;
	rt->dst_len = rtm->rtm_dst_len;
	rt->protocol = rtm->rtm_protocol;
	rt->scope = rtm->rtm_scope;
	rt->type = rtm->rtm_type;
	rt->table = rtm->rtm_table;
	for (struct rtattr *rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		void *d = RTA_DATA(rta);
		size_t l = RTA_PAYLOAD(rta);

		switch (rta->rta_type) {
		case RTA_DST:
			if (l == alen)
				memcpy(rt->dst, d, alen);
			break;
		case RTA_GATEWAY:
			rt->has_gateway = l == alen;
			if (rt->has_gateway)
				memcpy(rt->gateway, d, alen);
			break;
		case RTA_PREFSRC:
			rt->has_prefsrc = l == alen;
			if (rt->has_prefsrc)
				memcpy(rt->prefsrc, d, alen);
			break;
		case RTA_OIF:
			if (l == 4)
				memcpy(&rt->oif, d, 4);
			break;
		case RTA_TABLE:
			if (l == 4)
				memcpy(&rt->table, d, 4);
			break;
		case RTA_METRICS: {
			int mlen = (int)l;

			for (struct rtattr *m = d; RTA_OK(m, mlen); m = RTA_NEXT(m, mlen))
				if (m->rta_type == RTAX_MTU && RTA_PAYLOAD(m) == 4)
					memcpy(&rt->mtu, RTA_DATA(m), 4);
			break;
		}
		}
	}
}

static int route_one_cb(const struct nlmsghdr *nh, void *arg)
{
	if (nh->nlmsg_type == RTM_NEWROUTE)
		route_parse(nh, arg);
	return 0;
}

int nl_route_get(int nl, int family, const uint8_t *dst, const uint8_t *src, uint32_t mark,
		 struct nl_route *rt)
{
	struct rtmsg rtm = {
		.rtm_family = (unsigned char)family,
		.rtm_dst_len = (unsigned char)(addr_len(family) * 8),
		.rtm_flags = RTM_F_FIB_MATCH | RTM_F_LOOKUP_TABLE,	/* which table, too */
	};
	struct nl_req r;

	nl_init(&r, RTM_GETROUTE, 0, &rtm, sizeof(rtm));
	nl_put(&r, RTA_DST, dst, addr_len(family));
	if (src)
		nl_put(&r, RTA_SRC, src, addr_len(family));
	if (mark)
		nl_put_u32(&r, RTA_MARK, mark);
	rt->family = 0;
	return nl_talk(nl, NETLINK_ROUTE, &r, route_one_cb, rt) ?: (rt->family ? 0 : -ENOENT);
}

static int route_change(int nl, const struct nl_route *rt, unsigned short type,
			unsigned short flags)
{
	struct rtmsg rtm = {
		.rtm_family = (unsigned char)rt->family,
		.rtm_dst_len = rt->dst_len,
		.rtm_table = rt->table < 256 ? (unsigned char)rt->table : RT_TABLE_UNSPEC,
		.rtm_protocol = rt->protocol,
		.rtm_scope = rt->scope,
		.rtm_type = rt->type,
	};
	size_t alen = addr_len(rt->family);
	struct nl_req r;

	nl_init(&r, type, NLM_F_ACK | flags, &rtm, sizeof(rtm));
	nl_put(&r, RTA_DST, rt->dst, alen);
	nl_put_u32(&r, RTA_TABLE, rt->table);
	if (rt->oif)
		nl_put_u32(&r, RTA_OIF, rt->oif);
	if (rt->has_gateway)
		nl_put(&r, RTA_GATEWAY, rt->gateway, alen);
	if (rt->has_prefsrc)
		nl_put(&r, RTA_PREFSRC, rt->prefsrc, alen);
	if (rt->mtu) {
		struct rtattr *m = nl_put(&r, RTA_METRICS, NULL, 0);

		nl_put_u32(&r, RTAX_MTU, rt->mtu);
		nl_nest_end(&r, m);
	}
	return nl_talk(nl, NETLINK_ROUTE, &r, NULL, NULL);
}

int nl_route_add(int nl, const struct nl_route *rt, int replace)
{
	return route_change(nl, rt, RTM_NEWROUTE,
			    NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
}

int nl_route_del(int nl, const struct nl_route *rt)
{
	return route_change(nl, rt, RTM_DELROUTE, 0);
}

struct route_walk {
	int (*cb)(const struct nl_route *rt, void *arg);
	void *arg;
};

static int route_walk_cb(const struct nlmsghdr *nh, void *arg)
{
	struct route_walk *w = arg;
	struct nl_route rt;

	if (nh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	route_parse(nh, &rt);
	return w->cb(&rt, w->arg);
}

int nl_route_dump(int nl, int family, int (*cb)(const struct nl_route *rt, void *arg), void *arg)
{
	struct rtmsg rtm = { .rtm_family = (unsigned char)family };
	struct route_walk w = { cb, arg };
	struct nl_req r;

	nl_init(&r, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm));
	return nl_talk(nl, NETLINK_ROUTE, &r, route_walk_cb, &w);
}

static int rule_change(int nl, int family, unsigned short type, unsigned short flags, uint32_t mark,
		       uint32_t mask, uint32_t table, uint32_t pref)
{
	struct fib_rule_hdr frh = {
		.family = (uint8_t)family,
		.table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC,
		.action = FR_ACT_TO_TBL,
	};
	struct nl_req r;

	nl_init(&r, type, NLM_F_ACK | flags, &frh, sizeof(frh));
	nl_put_u32(&r, FRA_FWMARK, mark);
	nl_put_u32(&r, FRA_FWMASK, mask);
	nl_put_u32(&r, FRA_TABLE, table);
	nl_put_u32(&r, FRA_PRIORITY, pref);
	return nl_talk(nl, NETLINK_ROUTE, &r, NULL, NULL);
}

int nl_rule_add(int nl, int family, uint32_t mark, uint32_t mask, uint32_t table, uint32_t pref)
{
	int err = rule_change(nl, family, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, mark, mask, table,
			      pref);

	return err == -EEXIST ? 0 : err;
}

int nl_rule_del(int nl, int family, uint32_t mark, uint32_t mask, uint32_t table, uint32_t pref)
{
	return rule_change(nl, family, RTM_DELRULE, 0, mark, mask, table, pref);
}

struct sock_dump {
	int (*cb)(const struct nl_sock *sk, void *arg);
	void *arg;
};

static int sock_cb(const struct nlmsghdr *nh, void *arg)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nh);
	struct sock_dump *d = arg;
	struct nl_sock sk = {
		.family = m->idiag_family,
		.lport = ntohs(m->id.idiag_sport),
		.rport = ntohs(m->id.idiag_dport),
		.cookie = (uint64_t)m->id.idiag_cookie[1] << 32 | m->id.idiag_cookie[0],
		.state = m->idiag_state,
	};

	if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return 0;
	memcpy(sk.laddr, m->id.idiag_src, sizeof(sk.laddr));
	memcpy(sk.raddr, m->id.idiag_dst, sizeof(sk.raddr));
	return d->cb(&sk, d->arg);
}

int nl_tcp_sock_dump(int family, int (*cb)(const struct nl_sock *sk, void *arg), void *arg)
{
	struct inet_diag_req_v2 req = {
		.sdiag_family = (uint8_t)family,
		.sdiag_protocol = IPPROTO_TCP,
		.idiag_states = ~0u,
	};
	struct sock_dump d = { .cb = cb, .arg = arg };
	struct nl_req r;

	nl_init(&r, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req, sizeof(req));
	return nl_talk(-1, NETLINK_SOCK_DIAG, &r, sock_cb, &d);
}

int nl_tcp_sock_destroy(const struct nl_sock *sk)
{
	struct inet_diag_req_v2 req = {
		.sdiag_family = (uint8_t)sk->family,
		.sdiag_protocol = IPPROTO_TCP,
		.idiag_states = ~0u,
		.id = {
			.idiag_sport = htons(sk->lport),
			.idiag_dport = htons(sk->rport),
			.idiag_cookie = { (uint32_t)sk->cookie, (uint32_t)(sk->cookie >> 32) },
		},
	};
	struct nl_req r;

	memcpy(req.id.idiag_src, sk->laddr, sizeof(req.id.idiag_src));
	memcpy(req.id.idiag_dst, sk->raddr, sizeof(req.id.idiag_dst));
	nl_init(&r, SOCK_DESTROY, NLM_F_ACK, &req, sizeof(req));
	return nl_talk(-1, NETLINK_SOCK_DIAG, &r, NULL, NULL);
}
