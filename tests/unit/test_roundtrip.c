// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Round trips through the userspace reference over generated packets:
 * decrypt(encrypt(p)) == p for L4 lengths 0 to 9000, every version, every
 * crypt offset that fits, with and without VC, IPv4 (with options) and
 * IPv6 (with extension headers), transport and tunnel. Each case also
 * checks what the wire carries: the overhead, the header fields, and that
 * the encrypted part is not the plaintext (GCM) or is (GMAC).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "ip.h"
#include "pktgen.h"
#include "psp_ref.h"
#include "tap.h"

#define MAX_L4 9000

struct combo {
	int version, vc, family, tunnel;
};

static struct psp_rx_keys *keys;
static uint8_t dev_key[2][32];

static void setup_keys(void)
{
	if (keys)
		return;
	for (int i = 0; i < 32; i++) {
		dev_key[0][i] = (uint8_t)(i * 7 + 1);
		dev_key[1][i] = (uint8_t)(i * 13 + 5);
	}
	keys = psp_rx_keys_new();
	psp_rx_keys_set(keys, 0, dev_key[0]);
	psp_rx_keys_set(keys, 1, dev_key[1]);
}

/* Encrypts, inspects and decrypts one packet; returns 1 if all holds. */
static int round_trip(const struct combo *c, const struct pkt_spec *s, int crypt_off,
		      uint32_t spi, uint64_t iv)
{
	static uint8_t clear[MAX_L4 + 128], wire[MAX_L4 + 256], back[MAX_L4 + 256];
	struct psp_tx_params p = {
		.spi = spi, .version = (uint8_t)c->version, .crypt_off = (uint8_t)crypt_off,
		.tunnel = (uint8_t)c->tunnel, .has_vc = (uint8_t)c->vc,
		.vc = { 1, 2, 3, 4, 5, 6, 7, 8 },
	};
	static uint8_t region[MAX_L4 + 128];
	size_t l4_off, len, wire_len = 0, back_len = 0, psp_off, payload_len, enc_off;
	size_t vc_len = c->vc ? PSP_VC_LEN : 0, overhead = PSP_TRANSPORT_OVERHEAD + vc_len;
	size_t region_len;
	uint8_t key[32];
	struct psp_aead *aead;
	struct psp_rx_info info;
	enum psp_tx_skip skip;
	int ok = 1;

	len = pkt_build(clear, s, &l4_off);
	payload_len = c->tunnel ? len : len - l4_off;
	if (c->tunnel)
		overhead += c->family == 4 ? IPV4_MIN_HLEN : IPV6_HLEN;

	psp_derive_key(dev_key[spi >> 31], spi, (uint32_t)c->version, key);
	aead = psp_aead_new((uint32_t)c->version, key);
	skip = psp_encap(aead, &p, iv, clear, len, wire, &wire_len);
	psp_aead_free(aead);
	if ((size_t)crypt_off * 4 > vc_len + payload_len)
		return skip == PSP_TX_CRYPT_OFF;
	if (skip != PSP_TX_OK || wire_len != len + overhead)
		return 0;

	/* The header says what was asked, and past the crypt offset the
	 * region (VC + payload) is ciphertext unless the version is GMAC. */
	psp_off = (c->tunnel ? (c->family == 4 ? IPV4_MIN_HLEN : IPV6_HLEN) : l4_off) +
		  PSP_UDP_HLEN;
	ok &= get_be16(wire + psp_off - 6) == PSP_UDP_PORT;
	ok &= get_be32(wire + psp_off + 4) == spi && get_be64(wire + psp_off + 8) == iv;
	ok &= wire[psp_off + 1] == (c->vc ? 2 : 1) && wire[psp_off + 2] == crypt_off;
	region_len = vc_len + payload_len;
	memcpy(region, p.vc, vc_len);
	memcpy(region + vc_len, clear + len - payload_len, payload_len);
	enc_off = (size_t)crypt_off * 4;
	ok &= !memcmp(wire + psp_off + PSP_HDR_LEN, region, enc_off);
	if (region_len >= enc_off + 16) {
		int same = !memcmp(wire + psp_off + PSP_HDR_LEN + enc_off, region + enc_off, 16);

		ok &= psp_version_is_gmac((uint32_t)c->version) ? same : !same;
	}

	if (psp_decap(keys, wire, wire_len, back, &back_len, &info) != PSP_RX_OK)
		return 0;
	ok &= info.bytes == region_len && info.spi == spi;
	return ok && back_len == len && !memcmp(back, clear, len);
}

static const char *combo_name(const struct combo *c, char *buf, size_t n)
{
	snprintf(buf, n, "v%d %s %s%s", c->version, c->family == 4 ? "ipv4" : "ipv6",
		 c->tunnel ? "tunnel" : "transport", c->vc ? " vc" : "");
	return buf;
}

static void for_each_combo(void (*fn)(const struct combo *c))
{
	for (int tunnel = 0; tunnel < 2; tunnel++)
		for (int family = 4; family <= 6; family += 2)
			for (int version = 0; version <= 3; version++)
				for (int vc = 0; vc < 2; vc++)
					fn(&(struct combo){ version, vc, family, tunnel });
}

/* Every L4 length from 0 to 9000 for each combination; the crypt offset,
 * IPv4 options and IPv6 extension headers vary with the length. */
static void lengths(const struct combo *c)
{
	unsigned int failed = 0, first_bad = 0;
	char name[64];

	setup_keys();
	for (size_t l = 0; l <= MAX_L4; l++) {
		struct pkt_spec s = {
			.family = c->family, .l4_len = l, .proto = l % 3 ? 6 : 17,
			.opt_len = l % 5 == 1 ? (l % 11) * 4 : 0, .v6_ext = (int)(l % 3),
			.seed = (uint32_t)l * 2654435761u,
		};
		int off = (int)(l * 7 % 64);

		if ((size_t)off * 4 > l)	/* fits the L4 bytes, so either mode */
			off = (int)(l / 4);
		if (!round_trip(c, &s, off, (l & 1 ? PSP_SPI_PHASE : 0) | ((uint32_t)l + 1),
				(uint64_t)l << 20 | 1)) {
			if (!failed++)
				first_bad = (unsigned int)l;
		}
	}
	if (failed)
		tap_diag("first failure at L4 length %u", first_bad);
	tap_ok(!failed, "round trip %s: L4 lengths 0-%d (%u failed)",
	       combo_name(c, name, sizeof(name)), MAX_L4, failed);
}

/* Every crypt offset 0-63 at lengths where some or all of them fit; an
 * offset past the payload must be refused, not truncated. */
static void offsets(const struct combo *c)
{
	static const size_t lens[] = { 0, 3, 100, 252, 1400 };
	unsigned int failed = 0, cases = 0;
	char name[64];

	setup_keys();
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (int off = 0; off <= 63; off++) {
			struct pkt_spec s = { .family = c->family, .l4_len = lens[i],
					      .proto = 6, .seed = (uint32_t)(off + 1) };

			cases++;
			failed += !round_trip(c, &s, off, 0x12345, (uint64_t)off);
		}
	tap_ok(!failed, "crypt offsets %s: 0-63 at 5 lengths, %u cases (%u failed)",
	       combo_name(c, name, sizeof(name)), cases, failed);
}

TEST(roundtrip_lengths)
{
	for_each_combo(lengths);
}

TEST(roundtrip_offsets)
{
	for_each_combo(offsets);
}
