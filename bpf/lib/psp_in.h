/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A PSP packet coming in, as psp_rx and the emulated NIC read it: UDP to
 * port 1000, then a PSP header checked against the lengths around it.
 */
#ifndef __PSP_BPF_PSP_IN_H
#define __PSP_BPF_PSP_IN_H

#include "crypto.h"
#include "parse.h"

struct psp_in {
	struct gcm_job gcm;	/* to open it */
	__u32 spi;
	__u32 region_len;	/* VC + payload: rx-bytes */
	__u32 ext;		/* header bytes after the first 16 (the VC) */
	__u8 nexthdr;
};

enum psp_in_verdict {
	PSP_IN_NOT_PSP,	/* not to the PSP port */
	PSP_IN_OK,	/* PSP, with a header to open it by */
	PSP_IN_DROP,	/* PSP that cannot be opened, under the counter *drop */
};

static __always_inline enum psp_in_verdict psp_in_drop(enum psp_counter *drop,
							enum psp_counter why)
{
	*drop = why;
	return PSP_IN_DROP;
}

/*
 * The packet at p (parsed, not a fragment): PSP_IN_NOT_PSP, PSP_IN_OK
 * with in filled, or PSP_IN_DROP with the counter to drop it under in
 * *drop: rx-error for lengths and framing, rx-bad for what the header
 * asks that cannot be (a version not in versions_ena among them).
 */
static __always_inline enum psp_in_verdict psp_in_parse(void *data, void *data_end,
							 const struct pkt *p, __u32 versions_ena,
							 struct psp_in *in, enum psp_counter *drop)
{
	__u32 frame_len = data_end - data, hdr_off, version, crypt_off;
	struct udphdr *udp = pkt_ptr(data, p->l4_off);
	struct psphdr *h;

	/* to the PSP port: PSP, even if the frame ends before the UDP
	 * header does */
	if (p->proto != IPPROTO_UDP || (void *)&udp->len > data_end ||
	    udp->dest != bpf_htons(PSP_UDP_PORT))
		return PSP_IN_NOT_PSP;

	/* PSP from here on: every way out is a verdict. */
	hdr_off = p->l4_off + PSP_UDP_HLEN;
	h = pkt_ptr(data, hdr_off);
	if ((void *)(udp + 1) > data_end || (void *)(h + 1) > data_end || p->ip_end > frame_len ||
	    bpf_ntohs(udp->len) != p->ip_end - p->l4_off ||
	    p->ip_end - p->l4_off < PSP_ENCAP_HLEN + PSP_ICV_LEN)
		return psp_in_drop(drop, PSP_CNT_RX_ERROR);
	in->region_len = p->ip_end - hdr_off - PSP_HDR_LEN - PSP_ICV_LEN;

	version = (h->verfl & PSPHDR_VERFL_VERSION) >> PSPHDR_VERFL_VERSION_SHIFT;
	in->spi = bpf_ntohl(h->spi);
	if (!(h->verfl & PSPHDR_VERFL_ONE) || (h->crypt_offset & PSP_CRYPT_OFF_RSVD) ||
	    version > PSP_VERSION_MAX || !(in->spi & PSP_SPI_INDEX_MASK) ||
	    !(versions_ena & (1u << version)))
		return psp_in_drop(drop, PSP_CNT_RX_BAD);
	in->ext = (h->hdrlen - 1u) * 8;
	crypt_off = (h->crypt_offset & PSP_CRYPT_OFF_MASK) * PSP_CRYPT_OFF_UNIT;
	if (h->hdrlen < PSP_HDRLEN_NOVC || in->ext > in->region_len ||
	    ((h->verfl & PSPHDR_VERFL_VIRT) && in->ext < PSP_VC_LEN) ||
	    crypt_off > in->region_len || in->region_len > PSP_MAX_BLOCKS * 16)
		return psp_in_drop(drop, PSP_CNT_RX_ERROR);
	in->nexthdr = h->nexthdr;
	in->gcm.hdr_off = hdr_off;
	in->gcm.encrypt = 0;
	gcm_job_split(&in->gcm, version, in->region_len, crypt_off);
	return PSP_IN_OK;
}

#endif /* __PSP_BPF_PSP_IN_H */
