// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * What the datapath must refuse: PSP frames cut short at every byte or
 * with any bit of the PSP part flipped (dropped and counted, never passed
 * changed), unknown SPIs, packets that carry the device mark but have no
 * Tx association, and packets that would not fit the MTU once
 * encapsulated (dropped, never sent in clear).
 */
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <psp/offload.h>

#include "env.h"
#include "pktgen.h"
#include "tap.h"
#include "testdata.h"

/* A PSP frame of the vectors, with its Rx state installed on psp0. */
static int load_sample(struct dev_env *e, struct frame **f, struct pspbpf_flow *flow)
{
	uint8_t m[32], key[32];
	int n;

	memset(flow, 0, sizeof(*flow));
	flow->family = AF_INET;
	flow->lport = 7;
	flow->rport = 7;
	n = pcap_load("tests/vectors/t4_v0_co3_vc.psp.pcap", f);
	/* the vectors' master1 (SPI 9a345678 has the phase bit) */
	unhex("563952565d3a78ae773ec1b779f2f2d99f4a7f53a6fbb9b07d5b71f39364d739", m, 32);
	if (n != 1 || pspbpf_key_import(e->h, "psp0", 1, m) ||
	    pspbpf_rx_assoc_spi(e->h, "psp0", flow, 0, 0x9a345678, key))
		return -1;
	return 0;
}

TEST(xdp_truncated_and_flipped)
{
	struct dev_env *e = test_env();
	static uint8_t buf[4096], out[16384];
	unsigned int wrong = 0, cuts = 0, flips = 0;
	struct pspbpf_flow flow;
	struct frame *f = NULL;
	uint64_t before;
	int c;
	size_t len;

	if (!e)
		return;
	if (load_sample(e, &f, &flow)) {
		tap_ok(0, "sample PSP frame and its Rx state");
		return;
	}
	/* Cut anywhere: dropped, or passed untouched before it is PSP. */
	for (size_t cut = 0; cut < f[0].len; cut++, cuts++) {
		int v = run_rx(e, f[0].data, cut, out, &len);

		if (cut >= 14 && v == XDP_PASS && (len != cut || memcmp(out, f[0].data, cut)))
			wrong++;
		else if (v != XDP_PASS && v != XDP_DROP && cut >= 14)
			wrong++;
	}
	tap_ok(!wrong, "%u cuts of a PSP frame: none passed changed (%u wrong)", cuts, wrong);

	/* Every bit from the PSP header to the ICV: dropped, and counted. */
	wrong = 0;
	before = counter(e, PSP_CNT_RX_AUTH_FAIL) + counter(e, PSP_CNT_RX_BAD) +
		 counter(e, PSP_CNT_RX_ERROR) + counter(e, PSP_CNT_RX_NO_SA);
	for (size_t at = 14 + 20 + 8; at < f[0].len; at += 3)
		for (int b = 0; b < 8; b += 3, flips++) {
			memcpy(buf, f[0].data, f[0].len);
			buf[at] ^= (uint8_t)(1 << b);
			wrong += run_rx(e, buf, f[0].len, out, &len) != XDP_DROP;
		}
	wrong += counter(e, PSP_CNT_RX_AUTH_FAIL) + counter(e, PSP_CNT_RX_BAD) +
		 counter(e, PSP_CNT_RX_ERROR) + counter(e, PSP_CNT_RX_NO_SA) != before + flips;
	tap_ok(!wrong, "%u bit flips in the PSP part: each dropped and counted", flips);

	/* An SPI without Rx state: rx-no-sa. The kmod backend keeps none,
	 * as PSP hardware: the key it derives for the SPI is not the one the
	 * packet was sealed with, so rx-auth-fail. */
	memcpy(buf, f[0].data, f[0].len);
	buf[14 + 20 + 8 + 7] ^= 1;
	c = e->backend == PSP_BACKEND_KMOD ? PSP_CNT_RX_AUTH_FAIL : PSP_CNT_RX_NO_SA;
	before = counter(e, c);
	tap_ok(run_rx(e, buf, f[0].len, out, &len) == XDP_DROP && counter(e, c) == before + 1,
	       "unknown SPI: dropped, %s", c == PSP_CNT_RX_NO_SA ? "rx-no-sa" : "rx-auth-fail");

	/* A NIC's receive hint on a device not added for offload: a forgery
	 * as far as psp0 knows. Ignored and counted; the packet is opened as
	 * any other, and a forged ICV under a "decrypted" hint still fails. */
	{
		struct psp_rx_hint h = {
			.magic = PSP_HINT_MAGIC, .status = PSP_RXS_DECRYPTED,
			.version = 0, .spi = 0x9a345678, .dev_id = e->dev_id,
		};
		uint64_t ignored = counter(e, PSP_CNT_RX_HINT_IGNORED);

		memcpy(buf, f[0].data, f[0].len);
		buf[f[0].len - 1] ^= 1;
		before = counter(e, PSP_CNT_RX_AUTH_FAIL);
		tap_ok(run_rx_meta(e, &h, sizeof(h), buf, f[0].len, out, &len) == XDP_DROP &&
		       counter(e, PSP_CNT_RX_AUTH_FAIL) == before + 1 &&
		       counter(e, PSP_CNT_RX_HINT_IGNORED) == ignored + 1,
		       "a forged hint on a device not set up for offload: ignored, counted, "
		       "the forged ICV still rx-auth-fail");
		memcpy(buf, f[0].data, f[0].len);
		tap_ok(run_rx_meta(e, &h, sizeof(h), buf, f[0].len, out, &len) == XDP_PASS &&
		       counter(e, PSP_CNT_RX_HINT_IGNORED) == ignored + 2,
		       "an authentic packet with a stray hint: opened, the hint counted");
	}

	pspbpf_assoc_del(e->h, "psp0", &flow);
	frames_free(f, 1);
}

TEST(tc_fail_closed)
{
	struct dev_env *e = test_env();
	static uint8_t frame[2048], out[16384];
	struct pspbpf_tx_params tx = { .spi = 0x4242, .version = 0, .key_len = 16 };
	struct pspbpf_flow flow = { .family = AF_INET, .lport = 5555, .rport = 80,
				    .laddr = { 10, 0, 0, 1 }, .raddr = { 10, 0, 0, 2 } };
	/* 10.0.0.1:5555 -> 10.0.0.2:80, an ACK of l4_len bytes (header and zeros) */
	struct frame_spec ack = {
		.ip = { .family = 4, .proto = IPPROTO_TCP, .bare = 1 },
		.sport = 5555, .dport = 80, .tcp_flags = TH_ACK,
	};
	uint8_t key[32] = { 1 }, rx_key[32];
	uint64_t before, big;
	size_t len, out_len;

	if (!e)
		return;
	ack.ip.l4_len = 100;
	len = frame_build(frame, &ack);
	tap_ok(run_tx(e, frame, len, out, &out_len) == TC_ACT_OK && out_len == len &&
	       !memcmp(out, frame, len), "a flow without association and no mark: sent as is");

	pspbpf_dev_set_mark(e->h, "psp0", 0x10, 0xf0);
	before = counter(e, PSP_CNT_TX_NO_SA);
	{
		struct __sk_buff ctx = { .ifindex = (__u32)e->ifindex, .mark = 0x13 };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1);

		tap_ok(!bpf_prog_test_run_opts(e->tx_fd, &o) && o.retval == TC_ACT_SHOT &&
		       counter(e, PSP_CNT_TX_NO_SA) == before + 1,
		       "marked, no Tx association: dropped, tx-no-sa");
	}
	pspbpf_dev_set_mark(e->h, "psp0", 0, 0);

	tx.key = key;
	if (pspbpf_rx_assoc_spi(e->h, "psp0", &flow, 0, 0x4243, rx_key) ||
	    pspbpf_tx_assoc(e->h, "psp0", &flow, &tx)) {
		tap_ok(0, "assoc: %s", pspbpf_errmsg(e->h));
		return;
	}
	before = counter(e, PSP_CNT_TX_ERROR);
	big = counter(e, PSP_CNT_TX_TOO_BIG);
	ack.ip.l4_len = 1500 - 20 - 39;	/* 1 byte too many for PSP */
	len = frame_build(frame, &ack);
	tap_ok(run_tx(e, frame, len, out, &out_len) == TC_ACT_SHOT &&
	       counter(e, PSP_CNT_TX_ERROR) == before + 1 &&
	       counter(e, PSP_CNT_TX_TOO_BIG) == big + 1,
	       "too big once encapsulated: dropped, tx-error and tx-too-big, not sent in clear");
	ack.ip.l4_len = 1500 - 20 - 40;
	len = frame_build(frame, &ack);
	tap_ok(run_tx(e, frame, len, out, &out_len) == TC_ACT_OK && out_len == len + 40,
	       "exactly the MTU once encapsulated: sent");

	/* the key deleted while a packet of the flow was on its way */
	{
		struct psp_spi_key k = { .dev_id = e->dev_id, .spi = 0x4243 };
		int keys = bpf_obj_get(PSPBPF_PIN_MAPS "/psp_tx_keys");
		uint64_t no_key = counter(e, PSP_CNT_TX_NO_KEY);

		before = counter(e, PSP_CNT_TX_ERROR);
		tap_ok(keys >= 0 && !bpf_map_delete_elem(keys, &k) &&
		       run_tx(e, frame, len, out, &out_len) == TC_ACT_SHOT &&
		       counter(e, PSP_CNT_TX_ERROR) == before + 1 &&
		       counter(e, PSP_CNT_TX_NO_KEY) == no_key + 1,
		       "Tx key gone, association still there: dropped, tx-error and tx-no-key");
		if (keys >= 0)
			close(keys);
	}
	pspbpf_assoc_del(e->h, "psp0", &flow);
}
