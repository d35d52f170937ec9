// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_tx: TC egress (tcx) on a PSP device; psp_seal: TC ingress on its
 * seal port.
 *
 * A TCP packet of a flow with a Tx association is encapsulated in
 * transport mode (UDP to port 1000, PSP header with a fresh IV, optional
 * VC, ICV) and encrypted. A packet that carries the device's mark must be
 * PSP: without a Tx association it is dropped, never sent in clear. A
 * socket's SYN binds the association its socket got before connect() to
 * the flow. Everything else passes untouched, GSO and offloads and all.
 *
 * Nothing may touch a packet once it is sealed, so it must be one TCP
 * segment with its checksum complete. TCP hands the device GSO packets
 * and leaves the checksum to it (CHECKSUM_PARTIAL): the device, or the
 * kernel's fallback after TC, would segment the sealed packet or write
 * the TCP checksum into its ciphertext. So psp_tx sends such packets of
 * PSP flows out through the device's seal port (libpspbpf/seal.c), a
 * veth pair without offloads: the kernel segments them and completes
 * their checksums on its way in, and psp_seal on its other end seals
 * each segment and redirects it to the device, whose psp_tx lets it out.
 * Packets already whole (forwarded ones) are sealed in place.
 *
 * Stages as in psp_rx: classify, encapsulate, encrypt, each a global
 * function checked once, called in turn from the entry points.
 */
#include "lib/compat.h"
#include "lib/crypto.h"
#include "lib/dev.h"
#include "lib/flow.h"
#include "lib/iphdr.h"
#include "lib/parse.h"
#include <psp/offload.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define HDR_PEEK	128	/* bytes made linear to parse the headers */
#define KEPT_MAX	64	/* IPv4 options or IPv6 extension headers moved: < 64 */

struct tx_job {
	struct pkt p;
	struct psp_flow flow;
	struct psp_spi_key key;	/* the association's, by its Rx SPI */
	struct gcm_job gcm;
	__u32 region_len;	/* VC + TCP segment: tx-bytes */
	__u32 marked;		/* carries the device's mark: must be PSP */
};

/*
 * What a stage makes of a packet. Which counter a dropped one goes under
 * is not a verdict: the stage hands it back apart, in *drop.
 */
enum tx_verdict {
	TX_PASS,	/* out as it is */
	TX_PSP,		/* PSP: on to the next stage; after the last, sent */
	TX_DROP,	/* dropped, under the counter *drop */
};

static __always_inline enum tx_verdict tx_drop(enum psp_counter *drop, enum psp_counter why)
{
	*drop = why;
	return TX_DROP;
}

/*
 * The association a socket got before it was connected (psp_sk_assocs),
 * bound to the flow its SYN opens. Returns 0, or -1 if the socket must
 * send PSP and its association cannot be bound.
 */
static __always_inline int bind_socket_assoc(struct __sk_buff *skb, const struct psp_dev_cfg *dev,
					     const struct psp_flow *f)
{
	struct psp_assoc a = {};
	struct psp_sk_assoc *sa;
	struct psp_spi_key k;
	struct psp_rx_sa *rx;
	struct bpf_sock *sk;

	sk = skb->sk;
	if (!sk)
		return 0;
	sk = bpf_sk_fullsock(sk);
	sa = sk ? bpf_sk_storage_get(&psp_sk_assocs, sk, 0, 0) : NULL;
	if (!sa || sa->dev_id != dev->id)
		return 0;
	k.dev_id = dev->id;
	k.spi = sa->rx_spi;
	rx = bpf_map_lookup_elem(&psp_rx_sa, &k);
	/* its Rx SPI, still waiting for this very socket */
	if (!rx || rx->flow.family || rx->sk_cookie != bpf_get_socket_cookie(skb))
		goto fail;
	a.rx_spi = sa->rx_spi;
	a.version = sa->version;
	a.last_ns = bpf_ktime_get_coarse_ns();
	a.has_tx = !!sa->has_tx;
	if (a.has_tx && bpf_map_update_elem(&psp_tx_sa, f, &sa->tx, BPF_NOEXIST))
		goto fail;
	if (bpf_map_update_elem(&psp_assocs, f, &a, BPF_NOEXIST)) {
		if (a.has_tx)
			bpf_map_delete_elem(&psp_tx_sa, f);
		goto fail;
	}
	__builtin_memcpy(&rx->flow, f, sizeof(*f));
	bpf_sk_storage_delete(&psp_sk_assocs, sk);
	return 0;
fail:
	return sa->has_tx ? -1 : 0;
}

/*
 * Connections opening and closing: a SYN binds a socket's association, or
 * ends what is left of a closed connection on the flow; FIN and RST mark
 * the flow closing. Returns 0, or -1 to drop (bind_socket_assoc()).
 */
static __always_inline int tx_flow_event(struct __sk_buff *skb, const struct psp_dev_cfg *dev,
					 struct psp_flow *f, const struct tcphdr *th)
{
	struct psp_assoc *a = bpf_map_lookup_elem(&psp_assocs, f);

	if (a && !flow_reopened(f, a, th)) {
		flow_seen(a, th, PSP_CLOSING_FIN_TX);
		return 0;
	}
	if (th->syn && !th->ack)
		return bind_socket_assoc(skb, dev, f);
	return 0;
}

/*
 * Stage 1: which flow, and must it be PSP? Returns TX_PSP with the job
 * filled for a TCP flow (tx_classify_sa() looks up its Tx association),
 * TX_PASS for any other packet, or TX_DROP for one whose socket must
 * send PSP and has no association for it (tx-no-sa). events: follow the
 * flow's opening and closing (tx_flow_event()), which the device's egress
 * does, and the seal port, seeing the same packets again, not.
 */
__noinline enum tx_verdict psp_tx_classify(struct __sk_buff *skb, const struct psp_dev_cfg *dev,
					   struct tx_job *job, int events)
{
	void *data, *data_end;
	struct psp_flow f;
	struct tcphdr *th;
	struct pkt *p;

	if (!dev || !job)
		return TX_PASS;
	p = &job->p;
	__builtin_memset(job, 0, sizeof(*job));
	job->marked = dev->mark_mask && (skb->mark & dev->mark_mask) == dev->mark_value;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (parse_ip(data, data_end, p) || p->proto != IPPROTO_TCP || p->fragment)
		return TX_PASS;

	/* map keys on the stack: Linux 6.1 takes none in the caller's job */
	th = tcp_flow(data, data_end, p, dev->id, 1, &f);
	if (!th)
		return TX_PASS;
	if (events && (th->syn || th->fin || th->rst) && tx_flow_event(skb, dev, &f, th))
		return TX_DROP;
	job->flow = f;
	return TX_PSP;
}

/*
 * The flow's association, written from here at most once a second, so
 * that a packet looks up its Tx state alone: the first packet sealed
 * under sa latches the upgrade (its ACK is what the socket had received
 * then: the one sequence number a plain FIN may still carry), and then
 * last_ns follows the flow's activity for gc, as flow_seen() would.
 */
static __always_inline void tx_assoc_touch(void *data, void *data_end, const struct tx_job *job,
					   struct psp_tx_sa *sa, const struct psp_flow *f)
{
	struct tcphdr *th = pkt_ptr(data, job->p.l4_off);
	__u64 now = bpf_ktime_get_coarse_ns();
	struct psp_assoc *a;

	if (sa->assoc_ns && now - sa->assoc_ns <= PSP_LAST_NS_STEP)
		return;
	sa->assoc_ns = now;
	a = bpf_map_lookup_elem(&psp_assocs, f);
	if (!a || (void *)(th + 1) > data_end)
		return;
	if (!a->upgrade_seq_set) {
		a->upgrade_seq = bpf_ntohl(th->ack_seq);
		a->upgrade_seq_set = 1;
	}
	if (now - a->last_ns > PSP_LAST_NS_STEP)
		a->last_ns = now;
}

/* IPv4 options or IPv6 extension headers, which adjust_room left after
 * the room it made, go back in front of it. */
static __always_inline int move_kept(struct __sk_buff *skb, __u32 base_end, __u32 kept,
				     __u32 room)
{
	__u8 buf[KEPT_MAX] = {};

	if (!kept)
		return 0;
	if (kept >= KEPT_MAX)
		return -1;
	/* 1..KEPT_MAX for the verifier, which needs a non-zero bounded size;
	 * the barrier stops LLVM from dropping the mask as redundant */
	kept -= 1;
	barrier_var(kept);
	kept = (kept & (KEPT_MAX - 1)) + 1;
	if (bpf_skb_load_bytes(skb, base_end + room, buf, kept) ||
	    bpf_skb_store_bytes(skb, base_end, buf, kept, 0))
		return -1;
	return 0;
}

/*
 * Stage 2: make room and write the outer headers of one whole segment
 * under the flow's Tx association sa. Fills job->gcm; returns TX_PSP, or
 * TX_DROP under tx-too-big or tx-encap-error (both tx-error).
 */
__noinline enum tx_verdict psp_tx_encap(struct __sk_buff *skb, const struct psp_dev_cfg *dev,
					struct tx_job *job, struct psp_tx_sa *sa,
					enum psp_counter *drop)
{
	__u32 tcp_len, vc_len, crypt_off, room, base_end, kept, udp_len, offload;
	void *data, *data_end;
	struct psp_flow f;
	struct psphdr *h;
	struct udphdr *udp;
	__u64 iv;

	if (!drop)
		return TX_DROP;
	if (!dev || !job || !sa)
		goto encap_error;
	f = job->flow;
	offload = dev->flags & PSP_DEV_F_OFFLOAD;
	/* the seal port's job (psp_tx). Our own crypto needs the packet in
	 * one buffer; a NIC's needs only the headers written (offload.h). */
	if (skb->gso_size || skb_csum_partial(skb) ||
	    bpf_skb_pull_data(skb, offload ? job->p.l4_off + sizeof(struct tcphdr) : skb->len))
		goto encap_error;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	if (job->p.ip_end != skb->len)
		goto encap_error;	/* no link padding on the way out */
	tx_assoc_touch(data, data_end, job, sa, &f);

	tcp_len = job->p.ip_end - job->p.l4_off;
	vc_len = sa->has_vc ? PSP_VC_LEN : 0;
	crypt_off = (sa->crypt_off & PSP_CRYPT_OFF_MASK) * PSP_CRYPT_OFF_UNIT;
	job->region_len = vc_len + tcp_len;
	room = PSP_ENCAP_HLEN + vc_len;
	if (crypt_off > job->region_len || job->region_len > PSP_MAX_BLOCKS * 16)
		goto encap_error;
	if (skb->len - ETH_HLEN + room + PSP_ICV_LEN > dev->mtu)
		return tx_drop(drop, PSP_CNT_TX_TOO_BIG);
	base_end = ETH_HLEN + (job->p.family == AF_INET ? 20 : 40);
	if (job->p.l4_off < base_end)
		goto encap_error;
	kept = job->p.l4_off - base_end;

	/*
	 * The room for the ICV, except on an offload device, whose NIC
	 * appends it. bpf_skb_change_tail() makes the packet linear and
	 * writable up to its old length only, and a clone TCP keeps for
	 * retransmission is writable as far as its header room goes: for a
	 * SYN, that is the whole packet, so the skb stays a clone and the
	 * ICV's bytes are shared. Our own crypto (and the kmod backend's,
	 * which refuses such an skb) needs all of it private:
	 * bpf_skb_pull_data().
	 */
	if (bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_NET, 0) ||
	    move_kept(skb, base_end, kept, room) ||
	    (!offload && (bpf_skb_change_tail(skb, skb->len + PSP_ICV_LEN, 0) ||
			  bpf_skb_pull_data(skb, skb->len))))
		goto encap_error;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	udp_len = PSP_ENCAP_HLEN + job->region_len + PSP_ICV_LEN;
	if (ip_hdr_patch(data, data_end, &job->p, room + PSP_ICV_LEN, IPPROTO_UDP, IP_SUM_AFRESH))
		goto encap_error;
	udp = pkt_ptr(data, job->p.l4_off);
	h = pkt_ptr(data, job->p.l4_off + PSP_UDP_HLEN);
	if ((void *)(udp + 1) > data_end || (void *)(h + 1) > data_end)
		goto encap_error;
	/* constant per flow, varied across flows: the ports XORed, as google/psp */
	udp->source = (job->flow.lport ^ job->flow.rport) ?: bpf_htons(PSP_UDP_PORT);
	udp->dest = bpf_htons(PSP_UDP_PORT);
	udp->len = bpf_htons(udp_len);
	/* no checksum, IPv6 too, as Linux net/psp, PSP NICs and Google's
	 * reference send it (RFC 6936 allows it of a tunnel whose payload
	 * has an integrity check of its own: the ICV) */
	udp->check = 0;

	h->nexthdr = IPPROTO_TCP;
	h->hdrlen = sa->has_vc ? PSP_HDRLEN_VC : PSP_HDRLEN_NOVC;
	h->crypt_offset = sa->crypt_off & PSP_CRYPT_OFF_MASK;
	h->verfl = psphdr_verfl(sa->version, sa->has_vc);
	h->spi = bpf_htonl(sa->spi);
	if (offload) {
		/* the NIC's IV to fill; until then, which key (offload.h) */
		struct psp_tx_hint *hint = (void *)&h->iv;

		hint->magic = PSP_TX_HINT_MAGIC;
		hint->dev_id = dev->id;
		hint->key_handle = sa->rx_spi;
	} else {
		/* unique per packet per key, across CPUs */
		iv = __sync_fetch_and_add(&sa->iv, 1) + 1;
		h->iv = bpf_cpu_to_be64(iv);
	}
	if (sa->has_vc) {
		__u8 *vc = (void *)(h + 1);

		if ((void *)(vc + PSP_VC_LEN) > data_end)
			goto encap_error;
		__builtin_memcpy(vc, sa->vc, PSP_VC_LEN);
	}

	job->gcm.hdr_off = job->p.l4_off + PSP_UDP_HLEN;
	job->gcm.encrypt = 1;
	gcm_job_split(&job->gcm, sa->version, job->region_len, crypt_off);
	return TX_PSP;
encap_error:
	return tx_drop(drop, PSP_CNT_TX_ENCAP_ERROR);
}

/* Stage 3: encrypt in place and write the ICV (crypto_bpf.h). */
DEFINE_PSP_TX_GCM(psp_tx_gcm)

/* Makes the first HDR_PEEK bytes linear (all of a shorter packet): the
 * headers must be there to be parsed. */
static __always_inline void linearize_headers(struct __sk_buff *skb)
{
	__u32 linear = skb->data_end - skb->data;

	if (linear < HDR_PEEK && skb->len > linear)
		bpf_skb_pull_data(skb, skb->len < HDR_PEEK ? skb->len : HDR_PEEK);
}

/*
 * Stage 1, and the flow's Tx association: the one lookup of it a packet
 * makes. The stages after take the pointer, so that an association
 * deleted meanwhile is the one the packet was classified under to the end
 * (its entry is freed after an RCU grace period), not a lookup that fails
 * halfway. Returns TX_PSP with *sa, TX_PASS, or TX_DROP under tx-no-sa:
 * a packet that must be PSP (the device's mark, or stage 1's verdict)
 * and cannot be.
 */
static __always_inline enum tx_verdict tx_classify_sa(struct __sk_buff *skb,
						      const struct psp_dev_cfg *dev,
						      struct tx_job *job, int events,
						      struct psp_tx_sa **sa, enum psp_counter *drop)
{
	enum tx_verdict verdict;

	linearize_headers(skb);
	verdict = psp_tx_classify(skb, dev, job, events);
	if (verdict == TX_PSP) {
		*sa = bpf_map_lookup_elem(&psp_tx_sa, &job->flow);
		if (*sa) {
			job->key.dev_id = dev->id;
			job->key.spi = (*sa)->rx_spi;
			return TX_PSP;
		}
	}
	if (verdict == TX_DROP || job->marked)
		return tx_drop(drop, PSP_CNT_TX_NO_SA);
	return TX_PASS;
}

/* Stage 3's verdict: sealed (TX_PSP), or why psp_tx_gcm() could not
 * seal, in *drop (part of tx-error). */
static __always_inline enum tx_verdict tx_gcm_verdict(int gcm, enum psp_counter *drop)
{
	switch (gcm) {
	case GCM_OK:
		return TX_PSP;
	case GCM_NO_KEY:
		return tx_drop(drop, PSP_CNT_TX_NO_KEY);
	default:
		return tx_drop(drop, PSP_CNT_TX_CRYPTO_ERROR);
	}
}

/*
 * Encapsulates and seals (or, on an offload device, hands the NIC) the
 * packet of job under its Tx association sa. Returns TX_PSP, or TX_DROP.
 * Fail closed: a PSP packet that cannot be sealed is not sent.
 */
static __always_inline enum tx_verdict tx_seal(struct __sk_buff *skb,
					       const struct psp_dev_cfg *dev, struct tx_job *job,
					       struct psp_tx_sa *sa, enum psp_counter *drop)
{
	enum tx_verdict verdict = psp_tx_encap(skb, dev, job, sa, drop);

	if (verdict != TX_PSP || (dev->flags & PSP_DEV_F_OFFLOAD))
		return verdict;	/* an offload device's NIC seals it */
	return tx_gcm_verdict(psp_tx_gcm(skb, &job->gcm, &job->key), drop);
}

/* Counts a packet sent (TX_PSP), or dropped under drop (TX_DROP):
 * TC_ACT_OK or _SHOT. */
static __always_inline int tx_account(const struct psp_dev_cfg *dev, const struct tx_job *job,
				      enum tx_verdict verdict, enum psp_counter drop)
{
	struct psp_stats *st = dev_stats(dev);

	if (verdict == TX_PSP) {
		count(st, PSP_CNT_TX_PACKETS, 1);
		count(st, PSP_CNT_TX_BYTES, job->region_len);
		return TC_ACT_OK;
	}
	/* the reasons a packet that had to be sealed was not: parts of tx-error */
	if (drop == PSP_CNT_TX_TOO_BIG || drop == PSP_CNT_TX_ENCAP_ERROR ||
	    drop == PSP_CNT_TX_NO_KEY || drop == PSP_CNT_TX_CRYPTO_ERROR) {
		count(st, drop, 1);
		drop = PSP_CNT_TX_ERROR;
	}
	count(st, drop, 1);
	return TC_ACT_SHOT;
}

SEC("tc")
int psp_tx(struct __sk_buff *skb)
{
	struct psp_dev_cfg *dev = dev_of_skb(skb);
	struct psp_tx_sa *sa = NULL;
	enum tx_verdict verdict;
	enum psp_counter drop;
	struct tx_job job;

	/* not a PSP device, or sealed on its seal port */
	if (!dev || skb->ingress_ifindex == dev->seal_ifindex)
		return TC_ACT_OK;
	verdict = tx_classify_sa(skb, dev, &job, 1, &sa, &drop);
	if (verdict == TX_PASS)
		return TC_ACT_OK;
	if (verdict == TX_PSP) {
		if (skb->gso_size || skb_csum_partial(skb))
			return bpf_redirect(dev->seg_ifindex, 0);
		verdict = tx_seal(skb, dev, &job, sa, &drop);
	}
	return tx_account(dev, &job, verdict, drop);
}

/*
 * What psp_tx sent out through the seal port comes back here, one segment
 * a packet, its checksum complete: sealed and sent out of the PSP device,
 * or dropped. Nothing leaves the seal port in clear.
 */
SEC("tc")
int psp_seal(struct __sk_buff *skb)
{
	struct psp_dev_cfg *dev = dev_of_seal_port(skb);
	struct psp_tx_sa *sa = NULL;
	enum tx_verdict verdict;
	enum psp_counter drop;
	struct tx_job job;

	if (!dev)
		return TC_ACT_SHOT;
	verdict = tx_classify_sa(skb, dev, &job, 0, &sa, &drop);
	/* its association went while the packet was on its way */
	if (verdict == TX_PASS)
		verdict = tx_drop(&drop, PSP_CNT_TX_NO_SA);
	if (verdict == TX_PSP)
		verdict = tx_seal(skb, dev, &job, sa, &drop);
	if (tx_account(dev, &job, verdict, drop) != TC_ACT_OK)
		return TC_ACT_SHOT;
	return bpf_redirect(dev->ifindex, 0);
}
