// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The shared known-answer vectors through the userspace reference, frame
 * by frame: encrypt(clear) must equal psp byte for byte with the vector's
 * parameters and IVs; decrypt(psp) must give the clear frame back (without
 * Ethernet padding) or reject it under the right counter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psp_ref.h"
#include "tap.h"
#include "testdata.h"

/* Reject vectors and the counter each must land in. */
static const struct {
	const char *name;
	enum psp_counter drop;
} rejects[] = {
	{ "bad_icv_t4_v0_co1", PSP_CNT_RX_AUTH_FAIL },
	/* zero-length ciphertext: google/psp skips the ICV check here */
	{ "bad_icv_t4e_v0_co2", PSP_CNT_RX_AUTH_FAIL },
	/* reserved crypt offset bit: refused before any crypto */
	{ "bad_reserved_u6_v1_co11", PSP_CNT_RX_BAD },
};

struct vector {
	char *name, *clear, *psp, *expect;
	uint8_t master[2][32];
	struct psp_tx_params tx;
	uint64_t iv;
};

static int expected_drop(const char *name)
{
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++)
		if (!strcmp(rejects[i].name, name))
			return rejects[i].drop;
	return -1;
}

/* The clear frame without Ethernet padding: what a receiver delivers. */
static size_t unpadded_len(const struct frame *f)
{
	uint16_t type = f->len >= 14 ? f->data[12] << 8 | f->data[13] : 0;

	if (type == 0x0800 && f->len >= 18)
		return 14 + (f->data[16] << 8 | f->data[17]);
	if (type == 0x86dd && f->len >= 20)
		return 14 + 40 + (f->data[18] << 8 | f->data[19]);
	return f->len;
}

static void check_encrypt(const struct vector *v, struct frame *clear, int nc,
			  struct frame *psp, int np)
{
	uint8_t key[32], out[10000];
	struct psp_aead *aead;
	int ok = nc == np;

	ok = ok && !psp_derive_key(v->master[v->tx.spi >> 31], v->tx.spi, v->tx.version, key);
	aead = psp_aead_new(v->tx.version, key);
	for (int i = 0; ok && i < nc; i++) {
		size_t len = 0;

		ok = psp_encap_frame(aead, &v->tx, v->iv + i, clear[i].data, clear[i].len,
				     out, &len) == PSP_TX_OK &&
		     bytes_equal(psp[i].data, psp[i].len, out, len);
	}
	psp_aead_free(aead);
	tap_ok(ok, "%s: encrypt %d frames byte-exact", v->name, nc);
}

static void check_decrypt(const struct vector *v, struct frame *clear, int nc,
			  struct frame *psp, int np)
{
	int drop = expected_drop(v->name), ok = nc == np;
	struct psp_rx_keys *keys = psp_rx_keys_new();
	uint8_t out[10000];

	psp_rx_keys_set(keys, 0, v->master[0]);
	psp_rx_keys_set(keys, 1, v->master[1]);
	for (int i = 0; ok && i < np; i++) {
		struct psp_rx_info info;
		size_t len = 0;
		enum psp_rx_result res;

		res = psp_decap_frame(keys, psp[i].data, psp[i].len, out, &len, &info);
		if (!strcmp(v->expect, "accept")) {
			ok = res == PSP_RX_OK &&
			     bytes_equal(clear[i].data, unpadded_len(&clear[i]), out, len);
		} else {
			ok = res == PSP_RX_DROP && (int)info.drop == drop;
			if (!ok)
				tap_diag("result %d counter %d (%s), want counter %d",
					 res, info.drop, info.why ? info.why : "", drop);
		}
	}
	psp_rx_keys_free(keys);
	tap_ok(ok, "%s: decrypt %d frames: %s", v->name, np,
	       !strcmp(v->expect, "accept") ? "clear frames back" : "rejected, right counter");
}

/* vectors.tsv: name clear psp master0 master1 spi version mode crypt_off
 *              vc vc_value iv_first expect */
static void check_vector(char **f, int n, void *arg)
{
	const char *dir = arg;
	struct frame *clear = NULL, *psp = NULL;
	struct vector v = { .name = f[0], .expect = f[12] };
	char path[4096];
	int nc, np;

	if (n != 13 || unhex(f[3], v.master[0], 32) != 32 ||
	    unhex(f[4], v.master[1], 32) != 32) {
		tap_ok(0, "%s: manifest entry readable", f[0]);
		return;
	}
	v.tx.spi = (uint32_t)strtoul(f[5], NULL, 16);
	v.tx.version = (uint8_t)atoi(f[6]);
	v.tx.tunnel = !strcmp(f[7], "tunnel");
	v.tx.crypt_off = (uint8_t)atoi(f[8]);
	v.tx.has_vc = !strcmp(f[9], "true");
	if (v.tx.has_vc)
		unhex(f[10], v.tx.vc, sizeof(v.tx.vc));
	v.iv = strtoull(f[11], NULL, 16);
	if (strcmp(v.expect, "accept") && expected_drop(v.name) < 0) {
		tap_ok(0, "%s: reject vector with no expected counter in this test", v.name);
		return;
	}

	snprintf(path, sizeof(path), "%s/%s", dir, f[1]);
	nc = pcap_load(path, &clear);
	snprintf(path, sizeof(path), "%s/%s", dir, f[2]);
	np = pcap_load(path, &psp);
	if (nc <= 0 || np <= 0) {
		tap_ok(0, "%s: pcaps readable (%d clear, %d psp frames)", v.name, nc, np);
	} else {
		/* A reject vector was damaged after encryption: encrypting
		 * its clear frames gives the undamaged packet. */
		if (!strcmp(v.expect, "accept"))
			check_encrypt(&v, clear, nc, psp, np);
		check_decrypt(&v, clear, nc, psp, np);
	}
	frames_free(clear, nc);
	frames_free(psp, np);
}

TEST(pcap_vectors)
{
	const char *dir = test_dir("PSP_VECTORS", "tests/vectors");
	char path[4096];
	int n;

	snprintf(path, sizeof(path), "%s/vectors.tsv", test_dir("PSP_TEST_DATA", "build/tests"));
	n = tsv_each(path, check_vector, (void *)dir);
	tap_ok(n == 23, "manifest.json has 23 vectors (read %d)", n);
}
