// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz-prog: psp_rx and psp_tx, as dev add attached them to a veth in a
 * namespace of their own, run through BPF_PROG_TEST_RUN on frames made
 * from the vectors, from the userspace reference (valid PSP of every
 * version, crypt offset, VC, mode, IPv4 options and IPv6 extension
 * chain) and from what psp_tx itself sealed, then mutated field by field
 * (tests/fuzz/mutate.c). The reference (psp_ref.h), holding the device's
 * keys and knowing its associations, judges every verdict:
 *
 * - psp_rx: a frame that comes out changed is one the reference opens
 *   under an association the device has, and is the reference's output
 *   byte for byte: nothing whose ICV is not valid comes out in clear. A
 *   frame the reference takes for PSP never passes as it came. Every drop
 *   is counted under exactly one reason, and the counters' sum is the
 *   number of drops.
 * - psp_tx: what it sends is the input unchanged, or PSP that the
 *   reference opens back into the input (and, where the reference seals
 *   the input too, its sealing with the same IV, byte for byte). A
 *   segment of a flow with a Tx association, or a packet with the device
 *   mark, never leaves in clear. Every drop is counted under one reason
 *   (tx-no-sa, or tx-error and one of its parts).
 *
 *   fuzz-prog [--inputs N] [--seed S] [--program rx|tx]
 *
 * N inputs for each program (default 100,000); a run is reproduced by
 * its seed, which the TAP says.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bytes.h"
#include "env.h"
#include "ip.h"
#include "mutate.h"
#include "pktgen.h"
#include "psp_ref.h"
#include "tap.h"
#include "testdata.h"

#define N_FLOWS		8
#define CORPUS_MAX	512
#define DEV_MARK	0x10
#define DEV_MARK_MASK	0xf0
#define CLIENT_PORT	40000
#define SERVER_PORT	80
#define SHOW_MAX	5	/* failing inputs shown in full */
#define IPV4_SUM_OFF	(ETH_HLEN + 10)

/* the vectors' device keys (tests/vectors/manifest.json) */
static const char *const master_hex[2] = {
	"34448a064292601b11a0978f56a2d34cf3fc35ede1a6bc04f8db3e5243a2b0ca",
	"563952565d3a78ae773ec1b779f2f2d99f4a7f53a6fbb9b07d5b71f39364d739",
};

/*
 * psp0 talking to itself: flow i is sealed with SPI spi by psp_tx (its Tx
 * association on the sender's flow, tx) and opened by psp_rx (the Rx
 * association of spi on the same flow as the receiver sees it, rx).
 */
struct loop_flow {
	struct pspbpf_flow tx, rx;
	struct psp_tx_params p;
	struct psp_aead *aead;
};

/* An SPI psp0 holds an Rx association for, and its version. */
struct rx_sa {
	uint32_t spi, version;
};

static struct dev_env *env;
static struct loop_flow flows[N_FLOWS];
static struct rx_sa sas[2 * N_FLOWS];
static size_t n_sas;
static uint32_t spis[2 * N_FLOWS];
static struct psp_rx_keys *keys;
static uint64_t iv_next = 1;

/* frames to start from: the vectors, then what psp_tx sealed */
static struct fz_frame *corpus;
static size_t n_corpus, n_vectors, corpus_next;

static const enum psp_counter rx_drops[] = {
	PSP_CNT_RX_AUTH_FAIL, PSP_CNT_RX_ERROR, PSP_CNT_RX_BAD, PSP_CNT_RX_NO_SA,
	PSP_CNT_RX_STALE, PSP_CNT_RX_PLAIN_DROP, PSP_CNT_RX_POLICY_DROP,
};
static const enum psp_counter tx_drops[] = { PSP_CNT_TX_ERROR, PSP_CNT_TX_NO_SA };
static const enum psp_counter tx_error_parts[] = {
	PSP_CNT_TX_TOO_BIG, PSP_CNT_TX_ENCAP_ERROR, PSP_CNT_TX_NO_KEY, PSP_CNT_TX_CRYPTO_ERROR,
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* What a run found: each invariant's failures, and what was seen. */
struct tally {
	uint64_t inputs, verdicts[8], opened, drops, drop_counted, by_reason[PSP_CNT__MAX];
	uint64_t mutations[FZ__MAX], compared;
	uint64_t leak, uncounted, mismatch, passed_psp, bad_verdict, refused, shown;
};

static uint32_t below(uint32_t *rng, uint32_t n)
{
	return n ? rnd(rng) % n : 0;
}

static void show(struct tally *t, const char *what, const struct fz_frame *f, uint64_t input)
{
	char hex[2 * FZ_LEN_MAX + 1];

	if (t->shown++ >= SHOW_MAX)
		return;
	for (size_t i = 0; i < f->len; i++)
		sprintf(hex + 2 * i, "%02x", f->b[i]);
	hex[2 * f->len] = 0;
	tap_diag("input %llu: %s: %s", (unsigned long long)input, what, hex);
}

static int counters(uint64_t cnt[PSP_CNT__MAX])
{
	return pspbpf_stats(env->h, env->dev_id, cnt);
}

/* Ethernet in front of an IP packet of the family. */
static void eth_header(uint8_t *b, int family)
{
	memcpy(b, (uint8_t[]){ 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 }, 12);
	put_be16(b + 12, family == 4 ? ETH_P_IP : ETH_P_IPV6);
}

static void flow_addrs(struct pspbpf_flow *f, int family, int local_is_client)
{
	/* pkt_build()'s addresses: 10.0.0.1 -> 10.0.0.2, 2001::1 -> 2001::2 */
	uint8_t a4[2][4] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };
	uint8_t a6[2][16] = { { 0x20, 1, [15] = 1 }, { 0x20, 1, [15] = 2 } };
	int l = local_is_client ? 0 : 1;

	f->family = family == 4 ? AF_INET : AF_INET6;
	memcpy(f->laddr, family == 4 ? a4[l] : a6[l], family == 4 ? 4 : 16);
	memcpy(f->raddr, family == 4 ? a4[!l] : a6[!l], family == 4 ? 4 : 16);
}

static int setup(void)
{
	uint8_t master[32], key[PSP_KEY_MAX_LEN];
	const char *vectors = test_dir("PSP_VECTORS", "tests/vectors");
	char pattern[512];
	glob_t g;

	env = test_env();
	if (!env)
		return -1;
	keys = psp_rx_keys_new();
	for (uint32_t phase = 0; phase < 2; phase++) {
		unhex(master_hex[phase], master, sizeof(master));
		if (pspbpf_key_import(env->h, "psp0", phase, master) ||
		    psp_rx_keys_set(keys, phase, master))
			return tap_ok(0, "device keys: %s", pspbpf_errmsg(env->h)), -1;
	}
	if (pspbpf_dev_set_mark(env->h, "psp0", DEV_MARK, DEV_MARK_MASK))
		return tap_ok(0, "device mark: %s", pspbpf_errmsg(env->h)), -1;

	for (int i = 0; i < N_FLOWS; i++) {
		struct loop_flow *lf = &flows[i];
		int family = i % 2 ? 6 : 4;
		struct pspbpf_tx_params tx;
		struct pspbpf_rx_added added;

		flow_addrs(&lf->tx, family, 1);
		lf->tx.lport = CLIENT_PORT + i;
		lf->tx.rport = SERVER_PORT;
		flow_addrs(&lf->rx, family, 0);
		lf->rx.lport = SERVER_PORT;
		lf->rx.rport = CLIENT_PORT + i;
		lf->p = (struct psp_tx_params){
			.spi = (uint32_t)(0x100 + i) | (i & 2 ? PSP_SPI_PHASE : 0),
			.version = (uint8_t)(i / 2), .crypt_off = (uint8_t)(i % 3),
			.has_vc = i % 4 == 3, .vc = { 0xc0, 0x0c, 0, 0, 0, 0, 0, (uint8_t)i } };
		if (pspbpf_rx_assoc_spi(env->h, "psp0", &lf->rx, lf->p.version, lf->p.spi, key))
			return tap_ok(0, "rx-assoc of flow %d: %s", i, pspbpf_errmsg(env->h)), -1;
		tx = (struct pspbpf_tx_params){ .spi = lf->p.spi, .version = lf->p.version,
						.key = key, .key_len = psp_key_len(lf->p.version),
						.crypt_off = lf->p.crypt_off, .has_vc = lf->p.has_vc };
		memcpy(tx.vc, lf->p.vc, PSP_VC_LEN);
		if (pspbpf_add_assoc(env->h, "psp0", &lf->tx, lf->p.version, &tx, &added))
			return tap_ok(0, "add-assoc of flow %d: %s", i, pspbpf_errmsg(env->h)), -1;
		lf->aead = psp_aead_new(lf->p.version, key);
		sas[n_sas++] = (struct rx_sa){ lf->p.spi, lf->p.version };
		sas[n_sas++] = (struct rx_sa){ added.spi, lf->p.version };
		memset(key, 0, sizeof(key));
	}
	for (size_t i = 0; i < n_sas; i++)
		spis[i] = sas[i].spi;

	/* every frame of the vectors, PSP and clear */
	corpus = calloc(CORPUS_MAX, sizeof(*corpus));
	snprintf(pattern, sizeof(pattern), "%s/*.pcap", vectors);
	if (!corpus || glob(pattern, 0, NULL, &g))
		return tap_ok(0, "the vectors' captures in %s", vectors), -1;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct frame *fr;
		int n = pcap_load(g.gl_pathv[i], &fr);

		for (int j = 0; j < n && n_corpus < CORPUS_MAX / 2; j++) {
			if (fr[j].len > FZ_LEN_MAX)
				continue;
			memcpy(corpus[n_corpus].b, fr[j].data, fr[j].len);
			corpus[n_corpus++].len = fr[j].len;
		}
		if (n > 0)
			frames_free(fr, n);
	}
	globfree(&g);
	n_vectors = n_corpus;
	return n_vectors ? 0 : (tap_ok(0, "frames in the vectors' captures"), -1);
}

/* The SA psp0 holds for spi: its version, or -1. */
static int sa_version(uint32_t spi)
{
	for (size_t i = 0; i < n_sas; i++)
		if (sas[i].spi == spi)
			return (int)sas[i].version;
	return -1;
}

/*
 * A TCP segment or UDP datagram of flow i's client side (or of another
 * port), in f: Ethernet + IP + L4, with IPv4 options or IPv6 extension
 * headers sometimes. TCP carries no SYN, FIN or RST: those would close
 * the loop's associations, which the judge takes as fixed.
 */
static void clear_frame(struct fz_frame *f, uint32_t *rng, int i, int family, uint8_t proto,
			size_t l4_len)
{
	struct pkt_spec s = { .family = family, .l4_len = l4_len, .proto = proto,
			      .seed = rnd(rng) };
	size_t l4;

	if (family == 4 && below(rng, 4) == 0)
		s.opt_len = 4 * (1 + below(rng, 10));
	if (family == 6 && below(rng, 4) == 0)
		s.v6_ext = 1 + (int)below(rng, 2);
	eth_header(f->b, family);
	f->len = ETH_HLEN + pkt_build(f->b + ETH_HLEN, &s, &l4);
	l4 += ETH_HLEN;
	if (l4_len < 20)
		return;
	put_be16(f->b + l4, (uint16_t)(i >= 0 ? CLIENT_PORT + (uint32_t)i : 1024 + below(rng, 30000)));
	put_be16(f->b + l4 + 2, SERVER_PORT);
	if (proto == IPPROTO_TCP) {
		f->b[l4 + 12] = 0x50;
		f->b[l4 + 13] = below(rng, 2) ? 0x10 : 0x18;	/* ACK, PSH */
	} else {
		put_be16(f->b + l4 + 4, (uint16_t)l4_len);
	}
}

/* An L4 length, mostly small (fast), sometimes up to and past the MTU. */
static size_t l4_length(uint32_t *rng)
{
	switch (below(rng, 8)) {
	case 0: return 20 + below(rng, 1500);
	case 1: return 1400 + below(rng, 80);	/* around the MTU, sealed */
	default: return 20 + below(rng, 200);
	}
}

/* Valid PSP, sealed by the reference: a loop flow's or any SPI's, any
 * version, crypt offset, VC and mode. */
static int reference_psp(struct fz_frame *f, uint32_t *rng)
{
	static struct fz_frame clear;
	int i = (int)below(rng, N_FLOWS);
	struct psp_tx_params p = flows[i].p;
	struct psp_aead *aead;
	enum psp_tx_skip skip;

	clear_frame(&clear, rng, i, i % 2 ? 6 : 4, below(rng, 3) ? IPPROTO_TCP : IPPROTO_UDP,
		    l4_length(rng));
	if (below(rng, 4) == 0)
		p.spi = below(rng, 2) ? spis[below(rng, (uint32_t)n_sas)] : rnd(rng);
	if (below(rng, 4) == 0)
		p.version = (uint8_t)below(rng, 4);
	if (below(rng, 3) == 0)
		p.crypt_off = (uint8_t)(below(rng, 3) ? below(rng, 8) : below(rng, 64));
	if (below(rng, 4) == 0)
		p.has_vc = !p.has_vc;
	p.tunnel = below(rng, 5) == 0;
	/* the key of the SPI's phase, as the device derives it */
	aead = psp_rx_keys_get(keys, p.spi, p.version);
	if (!aead)
		return -1;
	skip = psp_encap_frame(aead, &p, iv_next++, clear.b, clear.len, f->b, &f->len);
	return skip == PSP_TX_OK && f->len <= FZ_LEN_MAX ? 0 : -1;
}

static void rx_input(struct fz_frame *f, uint32_t *rng, struct tally *t)
{
	uint32_t kind = below(rng, 10);

	if (kind < 4 && !reference_psp(f, rng)) {
		/* made */
	} else if (kind < 8 && n_corpus) {
		*f = corpus[below(rng, (uint32_t)n_corpus)];
	} else {
		int family = below(rng, 2) ? 4 : 6;

		clear_frame(f, rng, below(rng, 2) ? (int)below(rng, N_FLOWS) : -1, family,
			    below(rng, 2) ? IPPROTO_TCP : IPPROTO_UDP, l4_length(rng));
		if (below(rng, 3) == 0) {	/* to the PSP port, in clear */
			struct fz_layout l;

			fz_layout(f, &l);
			if (l.l4)
				put_be16(f->b + l.l4 + 2, PSP_UDP_PORT);
		}
	}
	if (below(rng, 8))
		fz_mutate(f, rng, spis, n_sas, t->mutations);
}

/* No SYN, FIN or RST on the loop's flows (clear_frame()). */
static void keep_flows_open(struct fz_frame *f)
{
	struct fz_layout l;
	uint16_t sport, dport;

	fz_layout(f, &l);
	if (l.proto != IPPROTO_TCP || !l.l4 || l.l4 + 14 > f->len)
		return;
	sport = get_be16(f->b + l.l4);
	dport = get_be16(f->b + l.l4 + 2);
	if ((sport >= CLIENT_PORT && sport < CLIENT_PORT + N_FLOWS) ||
	    (dport >= CLIENT_PORT && dport < CLIENT_PORT + N_FLOWS))
		f->b[l.l4 + 13] &= (uint8_t)~0x07;
}

/* Drop counters moved: 1 if exactly one of them did, by one. */
static int one_reason(const uint64_t *before, const uint64_t *after, const enum psp_counter *c,
		      size_t n, enum psp_counter *which)
{
	int moved = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t d = after[c[i]] - before[c[i]];

		if (d == 1)
			*which = c[i];
		moved += d == 1 ? 1 : d ? 2 : 0;
	}
	return moved == 1;
}

static uint64_t moved(const uint64_t *before, const uint64_t *after, const enum psp_counter *c,
		      size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += after[c[i]] - before[c[i]];
	return sum;
}

/*
 * What psp_rx opened is what the reference opens, but for the IPv4
 * header's sum: psp_rx updates it, so that a header that came in corrupt
 * still fails the stack's check, where the reference makes it afresh.
 * The sum is right exactly where it was right on arrival.
 */
static int same_as_reference(const struct fz_frame *in, int tunnel, uint8_t *out,
			     size_t out_len, const uint8_t *ref, size_t ref_len)
{
	/* generic XDP leaves a checksum trailer after the packet (psp_rx) */
	if (env->xdp_generic && out_len == ref_len + 3)
		out_len = ref_len;
	size_t ihl = (size_t)(out[ETH_HLEN] & 0xf) * 4;
	int was_right, is_right;
	uint8_t sum[2];

	if (out_len != ref_len)
		return 0;
	if (tunnel || get_be16(out + 12) != ETH_P_IP)
		return !memcmp(out, ref, ref_len);
	/* transport mode: the header that came, updated */
	was_right = inet_sum(in->b + ETH_HLEN, ihl) == 0xffff;
	is_right = inet_sum(out + ETH_HLEN, ihl) == 0xffff;
	memcpy(sum, out + IPV4_SUM_OFF, 2);
	memcpy(out + IPV4_SUM_OFF, ref + IPV4_SUM_OFF, 2);
	return was_right == is_right && !memcmp(out, ref, ref_len) &&
	       (memcpy(out + IPV4_SUM_OFF, sum, 2), 1);
}

/* An authentic packet in transport mode whose headers psp_rx cannot move
 * (PSP_RX_HDR_MOVE_MAX): dropped as rx-error. */
static int headers_past_move(const struct fz_frame *in, const struct psp_rx_info *info)
{
	struct fz_layout l;

	fz_layout(in, &l);
	return !info->tunnel && l.l4 > PSP_RX_HDR_MOVE_MAX;
}

static void judge_rx(const struct fz_frame *in, struct tally *t, uint64_t *cnt)
{
	static uint8_t out[16384], ref[FZ_FRAME_MAX + 64];
	uint64_t after[PSP_CNT__MAX];
	size_t out_len = 0, ref_len = 0;
	struct psp_rx_info info = { 0 };
	enum psp_rx_result r;
	enum psp_counter why = PSP_CNT__MAX;
	int v, changed, openable;

	v = run_rx(env, in->b, in->len, out, &out_len);
	if (counters(after))
		return (void)t->bad_verdict++;
	r = psp_decap_frame(keys, in->b, in->len, ref, &ref_len, &info);
	openable = r == PSP_RX_OK && sa_version(info.spi) == (int)info.version;
	t->verdicts[v >= 0 && v < 8 ? v : 7]++;
	changed = out_len != in->len || memcmp(out, in->b, in->len);
	t->drops += v == XDP_DROP;
	t->drop_counted += moved(cnt, after, rx_drops, N_OF(rx_drops));
	if (moved(cnt, after, tx_drops, N_OF(tx_drops)))
		t->uncounted++, show(t, "psp_rx moved a Tx counter", in, t->inputs);

	if (v == XDP_DROP) {
		if (!one_reason(cnt, after, rx_drops, N_OF(rx_drops), &why))
			t->uncounted++, show(t, "dropped, not under exactly one reason", in, t->inputs);
		else
			t->by_reason[why]++;
		/* the reference opened it under an association psp0 has: only
		 * the flow's policy may refuse it */
		if (openable && why != PSP_CNT_RX_POLICY_DROP &&
		    !(why == PSP_CNT_RX_ERROR && headers_past_move(in, &info)))
			t->mismatch++, show(t, "authentic, dropped other than by policy", in, t->inputs);
		if (r == PSP_RX_PASS && why != PSP_CNT_RX_PLAIN_DROP &&
		    why != PSP_CNT_RX_POLICY_DROP)
			t->mismatch++, show(t, "not PSP to the reference, dropped as PSP", in, t->inputs);
	} else if (v == XDP_PASS) {
		if (moved(cnt, after, rx_drops, N_OF(rx_drops)))
			t->uncounted++, show(t, "passed, a drop counted", in, t->inputs);
		if (changed && !openable)
			t->leak++, show(t, "came out changed, not authentic to the reference", in,
					t->inputs);
		else if (changed && !same_as_reference(in, info.tunnel, out, out_len, ref, ref_len))
			t->mismatch++, show(t, "opened, not as the reference opens it", in, t->inputs);
		else if (changed)
			t->opened++, t->compared++;
		if (!changed && r != PSP_RX_PASS)
			t->passed_psp++, show(t, "PSP to the reference, passed as it came", in,
					      t->inputs);
	} else {
		t->bad_verdict++, show(t, "a verdict other than pass or drop", in, t->inputs);
	}
	memcpy(cnt, after, sizeof(after));
}

/*
 * Flow i of the loop if the frame is TCP of its client side, -1 if not;
 * whole: a whole segment to the reference (IP and TCP headers in the
 * frame, not a fragment), which psp_tx must seal, rather than one whose
 * addresses and ports can be read at all.
 */
static int loop_flow(const struct fz_frame *f, int whole)
{
	struct fz_layout l;
	struct ip_view v;
	size_t alen;

	fz_layout(f, &l);
	if (!l.l4 || l.proto != IPPROTO_TCP || l.l4 + 4 > f->len)
		return -1;
	if (whole && (ip_parse(f->b + ETH_HLEN, f->len - ETH_HLEN, &v) || v.fragment ||
		      v.len > f->len - ETH_HLEN || v.hdr_len + 20 > v.len))
		return -1;
	alen = l.family == 4 ? 4 : 16;
	for (int i = 0; i < N_FLOWS; i++) {
		const struct pspbpf_flow *fl = &flows[i].tx;

		if ((l.family == 4) == (fl->family == AF_INET) &&
		    get_be16(f->b + l.l4) == fl->lport && get_be16(f->b + l.l4 + 2) == fl->rport &&
		    !memcmp(f->b + ETH_HLEN + (l.family == 4 ? 12 : 8), fl->laddr, alen) &&
		    !memcmp(f->b + ETH_HLEN + (l.family == 4 ? 16 : 24), fl->raddr, alen))
			return i;
	}
	return -1;
}

static int run_tx_ctx(const struct fz_frame *in, struct __sk_buff *ctx, uint8_t *out,
		      size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (__u32)in->len,
		    .data_out = out, .data_size_out = 16384, .ctx_in = ctx,
		    .ctx_size_in = sizeof(*ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(env->tx_fd, &o))
		return -errno;
	*out_len = o.data_size_out;
	return (int)o.retval;
}

/* PSP that opens into the input; and the reference's own sealing of the
 * input, with the same IV, where it seals it. */
static int sealed_right(const struct fz_frame *in, const uint8_t *out, size_t out_len, int flow,
			struct tally *t)
{
	static uint8_t back[FZ_FRAME_MAX + 64], again[FZ_FRAME_MAX + 128];
	struct psp_rx_info info;
	size_t back_len, again_len, iv_off;
	struct fz_layout l;
	struct fz_frame o;

	if (out_len > FZ_LEN_MAX + PSP_MAX_OVERHEAD ||
	    psp_decap_frame(keys, out, out_len, back, &back_len, &info) != PSP_RX_OK ||
	    back_len != in->len)
		return 0;
	/* the reference makes an IPv4 header's sum afresh, and so does
	 * psp_tx; the input's may have been wrong */
	if (get_be16(in->b + 12) == ETH_P_IP && in->len >= IPV4_SUM_OFF + 2)
		memcpy(back + IPV4_SUM_OFF, in->b + IPV4_SUM_OFF, 2);
	if (memcmp(back, in->b, in->len))
		return 0;
	memcpy(o.b, out, out_len);
	o.len = out_len;
	fz_layout(&o, &l);
	iv_off = l.psp + 8;
	if (flow < 0 || !l.psp ||
	    psp_encap_frame(flows[flow].aead, &flows[flow].p, get_be64(out + iv_off), in->b,
			    in->len, again, &again_len) != PSP_TX_OK)
		return 1;
	t->compared++;
	return again_len == out_len && !memcmp(again, out, out_len);
}

static void tx_input(struct fz_frame *f, struct __sk_buff *ctx, uint32_t *rng, struct tally *t)
{
	uint32_t kind = below(rng, 10);
	int family = below(rng, 2) ? 4 : 6, i = (int)below(rng, N_FLOWS);

	memset(ctx, 0, sizeof(*ctx));
	ctx->ifindex = (__u32)env->ifindex;
	if (below(rng, 4) == 0)
		ctx->mark = DEV_MARK | below(rng, 16);
	if (below(rng, 20) == 0)
		ctx->gso_size = 1 + below(rng, 1400);
	if (kind < 6)		/* a loop flow's segment */
		clear_frame(f, rng, i, i % 2 ? 6 : 4, IPPROTO_TCP, l4_length(rng));
	else if (kind < 8)	/* another flow, or UDP */
		clear_frame(f, rng, -1, family, below(rng, 2) ? IPPROTO_TCP : IPPROTO_UDP,
			    l4_length(rng));
	else			/* what psp_rx saw: PSP, ARP, anything */
		*f = corpus[below(rng, (uint32_t)n_corpus)];
	if (below(rng, 4))
		fz_mutate(f, rng, spis, n_sas, t->mutations);
	keep_flows_open(f);
}

/* test_run makes no skb of a frame shorter than its IP header (nor does
 * the stack send one): such an input is not run. */
static int short_of_ip(const struct fz_frame *f)
{
	uint16_t type = get_be16(f->b + 12);

	return f->len == ETH_HLEN || (type == ETH_P_IP && f->len < ETH_HLEN + IPV4_MIN_HLEN) ||
	       (type == ETH_P_IPV6 && f->len < ETH_HLEN + IPV6_HLEN);
}

static void judge_tx(const struct fz_frame *in, struct __sk_buff *ctx, struct tally *t,
		     uint64_t *cnt)
{
	static uint8_t out[16384];
	uint64_t after[PSP_CNT__MAX];
	enum psp_counter why = PSP_CNT__MAX, part = PSP_CNT__MAX;
	int v, changed, flow = loop_flow(in, 1), marked = (ctx->mark & DEV_MARK_MASK) == DEV_MARK;
	size_t out_len = 0;

	v = run_tx_ctx(in, ctx, out, &out_len);
	if (v == -EINVAL && short_of_ip(in))
		return (void)t->refused++;
	if (counters(after))
		return (void)t->bad_verdict++;
	t->verdicts[v >= 0 && v < 8 ? v : 7]++;
	changed = out_len != in->len || memcmp(out, in->b, in->len);
	t->drops += v == TC_ACT_SHOT;
	t->drop_counted += moved(cnt, after, tx_drops, N_OF(tx_drops));
	if (moved(cnt, after, rx_drops, N_OF(rx_drops)))
		t->uncounted++, show(t, "psp_tx moved an Rx counter", in, t->inputs);

	if (v == TC_ACT_SHOT) {
		if (!one_reason(cnt, after, tx_drops, N_OF(tx_drops), &why) ||
		    (why == PSP_CNT_TX_ERROR &&
		     !one_reason(cnt, after, tx_error_parts, N_OF(tx_error_parts), &part)))
			t->uncounted++, show(t, "dropped, not under exactly one reason", in, t->inputs);
		else
			t->by_reason[why == PSP_CNT_TX_ERROR ? part : why]++;
	} else if (v == TC_ACT_OK || v == TC_ACT_REDIRECT) {
		if (moved(cnt, after, tx_drops, N_OF(tx_drops)))
			t->uncounted++, show(t, "sent, a drop counted", in, t->inputs);
		if (v == TC_ACT_REDIRECT && (changed || !ctx->gso_size || loop_flow(in, 0) < 0))
			t->bad_verdict++, show(t, "redirected, not a GSO packet of a flow to seal",
					       in, t->inputs);
		if (changed && v == TC_ACT_OK) {
			if (after[PSP_CNT_TX_PACKETS] != cnt[PSP_CNT_TX_PACKETS] + 1 ||
			    !sealed_right(in, out, out_len, flow, t))
				t->leak++, show(t, "sent changed, and not PSP of the input", in,
						t->inputs);
			else
				t->opened++;
			if (out_len <= FZ_LEN_MAX) {	/* a frame psp_rx should open */
				memcpy(corpus[n_vectors + corpus_next].b, out, out_len);
				corpus[n_vectors + corpus_next].len = out_len;
				corpus_next = (corpus_next + 1) % (CORPUS_MAX - n_vectors);
				if (n_corpus < CORPUS_MAX)
					n_corpus++;
			}
		}
		if (!changed && v == TC_ACT_OK && (flow >= 0 || marked))
			t->leak++, show(t, flow >= 0 ? "a segment of a flow with a Tx association "
					"sent in clear" : "a marked packet sent in clear", in,
					t->inputs);
	} else {
		t->bad_verdict++, show(t, v < 0 ? "test_run refused it" :
				       "a verdict other than ok, shot or redirect", in, t->inputs);
	}
	memcpy(cnt, after, sizeof(after));
}

static void report_reasons(const struct tally *t)
{
	char line[1024];
	size_t n = 0;

	for (int c = 0; c < PSP_CNT__MAX; c++)
		if (t->by_reason[c])
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %llu", n ? ", " : "",
					      psp_counter_name((enum psp_counter)c),
					      (unsigned long long)t->by_reason[c]);
	tap_diag("drops by reason: %s", n ? line : "none");
	n = 0;
	for (int m = 0; m < FZ__MAX; m++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %llu", n ? ", " : "",
				      fz_mutation_name[m], (unsigned long long)t->mutations[m]);
	tap_diag("mutations: %s", line);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fuzz_rx(uint64_t inputs, uint32_t seed)
{
	static struct fz_frame f;
	struct tally t = { 0 };
	uint64_t cnt[PSP_CNT__MAX];
	uint32_t rng = seed;
	double start = now_s();

	if (counters(cnt))
		return (void)tap_ok(0, "psp_rx: the counters");
	for (t.inputs = 0; t.inputs < inputs; t.inputs++) {
		rx_input(&f, &rng, &t);
		keep_flows_open(&f);
		judge_rx(&f, &t, cnt);
	}
	tap_diag("psp_rx: %llu inputs in %.1f s (seed %u): %llu opened, %llu passed as they "
		 "came, %llu dropped", (unsigned long long)t.inputs, now_s() - start, seed,
		 (unsigned long long)t.opened, (unsigned long long)t.verdicts[XDP_PASS] - t.opened,
		 (unsigned long long)t.drops);
	report_reasons(&t);
	tap_ok(!t.leak, "psp_rx, %llu inputs: nothing the reference does not authenticate came "
	       "out in clear (%llu)", (unsigned long long)t.inputs, (unsigned long long)t.leak);
	tap_ok(!t.mismatch && t.compared, "psp_rx: %llu opened, each the reference's output byte "
	       "for byte; every authentic frame opened or refused by policy (%llu not)",
	       (unsigned long long)t.compared, (unsigned long long)t.mismatch);
	tap_ok(!t.passed_psp, "psp_rx: no frame the reference takes for PSP passed as it came "
	       "(%llu)", (unsigned long long)t.passed_psp);
	tap_ok(!t.uncounted && t.drops == t.drop_counted && t.drops,
	       "psp_rx: each of %llu drops counted under one reason; the counters sum to %llu",
	       (unsigned long long)t.drops, (unsigned long long)t.drop_counted);
	tap_ok(!t.bad_verdict, "psp_rx: every verdict pass or drop (%llu other)",
	       (unsigned long long)t.bad_verdict);
}

static void fuzz_tx(uint64_t inputs, uint32_t seed)
{
	static struct fz_frame f;
	struct __sk_buff ctx;
	struct tally t = { 0 };
	uint64_t cnt[PSP_CNT__MAX];
	uint32_t rng = seed ^ 0x5eed;
	double start = now_s();

	if (counters(cnt))
		return (void)tap_ok(0, "psp_tx: the counters");
	for (t.inputs = 0; t.inputs < inputs; t.inputs++) {
		tx_input(&f, &ctx, &rng, &t);
		judge_tx(&f, &ctx, &t, cnt);
	}
	tap_diag("psp_tx: %llu inputs in %.1f s (seed %u): %llu sealed, %llu sent as they came, "
		 "%llu redirected to the seal port, %llu dropped; %llu shorter than their IP "
		 "header, which test_run refuses", (unsigned long long)t.inputs, now_s() - start,
		 seed, (unsigned long long)t.opened,
		 (unsigned long long)t.verdicts[TC_ACT_OK] - t.opened,
		 (unsigned long long)t.verdicts[TC_ACT_REDIRECT], (unsigned long long)t.drops,
		 (unsigned long long)t.refused);
	report_reasons(&t);
	tap_ok(!t.leak && t.opened, "psp_tx, %llu inputs: every output the input unchanged or "
	       "PSP that opens into it; no segment of an upgraded flow and no marked packet in "
	       "clear (%llu not)", (unsigned long long)t.inputs, (unsigned long long)t.leak);
	tap_ok(t.compared > 0, "psp_tx: %llu sealed as the reference seals them, byte for byte",
	       (unsigned long long)t.compared);
	tap_ok(!t.uncounted && t.drops == t.drop_counted && t.drops,
	       "psp_tx: each of %llu drops counted under one reason; the counters sum to %llu",
	       (unsigned long long)t.drops, (unsigned long long)t.drop_counted);
	tap_ok(!t.bad_verdict, "psp_tx: every verdict ok, shot, or redirect of a GSO packet "
	       "(%llu other)", (unsigned long long)t.bad_verdict);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "inputs", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "program", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t inputs = 100000;
	uint32_t seed = (uint32_t)time(NULL);
	const char *program = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': inputs = strtoull(optarg, NULL, 0); break;
		case 's': seed = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'p': program = optarg; break;
		default:
			fprintf(stderr, "usage: fuzz-prog [--inputs N] [--seed S] [--program rx|tx]\n");
			return 2;
		}
	}
	seed = seed ?: 1;
	tap_diag("fuzz-prog --seed %u --inputs %llu reproduces this run", seed,
		 (unsigned long long)inputs);
	if (!setup()) {
		if (!program || !strcmp(program, "rx"))
			fuzz_rx(inputs, seed);
		if (!program || !strcmp(program, "tx"))
			fuzz_tx(inputs, seed);
	}
	return tap_done();
}
