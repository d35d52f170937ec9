/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The clear packets of the tests and benches: IP packets (pkt_build()),
 * and Ethernet frames of them (frame_build()).
 */
#ifndef __PSP_PKTGEN_H
#define __PSP_PKTGEN_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/tcp.h>	/* TH_ACK... */

struct pkt_spec {
	int family;		/* 4 or 6 */
	size_t l4_len;		/* bytes after the IP headers */
	uint8_t proto;		/* L4 protocol */
	size_t opt_len;		/* IPv4 options (multiple of 4, <= 40) */
	int v6_ext;		/* IPv6 extension headers: 0 none, 1 hop-by-hop,
				 * 2 hop-by-hop + routing + destination options */
	uint32_t seed;		/* payload bytes */
	int bare;		/* the least of a header (IPv4: no TOS, ID, DF or
				 * checksum; IPv6: no traffic class or flow label)
				 * and zeros after it, not seed's bytes */
};

/* Writes the packet to buf (room for 40 + 64 + l4_len bytes); returns its
 * length. Offset of the L4 bytes in *l4_off. */
size_t pkt_build(uint8_t *buf, const struct pkt_spec *s, size_t *l4_off);

/*
 * An Ethernet frame, after katran's PacketBuilder: a test names the
 * fields its case is about and pkt_build() makes the rest, so that two
 * frames differ only where a test says they do. The addresses are
 * pkt_build()'s: 10.0.0.1 -> 10.0.0.2, 2001::1 -> 2001::2.
 */
struct frame_spec {
	uint8_t dst[6], src[6];	/* Ethernet addresses */
	struct pkt_spec ip;	/* the IP packet; the EtherType is its family's */
	int reverse;		/* source and destination addresses swapped */
	uint16_t sport, dport;	/* L4 ports, where not 0 */
	uint32_t seq, ack;	/* TCP sequence and acknowledgment numbers, where not 0 */
	uint8_t tcp_flags;	/* where not 0: TCP flags (TH_ACK...), and data
				 * offset 5 (no options) */
};

/* Writes the frame to buf (room for 14 + 40 + 64 + l4_len bytes); returns
 * its length. */
size_t frame_build(uint8_t *buf, const struct frame_spec *s);

/* Deterministic pseudo-random numbers (xorshift32), for reproducible tests. */
uint32_t rnd(uint32_t *state);

#endif /* __PSP_PKTGEN_H */
