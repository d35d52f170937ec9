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
 * a transmit hint in its IV gets the next IV of the key the hint names,
 * is sealed with that key and its ICV appended, and goes on through the
 * bridge to the wire.
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

/* Each Tx key's IVs, as a NIC counts them: by the key's handle. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_spi_key);
	__type(value, __u64);
	__uint(max_entries, PSP_MAX_ASSOCS);
} nic_tx_ivs SEC(".maps");

/* The next IV of key k: unique per packet per key, counting from the
 * time its counter was made, as the host seeds its own (libpspbpf/
 * assoc.c): a key installed again under another handle does not start
 * over. 0 if the counter cannot be had. */
static __always_inline __u64 nic_next_iv(const struct psp_spi_key *k)
{
	__u64 seed = bpf_ktime_get_tai_ns(), *iv = bpf_map_lookup_elem(&nic_tx_ivs, k);

	if (!iv) {
		bpf_map_update_elem(&nic_tx_ivs, k, &seed, BPF_NOEXIST);
		iv = bpf_map_lookup_elem(&nic_tx_ivs, k);
	}
	return iv ? __sync_fetch_and_add(iv, 1) + 1 : 0;
}

/* The incoming PSP header of the frame: psp_in_parse()'s verdict. */
static __always_inline enum psp_in_verdict nic_parse(struct xdp_md *ctx, struct psp_in *in,
						     enum psp_counter *drop)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct pkt p = {};

	if (parse_ip(data, data_end, &p) || p.fragment)
		return PSP_IN_NOT_PSP;
	return psp_in_parse(data, data_end, &p, PSP_VERSIONS_ALL, in, drop);
}

/*
 * The transmit hint in the IV of a PSP packet from the host, which ends
 * where its ICV is to go (offload.h): 0 with the hint, or -1.
 */
static __always_inline int nic_tx_hint(struct xdp_md *ctx, struct psp_tx_hint *hint,
				       __u32 *iv_off)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct udphdr *udp;
	struct pkt p = {};

	if (parse_ip(data, data_end, &p) || p.fragment || p.proto != IPPROTO_UDP ||
	    p.ip_end != data_end - data + PSP_ICV_LEN)
		return -1;
	udp = pkt_ptr(data, p.l4_off);
	if ((void *)(udp + 1) > data_end || udp->dest != bpf_htons(PSP_UDP_PORT))
		return -1;
	*iv_off = p.l4_off + PSP_UDP_HLEN + offsetof(struct psphdr, iv);
	if (bpf_xdp_load_bytes(ctx, *iv_off & 0xffff, hint, sizeof(*hint)) ||
	    hint->magic != PSP_TX_HINT_MAGIC || hint->dev_id != dev_id)
		return -1;	/* sealed already, or not the device's */
	return 0;
}

SEC("xdp")
int nic_from_host(struct xdp_md *ctx)
{
	struct psp_tx_hint hint;
	struct psp_spi_key key;
	struct psp_in in = {};
	enum psp_counter drop;
	__u32 iv_off;
	__u64 iv;

	if (nic_tx_hint(ctx, &hint, &iv_off))
		return XDP_PASS;
	key.dev_id = hint.dev_id;
	key.spi = hint.key_handle;
	iv = bpf_cpu_to_be64(nic_next_iv(&key));
	if (!iv || bpf_xdp_adjust_tail(ctx, PSP_ICV_LEN) ||
	    bpf_xdp_store_bytes(ctx, iv_off & 0xffff, &iv, sizeof(iv)) ||
	    nic_parse(ctx, &in, &drop) != PSP_IN_OK)
		return XDP_DROP;
	in.gcm.encrypt = 1;
	return nic_seal(ctx, &in.gcm, &key) == GCM_OK ? XDP_PASS : XDP_DROP;
}

static __always_inline __u8 rx_status(enum psp_in_verdict parsed, enum psp_counter drop,
				      int gcm)
{
	if (parsed != PSP_IN_OK)
		return drop == PSP_CNT_RX_ERROR ? PSP_RXS_ERROR : PSP_RXS_BAD;
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
	enum psp_in_verdict parsed;
	enum psp_counter drop;
	int gcm = GCM_ERROR;
	__u8 status, generation = 0;

	parsed = nic_parse(ctx, &in, &drop);
	if (parsed == PSP_IN_NOT_PSP)
		return XDP_PASS;
	key.dev_id = dev_id;
	key.spi = in.spi;
	if (parsed == PSP_IN_OK)
		gcm = nic_open(ctx, &in.gcm, &key);
	status = rx_status(parsed, drop, gcm);
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
