// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_rx: XDP receive on a PSP device.
 *
 * PSP packets (UDP to port 1000) are checked, authenticated, decrypted in
 * place and decapsulated: the original packet in transport mode, the
 * inner packet in tunnel mode. Anything malformed, unknown or
 * unauthenticated is dropped and counted, never passed. TCP, in PSP or in
 * clear, then meets its flow's receive policy (psp_rx_policy). Everything
 * else passes untouched.
 *
 * Three stages, each a global function the verifier checks once on its
 * own, called one after the other so that only one of them at a time adds
 * its stack (the GCM stage needs most of it) to the entry point's:
 * classify and check, authenticate and decrypt, decapsulate.
 *
 * Loadable as it is by `ip link set dev DEV xdp obj psp_rx.bpf.o sec xdp`:
 * the maps are found by name, the device by namespace and ifindex.
 */
#include "lib/compat.h"
#include "lib/crypto.h"
#include "lib/csum.h"
#include "lib/dev.h"
#include "lib/flow.h"
#include "lib/iphdr.h"
#include "lib/parse.h"
#include "lib/psp_in.h"
#include <psp/offload.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";


/* What the stages hand on: the packet's layout and its PSP header. */
struct rx_job {
	struct pkt p;
	struct psp_in in;	/* its PSP header (lib/psp_in.h) */
	struct psp_spi_key sk;
	__u8 tunnel;
	__u8 trailer;	/* bytes kept after the IP packet: CSUM_TRAILER or 0 */
};

/*
 * What a stage makes of a packet. Which counter a dropped one goes under
 * is not a verdict: the stage hands it back apart, in *drop.
 */
enum rx_verdict {
	RX_PASS,	/* to the stack as it is, or as decapsulated */
	RX_PSP,		/* PSP: on to the next stage */
	RX_TCP,		/* TCP, as it came: to its flow's receive policy */
	RX_DROP,	/* dropped, under the counter *drop */
};

static __always_inline enum rx_verdict rx_drop(enum psp_counter *drop, enum psp_counter why)
{
	*drop = why;
	return RX_DROP;
}

/*
 * Stage 1: is it PSP, and is its header one we can take? Returns RX_PSP
 * with the job filled, RX_TCP, RX_PASS, or RX_DROP.
 */
__noinline enum rx_verdict psp_rx_classify(struct xdp_md *ctx, const struct psp_dev_cfg *dev,
					   struct rx_job *job, enum psp_counter *drop)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	enum psp_in_verdict verdict;
	struct pkt *p;

	if (!dev || !job || !drop)
		return RX_PASS;
	p = &job->p;
	__builtin_memset(p, 0, sizeof(*p));
	if (parse_ip(data, data_end, p) || p->fragment)
		return RX_PASS;
	if (p->proto == IPPROTO_TCP)
		return RX_TCP;
	verdict = psp_in_parse(data, data_end, p, dev->versions_ena, &job->in, drop);
	if (verdict != PSP_IN_OK)
		return verdict == PSP_IN_NOT_PSP ? RX_PASS : RX_DROP;
	job->tunnel = job->in.nexthdr == IPPROTO_IPIP || job->in.nexthdr == IPPROTO_IPV6;
	job->sk.dev_id = dev->id;
	job->sk.spi = job->in.spi;
	return RX_PSP;
}

/* Stage 2: authenticate and decrypt in place (crypto_bpf.h). */
DEFINE_PSP_RX_GCM(psp_rx_gcm)

#define HDR_MOVE_FAST	(ETH_HLEN + 40)	/* Ethernet + IPv6: the most moved inline */

/* Moves the first n bytes of the frame shift bytes on, then drops the
 * shift bytes in front of them. */
static __always_inline int move_headers_slow(struct xdp_md *ctx, __u32 n, __u32 shift)
{
	__u8 buf[PSP_RX_HDR_MOVE_MAX] = {};

	if (n == 0 || n > PSP_RX_HDR_MOVE_MAX || shift > PKT_OFF_MASK)
		return -1;
	/* 1..PSP_RX_HDR_MOVE_MAX in a form Linux 6.1's verifier follows: LLVM
	 * checks n - 1, which it does not link to n */
	n -= 1;
	barrier_var(n);
	n = (n & (PSP_RX_HDR_MOVE_MAX - 1)) + 1;
	if (bpf_xdp_load_bytes(ctx, 0, buf, n) || bpf_xdp_store_bytes(ctx, shift, buf, n))
		return -1;
	return bpf_xdp_adjust_head(ctx, (int)shift);
}

/*
 * The same for a constant n of 8 to HDR_MOVE_FAST bytes, in 8-byte words
 * through registers rather than two helper calls and a buffer on the
 * stack: every word is read before any is written, as the two places
 * overlap, and the last word, read from n - 8, covers what n / 8 words
 * leave. x86, where BPF programs run, loads and stores unaligned words.
 */
static __always_inline int move_headers_fast(struct xdp_md *ctx, const __u32 n, __u32 shift)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u64 w[HDR_MOVE_FAST / 8], last;
	void *to;

	shift &= PKT_OFF_MASK;
	to = data + shift;
	if (data + n > data_end || to + n > data_end)
		return -1;
#pragma unroll
	for (__u32 i = 0; i < n / 8; i++)
		w[i] = *(__u64 *)(data + i * 8);
	last = *(__u64 *)(data + n - 8);
#pragma unroll
	for (__u32 i = 0; i < n / 8; i++)
		*(__u64 *)(to + i * 8) = w[i];
	*(__u64 *)(to + n - 8) = last;
	return bpf_xdp_adjust_head(ctx, (int)shift);
}

/*
 * Cuts the shift bytes after the frame's first n (its headers) out by
 * moving the headers over them: those of almost every packet (Ethernet,
 * with IPv4 without options or IPv6 without extension headers) inline,
 * others by helpers.
 */
static __always_inline int move_headers(struct xdp_md *ctx, __u32 n, __u32 shift)
{
	switch (n) {
	case ETH_HLEN:
		return move_headers_fast(ctx, ETH_HLEN, shift);
	case ETH_HLEN + 20:
		return move_headers_fast(ctx, ETH_HLEN + 20, shift);
	case ETH_HLEN + 40:
		return move_headers_fast(ctx, ETH_HLEN + 40, shift);
	default:
		return move_headers_slow(ctx, n, shift);
	}
}

/* Transport mode: the IP header takes back the protocol and length it had
 * before encapsulation, then moves over the UDP and PSP headers. */
static __always_inline int decap_transport(struct xdp_md *ctx, const struct rx_job *job)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u32 strip = PSP_ENCAP_HLEN + job->in.ext + PSP_ICV_LEN;

	if (ip_hdr_patch(data, data_end, &job->p, -(int)strip, job->in.nexthdr, IP_SUM_UPDATE))
		return -1;
	return move_headers(ctx, job->p.l4_off, strip - PSP_ICV_LEN);
}

/* Tunnel mode: the Ethernet header, with the inner family's EtherType,
 * moves up to the inner packet, which must be one whole IP packet. */
static __always_inline int decap_tunnel(struct xdp_md *ctx, const struct rx_job *job)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	__u32 inner_off = job->in.gcm.hdr_off + PSP_HDR_LEN + job->in.ext;
	__u32 inner_len = job->in.region_len - job->in.ext, len;
	__u8 *inner = pkt_ptr(data, inner_off);
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (job->in.nexthdr == IPPROTO_IPIP) {
		struct iphdr *ip = (void *)inner;

		if ((void *)(ip + 1) > data_end || ip->version != 4)
			return -1;
		len = bpf_ntohs(ip->tot_len);
		eth->h_proto = bpf_htons(ETH_P_IP);
	} else {
		struct ipv6hdr *ip6 = (void *)inner;

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return -1;
		len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		eth->h_proto = bpf_htons(ETH_P_IPV6);
	}
	if (len != inner_len)
		return -1;
	return move_headers(ctx, ETH_HLEN, inner_off - ETH_HLEN);
}

/* What decap_transport() leaves: the same headers, up to the L4 one,
 * which is the PSP header's next one. */
static __always_inline void rx_decapped_layout(struct pkt *p, const struct psp_in *in)
{
	p->ip_end -= PSP_ENCAP_HLEN + in->ext + PSP_ICV_LEN;
	p->proto = in->nexthdr;
}

/* Stage 3: cut the ICV and link padding, then the headers. */
__noinline int psp_rx_decap(struct xdp_md *ctx, const struct rx_job *job)
{
	__u32 frame_len = ctx->data_end - ctx->data, tail;

	if (!job || job->p.ip_end > frame_len)
		return -1;
	tail = frame_len - job->p.ip_end + PSP_ICV_LEN - job->trailer;
	if (bpf_xdp_adjust_tail(ctx, -(int)tail))
		return -1;
	return job->tunnel ? decap_tunnel(ctx, job) : decap_transport(ctx, job);
}

/*
 * Generic XDP (dev add's fallback, psp_dev_cfg flag PSP_DEV_F_XDP_GENERIC)
 * runs psp_rx on an skb that the driver and GRO have made already, and
 * bpf_prog_run_generic_xdp() (net/core/dev.c, 6.1 and 6.12 alike) carries
 * only part of what the program did back into it:
 *
 * - skb->tail: after bpf_xdp_adjust_tail() it is set from skb->data, which
 *   is at the IP header, to an offset measured from xdp->data, which is at
 *   the Ethernet header: 14 bytes past the end. skb->len is right, so the
 *   packet reads right, but whatever appends at the tail later does so 14
 *   bytes too far: TCP's receive queue coalescing (skb_try_coalesce() ->
 *   skb_put()) then hands the application 14 stale bytes at the seam, and
 *   loses 14 of the next segment's. Measured on e1000: every transfer
 *   corrupt from the first segment's end on.
 * - skb->ip_summed and skb->csum: left as the driver set them. A
 *   CHECKSUM_COMPLETE sum is then that of the packet as it arrived: the
 *   stack finds the decapsulated segment's checksum wrong, sums it all
 *   again in software, and netdev_rx_csum_fault() dumps the whole packet,
 *   plaintext by now, into the kernel log ("hw csum failure").
 *
 * So, in generic mode, decapsulation leaves CSUM_TRAILER bytes after the
 * IP packet, holding what makes the frame's sum from its IP header on what
 * it was on arrival. ip_rcv_core() and ip6_rcv_core() trim them off with
 * pskb_trim_rcsum(), which sets skb->tail afresh and, under
 * CHECKSUM_COMPLETE, subtracts their sum: skb->csum is then the sum of the
 * decapsulated packet, as CHECKSUM_COMPLETE requires. Under CHECKSUM_NONE
 * or UNNECESSARY the trim is all they do. docs/operations.md has sources.
 */
#define CSUM_TRAILER	3	/* a zero byte where needed, then a 16-bit word */
#define L3_SUM_VALID	0x10000

#define L3_SUM_CHUNK	128
#define L3_SUM_CHUNKS	80	/* frames up to 10 KB */

/*
 * The ones' complement sum of the frame's bytes from its IP header up to
 * end, 16 bits, with L3_SUM_VALID; 0 if it cannot be summed. Chunks go
 * through the stack and bpf_csum_diff(), which sums as the kernel's
 * csum_partial() does, so that the sum of what arrives and of what leaves
 * are taken alike; a short last chunk is zero-padded and ends the walk.
 */
__noinline __u32 psp_rx_l3_sum(struct xdp_md *ctx, __u32 end)
{
	__u32 buf[L3_SUM_CHUNK / 4], off = ETH_HLEN, n;
	__s64 sum = 0;

	for (int i = 0; i < L3_SUM_CHUNKS; i++) {
		if (off >= end)
			return csum_fold((__u64)sum) | L3_SUM_VALID;
		n = end - off;
		if (n >= L3_SUM_CHUNK) {
			if (bpf_xdp_load_bytes(ctx, off, buf, L3_SUM_CHUNK))
				return 0;
		} else {
			__builtin_memset(buf, 0, sizeof(buf));
			n -= 1;		/* 1..L3_SUM_CHUNK, as the verifier sees it */
			barrier_var(n);
			n = (n & (L3_SUM_CHUNK - 1)) + 1;
			if (bpf_xdp_load_bytes(ctx, off, buf, n))
				return 0;
			sum = bpf_csum_diff(NULL, 0, buf, sizeof(buf), (__u32)sum);
			return sum < 0 ? 0 : csum_fold((__u64)sum) | L3_SUM_VALID;
		}
		sum = bpf_csum_diff(NULL, 0, buf, sizeof(buf), (__u32)sum);
		if (sum < 0)
			return 0;
		off += L3_SUM_CHUNK;
	}
	return 0;
}

/* Fills the trailer so that the frame sums to l3_sum again from its IP
 * header on (psp_rx_l3_sum() on arrival). */
__noinline int psp_rx_csum_trailer(struct xdp_md *ctx, __u32 l3_sum)
{
	__u32 len = ctx->data_end - ctx->data, now;
	__u8 t[CSUM_TRAILER] = {};
	union {
		__u16 word;
		__u8 b[2];
	} c;

	if (!(l3_sum & L3_SUM_VALID) || len < ETH_HLEN + CSUM_TRAILER)
		return -1;
	now = psp_rx_l3_sum(ctx, len - CSUM_TRAILER);
	if (!(now & L3_SUM_VALID))
		return -1;
	/* what arrived minus what is there now, in ones' complement */
	c.word = csum_fold((__u64)(__u16)l3_sum + (__u16)~now);
	/* at an even offset from the IP header, as the sums take words, and
	 * in the byte order they take them in */
	if ((len - ETH_HLEN - CSUM_TRAILER) & 1) {
		t[1] = c.b[0];
		t[2] = c.b[1];
	} else {
		t[0] = c.b[0];
		t[1] = c.b[1];
	}
	return bpf_xdp_store_bytes(ctx, len - CSUM_TRAILER, t, sizeof(t));
}

/*
 * The receive policy of a TCP packet's flow (include/psp/maps.h,
 * psp_assocs), for a packet in clear (spi 0) or one that arrived in PSP
 * with spi, then decapsulated; p is its layout, as parsed or as
 * decapsulation left it. Returns RX_PASS or RX_DROP.
 */
__noinline enum rx_verdict psp_rx_policy(struct xdp_md *ctx, const struct psp_dev_cfg *dev,
					 const struct pkt *p, __u32 spi, enum psp_counter *drop)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct psp_assoc *a;
	struct psp_flow f;
	struct tcphdr *th;
	__u32 payload;

	if (!dev || !p || !drop)
		return RX_PASS;
	th = tcp_flow(data, data_end, p, dev->id, 0, &f);
	if (!th)
		return RX_PASS;		/* not TCP: no socket policy applies */
	a = bpf_map_lookup_elem(&psp_assocs, &f);
	if (spi) {
		if (!a || a->rx_spi != spi)
			return rx_drop(drop, PSP_CNT_RX_POLICY_DROP);
		if (!a->peer_tx)
			a->peer_tx = 1;		/* PSP Full from now on */
		flow_seen(a, th, PSP_CLOSING_FIN_RX);
		return RX_PASS;
	}
	if (!a || flow_reopened(&f, a, th))
		return RX_PASS;			/* Normal */
	payload = p->ip_end - p->l4_off - th->doff * 4;
	if (!a->has_tx) {			/* Rx PSP */
		flow_clear_data(a, bpf_ntohl(th->seq) + payload, payload);
		goto accept;
	}
	if (a->peer_tx)		/* PSP Full: nothing in clear */
		return rx_drop(drop, PSP_CNT_RX_PLAIN_DROP);
	/* Tx PSP: no data; ACK and RST in clear, a FIN only at the latch */
	if (th->rst)
		goto accept;
	if (payload || th->syn ||
	    (th->fin && a->upgrade_seq_set && bpf_ntohl(th->seq) != a->upgrade_seq))
		return rx_drop(drop, PSP_CNT_RX_PLAIN_DROP);
accept:
	flow_seen(a, th, PSP_CLOSING_FIN_RX);
	return RX_PASS;
}

/* A known SPI whose association went stale (its key is gone). */
static __always_inline int rx_sa_stale(const struct psp_spi_key *sk)
{
	struct psp_rx_sa *sa = bpf_map_lookup_elem(&psp_rx_sa, sk);

	return sa && (sa->generation & PSP_GEN_STALE);
}

/*
 * A NIC's receive hint (include/psp/offload.h), copied out of the XDP
 * metadata: 1 if there is one. Trusted only on an offload device; on any
 * other it is counted and ignored.
 */
static __always_inline int rx_hint(struct xdp_md *ctx, const struct psp_dev_cfg *dev,
				   struct psp_stats *st, struct psp_rx_hint *hint)
{
	struct psp_rx_hint *h = (void *)(long)ctx->data_meta;

	if ((void *)(h + 1) > (void *)(long)ctx->data || h->magic != PSP_HINT_MAGIC)
		return 0;
	if (!(dev->flags & PSP_DEV_F_OFFLOAD)) {
		count(st, PSP_CNT_RX_HINT_IGNORED, 1);
		return 0;
	}
	__builtin_memcpy(hint, h, sizeof(*hint));
	return 1;
}

/* Stage 2 on an offload device: what the NIC found of the packet it
 * opened, which must be this packet. RX_PSP if it is authentic, or
 * RX_DROP. */
static __always_inline enum rx_verdict rx_offload(const struct psp_rx_hint *h, int has_hint,
						  const struct rx_job *job, enum psp_counter *drop)
{
	if (!has_hint)
		return rx_drop(drop, PSP_CNT_RX_BAD);	/* the NIC had no key for it */
	switch (h->status) {
	case PSP_RXS_DECRYPTED:
		break;
	case PSP_RXS_AUTH_FAIL:
		return rx_drop(drop, PSP_CNT_RX_AUTH_FAIL);
	case PSP_RXS_ERROR:
		return rx_drop(drop, PSP_CNT_RX_ERROR);
	default:
		return rx_drop(drop, PSP_CNT_RX_BAD);
	}
	if (h->flags & PSP_RXH_F_DECAP || h->spi != job->sk.spi ||
	    h->dev_id != job->sk.dev_id || h->version != job->in.gcm.version)
		return rx_drop(drop, PSP_CNT_RX_ERROR);
	return RX_PSP;
}

/* An offload device's packet the NIC decapsulated already: authentic,
 * of the hint's SPI. */
static __always_inline int rx_decapped(const struct psp_rx_hint *h, int has_hint)
{
	return has_hint && h->status == PSP_RXS_DECRYPTED && (h->flags & PSP_RXH_F_DECAP);
}

/* Stage 2 otherwise: what psp_rx_gcm() found. RX_PSP if the packet is
 * authentic, or RX_DROP. */
static __always_inline enum rx_verdict rx_gcm_verdict(int gcm, const struct rx_job *job,
						      enum psp_counter *drop)
{
	switch (gcm) {
	case GCM_OK:
		return RX_PSP;
	case GCM_BAD_ICV:
		return rx_drop(drop, PSP_CNT_RX_AUTH_FAIL);
	case GCM_NO_KEY:
		return rx_drop(drop, rx_sa_stale(&job->sk) ? PSP_CNT_RX_STALE : PSP_CNT_RX_NO_SA);
	default:
		return rx_drop(drop, PSP_CNT_RX_ERROR);
	}
}

/*
 * The CPUs PSP packets may be opened on (dev add --rx-spread): each of
 * this object's own, filled by the loader, runs psp_rx_cpu. One entry as
 * built; the loader sizes it to the host's CPUs before loading, and an
 * object that `ip link` loads keeps it empty, so its packets are opened
 * where they arrive.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
	__uint(max_entries, 1);
} psp_rx_cpus SEC(".maps");

/*
 * Hands a PSP packet to another CPU to be opened there, when the device
 * spreads receive over dev->rx_cpus CPUs: a veth, or a NIC with one
 * queue, delivers a flow on one CPU, which would then seal (on a veth)
 * and open it as well. The CPU is the next ones' after this one, picked
 * by the SPI: one per flow, so that its packets stay in order, and never
 * this one. XDP_REDIRECT, or XDP_PASS to open it here (spreading off, or
 * no such CPU in the map).
 */
static __always_inline int rx_spread(const struct psp_dev_cfg *dev, const struct rx_job *job)
{
	__u32 n = dev->rx_cpus, cpu;

	if (n < 2 || (dev->flags & (PSP_DEV_F_OFFLOAD | PSP_DEV_F_XDP_GENERIC)))
		return XDP_PASS;
	cpu = (bpf_get_smp_processor_id() + 1 + job->in.spi % (n - 1)) % n;
	return bpf_redirect_map(&psp_rx_cpus, cpu, XDP_PASS);
}

/*
 * psp_rx, on the CPU the packet arrived on (first) or on the one
 * rx_spread() handed it to, where the packet is classified again and
 * opened, and no hint is read: spreading is for devices without them.
 */
static __always_inline int rx_run(struct xdp_md *ctx, const bool first)
{
	struct psp_dev_cfg *dev = dev_of_xdp(ctx);
	struct psp_rx_hint hint = {};
	enum rx_verdict verdict;
	enum psp_counter drop;
	struct psp_stats *st;
	struct rx_job job;
	int has_hint = 0;
	__u32 l3_sum = 0;

	if (!dev)
		return XDP_PASS;
	st = dev_stats(dev);
	if (first)
		has_hint = rx_hint(ctx, dev, st, &hint);
	verdict = psp_rx_classify(ctx, dev, &job, &drop);
	if (verdict == RX_PASS)
		return XDP_PASS;
	if (verdict == RX_TCP) {
		if (rx_decapped(&hint, has_hint)) {
			count(st, PSP_CNT_RX_PACKETS, 1);
			count(st, PSP_CNT_RX_BYTES, job.p.ip_end - job.p.l4_off);
		}
		verdict = psp_rx_policy(ctx, dev, &job.p,
					rx_decapped(&hint, has_hint) ? hint.spi : 0, &drop);
		if (verdict == RX_PASS)
			return XDP_PASS;
		goto drop;
	}
	if (verdict != RX_PSP)
		goto drop;
	if (first && rx_spread(dev, &job) == XDP_REDIRECT)
		return XDP_REDIRECT;

	job.trailer = 0;
	if (dev->flags & PSP_DEV_F_XDP_GENERIC) {
		l3_sum = psp_rx_l3_sum(ctx, ctx->data_end - ctx->data);
		job.trailer = CSUM_TRAILER;
	}
	if (dev->flags & PSP_DEV_F_OFFLOAD)
		verdict = rx_offload(&hint, has_hint, &job, &drop);
	else
		verdict = rx_gcm_verdict(psp_rx_gcm(ctx, &job.in.gcm, &job.sk), &job, &drop);
	if (verdict != RX_PSP)
		goto drop;
	/* Authentic from here; a packet that still cannot be rebuilt is
	 * dropped all the same. */
	if (psp_rx_decap(ctx, &job)) {
		drop = PSP_CNT_RX_ERROR;
		goto drop;
	}
	if (job.trailer)
		psp_rx_csum_trailer(ctx, l3_sum);
	count(st, PSP_CNT_RX_PACKETS, 1);
	count(st, PSP_CNT_RX_BYTES, job.in.region_len);
	/* tunnel mode delivers whatever it carries, as Linux does */
	if (!job.tunnel) {
		rx_decapped_layout(&job.p, &job.in);
		if (psp_rx_policy(ctx, dev, &job.p, job.sk.spi, &drop) != RX_PASS)
			goto drop;
	}
	return XDP_PASS;
drop:
	count(st, drop, 1);
	return XDP_DROP;
}

SEC("xdp")
int psp_rx(struct xdp_md *ctx)
{
	return rx_run(ctx, true);
}

SEC("xdp/cpumap")
int psp_rx_cpu(struct xdp_md *ctx)
{
	return rx_run(ctx, false);
}
