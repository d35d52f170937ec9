/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * MSS clamping for the PSP overhead. A PSP packet is 40 bytes longer than
 * the TCP segment it carries, so TCP must leave that room: the MSS option
 * of every SYN crossing a PSP device, either way, is lowered to what fits
 * the device MTU once encapsulated. Both ends of a connection then send
 * segments that fit, whether or not the peer runs psp-bpf.
 */
#ifndef __PSP_BPF_MSS_H
#define __PSP_BPF_MSS_H

#include "csum.h"
#include "parse.h"

#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define TCP_MAX_OPT_WORDS 10	/* options: at most 40 bytes */

/* The largest MSS whose segments fit mtu after PSP encapsulation. */
static __always_inline __u16 psp_mss_limit(__u32 mtu, __u16 family)
{
	__u32 hdrs = (family == AF_INET ? 20 : 40) + 20 + PSP_TRANSPORT_OVERHEAD;

	return mtu > hdrs + 64 ? (__u16)(mtu - hdrs) : 64;
}

/*
 * Lower the MSS option of a SYN to limit. fix_csum: the packet carries a
 * complete TCP checksum to update; otherwise (CHECKSUM_PARTIAL on
 * transmit) the checksum is computed over the bytes later. Returns 1 if
 * the option was changed.
 */
static __always_inline int mss_clamp(void *data, void *data_end, const struct pkt *p,
				     __u16 limit, int fix_csum)
{
	struct tcphdr *th = pkt_ptr(data, p->l4_off);
	__u32 off, end;

	if ((void *)(th + 1) > data_end || !th->syn)
		return 0;
	off = p->l4_off + sizeof(*th);
	end = p->l4_off + th->doff * 4;
#pragma unroll
	for (int i = 0; i < TCP_MAX_OPT_WORDS * 4; i++) {
		__u8 *o = pkt_ptr(data, off);
		__u16 *mss, old;

		if (off >= end || (void *)(o + 1) > data_end || o[0] == TCPOPT_EOL)
			return 0;
		if (o[0] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if ((void *)(o + 2) > data_end || o[1] < 2)
			return 0;
		if (o[0] != TCPOPT_MSS) {
			off += o[1];
			continue;
		}
		if (o[1] != 4 || (void *)(o + 4) > data_end)
			return 0;
		mss = (__u16 *)(o + 2);
		old = *mss;
		if (bpf_ntohs(old) <= limit)
			return 0;
		*mss = bpf_htons(limit);
		/* The option starts at an even offset in the header only if
		 * it is word-aligned there; RFC 1624 works on aligned words. */
		if (fix_csum && !((off - p->l4_off) & 1))
			th->check = csum_replace2(th->check, old, *mss);
		else if (fix_csum)
			th->check = csum_replace2(th->check, (__u16)(old >> 8 | old << 8),
						  (__u16)(*mss >> 8 | *mss << 8));
		return 1;
	}
	return 0;
}

#endif /* __PSP_BPF_MSS_H */
