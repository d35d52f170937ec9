/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Internet checksums on packet data (RFC 1071, RFC 1624). */
#ifndef __PSP_BPF_CSUM_H
#define __PSP_BPF_CSUM_H

#include "compat.h"
#include "parse.h"

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * RFC 1624 update of a checksum field for one 16-bit word changing from
 * old to new: HC' = ~(~HC + ~m + m'). Works in either byte order as long
 * as all three values are in the same one.
 */
static __always_inline __u16 csum_replace2(__u16 check, __u16 old, __u16 new)
{
	return (__u16)~csum_fold((__u64)(__u16)~check + (__u16)~old + new);
}

/*
 * The IPv4 header checksum of the ihl * 4 bytes at ip (checked by the
 * caller to be in the packet), computed afresh.
 */
static __always_inline __u16 ipv4_csum(const void *ip, __u32 ihl, const void *data_end)
{
	const __u16 *w = ip;
	__u64 sum = 0;

	for (int i = 0; i < 30; i++) {	/* at most 60 bytes */
		if (i >= (int)ihl * 2 || (const void *)(w + i + 1) > data_end)
			break;
		if (i != 5)		/* the checksum field itself */
			sum += w[i];
	}
	return (__u16)~csum_fold(sum);
}

/*
 * Adds the len packet bytes at off to *sum as 32-bit big-endian words
 * (the byte order the RFC 1071 sum is indifferent to), the last len % 8
 * bytes zero-padded into one more 8-byte word. 0, or -1 if they are not
 * all in the linear data.
 */
static __always_inline int csum_region(void *data, void *data_end, __u32 off, __u32 len,
				       __u64 *sum)
{
	__u32 words = len / 8, i;
	union {
		__u8 tail[8];
		__u64 tail_word;
	} u = {};
	__u8 *tail = u.tail;

	psp_for(i, 0, words) {
		__u64 *w = pkt_ptr(data, off + i * 8);

		if ((void *)(w + 1) > data_end)
			return -1;
		*sum += (*w & 0xffffffff) + (*w >> 32);
	}
	for (int k = 0; k < 8; k++) {
		__u8 *b = pkt_ptr(data, off + words * 8 + k);

		if (k >= (int)(len % 8))
			break;
		if ((void *)(b + 1) > data_end)
			return -1;
		tail[k] = *b;
	}
	*sum += (u.tail_word & 0xffffffff) + (u.tail_word >> 32);
	return 0;
}

#endif /* __PSP_BPF_CSUM_H */
