/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* IPv4/IPv6 header parsing for the userspace PSP reference. */
#ifndef __PSPBPF_IP_H
#define __PSPBPF_IP_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>	/* IPPROTO_* */

#define IPV4_MIN_HLEN	20
#define IPV6_HLEN	40

struct ip_view {
	size_t len;		/* length the header claims (may exceed the buffer) */
	size_t hdr_len;		/* up to L4: IPv4 header, or IPv6 + extension headers */
	size_t nh_off;		/* offset of the byte naming the L4 protocol */
	uint8_t proto;		/* the L4 protocol */
	uint8_t family;		/* 4 or 6 */
	uint8_t fragment;	/* any fragment: L4 is not all here */
};

/*
 * Parse the headers of the IP packet at ip[0..buf_len): the headers
 * themselves must lie in the buffer and within the claimed length; the
 * claimed length is left to the caller to judge. IPv6 hop-by-hop, routing
 * and destination options headers are walked (they stay in front of PSP,
 * as they do for ESP); a fragment header ends the walk.
 * Returns 0, -EPROTONOSUPPORT (not IPv4/IPv6) or -EINVAL (malformed).
 */
int ip_parse(const uint8_t *ip, size_t buf_len, struct ip_view *v);

/* Recompute the checksum of the IPv4 header at hdr. */
void ipv4_set_csum(uint8_t *hdr);

/* The RFC 1071 ones' complement sum of len bytes (big-endian 16-bit words,
 * an odd last byte zero-padded), folded to 16 bits, not complemented. */
uint16_t inet_sum(const uint8_t *b, size_t len);

#endif /* __PSPBPF_IP_H */
