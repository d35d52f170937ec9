// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * PSP key derivation: NIST SP 800-108 counter mode, PRF = AES-256-CMAC
 * keyed by the device key. Input block i:
 *
 *   00 00 00 i | 'P' 'v' '0'|'1' | 00 | SPI (BE, phase bit included) | L (BE bits)
 *
 * "Pv0" labels 128-bit keys and "Pv1" 256-bit keys; a 256-bit key is
 * CMAC(block 1) || CMAC(block 2).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "psp_ref.h"

static EVP_MAC *cmac;
static pthread_once_t cmac_once = PTHREAD_ONCE_INIT;

static void cmac_fetch(void)
{
	cmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_CMAC, NULL);
}

int psp_derive_key(const uint8_t dev_key[PSP_DEV_KEY_LEN], uint32_t spi,
		   uint32_t version, uint8_t *key)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						 "AES-256-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	uint32_t len = psp_key_len(version), i;
	uint8_t block[16];
	EVP_MAC_CTX *ctx;
	int err = -EIO;
	size_t n;

	if (version > PSP_VERSION_MAX)
		return -EINVAL;
	pthread_once(&cmac_once, cmac_fetch);
	if (!cmac)
		return -ENOSYS;
	ctx = EVP_MAC_CTX_new(cmac);
	if (!ctx)
		return -ENOMEM;
	for (i = 1; i <= len / 16; i++) {
		psp_kdf_input(i, spi, len * 8, block);
		/* The first init sets the key; later ones reuse it. */
		if (!EVP_MAC_init(ctx, i == 1 ? dev_key : NULL,
				  i == 1 ? PSP_DEV_KEY_LEN : 0, params) ||
		    !EVP_MAC_update(ctx, block, sizeof(block)) ||
		    !EVP_MAC_final(ctx, key + (i - 1) * 16, &n, 16) || n != 16)
			goto out;
	}
	err = 0;
out:
	if (err)
		OPENSSL_cleanse(key, len);
	EVP_MAC_CTX_free(ctx);
	return err;
}
