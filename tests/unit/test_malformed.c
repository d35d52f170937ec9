// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Malformed and hostile input to the receive path: truncation at every
 * byte, every header length and crypt offset value, IP and UDP lengths
 * that disagree with the frame, IPv6 extension header chains, every bit of
 * the authenticated part flipped, wrong keys, and random mutations. The
 * receive path must never crash (this suite also runs under ASan and
 * UBSan), never accept what was changed, and charge the right counter.
 */
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "ip.h"
#include "pktgen.h"
#include "psp_ref.h"
#include "tap.h"

#define BUF 2048

struct sample {
	const char *name;
	struct pkt_spec spec;
	struct psp_tx_params tx;
	uint8_t clear[BUF], wire[BUF];
	size_t clear_len, wire_len, l4_off, udp_off;
};

static struct sample samples[] = {
	{ .name = "ipv4 transport v0 co1",
	  .spec = { .family = 4, .l4_len = 100, .proto = 6, .opt_len = 0, .v6_ext = 0, .seed = 1 },
	  .tx = { .spi = 0x1001, .version = 0, .crypt_off = 1, .tunnel = 0, .has_vc = 0, .vc = { 0 } } },
	{ .name = "ipv4+options transport v1 vc",
	  .spec = { .family = 4, .l4_len = 300, .proto = 17, .opt_len = 12, .v6_ext = 0, .seed = 2 },
	  .tx = { .spi = 0x80001002, .version = 1, .crypt_off = 0, .tunnel = 0, .has_vc = 1, .vc = { 9 } } },
	{ .name = "ipv6+ext transport v1 vc co3",
	  .spec = { .family = 6, .l4_len = 200, .proto = 6, .opt_len = 0, .v6_ext = 2, .seed = 3 },
	  .tx = { .spi = 0x1003, .version = 1, .crypt_off = 3, .tunnel = 0, .has_vc = 1, .vc = { 1 } } },
	{ .name = "ipv4 tunnel v2",
	  .spec = { .family = 4, .l4_len = 64, .proto = 6, .opt_len = 8, .v6_ext = 0, .seed = 4 },
	  .tx = { .spi = 0x80001004, .version = 2, .crypt_off = 6, .tunnel = 1, .has_vc = 0, .vc = { 0 } } },
	{ .name = "ipv6 tunnel v3 vc",
	  .spec = { .family = 6, .l4_len = 80, .proto = 17, .opt_len = 0, .v6_ext = 1, .seed = 5 },
	  .tx = { .spi = 0x1005, .version = 3, .crypt_off = 11, .tunnel = 1, .has_vc = 1, .vc = { 7 } } },
	{ .name = "ipv4 transport empty ciphertext",
	  .spec = { .family = 4, .l4_len = 8, .proto = 17, .opt_len = 0, .v6_ext = 0, .seed = 6 },
	  .tx = { .spi = 0x1006, .version = 0, .crypt_off = 2, .tunnel = 0, .has_vc = 0, .vc = { 0 } } },
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static uint8_t dev_key[2][32];
static struct psp_rx_keys *keys;

static void setup(void)
{
	if (keys)
		return;
	memset(dev_key[0], 0x11, 32);
	memset(dev_key[1], 0x22, 32);
	keys = psp_rx_keys_new();
	psp_rx_keys_set(keys, 0, dev_key[0]);
	psp_rx_keys_set(keys, 1, dev_key[1]);
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct sample *s = &samples[i];
		uint8_t key[32];
		struct psp_aead *aead;

		s->clear_len = pkt_build(s->clear, &s->spec, &s->l4_off);
		psp_derive_key(dev_key[s->tx.spi >> 31], s->tx.spi, s->tx.version, key);
		aead = psp_aead_new(s->tx.version, key);
		if (psp_encap(aead, &s->tx, 42, s->clear, s->clear_len, s->wire, &s->wire_len))
			tap_diag("%s: could not build the sample", s->name);
		psp_aead_free(aead);
		s->udp_off = s->tx.tunnel ? (s->spec.family == 4 ? IPV4_MIN_HLEN : IPV6_HLEN)
					  : s->l4_off;
	}
}

static enum psp_rx_result rx(const uint8_t *pkt, size_t len, struct psp_rx_info *info)
{
	static uint8_t out[BUF];
	size_t out_len;

	return psp_decap(keys, pkt, len, out, &out_len, info);
}

/* Receives a copy of the sample with one byte set to val. */
static enum psp_rx_result rx_with(const struct sample *s, size_t at, uint8_t val,
				  struct psp_rx_info *info)
{
	uint8_t pkt[BUF];

	memcpy(pkt, s->wire, s->wire_len);
	pkt[at] = val;
	return rx(pkt, s->wire_len, info);
}

/*
 * Receives pkt: true unless it is accepted with a payload other than the
 * sample's (the L4 segment, or the whole inner packet in tunnel mode).
 */
static int rx_intact(const struct sample *s, const uint8_t *pkt, size_t len)
{
	size_t payload = s->clear_len - (s->tx.tunnel ? 0 : s->l4_off), out_len = 0;
	struct psp_rx_info info;
	uint8_t out[BUF];

	if (psp_decap(keys, pkt, len, out, &out_len, &info) != PSP_RX_OK)
		return 1;
	return out_len >= payload &&
	       !memcmp(out + out_len - payload, s->clear + s->clear_len - payload, payload);
}

TEST(malformed_samples_accepted_intact)
{
	setup();
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct sample *s = &samples[i];
		struct psp_rx_info info;

		tap_ok(s->wire_len && rx(s->wire, s->wire_len, &info) == PSP_RX_OK,
		       "%s: the unmodified sample is accepted", s->name);
	}
}

TEST(malformed_truncation)
{
	setup();
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct sample *s = &samples[i];
		unsigned int accepted = 0;

		for (size_t len = 0; len < s->wire_len; len++) {
			struct psp_rx_info info;

			accepted += rx(s->wire, len, &info) == PSP_RX_OK;
		}
		tap_ok(!accepted, "%s: truncated at each of %zu bytes, %u accepted",
		       s->name, s->wire_len, accepted);
	}
}

/* Every value of hdrlen and crypt_offset: only the original is accepted;
 * past the end is rx-error, reserved bits are rx-bad. */
TEST(malformed_header_fields)
{
	setup();
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct sample *s = &samples[i];
		size_t psp = s->udp_off + PSP_UDP_HLEN;
		size_t region = s->wire_len - psp - PSP_HDR_LEN - PSP_ICV_LEN;
		unsigned int wrong = 0;

		for (unsigned int v = 0; v < 256; v++) {
			struct psp_rx_info info;
			enum psp_rx_result r;

			r = rx_with(s, psp + 1, (uint8_t)v, &info);
			if (v == s->wire[psp + 1])
				wrong += r != PSP_RX_OK;
			else if (v == 0 || (v - 1) * 8 > region)
				wrong += r != PSP_RX_DROP || info.drop != PSP_CNT_RX_ERROR;
			else
				wrong += r != PSP_RX_DROP;

			r = rx_with(s, psp + 2, (uint8_t)v, &info);
			if (v == s->wire[psp + 2])
				wrong += r != PSP_RX_OK;
			else if (v & PSP_CRYPT_OFF_RSVD)
				wrong += r != PSP_RX_DROP || info.drop != PSP_CNT_RX_BAD;
			else if (v * 4 > region)
				wrong += r != PSP_RX_DROP || info.drop != PSP_CNT_RX_ERROR;
			else
				wrong += r != PSP_RX_DROP;
		}
		tap_ok(!wrong, "%s: 256 header lengths and 256 crypt offsets, %u wrong",
		       s->name, wrong);
	}
}

/* Versions 4-15, SPIs with lower bits 0 and the always-one bit: rx-bad. */
TEST(malformed_rx_bad)
{
	const struct sample *s;
	struct psp_rx_info info;
	uint8_t pkt[BUF];
	unsigned int wrong = 0;
	size_t psp;

	setup();
	s = &samples[0];
	psp = s->udp_off + PSP_UDP_HLEN;
	for (unsigned int v = 4; v < 16; v++)
		wrong += rx_with(s, psp + 3, (uint8_t)(v << 2 | 1), &info) != PSP_RX_DROP ||
			 info.drop != PSP_CNT_RX_BAD;
	wrong += rx_with(s, psp + 3, s->wire[psp + 3] & ~PSPHDR_VERFL_ONE, &info) != PSP_RX_DROP ||
		 info.drop != PSP_CNT_RX_BAD;
	for (int phase = 0; phase < 2; phase++) {
		memcpy(pkt, s->wire, s->wire_len);
		put_be32(pkt + psp + 4, phase ? PSP_SPI_PHASE : 0);
		wrong += rx(pkt, s->wire_len, &info) != PSP_RX_DROP || info.drop != PSP_CNT_RX_BAD;
	}
	tap_ok(!wrong, "versions 4-15, SPI 0 and 0x80000000, bit 0 clear: rx-bad (%u wrong)", wrong);
}

/* IP and UDP length fields that disagree with the frame. */
TEST(malformed_lengths)
{
	setup();
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct sample *s = &samples[i];
		size_t ip_len_at = s->spec.family == 4 ? 2 : 4;
		uint16_t ip_len = get_be16(s->wire + ip_len_at);
		uint16_t udp_len = get_be16(s->wire + s->udp_off + 4);
		unsigned int wrong = 0, cases = 0;

		for (int d = -64; d <= 64; d++) {
			struct psp_rx_info info;
			uint8_t pkt[BUF];
			enum psp_rx_result r;

			if (!d)
				continue;
			memcpy(pkt, s->wire, s->wire_len);
			put_be16(pkt + ip_len_at, (uint16_t)(ip_len + d));
			if (s->spec.family == 4)
				ipv4_set_csum(pkt);
			r = rx(pkt, s->wire_len, &info);
			/* Longer than the frame, or shorter so UDP disagrees. */
			wrong += r == PSP_RX_OK || (d > 0 && (r != PSP_RX_DROP ||
							       info.drop != PSP_CNT_RX_ERROR));

			memcpy(pkt, s->wire, s->wire_len);
			put_be16(pkt + s->udp_off + 4, (uint16_t)(udp_len + d));
			r = rx(pkt, s->wire_len, &info);
			wrong += r != PSP_RX_DROP || info.drop != PSP_CNT_RX_ERROR;
			cases += 2;
		}
		tap_ok(!wrong, "%s: %u IP/UDP length changes, %u wrong", s->name, cases, wrong);
	}
}

/*
 * IPv6 extension headers in front of PSP: lengths past the end, a
 * fragment header, a chain too long to follow. Extension headers are not
 * authenticated, so a change that still leads to the same UDP header may
 * be accepted; what comes out must then be the original payload.
 */
TEST(malformed_ipv6_extension_headers)
{
	/* the length bytes of the three headers, at 40, 48 and 72 */
	static const size_t len_at[] = { IPV6_HLEN + 1, IPV6_HLEN + 9, IPV6_HLEN + 33 };
	const struct sample *s = &samples[2];	/* hop-by-hop, routing, dstopts */
	unsigned int wrong = 0;
	struct psp_rx_info info;
	uint8_t pkt[BUF];

	setup();
	for (unsigned int v = 0; v < 256; v++)
		for (size_t i = 0; i < 3; i++) {
			memcpy(pkt, s->wire, s->wire_len);
			pkt[len_at[i]] = (uint8_t)v;
			wrong += !rx_intact(s, pkt, s->wire_len);
		}
	wrong += rx_with(s, IPV6_HLEN, IPPROTO_FRAGMENT, &info) != PSP_RX_PASS;
	/* nine hop-by-hop headers of 8 bytes in a row */
	memcpy(pkt, s->wire, IPV6_HLEN);
	pkt[6] = IPPROTO_HOPOPTS;
	for (int i = 0; i < 9; i++)
		memcpy(pkt + IPV6_HLEN + 8 * i, (uint8_t[]){ 0, 0, 1, 4, 0, 0, 0, 0 }, 8);
	memcpy(pkt + IPV6_HLEN + 72, s->wire + s->udp_off, s->wire_len - s->udp_off);
	put_be16(pkt + 4, (uint16_t)(72 + s->wire_len - s->udp_off));
	wrong += rx(pkt, IPV6_HLEN + 72 + s->wire_len - s->udp_off, &info) != PSP_RX_PASS;
	tap_ok(!wrong, "IPv6 extension header lengths, fragment header, long chain: %u wrong",
	       wrong);
}

/* Every bit from the PSP header to the ICV is authenticated. */
TEST(malformed_bit_flips)
{
	setup();
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct sample *s = &samples[i];
		unsigned int wrong = 0, bits = 0;

		for (size_t at = s->udp_off + PSP_UDP_HLEN; at < s->wire_len; at++)
			for (int b = 0; b < 8; b++) {
				struct psp_rx_info info;

				bits++;
				wrong += rx_with(s, at, s->wire[at] ^ (uint8_t)(1 << b), &info) !=
					 PSP_RX_DROP;
			}
		tap_ok(!wrong, "%s: %u bits flipped one at a time, %u not dropped",
		       s->name, bits, wrong);
	}
}

TEST(malformed_wrong_keys)
{
	struct psp_rx_keys *other = psp_rx_keys_new(), *half = psp_rx_keys_new();
	uint8_t k[32], out[BUF];
	unsigned int wrong = 0;

	setup();
	memset(k, 0x33, sizeof(k));
	psp_rx_keys_set(other, 0, k);
	psp_rx_keys_set(other, 1, k);
	psp_rx_keys_set(half, 0, dev_key[0]);
	for (size_t i = 0; i < N_SAMPLES; i++) {
		struct sample *s = &samples[i];
		struct psp_rx_info info;
		size_t len;

		wrong += psp_decap(other, s->wire, s->wire_len, out, &len, &info) != PSP_RX_DROP ||
			 info.drop != PSP_CNT_RX_AUTH_FAIL;
		if (s->tx.spi & PSP_SPI_PHASE)
			wrong += psp_decap(half, s->wire, s->wire_len, out, &len, &info) !=
				 PSP_RX_DROP || info.drop != PSP_CNT_RX_BAD;
	}
	psp_rx_keys_free(other);
	psp_rx_keys_free(half);
	tap_ok(!wrong, "another device's keys: rx-auth-fail; no key for the phase: rx-bad (%u wrong)",
	       wrong);
}

/* An authentic tunnel packet whose inner packet is not IP is dropped. */
TEST(malformed_authentic_garbage_inner)
{
	struct sample *s = &samples[0];
	struct psp_aead *aead;
	struct psp_rx_info info;
	uint8_t key[32], pkt[BUF];
	size_t psp, region;

	setup();
	psp = s->udp_off + PSP_UDP_HLEN;
	/* Re-seal the sample as GMAC with next header "IPv4": the region
	 * (a TCP segment) is then authentic but no IPv4 packet. */
	memcpy(pkt, s->wire, s->l4_off + PSP_ENCAP_HLEN);
	memcpy(pkt + s->l4_off + PSP_ENCAP_HLEN, s->clear + s->l4_off, s->clear_len - s->l4_off);
	pkt[psp] = IPPROTO_IPIP;
	pkt[psp + 3] = psphdr_verfl(PSP_VERSION_GMAC_128, 0);
	region = s->clear_len - s->l4_off;
	psp_derive_key(dev_key[0], s->tx.spi, PSP_VERSION_GMAC_128, key);
	aead = psp_aead_new(PSP_VERSION_GMAC_128, key);
	psp_aead_seal(aead, pkt + psp, region, 0, pkt + psp + PSP_HDR_LEN + region);
	psp_aead_free(aead);
	pkt[s->l4_off + PSP_ENCAP_HLEN] ^= 0x40;
	tap_ok(rx(pkt, s->wire_len, &info) == PSP_RX_DROP && info.drop == PSP_CNT_RX_AUTH_FAIL,
	       "changed inner packet fails authentication");
	pkt[s->l4_off + PSP_ENCAP_HLEN] ^= 0x40;
	/* its first byte, the high byte of a port, says IP version 0 */
	tap_ok(rx(pkt, s->wire_len, &info) == PSP_RX_DROP && info.drop == PSP_CNT_RX_ERROR,
	       "authentic tunnel packet with a non-IP inner packet: rx-error");
}

/*
 * Random damage: a few bytes changed, the length cut or grown. Whatever
 * is accepted must carry the original payload: only the unauthenticated
 * outer header bytes may differ.
 */
TEST(malformed_random_mutations)
{
	uint32_t state = 0x5eed;
	unsigned int runs = 200000, accepted = 0, forged = 0;

	setup();
	for (unsigned int n = 0; n < runs; n++) {
		struct sample *s = &samples[rnd(&state) % N_SAMPLES];
		size_t len = s->wire_len;
		int changes = 1 + (int)(rnd(&state) % 8);
		struct psp_rx_info info;
		uint8_t pkt[BUF];

		memcpy(pkt, s->wire, s->wire_len);
		memset(pkt + s->wire_len, (int)rnd(&state), BUF - s->wire_len);
		for (int c = 0; c < changes; c++)
			pkt[rnd(&state) % (len + 8)] = (uint8_t)rnd(&state);
		if (rnd(&state) % 4 == 0)
			len = rnd(&state) % (s->wire_len + 64);
		accepted += rx(pkt, len, &info) == PSP_RX_OK;
		forged += !rx_intact(s, pkt, len);
	}
	tap_ok(!forged, "%u random mutations: %u accepted (unauthenticated bytes only), %u forged",
	       runs, accepted, forged);
}
