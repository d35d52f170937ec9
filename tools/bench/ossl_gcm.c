// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The benchmarks' OpenSSL baseline and timing loop (ossl_gcm.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ossl_gcm.h"

#define ROUNDS 5
#define ROUND_NS 100000000ull	/* 0.1 s per round */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double measure(work_fn fn, void *arg)
{
	double best = 1e30;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t n = 0, t0 = now_ns(), t;

		do {
			for (int k = 0; k < 64; k++)
				fn(arg, n++);
			t = now_ns() - t0;
		} while (t < ROUND_NS);
		if ((double)t / (double)n < best)
			best = (double)t / (double)n;
	}
	return best;
}

int gcm_arg_init(struct gcm_arg *g, size_t len)
{
	uint8_t key[16];

	memset(key, 0x3c, sizeof(key));
	g->len = len;
	g->ctx = EVP_CIPHER_CTX_new();
	return g->ctx && EVP_EncryptInit_ex(g->ctx, EVP_aes_128_gcm(), NULL, key, NULL) ? 0 : -1;
}

void gcm_seal(void *a, uint64_t i)
{
	struct gcm_arg *g = a;
	int n;

	memcpy(g->iv + 4, &i, sizeof(i));
	EVP_EncryptInit_ex(g->ctx, NULL, NULL, NULL, g->iv);
	EVP_EncryptUpdate(g->ctx, NULL, &n, g->aad, sizeof(g->aad));
	EVP_EncryptUpdate(g->ctx, g->buf, &n, g->buf, (int)g->len);
	EVP_EncryptFinal_ex(g->ctx, g->buf + g->len, &n);
	EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_GET_TAG, 16, g->tag);
}

void gcm_open(void *a, uint64_t i)
{
	struct gcm_arg *g = a;
	static uint8_t out[10000];
	int n;

	(void)i;
	EVP_DecryptInit_ex(g->ctx, NULL, NULL, NULL, g->iv);
	EVP_DecryptUpdate(g->ctx, NULL, &n, g->aad, sizeof(g->aad));
	EVP_DecryptUpdate(g->ctx, out, &n, g->buf, (int)g->len);
	EVP_CIPHER_CTX_ctrl(g->ctx, EVP_CTRL_GCM_SET_TAG, 16, g->tag);
	if (EVP_DecryptFinal_ex(g->ctx, out + g->len, &n) <= 0)
		fprintf(stderr, "bench: openssl open failed\n");
}
