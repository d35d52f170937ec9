// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Encapsulation of one IP packet, as google/psp's psp_encrypt writes it:
 *
 * transport: the IP header (options and IPv6 extension headers too) is
 *            kept, its protocol becomes UDP and its length grows by the
 *            overhead; the L4 segment is the payload.
 * tunnel:    a new outer header from the first 20 (IPv4, options dropped)
 *            or 40 (IPv6) bytes of the packet, which is the payload.
 *
 * One deliberate difference: the payload is bounded by the IP length,
 * not by the capture length, so Ethernet padding is not encrypted (the
 * reference's own decrypt rejects what it produces then).
 */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "ip.h"
#include "psp_ref.h"

static const char *const tx_skip_names[PSP_TX__MAX] = {
	[PSP_TX_OK] = "ok",
#define __PSP_TX_SKIP_NAME(id, name) [PSP_TX_##id] = name,
	PSP_TX_SKIPS(__PSP_TX_SKIP_NAME)
#undef __PSP_TX_SKIP_NAME
};

const char *psp_tx_skip_name(enum psp_tx_skip skip)
{
	return skip < PSP_TX__MAX ? tx_skip_names[skip] : "unknown";
}

/* Constant per flow, varied across flows, for receivers that spread UDP
 * by port: the inner ports XORed, or the PSP port when there are none. */
static uint16_t flow_sport(const uint8_t *ip, const struct ip_view *v)
{
	if ((v->proto == IPPROTO_TCP || v->proto == IPPROTO_UDP) &&
	    !v->fragment && v->hdr_len + 4 <= v->len) {
		const uint8_t *l4 = ip + v->hdr_len;

		return get_be16(l4) ^ get_be16(l4 + 2);
	}
	return PSP_UDP_PORT;
}

/* Write the outer IP header for a UDP datagram of udp_len bytes; returns
 * its length. */
static size_t write_outer(uint8_t *out, const uint8_t *ip, const struct ip_view *v,
			  int tunnel, size_t udp_len)
{
	size_t hlen = tunnel ? (v->family == 4 ? IPV4_MIN_HLEN : IPV6_HLEN) : v->hdr_len;

	memcpy(out, ip, hlen);
	if (v->family == 4) {
		if (tunnel)
			out[0] = 0x45;
		put_be16(out + 2, (uint16_t)(hlen + udp_len));
		out[9] = IPPROTO_UDP;
		ipv4_set_csum(out);
	} else {
		put_be16(out + 4, (uint16_t)(hlen - IPV6_HLEN + udp_len));
		out[tunnel ? 6 : v->nh_off] = IPPROTO_UDP;
	}
	return hlen;
}

enum psp_tx_skip psp_encap(struct psp_aead *aead, const struct psp_tx_params *p,
			   uint64_t iv, const uint8_t *ip, size_t ip_len,
			   uint8_t *out, size_t *out_len)
{
	size_t vc_len = p->has_vc ? PSP_VC_LEN : 0, crypt_off, payload_len;
	size_t outer_len, udp_len, region_len;
	const uint8_t *payload;
	uint8_t next_hdr, *udp, *psp;
	struct ip_view v;
	int err;

	err = ip_parse(ip, ip_len, &v);
	if (err)
		return err == -EPROTONOSUPPORT ? PSP_TX_NOT_IP : PSP_TX_MALFORMED;
	if (v.len > ip_len)
		return PSP_TX_MALFORMED;
	if (p->tunnel) {
		payload = ip;
		payload_len = v.len;
		next_hdr = v.family == 4 ? IPPROTO_IPIP : IPPROTO_IPV6;
	} else {
		if (v.fragment)
			return PSP_TX_FRAGMENT;
		payload = ip + v.hdr_len;
		payload_len = v.len - v.hdr_len;
		next_hdr = v.proto;
	}
	/* The offset counts from the end of the PSP header, so a VC counts:
	 * it may cover the VC and the whole payload (google/psp measures it
	 * against the payload alone). */
	crypt_off = (size_t)(p->crypt_off & PSP_CRYPT_OFF_MASK) * PSP_CRYPT_OFF_UNIT;
	region_len = vc_len + payload_len;
	if (crypt_off > region_len)
		return PSP_TX_CRYPT_OFF;
	udp_len = PSP_UDP_HLEN + PSP_HDR_LEN + region_len + PSP_ICV_LEN;
	outer_len = p->tunnel ? (v.family == 4 ? IPV4_MIN_HLEN : IPV6_HLEN) : v.hdr_len;
	if (outer_len + udp_len > 0xffff + (v.family == 6 ? IPV6_HLEN : 0))
		return PSP_TX_TOO_BIG;

	outer_len = write_outer(out, ip, &v, p->tunnel, udp_len);
	udp = out + outer_len;
	put_be16(udp, flow_sport(ip, &v));
	put_be16(udp + 2, PSP_UDP_PORT);
	put_be16(udp + 4, (uint16_t)udp_len);
	put_be16(udp + 6, 0);	/* no checksum: the ICV covers what matters */

	psp = udp + PSP_UDP_HLEN;
	psp[0] = next_hdr;
	psp[1] = p->has_vc ? PSP_HDRLEN_VC : PSP_HDRLEN_NOVC;
	psp[2] = p->crypt_off & PSP_CRYPT_OFF_MASK;
	psp[3] = psphdr_verfl(p->version, p->has_vc);
	put_be32(psp + 4, p->spi);
	put_be64(psp + 8, iv);
	memcpy(psp + PSP_HDR_LEN, p->vc, vc_len);
	memcpy(psp + PSP_HDR_LEN + vc_len, payload, payload_len);
	if (psp_aead_seal(aead, psp, region_len, crypt_off, psp + PSP_HDR_LEN + region_len))
		return PSP_TX_CRYPTO;
	*out_len = outer_len + udp_len;
	return PSP_TX_OK;
}
