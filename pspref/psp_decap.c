// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Receive processing of one packet: find out whether it is PSP, check the
 * header, authenticate and decrypt, and rebuild the packet the sender
 * encapsulated. Every rejection is charged to the counter the kernel's
 * PSP devices use for it:
 *
 *   rx-error      lengths and framing: IP/UDP lengths that disagree with
 *                 the frame, a header or crypt offset past the end, a VC
 *                 flag without room for it, a malformed inner packet
 *   rx-bad        the always-one bit clear, reserved crypt offset bits
 *                 set, a version above 3, an SPI whose lower 31 bits are
 *                 0, no device key for the SPI's phase
 *   rx-auth-fail  the ICV does not verify (zero-length ciphertext too)
 *
 * Until the UDP destination port is seen to be 1000 a packet is not PSP
 * and is passed, as a datapath would hand it to the stack.
 */
#include <string.h>

#include "bytes.h"
#include "ip.h"
#include "psp_ref.h"

static enum psp_rx_result drop(struct psp_rx_info *info, enum psp_counter counter,
			       const char *why)
{
	info->drop = counter;
	info->why = why;
	return PSP_RX_DROP;
}

static enum psp_rx_result pass(struct psp_rx_info *info, const char *why)
{
	info->why = why;
	return PSP_RX_PASS;
}

/* The inner packet of tunnel mode must be one whole IP packet of the
 * family next_hdr names. */
static int tunnel_inner_ok(const uint8_t *inner, size_t len, uint8_t next_hdr)
{
	struct ip_view v;

	if (ip_parse(inner, len, &v))
		return 0;
	return v.family == (next_hdr == IPPROTO_IPIP ? 4 : 6) && v.len == len;
}

enum psp_rx_result psp_decap(struct psp_rx_keys *keys, const uint8_t *ip,
			     size_t ip_len, uint8_t *out, size_t *out_len,
			     struct psp_rx_info *info)
{
	size_t n, region_len, ext, crypt_off, payload_len, hdr_len;
	const uint8_t *udp, *psp;
	struct psp_aead *aead;
	struct ip_view v;
	uint32_t spi;
	uint8_t nh;

	*info = (struct psp_rx_info){ 0 };
	if (ip_parse(ip, ip_len, &v))
		return pass(info, "not an IPv4 or IPv6 packet");
	if (v.proto != IPPROTO_UDP || v.fragment)
		return pass(info, "not an unfragmented UDP packet");
	if (v.hdr_len + 4 > ip_len || get_be16(ip + v.hdr_len + 2) != PSP_UDP_PORT)
		return pass(info, "not UDP port 1000");

	if (v.len > ip_len)
		return drop(info, PSP_CNT_RX_ERROR, "IP length past the end of the frame");
	n = v.len;	/* what follows is link padding */
	udp = ip + v.hdr_len;
	if (v.hdr_len + PSP_UDP_HLEN > n || get_be16(udp + 4) != n - v.hdr_len)
		return drop(info, PSP_CNT_RX_ERROR, "UDP length disagrees with the IP length");
	if (n - v.hdr_len < PSP_ENCAP_HLEN + PSP_ICV_LEN)
		return drop(info, PSP_CNT_RX_ERROR, "too short for a PSP header and ICV");

	psp = udp + PSP_UDP_HLEN;
	region_len = n - v.hdr_len - PSP_ENCAP_HLEN - PSP_ICV_LEN;
	nh = psp[0];
	spi = get_be32(psp + 4);
	info->spi = spi;
	info->version = (uint8_t)((psp[3] & PSPHDR_VERFL_VERSION) >> PSPHDR_VERFL_VERSION_SHIFT);
	info->tunnel = nh == IPPROTO_IPIP || nh == IPPROTO_IPV6;
	if (!(psp[3] & PSPHDR_VERFL_ONE))
		return drop(info, PSP_CNT_RX_BAD, "header bit 0 is not 1");
	if (psp[2] & PSP_CRYPT_OFF_RSVD)
		return drop(info, PSP_CNT_RX_BAD, "reserved crypt offset bits set");
	if (info->version > PSP_VERSION_MAX)
		return drop(info, PSP_CNT_RX_BAD, "unsupported version");
	if (!(spi & PSP_SPI_INDEX_MASK))
		return drop(info, PSP_CNT_RX_BAD, "invalid SPI: lower 31 bits are 0");
	if (psp[1] < PSP_HDRLEN_NOVC)
		return drop(info, PSP_CNT_RX_ERROR, "header length 0");
	ext = (psp[1] - 1u) * 8;
	if (ext > region_len)
		return drop(info, PSP_CNT_RX_ERROR, "header length past the end");
	if ((psp[3] & PSPHDR_VERFL_VIRT) && ext < PSP_VC_LEN)
		return drop(info, PSP_CNT_RX_ERROR, "VC flag set without room for a VC");
	crypt_off = (size_t)(psp[2] & PSP_CRYPT_OFF_MASK) * PSP_CRYPT_OFF_UNIT;
	if (crypt_off > region_len)
		return drop(info, PSP_CNT_RX_ERROR, "crypt offset past the end");

	aead = psp_rx_keys_get(keys, spi, info->version);
	if (!aead)
		return drop(info, PSP_CNT_RX_BAD, "no device key for the SPI's phase");

	/*
	 * Decrypt the region (extension + payload) to the start of out, then
	 * slide the payload over the extension to where it belongs: after
	 * the kept IP headers in transport mode, at the start in tunnel mode.
	 */
	if (psp_aead_open(aead, psp, region_len, crypt_off,
			  psp + PSP_HDR_LEN + region_len, out))
		return drop(info, PSP_CNT_RX_AUTH_FAIL, "ICV did not verify");
	payload_len = region_len - ext;
	hdr_len = info->tunnel ? 0 : v.hdr_len;
	memmove(out + hdr_len, out + ext, payload_len);
	if (hdr_len + payload_len < region_len)
		memset(out + hdr_len + payload_len, 0, region_len - hdr_len - payload_len);

	if (info->tunnel) {
		if (!tunnel_inner_ok(out, payload_len, nh)) {
			memset(out, 0, payload_len);
			return drop(info, PSP_CNT_RX_ERROR, "inner packet malformed");
		}
	} else {
		memcpy(out, ip, hdr_len);
		out[v.nh_off] = nh;
		if (v.family == 4) {
			put_be16(out + 2, (uint16_t)(hdr_len + payload_len));
			ipv4_set_csum(out);
		} else {
			put_be16(out + 4, (uint16_t)(hdr_len + payload_len - IPV6_HLEN));
		}
	}
	*out_len = hdr_len + payload_len;
	info->bytes = region_len;
	return PSP_RX_OK;
}
