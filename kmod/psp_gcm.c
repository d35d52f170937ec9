// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * AES-GCM and the PSP key derivation for psp_crypto.ko, on packet memory,
 * in any context.
 *
 * The fast path is the kernel's own synchronous AES-GCM for SIMD, the one
 * the gcm(aes) of AES-NI machines wraps (generic-gcm-aesni-avx and the
 * like), called directly: "__gcm(aes)", an internal algorithm because it
 * needs the FPU, which is why every call checks crypto_simd_usable()
 * first, as its wrapper does. Its setkey only expands the key (no
 * allocation, no sleep). An association key gets a transform of its own,
 * keyed once when the key is made; a key derived per packet from a device
 * key (receive) is set on this CPU's transform for the packet, and wiped
 * from it after.
 *
 * Where that algorithm is missing (no AES-NI, aesni_intel not loaded when
 * this module was) or the FPU is not usable, the portable path builds GCM
 * from the block cipher: "aes", aes-aesni or aes-generic, one transform
 * per CPU, and GHASH with Shoup's tables (include/psp/ghash.h) built on
 * the stack from H. (The gcm template, gcm(aes) without AES-NI, cannot
 * serve: its setkey allocates and may sleep.) The key derivation always
 * takes the block cipher.
 *
 * Bottom halves are off while a CPU's transforms or request are in use,
 * so a softirq cannot take them over from a test run or a transmit in
 * process context.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/internal/aead.h>
#include <crypto/internal/cipher.h>
#include <crypto/internal/simd.h>
#include <linux/bottom_half.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/string.h>
#include <asm/simd.h>		/* what crypto_simd_usable() uses */
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

/* A CPU's transforms; gcm and req NULL where the fast path is missing. */
struct pspk_cpu {
	struct crypto_cipher *aes;
	struct crypto_aead *gcm;	/* for keys derived per packet */
	struct aead_request *req;	/* for any key's gcm */
};

static DEFINE_PER_CPU(struct pspk_cpu, pspk_cpu);
static bool pspk_have_gcm;	/* every CPU's gcm and req are there */

/*
 * The kernel's synchronous AES-GCM for SIMD. ASYNC in the mask: cryptd's
 * instance around it, made when someone allocates gcm(aes), bears the
 * same name and a higher priority, and goes through a queue.
 */
static struct crypto_aead *gcm_alloc(void)
{
	return crypto_alloc_aead("__gcm(aes)", CRYPTO_ALG_INTERNAL,
				 CRYPTO_ALG_INTERNAL | CRYPTO_ALG_ASYNC);
}

static void gcm_free_all(void)
{
	int cpu;

	pspk_have_gcm = false;
	for_each_possible_cpu(cpu) {
		struct pspk_cpu *c = per_cpu_ptr(&pspk_cpu, cpu);

		aead_request_free(c->req);
		crypto_free_aead(c->gcm);
		c->req = NULL;
		c->gcm = NULL;
	}
}

/* Each CPU's fast path, all or none (then the portable path serves). */
static void gcm_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pspk_cpu *c = per_cpu_ptr(&pspk_cpu, cpu);
		struct crypto_aead *tfm = gcm_alloc();

		if (IS_ERR(tfm)) {
			pr_info("psp_crypto: no __gcm(aes) (%ld): portable AES-GCM only\n",
				PTR_ERR(tfm));
			gcm_free_all();
			return;
		}
		c->gcm = tfm;
		c->req = aead_request_alloc(tfm, GFP_KERNEL);
		if (!c->req) {
			gcm_free_all();
			return;
		}
	}
	pspk_have_gcm = true;
	pr_debug("psp_crypto: AES-GCM by %s\n",
		 crypto_aead_driver_name(per_cpu(pspk_cpu, 0).gcm));
}

int pspk_gcm_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct crypto_cipher *tfm = crypto_alloc_cipher("aes", 0, 0);

		if (IS_ERR(tfm)) {
			pspk_gcm_exit();
			return PTR_ERR(tfm);
		}
		per_cpu(pspk_cpu.aes, cpu) = tfm;
	}
	gcm_init();
	return 0;
}

void pspk_gcm_exit(void)
{
	int cpu;

	gcm_free_all();
	for_each_possible_cpu(cpu) {
		crypto_free_cipher(per_cpu(pspk_cpu.aes, cpu));
		per_cpu(pspk_cpu.aes, cpu) = NULL;
	}
}

/* This CPU's AES with key, bottom halves off until aes_put(). */
static struct crypto_cipher *aes_get(const u8 *key, u32 len)
{
	struct crypto_cipher *aes;

	local_bh_disable();
	aes = this_cpu_read(pspk_cpu.aes);
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

/*
 * An association key's own transform of the fast path, keyed now, where
 * allocating may sleep, once for all its packets; none if the fast
 * path is missing, or if the algorithm the name finds now wants a bigger
 * request than the CPUs' (another one registered since): the portable
 * path then.
 */
static int key_gcm(struct pspk_key *k)
{
	struct crypto_aead *tfm;
	int err;

	if (!pspk_have_gcm)
		return 0;
	tfm = gcm_alloc();
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	if (crypto_aead_reqsize(tfm) > crypto_aead_reqsize(per_cpu(pspk_cpu.gcm, 0))) {
		crypto_free_aead(tfm);
		return 0;
	}
	err = crypto_aead_setkey(tfm, k->key, k->len);
	if (err) {
		crypto_free_aead(tfm);
		return err;
	}
	k->gcm = tfm;
	return 0;
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
		return key_gcm(k);
	aes = aes_get(key, len);
	if (!aes)
		return -EINVAL;
	memset(k->k1, 0, sizeof(k->k1));
	crypto_cipher_encrypt_one(aes, k->k1, k->k1);
	aes_put();
	psp_cmac_dbl(k->k1);
	return 0;
}

void pspk_key_free(struct pspk_key *k)
{
	if (!k)
		return;
	crypto_free_aead(k->gcm);
	kfree_sensitive(k);
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

static int gcm_portable(const u8 *key, u32 key_len, u8 *hdr, u32 aad_len, u32 ct_len,
			bool seal)
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

/*
 * The fast path's seal or open in place, on this CPU's request (bottom
 * halves off), tfm keyed: hdr holds aad_len bytes of AAD, ct_len of
 * payload, then the ICV.
 */
static int gcm_fast(struct crypto_aead *tfm, u8 *hdr, u32 aad_len, u32 ct_len, bool seal)
{
	struct aead_request *req = this_cpu_read(pspk_cpu.req);
	u8 iv[PSP_NONCE_LEN], icv[PSP_ICV_LEN], *end = hdr + aad_len + ct_len;
	struct scatterlist sg;
	int err;

	/* the nonce: SPI || IV, right after the header's first word */
	memcpy(iv, hdr + 4, sizeof(iv));
	sg_init_one(&sg, hdr, aad_len + ct_len + PSP_ICV_LEN);
	aead_request_set_tfm(req, tfm);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, aad_len);
	if (seal) {
		aead_request_set_crypt(req, &sg, &sg, ct_len, iv);
		return crypto_aead_encrypt(req);
	}
	memcpy(icv, end, sizeof(icv));
	aead_request_set_crypt(req, &sg, &sg, ct_len + PSP_ICV_LEN, iv);
	err = crypto_aead_decrypt(req);
	if (err == -EBADMSG) {
		/*
		 * It decrypted in place as it went and checked the ICV at the
		 * end. Encrypt back (the same keystream) and put the ICV the
		 * packet came with back over the one that writes, so that a
		 * forged packet is left as it came, as on the portable path.
		 */
		aead_request_set_crypt(req, &sg, &sg, ct_len, iv);
		crypto_aead_encrypt(req);
		memcpy(end, icv, sizeof(icv));
	}
	return err;
}

static int crypt_assoc(const struct pspk_key *k, u8 *hdr, const struct pspk_op *op, bool seal)
{
	int err;

	if (!k->gcm)
		return gcm_portable(k->key, k->len, hdr, op->aad_len, op->ct_len, seal);
	local_bh_disable();
	if (crypto_simd_usable())
		err = gcm_fast(k->gcm, hdr, op->aad_len, op->ct_len, seal);
	else
		err = gcm_portable(k->key, k->len, hdr, op->aad_len, op->ct_len, seal);
	local_bh_enable();
	return err;
}

/* With a key derived for this packet: set on this CPU's transform for it. */
static int crypt_derived(const u8 *key, u32 len, u8 *hdr, const struct pspk_op *op, bool seal)
{
	struct crypto_aead *tfm;
	int err;

	local_bh_disable();
	tfm = this_cpu_read(pspk_cpu.gcm);
	if (tfm && crypto_simd_usable()) {
		err = crypto_aead_setkey(tfm, key, len) ?:
		      gcm_fast(tfm, hdr, op->aad_len, op->ct_len, seal);
		/* no key left behind: the round keys and hash key powers */
		memzero_explicit(crypto_aead_ctx(tfm), crypto_aead_alg(tfm)->base.cra_ctxsize);
	} else {
		err = gcm_portable(key, len, hdr, op->aad_len, op->ct_len, seal);
	}
	local_bh_enable();
	return err;
}

const char *pspk_gcm_driver(const struct pspk_key *k)
{
	struct crypto_tfm *tfm = k->gcm ? crypto_aead_tfm(k->gcm) :
					  crypto_cipher_tfm(raw_cpu_read(pspk_cpu.aes));

	return crypto_tfm_alg_driver_name(tfm);
}

int pspk_crypt(const struct pspk_key *k, u8 *data, const struct pspk_op *op, bool seal)
{
	u32 len = psp_key_len(op->version);
	u8 *hdr = data + op->hdr_off;
	u8 derived[PSP_KEY_MAX_LEN];
	int err;

	if (k->kind == PSPK_KEY_ASSOC)
		return k->len == len ? crypt_assoc(k, hdr, op, seal) : -EINVAL;
	err = pspk_derive(k, get_unaligned_be32(hdr + 4), op->version, derived);
	if (!err)
		err = crypt_derived(derived, len, hdr, op, seal);
	memzero_explicit(derived, sizeof(derived));
	return err;
}
