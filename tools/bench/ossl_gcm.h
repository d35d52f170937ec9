/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the benchmarks measure against: OpenSSL's AES-128-GCM on a buffer
 * of the packet's size (context reused, a new IV per packet, 16 bytes of
 * AAD), and the timing loop that measures it and the rest.
 */
#ifndef __PSP_BENCH_OSSL_GCM_H
#define __PSP_BENCH_OSSL_GCM_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

typedef void (*work_fn)(void *arg, uint64_t i);

/* Best ns per call of fn over a few rounds of 0.1 s: this is a shared VM. */
double measure(work_fn fn, void *arg);

struct gcm_arg {
	EVP_CIPHER_CTX *ctx;
	uint8_t iv[12], aad[16], tag[16];
	uint8_t buf[10000];
	size_t len;
};

/* A context with a fixed key, for buffers of len bytes; 0 or -1. */
int gcm_arg_init(struct gcm_arg *g, size_t len);
void gcm_seal(void *g, uint64_t i);
/* Opens the buffer the last gcm_seal() sealed, over and over. */
void gcm_open(void *g, uint64_t i);

#endif /* __PSP_BENCH_OSSL_GCM_H */
