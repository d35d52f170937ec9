// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* PSP over Ethernet frames: the IP packet functions behind a MAC header. */
#include <string.h>

#include "bytes.h"
#include "psp_ref.h"

/* The IP version the frame's EtherType announces, or 0. */
static int eth_ip_version(const uint8_t *frame, size_t len)
{
	if (len < ETH_HLEN)
		return 0;
	switch (get_be16(frame + 12)) {
	case ETH_P_IP:
		return 4;
	case ETH_P_IPV6:
		return 6;
	default:
		return 0;
	}
}

enum psp_tx_skip psp_encap_frame(struct psp_aead *aead, const struct psp_tx_params *p,
				 uint64_t iv, const uint8_t *frame, size_t len,
				 uint8_t *out, size_t *out_len)
{
	int ver = eth_ip_version(frame, len);
	enum psp_tx_skip skip;

	if (!ver)
		return PSP_TX_NOT_IP;
	if (len == ETH_HLEN || frame[ETH_HLEN] >> 4 != ver)
		return PSP_TX_MALFORMED;
	skip = psp_encap(aead, p, iv, frame + ETH_HLEN, len - ETH_HLEN,
			 out + ETH_HLEN, out_len);
	if (skip)
		return skip;
	memcpy(out, frame, ETH_HLEN);
	*out_len += ETH_HLEN;
	return PSP_TX_OK;
}

enum psp_rx_result psp_decap_frame(struct psp_rx_keys *keys, const uint8_t *frame,
				   size_t len, uint8_t *out, size_t *out_len,
				   struct psp_rx_info *info)
{
	int ver = eth_ip_version(frame, len);
	enum psp_rx_result res;

	if (!ver || len == ETH_HLEN || frame[ETH_HLEN] >> 4 != ver) {
		*info = (struct psp_rx_info){ .why = "not an IPv4 or IPv6 frame" };
		return PSP_RX_PASS;
	}
	res = psp_decap(keys, frame + ETH_HLEN, len - ETH_HLEN,
			out + ETH_HLEN, out_len, info);
	if (res != PSP_RX_OK)
		return res;
	memcpy(out, frame, ETH_HLEN);
	put_be16(out + 12, out[ETH_HLEN] >> 4 == 4 ? ETH_P_IP : ETH_P_IPV6);
	*out_len += ETH_HLEN;
	return PSP_RX_OK;
}
