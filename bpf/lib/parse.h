/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Parsing Ethernet / IPv4 / IPv6 with direct packet access, for XDP and
 * TC alike: everything is an offset from data, bounds-checked against
 * data_end where it is read.
 */
#ifndef __PSP_BPF_PARSE_H
#define __PSP_BPF_PARSE_H

#include "compat.h"
#include <psp/maps.h>

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define IPPROTO_HOPOPTS	0
#define IPPROTO_ROUTING	43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_DSTOPTS	60
#define AF_INET		2
#define AF_INET6	10

/* Largest offset the programs use; masking with it bounds offsets. */
#define PKT_OFF_MASK	0x3fff

struct pkt {
	__u32 l4_off;		/* after the IP header and extension headers */
	__u32 nh_off;		/* the byte naming the L4 protocol */
	__u32 ip_end;		/* the end the IP length says (may pass data_end) */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u8 proto;		/* L4 protocol */
	__u8 fragment;		/* any fragment: L4 not all here */
};

static __always_inline void *pkt_ptr(void *data, __u32 off)
{
	return data + (off & PKT_OFF_MASK);
}

static __always_inline int parse_ipv4(void *data, void *data_end, struct pkt *p)
{
	struct iphdr *ip = data + ETH_HLEN;
	__u32 ihl;

	if ((void *)(ip + 1) > data_end)
		return -1;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip) || bpf_ntohs(ip->tot_len) < ihl)
		return -1;
	p->family = AF_INET;
	p->l4_off = ETH_HLEN + ihl;
	p->nh_off = ETH_HLEN + 9;
	p->ip_end = ETH_HLEN + bpf_ntohs(ip->tot_len);
	p->proto = ip->protocol;
	p->fragment = (ip->frag_off & bpf_htons(0x3fff)) != 0;	/* MF or offset */
	return 0;
}

static __always_inline int parse_ipv6(void *data, void *data_end, struct pkt *p)
{
	struct ipv6hdr *ip6 = data + ETH_HLEN;
	__u32 off = ETH_HLEN + sizeof(*ip6);
	__u8 nexthdr;

	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return -1;
	p->family = AF_INET6;
	p->ip_end = off + bpf_ntohs(ip6->payload_len);
	p->nh_off = ETH_HLEN + 6;
	nexthdr = ip6->nexthdr;
#pragma unroll
	for (int i = 0; i < PSP_IPV6_EXT_MAX; i++) {
		__u8 *ext;

		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT)
			break;
		ext = pkt_ptr(data, off);
		if ((void *)(ext + 8) > data_end)
			return -1;
		p->nh_off = off;
		if (nexthdr == IPPROTO_FRAGMENT) {
			p->fragment = 1;
			nexthdr = ext[0];
			off += 8;
			break;
		}
		nexthdr = ext[0];
		off += (ext[1] + 1) * 8;
	}
	if (nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	    nexthdr == IPPROTO_DSTOPTS)
		return -1;	/* chain too long to follow: not PSP's, as it
				 * is sent (no association) or passed */
	p->l4_off = off;
	p->proto = nexthdr;
	return off <= p->ip_end ? 0 : -1;
}

/* Fills p for an IPv4 or IPv6 frame; -1 for anything else. */
static __always_inline int parse_ip(void *data, void *data_end, struct pkt *p)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, data_end, p);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, data_end, p);
	return -1;
}

/*
 * The TCP flow of a parsed packet, as this host sees it: local_src for a
 * packet it sends, 0 for one it receives. Returns the TCP header, or NULL.
 */
static __always_inline struct tcphdr *tcp_flow(void *data, void *data_end, const struct pkt *p,
					       __u32 dev_id, int local_src, struct psp_flow *f)
{
	struct tcphdr *th = pkt_ptr(data, p->l4_off);

	if (p->proto != IPPROTO_TCP || p->fragment || (void *)(th + 1) > data_end)
		return NULL;
	__builtin_memset(f, 0, sizeof(*f));
	f->dev_id = dev_id;
	f->family = p->family;
	f->lport = local_src ? th->source : th->dest;
	f->rport = local_src ? th->dest : th->source;
	if (p->family == AF_INET) {
		struct iphdr *ip = data + ETH_HLEN;

		if ((void *)(ip + 1) > data_end)
			return NULL;
		f->laddr[0] = local_src ? ip->saddr : ip->daddr;
		f->raddr[0] = local_src ? ip->daddr : ip->saddr;
	} else {
		struct ipv6hdr *ip6 = data + ETH_HLEN;

		if ((void *)(ip6 + 1) > data_end)
			return NULL;
		__builtin_memcpy(f->laddr, local_src ? &ip6->saddr : &ip6->daddr, 16);
		__builtin_memcpy(f->raddr, local_src ? &ip6->daddr : &ip6->saddr, 16);
	}
	return th;
}

#endif /* __PSP_BPF_PARSE_H */
