/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The IP header in front of a PSP packet's UDP header, as encapsulation
 * adds the PSP headers after it and decapsulation takes them out. */
#ifndef __PSP_BPF_IPHDR_H
#define __PSP_BPF_IPHDR_H

#include "csum.h"
#include "parse.h"

/*
 * How an IPv4 header's checksum follows: psp_tx makes it afresh, as the
 * reference seals a packet, byte for byte; psp_rx updates it (RFC 1624),
 * so that a header that came in corrupt still fails the stack's check.
 */
enum ip_sum {
	IP_SUM_AFRESH,
	IP_SUM_UPDATE,
};

/*
 * The IP header of the packet at p (parsed) once delta bytes are added
 * after it (or taken out, delta < 0) and the next header is nexthdr: its
 * length, the byte naming its next header and, in IPv4, its checksum.
 * 0, or -1 if the header is not in the packet.
 */
static __always_inline int ip_hdr_patch(void *data, void *data_end, const struct pkt *p,
					int delta, __u8 nexthdr, enum ip_sum sum)
{
	if (p->family == AF_INET) {
		struct iphdr *ip = data + ETH_HLEN;
		__u16 len, ttl_proto;

		if ((void *)(ip + 1) > data_end)
			return -1;
		len = ip->tot_len;
		ttl_proto = *(__u16 *)&ip->ttl;
		ip->tot_len = bpf_htons(bpf_ntohs(len) + delta);
		ip->protocol = nexthdr;
		if (sum == IP_SUM_AFRESH)
			ip->check = ipv4_csum(ip, ip->ihl, data_end);
		else
			ip->check = csum_replace2(csum_replace2(ip->check, len, ip->tot_len),
						  ttl_proto, *(__u16 *)&ip->ttl);
	} else {
		struct ipv6hdr *ip6 = data + ETH_HLEN;
		__u8 *nh = pkt_ptr(data, p->nh_off);

		if ((void *)(ip6 + 1) > data_end || (void *)(nh + 1) > data_end)
			return -1;
		ip6->payload_len = bpf_htons(bpf_ntohs(ip6->payload_len) + delta);
		*nh = nexthdr;
	}
	return 0;
}

#endif /* __PSP_BPF_IPHDR_H */
