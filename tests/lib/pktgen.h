/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Builds the clear IP packets the round-trip and malformed-input tests use. */
#ifndef __PSP_PKTGEN_H
#define __PSP_PKTGEN_H

#include <stddef.h>
#include <stdint.h>

struct pkt_spec {
	int family;		/* 4 or 6 */
	size_t l4_len;		/* bytes after the IP headers */
	uint8_t proto;		/* L4 protocol */
	size_t opt_len;		/* IPv4 options (multiple of 4, <= 40) */
	int v6_ext;		/* IPv6 extension headers: 0 none, 1 hop-by-hop,
				 * 2 hop-by-hop + routing + destination options */
	uint32_t seed;		/* payload bytes */
};

/* Writes the packet to buf (room for 40 + 64 + l4_len bytes); returns its
 * length. Offset of the L4 bytes in *l4_off. */
size_t pkt_build(uint8_t *buf, const struct pkt_spec *s, size_t *l4_off);

/* Deterministic pseudo-random numbers (xorshift32), for reproducible tests. */
uint32_t rnd(uint32_t *state);

#endif /* __PSP_PKTGEN_H */
