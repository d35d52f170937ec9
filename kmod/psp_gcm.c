// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * AES-GCM and the PSP key derivation for psp_crypto.ko, on packet memory,
 * in any context.
 *
 * The kernel's gcm(aes) cannot serve here: its setkey allocates and may
 * sleep, and receive sets a new key on every packet (the one its SPI
 * derives). So GCM is put together from the block cipher, whose setkey
 * only expands the key: "aes", which is aes-aesni where the CPU has
 * AES-NI (aesni-intel loaded first, see the module's softdep) and
 * aes-generic elsewhere, one transform per CPU; GHASH with Shoup's
 * tables (include/psp/ghash.h) built on the stack from H. Bottom halves
 * are off while a CPU's transform is in use, so a softirq cannot take it
 * over from a test run or a transmit in process context.
 */
#include <crypto/algapi.h>
#include <crypto/internal/cipher.h>
#include <linux/bottom_half.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/string.h>
/* Linux 6.12 moved the unaligned accessors from asm/ to linux/ */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <psp/ghash.h>
#include <psp/kdf.h>

#include "psp_gcm.h"

MODULE_IMPORT_NS(CRYPTO_INTERNAL);

static DEFINE_PER_CPU(struct crypto_cipher *, pspk_aes);

int pspk_gcm_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct crypto_cipher *tfm = crypto_alloc_cipher("aes", 0, 0);

		if (IS_ERR(tfm)) {
			pspk_gcm_exit();
			return PTR_ERR(tfm);
		}
		per_cpu(pspk_aes, cpu) = tfm;
	}
	return 0;
}

void pspk_gcm_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		crypto_free_cipher(per_cpu(pspk_aes, cpu));
		per_cpu(pspk_aes, cpu) = NULL;
	}
}

/* This CPU's AES with key, bottom halves off until aes_put(). */
static struct crypto_cipher *aes_get(const u8 *key, u32 len)
{
	struct crypto_cipher *aes;

	local_bh_disable();
	aes = this_cpu_read(pspk_aes);
	if (crypto_cipher_setkey(aes, key, len)) {
		local_bh_enable();
		return NULL;
	}
	return aes;
}

static void aes_put(void)
{
	local_bh_enable();
}

int pspk_key_init(struct pspk_key *k, const u8 *key, u32 len, u32 kind)
{
	struct crypto_cipher *aes;

	if (kind == PSPK_KEY_DEVICE ? len != PSP_DEV_KEY_LEN :
	    kind != PSPK_KEY_ASSOC || (len != 16 && len != 32))
		return -EINVAL;
	memcpy(k->key, key, len);
	k->len = len;
	k->kind = kind;
	if (kind != PSPK_KEY_DEVICE)
		return 0;
	aes = aes_get(key, len);
	if (!aes)
		return -EINVAL;
	memset(k->k1, 0, sizeof(k->k1));
	crypto_cipher_encrypt_one(aes, k->k1, k->k1);
	aes_put();
	psp_cmac_dbl(k->k1);
	return 0;
}

int pspk_derive(const struct pspk_key *dk, u32 spi, u32 version, u8 *out)
{
	u32 len = psp_key_len(version), i;
	struct crypto_cipher *aes;
	u8 in[16];

	if (dk->kind != PSPK_KEY_DEVICE || version > PSP_VERSION_MAX)
		return -EINVAL;
	aes = aes_get(dk->key, dk->len);
	if (!aes)
		return -EINVAL;
	for (i = 1; i <= len / 16; i++) {
		psp_kdf_input(i, spi, len * 8, in);
		crypto_xor(in, dk->k1, sizeof(in));
		crypto_cipher_encrypt_one(aes, out + (i - 1) * 16, in);
	}
	aes_put();
	memzero_explicit(in, sizeof(in));
	return 0;
}

/* GHASH over len bytes, the last block zero-padded. */
static void ghash_bytes(struct ghash *g, const u8 *p, u32 len)
{
	u8 last[16] = {};

	for (; len >= 16; p += 16, len -= 16)
		ghash_block(g, get_unaligned_be64(p), get_unaligned_be64(p + 8));
	if (!len)
		return;
	memcpy(last, p, len);
	ghash_block(g, get_unaligned_be64(last), get_unaligned_be64(last + 8));
}

/* CTR over len bytes, from the block after the counter block cb. */
static void ctr_xor(struct crypto_cipher *aes, u8 cb[16], u8 *p, u32 len)
{
	u32 ctr = get_unaligned_be32(cb + 12), n;
	u8 ks[16];

	for (; len; p += n, len -= n) {
		n = min_t(u32, len, sizeof(ks));
		put_unaligned_be32(++ctr, cb + 12);
		crypto_cipher_encrypt_one(aes, ks, cb);
		crypto_xor(p, ks, n);
	}
	memzero_explicit(ks, sizeof(ks));
}

static int gcm(const u8 *key, u32 key_len, u8 *hdr, u32 aad_len, u32 ct_len, bool seal)
{
	u8 h[16] = {}, cb[16], ek0[16], tag[16], *ct = hdr + aad_len, *icv = ct + ct_len;
	struct crypto_cipher *aes;
	struct ghash g;
	int err = 0;

	aes = aes_get(key, key_len);
	if (!aes)
		return -EINVAL;
	crypto_cipher_encrypt_one(aes, h, h);
	ghash_init(&g, get_unaligned_be64(h), get_unaligned_be64(h + 8));
	/* J0: the 96-bit nonce (SPI || IV, right after the header's first
	 * word) and a 32-bit counter from 1 */
	memcpy(cb, hdr + 4, PSP_NONCE_LEN);
	put_unaligned_be32(1, cb + 12);
	crypto_cipher_encrypt_one(aes, ek0, cb);

	ghash_bytes(&g, hdr, aad_len);
	if (seal)
		ctr_xor(aes, cb, ct, ct_len);
	ghash_bytes(&g, ct, ct_len);
	ghash_block(&g, (u64)aad_len * 8, (u64)ct_len * 8);
	put_unaligned_be64(g.hi, tag);
	put_unaligned_be64(g.lo, tag + 8);
	crypto_xor(tag, ek0, sizeof(tag));
	if (seal)
		memcpy(icv, tag, sizeof(tag));
	else if (crypto_memneq(tag, icv, sizeof(tag)))
		err = -EBADMSG;		/* left as it came: nothing decrypted */
	else
		ctr_xor(aes, cb, ct, ct_len);
	aes_put();
	memzero_explicit(h, sizeof(h));
	memzero_explicit(ek0, sizeof(ek0));
	memzero_explicit(&g, sizeof(g));
	memzero_explicit(tag, sizeof(tag));
	return err;
}

const char *pspk_gcm_driver(const struct pspk_key *k)
{
	return crypto_tfm_alg_driver_name(crypto_cipher_tfm(raw_cpu_read(pspk_aes)));
}

int pspk_crypt(const struct pspk_key *k, u8 *data, const struct pspk_op *op, bool seal)
{
	u32 len = psp_key_len(op->version);
	u8 *hdr = data + op->hdr_off;
	u8 derived[PSP_KEY_MAX_LEN];
	int err;

	if (k->kind == PSPK_KEY_ASSOC)
		return k->len == len ? gcm(k->key, len, hdr, op->aad_len, op->ct_len, seal) :
				       -EINVAL;
	err = pspk_derive(k, get_unaligned_be32(hdr + 4), op->version, derived);
	if (!err)
		err = gcm(derived, len, hdr, op->aad_len, op->ct_len, seal);
	memzero_explicit(derived, sizeof(derived));
	return err;
}
