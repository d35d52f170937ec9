// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark of the userspace PSP reference against OpenSSL's own
 * AES-128-GCM on the same packet sizes, in the same run. One JSON line
 * per figure:
 *
 *   openssl-gcm-seal / openssl-gcm-open  EVP AES-128-GCM, context reused,
 *                                        new IV per packet, 16-byte AAD
 *   ref-encrypt / ref-decrypt            psp_encap / psp_decap of an IPv4
 *                                        TCP packet, transport mode, v0
 *
 *   ref-derive-key                       what a key-cache miss costs: KDF
 *                                        plus AES-GCM key setup, per SPI
 *
 * ratio = ns per packet / OpenSSL's ns per packet at the same size.
 * Each figure is the best of several rounds: this is a shared VM.
 */
#include <stdio.h>
#include <string.h>

#include "ossl_gcm.h"
#include "pktgen.h"
#include "psp_ref.h"

static const size_t sizes[] = { 64, 1500, 9000 };

struct ref_arg {
	struct psp_aead *aead;
	struct psp_rx_keys *keys;
	struct psp_tx_params tx;
	uint8_t clear[10000], wire[10100], out[10100];
	size_t clear_len, wire_len;
};

static void ref_encrypt(void *a, uint64_t i)
{
	struct ref_arg *r = a;
	size_t len;

	psp_encap(r->aead, &r->tx, i + 1, r->clear, r->clear_len, r->wire, &len);
}

static void ref_decrypt(void *a, uint64_t i)
{
	struct ref_arg *r = a;
	struct psp_rx_info info;
	size_t len;

	(void)i;
	if (psp_decap(r->keys, r->wire, r->wire_len, r->out, &len, &info) != PSP_RX_OK)
		fprintf(stderr, "bench: decap failed\n");
}

/* A receiver that meets a new SPI: derive its key and set up the cipher. */
static void ref_derive(void *a, uint64_t i)
{
	struct ref_arg *r = a;
	uint8_t dev_key[32] = { 1 }, key[16];

	psp_derive_key(dev_key, (uint32_t)i | 1, PSP_VERSION_GCM_128, key);
	psp_aead_free(psp_aead_new(PSP_VERSION_GCM_128, key));
	(void)r;
}

static void line(const char *bench, size_t size, double ns, double base_ns)
{
	if (!size) {
		printf("{\"bench\":\"%s\",\"ns_per_op\":%.1f,\"ops\":%.0f}\n", bench, ns,
		       1e9 / ns);
		return;
	}
	printf("{\"bench\":\"%s\",\"size\":%zu,\"ns_per_pkt\":%.1f,\"pps\":%.0f,"
	       "\"gbps\":%.3f", bench, size, ns, 1e9 / ns, (double)size * 8 / ns);
	if (base_ns > 0)
		printf(",\"baseline\":\"openssl-aes-128-gcm\",\"baseline_ns_per_pkt\":%.1f,"
		       "\"ratio\":%.2f", base_ns, ns / base_ns);
	printf("}\n");
	fflush(stdout);
}

int main(void)
{
	static struct gcm_arg g;
	static struct ref_arg r;
	uint8_t dev_key[32], key[16];

	memset(dev_key, 0x5a, sizeof(dev_key));
	if (gcm_arg_init(&g, 0))
		return 1;
	r.tx = (struct psp_tx_params){ .spi = 0x1234, .version = PSP_VERSION_GCM_128 };
	psp_derive_key(dev_key, r.tx.spi, r.tx.version, key);
	r.aead = psp_aead_new(r.tx.version, key);
	r.keys = psp_rx_keys_new();
	psp_rx_keys_set(r.keys, 0, dev_key);

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pkt_spec spec = { .family = 4, .l4_len = sizes[s] - 20, .proto = 6 };
		double seal, open, enc, dec;
		size_t l4_off;

		g.len = sizes[s];
		seal = measure(gcm_seal, &g);
		gcm_seal(&g, 0);
		open = measure(gcm_open, &g);

		r.clear_len = pkt_build(r.clear, &spec, &l4_off);
		enc = measure(ref_encrypt, &r);
		psp_encap(r.aead, &r.tx, 1, r.clear, r.clear_len, r.wire, &r.wire_len);
		dec = measure(ref_decrypt, &r);

		line("openssl-gcm-seal", sizes[s], seal, 0);
		line("openssl-gcm-open", sizes[s], open, 0);
		line("ref-encrypt", sizes[s], enc, seal);
		line("ref-decrypt", sizes[s], dec, open);
	}
	line("ref-derive-key", 0, measure(ref_derive, &r), 0);
	return 0;
}
