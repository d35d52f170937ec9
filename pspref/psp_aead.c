// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * AES-GCM and AES-GMAC over a PSP packet, on OpenSSL EVP.
 *
 * Nonce = SPI || IV as they sit in the header (bytes 4..15). GCM: AAD =
 * the header and the first crypt_off bytes after it, the rest is
 * encrypted. GMAC (versions 2, 3): AAD = header and the whole region, the
 * plaintext is empty, so the ICV is the GCM tag of that AAD.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "psp_ref.h"

struct psp_aead {
	EVP_CIPHER_CTX *ctx;
	uint32_t version;
};

struct psp_aead *psp_aead_new(uint32_t version, const uint8_t *key)
{
	const EVP_CIPHER *cipher;
	struct psp_aead *aead;

	if (version > PSP_VERSION_MAX) {
		errno = EINVAL;
		return NULL;
	}
	cipher = psp_key_len(version) == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	aead = calloc(1, sizeof(*aead));
	if (!aead)
		return NULL;
	aead->version = version;
	aead->ctx = EVP_CIPHER_CTX_new();
	/* The default IV length of EVP GCM is the 12 bytes PSP uses. */
	if (!aead->ctx || !EVP_CipherInit_ex(aead->ctx, cipher, NULL, key, NULL, -1)) {
		psp_aead_free(aead);
		errno = ENOMEM;
		return NULL;
	}
	return aead;
}

void psp_aead_free(struct psp_aead *aead)
{
	if (!aead)
		return;
	EVP_CIPHER_CTX_free(aead->ctx);	/* wipes the key schedule */
	free(aead);
}

/* Bytes of the region that are AAD rather than ciphertext. */
static size_t aad_part(const struct psp_aead *aead, size_t region_len, size_t crypt_off)
{
	return psp_version_is_gmac(aead->version) ? region_len : crypt_off;
}

int psp_aead_seal(struct psp_aead *aead, uint8_t *psp, size_t region_len,
		  size_t crypt_off, uint8_t icv[PSP_ICV_LEN])
{
	size_t clear = aad_part(aead, region_len, crypt_off);
	uint8_t *region = psp + PSP_HDR_LEN;
	int n;

	if (crypt_off > region_len)
		return -EINVAL;
	if (!EVP_EncryptInit_ex(aead->ctx, NULL, NULL, NULL, psp + 4) ||
	    !EVP_EncryptUpdate(aead->ctx, NULL, &n, psp, (int)(PSP_HDR_LEN + clear)))
		return -EIO;
	if (region_len > clear &&
	    !EVP_EncryptUpdate(aead->ctx, region + clear, &n, region + clear,
			       (int)(region_len - clear)))
		return -EIO;
	if (!EVP_EncryptFinal_ex(aead->ctx, region + region_len, &n) ||
	    !EVP_CIPHER_CTX_ctrl(aead->ctx, EVP_CTRL_GCM_GET_TAG, PSP_ICV_LEN, icv))
		return -EIO;
	return 0;
}

int psp_aead_open(struct psp_aead *aead, const uint8_t *psp, size_t region_len,
		  size_t crypt_off, const uint8_t icv[PSP_ICV_LEN], uint8_t *out)
{
	size_t clear = aad_part(aead, region_len, crypt_off);
	const uint8_t *region = psp + PSP_HDR_LEN;
	uint8_t tag[PSP_ICV_LEN];
	int n;

	if (crypt_off > region_len)
		return -EINVAL;
	memcpy(tag, icv, sizeof(tag));
	if (!EVP_DecryptInit_ex(aead->ctx, NULL, NULL, NULL, psp + 4) ||
	    !EVP_DecryptUpdate(aead->ctx, NULL, &n, psp, (int)(PSP_HDR_LEN + clear)))
		goto fail;
	if (region_len > clear &&
	    !EVP_DecryptUpdate(aead->ctx, out + clear, &n, region + clear,
			       (int)(region_len - clear)))
		goto fail;
	if (!EVP_CIPHER_CTX_ctrl(aead->ctx, EVP_CTRL_GCM_SET_TAG, PSP_ICV_LEN, tag) ||
	    EVP_DecryptFinal_ex(aead->ctx, out + region_len, &n) <= 0)
		goto fail;
	memcpy(out, region, clear);
	return 0;
fail:
	OPENSSL_cleanse(out, region_len);
	return -EBADMSG;
}
