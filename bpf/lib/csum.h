/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Internet checksums on packet data (RFC 1071, RFC 1624). */
#ifndef __PSP_BPF_CSUM_H
#define __PSP_BPF_CSUM_H

#include "compat.h"

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

#endif /* __PSP_BPF_CSUM_H */
