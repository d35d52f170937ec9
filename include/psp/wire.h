/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The PSP wire format, as the PSP Architecture Specification, Google's
 * reference implementation and Linux net/psp lay it out:
 *
 *   transport: IP | UDP | psphdr | [VC] | L4 header + payload | ICV
 *   tunnel:    IP | UDP | psphdr | [VC] | inner IP packet     | ICV
 *
 * Byte order: the structs hold wire (big-endian) values; the constants
 * are host order.
 */
#ifndef __PSP_WIRE_H
#define __PSP_WIRE_H

#include "types.h"

#define PSP_UDP_PORT		1000
#define PSP_UDP_HLEN		8
#define PSP_HDR_LEN		16	/* next header .. IV */
#define PSP_VC_LEN		8	/* virtualization cookie */
#define PSP_ICV_LEN		16
#define PSP_NONCE_LEN		12	/* SPI || IV, as on the wire */

/* IPv6 extension headers a receiver walks in front of the UDP header (PSP
 * keeps them in front, as ESP does). A packet with a longer chain is not
 * taken for PSP: psp_rx passes it as it came, and the stack, which finds
 * no socket on the PSP port, drops it. The datapath and the userspace
 * reference bound the walk alike. */
#define PSP_IPV6_EXT_MAX	4

/* psp_rx moves the Ethernet and IP headers (with options or extension
 * headers) over the PSP ones to decapsulate transport mode: at most this
 * many bytes. An authentic packet with longer headers is dropped
 * (rx-error), never passed. */
#define PSP_RX_HDR_MOVE_MAX	128

/* What encapsulation adds: UDP + PSP header (+ VC) + ICV, plus an outer
 * IP header in tunnel mode. */
#define PSP_ENCAP_HLEN		(PSP_UDP_HLEN + PSP_HDR_LEN)
#define PSP_TRANSPORT_OVERHEAD	(PSP_ENCAP_HLEN + PSP_ICV_LEN)		/* 40 */
#define PSP_V6_TUNNEL_OVERHEAD	(40 + PSP_TRANSPORT_OVERHEAD)		/* 80 */
#define PSP_MAX_OVERHEAD	(PSP_V6_TUNNEL_OVERHEAD + PSP_VC_LEN)	/* 88 */

/* hdrlen: header length after its first 8 bytes, in 8-byte units. */
#define PSP_HDRLEN_NOVC		1
#define PSP_HDRLEN_VC		2

/* crypt_offset: bits 5..0 count 4-byte units from the end of the 16-byte
 * header (so a VC counts); bits 7..6 are reserved and must be zero. */
#define PSP_CRYPT_OFF_MASK	0x3f
#define PSP_CRYPT_OFF_RSVD	0xc0
#define PSP_CRYPT_OFF_UNIT	4
#define PSP_CRYPT_OFF_MAX	PSP_CRYPT_OFF_MASK

/* verfl: S D Ver(4) V 1 */
#define PSPHDR_VERFL_SAMPLE	0x80
#define PSPHDR_VERFL_DROP	0x40
#define PSPHDR_VERFL_VERSION	0x3c
#define PSPHDR_VERFL_VERSION_SHIFT 2
#define PSPHDR_VERFL_VIRT	0x02
#define PSPHDR_VERFL_ONE	0x01

/* SPI bit 31 ("key phase") selects which of the two device keys derived
 * the association's key; the lower 31 bits are never 0. */
#define PSP_SPI_PHASE		0x80000000u
#define PSP_SPI_INDEX_MASK	0x7fffffffu

#define PSP_DEV_KEY_LEN		32	/* device ("master") key, AES-256-CMAC */
#define PSP_KEY_MAX_LEN		32

/* Versions as numbered in the header and in Linux's psp-versions-cap/ena
 * bitmasks (1 << version). GMAC authenticates without encrypting. */
enum psp_version {
	PSP_VERSION_GCM_128	= 0,
	PSP_VERSION_GCM_256	= 1,
	PSP_VERSION_GMAC_128	= 2,
	PSP_VERSION_GMAC_256	= 3,
};
#define PSP_VERSION_MAX		PSP_VERSION_GMAC_256
#define PSP_VERSIONS_ALL	0xf

static inline __u32 psp_key_len(__u32 version)
{
	return version & 1 ? 32 : 16;
}

static inline __u32 psp_version_is_gmac(__u32 version)
{
	return version & 2;
}

/*
 * Packed because it follows an IP and a UDP header in the frame and so is
 * only 2-byte aligned there; the field layout is the natural one.
 */
struct psphdr {
	__u8	nexthdr;
	__u8	hdrlen;
	__u8	crypt_offset;
	__u8	verfl;
	__be32	spi;
	__be64	iv;
} __attribute__((packed));

_Static_assert(sizeof(struct psphdr) == PSP_HDR_LEN, "psphdr is 16 bytes on the wire");

static inline __u32 psphdr_version(const struct psphdr *h)
{
	return (h->verfl & PSPHDR_VERFL_VERSION) >> PSPHDR_VERFL_VERSION_SHIFT;
}

static inline __u8 psphdr_verfl(__u32 version, __u32 has_vc)
{
	return (__u8)(version << PSPHDR_VERFL_VERSION_SHIFT) |
	       (has_vc ? PSPHDR_VERFL_VIRT : 0) | PSPHDR_VERFL_ONE;
}

#endif /* __PSP_WIRE_H */
