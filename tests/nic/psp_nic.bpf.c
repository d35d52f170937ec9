// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * An emulated PSP NIC, for the offload backend's tests: a bump in the
 * wire between a host's offload device and the network, doing the
 * crypto with the bpf backend and trading hints exactly as
 * include/psp/offload.h says.
 *
 *   host --veth-- [host port | NIC netns, a bridge | wire port] --veth-- peer
 *
 * From the host (nic_from_host, XDP on the host port): a PSP packet with
 * a transmit hint in its ICV is sealed with the key the hint names, the
 * ICV written over the hint, and goes on through the bridge to the wire.
 * From the wire (nic_from_wire, XDP on the wire port): a PSP packet is
 * opened with the key of its SPI and handed to the host port, by
 * redirect so that its receive hint in the XDP metadata goes with it.
 * Anything else passes to the bridge as it is.
 *
 * A NIC derives the key of an SPI from its device key; the emulation
 * opens with the key rx-assoc derived (psp_rx_keys), which is the same.
 */
#include "lib/compat.h"
#include "lib/crypto.h"
#include "lib/psp_in.h"
#include <psp/offload.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 dev_id;		/* the offload device it serves */
const volatile __u32 host_ifindex;	/* its port toward the host */

DEFINE_PSP_GCM(nic_seal, struct xdp_md, psp_tx_keys, struct psp_spi_key, PSP_SCRATCH_TX)
DEFINE_PSP_GCM(nic_open, struct xdp_md, psp_rx_keys, struct psp_spi_key, PSP_SCRATCH_RX)

/* The incoming PSP header of the frame; PSP_IN_OK or not. */
static __always_inline int nic_parse(struct xdp_md *ctx, struct psp_in *in)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct pkt p = {};

	if (parse_ip(data, data_end, &p) || p.fragment)
		return PSP_IN_NOT_PSP;
	return psp_in_parse(data, data_end, &p, PSP_VERSIONS_ALL, in);
}

SEC("xdp")
int nic_from_host(struct xdp_md *ctx)
{
	struct psp_tx_hint hint;
	struct psp_spi_key key;
	struct psp_in in = {};
	__u32 icv;

	if (nic_parse(ctx, &in) != PSP_IN_OK)
		return XDP_PASS;
	icv = in.gcm.hdr_off + in.gcm.aad_len + in.gcm.ct_len;
	if (bpf_xdp_load_bytes(ctx, icv & 0xffff, &hint, sizeof(hint)) ||
	    hint.magic != PSP_HINT_MAGIC || hint.dev_id != dev_id ||
	    hint.version != in.gcm.version)
		return XDP_PASS;	/* sealed already, or not the device's */
	key.dev_id = hint.dev_id;
	key.spi = hint.key_handle;
	in.gcm.encrypt = 1;
	return nic_seal(ctx, &in.gcm, &key) == GCM_OK ? XDP_PASS : XDP_DROP;
}

static __always_inline __u8 rx_status(int parsed, int gcm)
{
	if (parsed == PSP_CNT_RX_ERROR)
		return PSP_RXS_ERROR;
	if (parsed != PSP_IN_OK)
		return PSP_RXS_BAD;
	switch (gcm) {
	case GCM_OK:
		return PSP_RXS_DECRYPTED;
	case GCM_BAD_ICV:
		return PSP_RXS_AUTH_FAIL;
	case GCM_NO_KEY:
		return PSP_RXS_BAD;
	default:
		return PSP_RXS_ERROR;
	}
}

SEC("xdp")
int nic_from_wire(struct xdp_md *ctx)
{
	struct psp_in in = {};
	struct psp_rx_hint *h;
	struct psp_spi_key key;
	struct psp_rx_sa *sa;
	int parsed, gcm = GCM_ERROR;
	__u8 status, generation = 0;

	parsed = nic_parse(ctx, &in);
	if (parsed == PSP_IN_NOT_PSP)
		return XDP_PASS;
	key.dev_id = dev_id;
	key.spi = in.spi;
	if (parsed == PSP_IN_OK)
		gcm = nic_open(ctx, &in.gcm, &key);
	status = rx_status(parsed, gcm);
	sa = bpf_map_lookup_elem(&psp_rx_sa, &key);
	if (sa)
		generation = sa->generation & PSP_GEN_MASK;
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*h)))
		return XDP_DROP;
	h = (void *)(long)ctx->data_meta;
	if ((void *)(h + 1) > (void *)(long)ctx->data)
		return XDP_DROP;
	h->magic = PSP_HINT_MAGIC;
	h->status = status;
	h->generation = generation;
	h->flags = 0;
	h->version = in.gcm.version;
	h->spi = in.spi;
	h->dev_id = dev_id;
	return bpf_redirect(host_ifindex, 0);
}
