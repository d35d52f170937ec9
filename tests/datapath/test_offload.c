// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The offload paths through BPF_PROG_TEST_RUN, on psp1 added with
 * --backend offload (include/psp/offload.h), whole packets compared:
 *
 *  - psp_tx gives the reference's encapsulation with the payload still in
 *    clear, the key hint in the IV and no ICV; given its IV and sealed as
 *    a NIC seals it (the reference over it, the ICV appended), it is the
 *    reference's packet byte for byte;
 *  - psp_rx, given what a NIC hands up (the payload opened, a hint of
 *    DECRYPTED), gives the original frame back; without a hint, with
 *    another status, or a hint of another SPI, drops it under the counter
 *    the ABI says.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <psp/offload.h>

#include "bytes.h"
#include "env.h"
#include "pktgen.h"
#include "psp_ref.h"
#include "tap.h"

#define HDR_OFF	(14 + 20 + 8)	/* the PSP header in an IPv4 frame */

static struct dev_env off;	/* psp1 */

static size_t tcp_frame(uint8_t *b, size_t l4_len)
{
	return frame_build(b, &(struct frame_spec){
		.ip = { .family = 4, .l4_len = l4_len, .proto = IPPROTO_TCP, .seed = 5 },
		.sport = 41000, .dport = 7000, .tcp_flags = TH_ACK });
}

static void flow_of(const uint8_t *frame, struct pspbpf_flow *f, int reverse)
{
	const uint8_t *ip = frame + 14;

	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	memcpy(reverse ? f->raddr : f->laddr, ip + 12, 4);
	memcpy(reverse ? f->laddr : f->raddr, ip + 16, 4);
	f->lport = reverse ? 7000 : 41000;
	f->rport = reverse ? 41000 : 7000;
}

static int offload_dev(struct dev_env *e)
{
	struct pspbpf_dev_opts o = { .versions_ena = PSP_VERSIONS_ALL,
				     .backend = PSP_BACKEND_OFFLOAD };

	static int refused;

	if (off.h)
		return 0;
	if (e->backend == PSP_BACKEND_KMOD) {
		/* offload devices run the bpf build, with the bpf backend's
		 * state: not beside kmod devices (nor on Linux 6.1) */
		if (!refused++)
			tap_ok(pspbpf_dev_add(e->h, "psp1", &o, NULL) == -EBUSY,
			       "psp1 with --backend offload beside a kmod device: EBUSY");
		return -1;
	}
	int err = pspbpf_dev_add(e->h, "psp1", &o, NULL) || dev_env_dev(e, "psp1", &off);

	if (!tap_ok(!err, "psp1 added with --backend offload%s%s", err ? ": " : "",
		    err ? pspbpf_errmsg(e->h) : "")) {
		off.h = NULL;
		return -1;
	}
	return 0;
}

TEST(offload_tx_hint)
{
	static uint8_t frame[2048], out[4096], want[4096];
	struct dev_env *e = test_env();
	uint8_t key[16] = { 7, 6, 5 }, rxkey[32];
	struct pspbpf_tx_params tx = { .spi = 0x4711, .version = 0, .key = key, .key_len = 16 };
	struct psp_tx_params ref = { .spi = 0x4711, .version = 0 };
	struct pspbpf_flow flow;
	struct psp_aead *aead = psp_aead_new(0, key);
	unsigned int wrong = 0, n = 0;

	if (!e || offload_dev(e) || !aead)
		return;
	tcp_frame(frame, 100);
	flow_of(frame, &flow, 0);
	if (!tap_ok(!pspbpf_rx_assoc_spi(e->h, "psp1", &flow, 0, 0x123, rxkey) &&
		    !pspbpf_tx_assoc(e->h, "psp1", &flow, &tx), "psp1 (offload): associations"))
		return;
	for (size_t l4 = 20; l4 <= 1400; l4 += 127, n++) {
		size_t len = tcp_frame(frame, l4), out_len = 0, want_len = 0;
		struct psp_tx_hint hint = { .magic = PSP_TX_HINT_MAGIC,
					    .dev_id = (uint16_t)off.dev_id, .key_handle = 0x123 };
		uint8_t *iv = out + HDR_OFF + 8;

		if (run_tx(&off, frame, len, out, &out_len) != TC_ACT_OK ||
		    out_len != len + PSP_ENCAP_HLEN || memcmp(iv, &hint, sizeof(hint)) ||
		    memcmp(out + HDR_OFF + PSP_HDR_LEN, frame + 34, l4)) {
			wrong++;
			continue;
		}
		/* the NIC's part: its IV over the hint, seal in place, the ICV
		 * appended; the IP and UDP lengths counted it already */
		put_be64(iv, n + 1);
		psp_aead_seal(aead, out + HDR_OFF, l4, 0, out + out_len);
		out_len += PSP_ICV_LEN;
		psp_encap_frame(aead, &ref, n + 1, frame, len, want, &want_len);
		wrong += !bytes_equal(want, want_len, out, out_len);
	}
	tap_ok(!wrong, "psp_tx on an offload device: %u packets in clear with the key hint, "
	       "sealed as a NIC would: the reference's packets (%u wrong)", n, wrong);
	pspbpf_assoc_del(e->h, "psp1", &flow);
	psp_aead_free(aead);
}

TEST(offload_rx_hint)
{
	static uint8_t frame[2048], wire[4096], nic[4096], out[4096];
	struct dev_env *e = test_env();
	struct psp_tx_params ref = { .spi = 0x80000456u, .version = 1 };
	struct psp_rx_hint hint = { .magic = PSP_HINT_MAGIC, .status = PSP_RXS_DECRYPTED,
				    .version = 1, .spi = 0x80000456u };
	size_t len, wire_len = 0, out_len = 0, l4 = 300;
	struct pspbpf_flow flow;
	struct psp_aead *aead;
	uint8_t key[32];
	uint64_t before;

	if (!e || offload_dev(e))
		return;
	len = tcp_frame(frame, l4);
	flow_of(frame, &flow, 1);	/* psp1 receives the frame's flow */
	if (!tap_ok(!pspbpf_rx_assoc_spi(e->h, "psp1", &flow, 1, ref.spi, key),
		    "psp1 (offload): Rx association"))
		return;
	hint.dev_id = off.dev_id;
	aead = psp_aead_new(1, key);
	psp_encap_frame(aead, &ref, 1, frame, len, wire, &wire_len);
	/* what the NIC hands up: the same packet, its payload opened */
	memcpy(nic, wire, wire_len);
	psp_aead_open(aead, wire + HDR_OFF, l4, 0, wire + HDR_OFF + PSP_HDR_LEN + l4,
		      nic + HDR_OFF + PSP_HDR_LEN);
	psp_aead_free(aead);

	before = counter(&off, PSP_CNT_RX_PACKETS);
	tap_ok(run_rx_meta(&off, &hint, sizeof(hint), nic, wire_len, out, &out_len) == XDP_PASS &&
	       bytes_equal(frame, len, out, out_len) &&
	       counter(&off, PSP_CNT_RX_PACKETS) == before + 1,
	       "psp_rx on an offload device, a DECRYPTED hint: the original frame");

	before = counter(&off, PSP_CNT_RX_BAD);
	tap_ok(run_rx(&off, nic, wire_len, out, &out_len) == XDP_DROP &&
	       counter(&off, PSP_CNT_RX_BAD) == before + 1,
	       "no hint (the NIC had no key): dropped, rx-bad");
	hint.status = PSP_RXS_AUTH_FAIL;
	before = counter(&off, PSP_CNT_RX_AUTH_FAIL);
	tap_ok(run_rx_meta(&off, &hint, sizeof(hint), wire, wire_len, out, &out_len) == XDP_DROP &&
	       counter(&off, PSP_CNT_RX_AUTH_FAIL) == before + 1,
	       "a hint of AUTH_FAIL: dropped, rx-auth-fail");
	hint.status = PSP_RXS_DECRYPTED;
	hint.spi ^= 1;
	before = counter(&off, PSP_CNT_RX_ERROR);
	tap_ok(run_rx_meta(&off, &hint, sizeof(hint), nic, wire_len, out, &out_len) == XDP_DROP &&
	       counter(&off, PSP_CNT_RX_ERROR) == before + 1,
	       "a hint of another SPI than the packet's: dropped, rx-error");
	pspbpf_assoc_del(e->h, "psp1", &flow);
}
