// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Every cell of the receive policy table of Linux net/psp (psp.rst; the
 * table is in include/psp/maps.h) through the real XDP program: a TCP flow
 * taken through Normal, Rx PSP, Tx PSP and PSP Full, and in each state a
 * packet of every kind.
 */
#include <arpa/inet.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "env.h"
#include "pktgen.h"
#include "psp_ref.h"
#include "tap.h"

enum kind { DATA, ACK, RST, FIN_AT_LATCH, FIN_ELSEWHERE, PSP_OWN, PSP_OTHER, KINDS };
static const char *const kind_name[KINDS] = {
	"plain data", "plain ACK", "plain RST", "plain FIN at the latch",
	"plain FIN elsewhere", "PSP of its SPI", "PSP of another SPI",
};

#define LATCH 5000	/* the ACK of the first encrypted packet psp0 sends */

/* 10.0.0.2:80 -> 10.0.0.1:40000 (psp0 is 10.0.0.1), or the other way. */
static size_t tcp_frame(uint8_t *b, int inbound, uint8_t flags, uint32_t seq, uint32_t ack,
			size_t payload)
{
	return frame_build(b, &(struct frame_spec){
		.ip = { .family = 4, .l4_len = 20 + payload, .proto = IPPROTO_TCP, .bare = 1 },
		.reverse = inbound, .sport = inbound ? 80 : 40000, .dport = inbound ? 40000 : 80,
		.seq = seq, .ack = ack, .tcp_flags = flags });
}

struct keys {
	uint32_t own_spi, other_spi;
	uint8_t own[32], other[32];
};

/* The packet of a kind; PSP ones sealed with the reference. */
static size_t packet(enum kind k, const struct keys *ks, uint8_t *out)
{
	static const uint8_t flags[] = { 0x18, 0x10, 0x04, 0x11, 0x11, 0x18, 0x18 };
	uint8_t clear[256];
	size_t len = tcp_frame(clear, 1, flags[k], k == FIN_ELSEWHERE ? 1234 : LATCH, 1,
			       k == DATA || k >= PSP_OWN ? 30 : 0), out_len = 0;
	struct psp_tx_params p = { .spi = k == PSP_OWN ? ks->own_spi : ks->other_spi };
	struct psp_aead *a;

	if (k < PSP_OWN) {
		memcpy(out, clear, len);
		return len;
	}
	a = psp_aead_new(0, k == PSP_OWN ? ks->own : ks->other);
	psp_encap_frame(a, &p, 1, clear, len, out, &out_len);
	psp_aead_free(a);
	return out_len;
}

/* Expected verdicts, state by state (Normal, Rx PSP, Tx PSP, PSP Full). */
static const int expect[4][KINDS] = {
	/* data     ACK       RST       FIN@latch FIN else  PSP own   PSP other */
	{ XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_DROP, XDP_DROP },
	{ XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_DROP },
	{ XDP_DROP, XDP_PASS, XDP_PASS, XDP_PASS, XDP_DROP, XDP_PASS, XDP_DROP },
	{ XDP_DROP, XDP_DROP, XDP_DROP, XDP_DROP, XDP_DROP, XDP_PASS, XDP_DROP },
};
static const char *const state_name[4] = { "Normal", "Rx PSP", "Tx PSP", "PSP Full" };

TEST(policy_table)
{
	struct dev_env *e = test_env();
	struct pspbpf_flow flow = { .family = AF_INET, .laddr = { 10, 0, 0, 1 },
				    .raddr = { 10, 0, 0, 2 }, .lport = 40000, .rport = 80 };
	struct pspbpf_flow other = flow;
	struct pspbpf_tx_params tx = { .spi = 0x9999, .key_len = 16 };
	static uint8_t pkt[2048], out[16384];
	uint8_t tx_key[16] = { 7 };
	struct keys ks = { .own_spi = 0x3001, .other_spi = 0x3002 };
	size_t len, out_len;

	if (!e)
		return;
	other.lport = 40001;
	if (pspbpf_rx_assoc_spi(e->h, "psp0", &other, 0, ks.other_spi, ks.other)) {
		tap_ok(0, "the other flow's association: %s", pspbpf_errmsg(e->h));
		return;
	}
	for (int state = 0; state < 4; state++) {
		/* take the flow to the state */
		if (state == 1 &&
		    pspbpf_rx_assoc_spi(e->h, "psp0", &flow, 0, ks.own_spi, ks.own))
			tap_diag("rx-assoc: %s", pspbpf_errmsg(e->h));
		if (state == 2) {
			tx.key = tx_key;
			if (pspbpf_tx_assoc(e->h, "psp0", &flow, &tx))
				tap_diag("tx-assoc: %s", pspbpf_errmsg(e->h));
			/* psp0 sends its first PSP packet: the latch */
			len = tcp_frame(pkt, 0, 0x10, 1, LATCH, 0);
			run_tx(e, pkt, len, out, &out_len);
		}
		if (state == 3) {
			len = packet(PSP_OWN, &ks, pkt);
			run_rx(e, pkt, len, out, &out_len);
		}
		for (int k = 0; k < KINDS; k++) {
			int want = expect[state][k], got;

			len = packet(k, &ks, pkt);
			got = run_rx(e, pkt, len, out, &out_len);
			tap_ok(got == want, "%s, %s: %s", state_name[state], kind_name[k],
			       want == XDP_PASS ? "accepted" : "dropped");
		}
		/* a good PSP packet in Rx PSP or Tx PSP makes it PSP Full:
		 * start the next state afresh */
		if (state == 1 || state == 2) {
			struct pspbpf_tx_params keep = tx;

			pspbpf_assoc_del(e->h, "psp0", &flow);
			pspbpf_rx_assoc_spi(e->h, "psp0", &flow, 0, ks.own_spi, ks.own);
			if (state == 2)
				pspbpf_tx_assoc(e->h, "psp0", &flow, &keep);
		}
	}
	pspbpf_assoc_del(e->h, "psp0", &flow);
	pspbpf_assoc_del(e->h, "psp0", &other);
}
