// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The anchor of the kmod backend's benchmark: the kernel's own gcm(aes)
 * (generic-gcm-aesni where the CPU has AES-NI and aesni_intel is loaded)
 * and pspk_crypt() sealing the same buffer with the same key, both timed
 * here in the kernel, so that neither a BPF test run nor a clock read per
 * packet weighs on one side only. Under an emulator (the qemu guests) the
 * kernel's AES-NI is the fair yardstick: it is emulated at the same cost
 * as the module's. The two take turns, round by round; each side's figure
 * is the median of its rounds.
 */
#include <crypto/aead.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "psp_gcm.h"

#define ROUNDS	15

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v)
{
	sort(v, ROUNDS, sizeof(*v), cmp_u64, NULL);
	return v[ROUNDS / 2];
}

int pspk_bench(struct pspk_bench *b)
{
	u32 per = max_t(u32, b->runs / ROUNDS, 1), total = PSP_HDR_LEN + b->len + PSP_ICV_LEN;
	struct pspk_op op = { .aad_len = PSP_HDR_LEN, .ct_len = b->len };
	u64 kern[ROUNDS], ours[ROUNDS];
	struct aead_request *req = NULL;
	struct pspk_key *k = NULL;
	DECLARE_CRYPTO_WAIT(wait);
	u8 key[16], iv[PSP_NONCE_LEN];
	struct crypto_aead *tfm;
	struct scatterlist sg;
	u8 *buf = NULL;
	int err, r;
	u32 i;

	if (b->len > PSPK_BENCH_MAX_LEN)
		return -EINVAL;
	tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = -ENOMEM;
	buf = kmalloc(total, GFP_KERNEL);
	req = aead_request_alloc(tfm, GFP_KERNEL);
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!buf || !req || !k)
		goto out;
	get_random_bytes(key, sizeof(key));
	get_random_bytes(buf, total);
	err = crypto_aead_setkey(tfm, key, sizeof(key)) ?:
	      pspk_key_init(k, key, sizeof(key), PSPK_KEY_ASSOC);
	if (err)
		goto out;
	/* the nonce where pspk_crypt() takes it: the header's SPI and IV */
	memcpy(iv, buf + 4, sizeof(iv));
	sg_init_one(&sg, buf, total);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
	aead_request_set_ad(req, PSP_HDR_LEN);
	aead_request_set_crypt(req, &sg, &sg, b->len, iv);
	for (r = 0; r < ROUNDS && !err; r++) {
		u64 t0 = ktime_get_ns(), t1, t2;

		for (i = 0; i < per && !err; i++)
			err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
		t1 = ktime_get_ns();
		for (i = 0; i < per && !err; i++)
			err = pspk_crypt(k, buf, &op, true);
		t2 = ktime_get_ns();
		kern[r] = (t1 - t0) / per;
		ours[r] = (t2 - t1) / per;
		cond_resched();
	}
	if (err)
		goto out;
	b->ns_kernel = median(kern);
	b->ns_ours = median(ours);
	strscpy(b->kernel_driver, crypto_aead_driver_name(tfm), sizeof(b->kernel_driver));
	strscpy(b->ours_driver, pspk_gcm_driver(k), sizeof(b->ours_driver));
out:
	pspk_key_free(k);
	aead_request_free(req);
	kfree(buf);
	crypto_free_aead(tfm);
	memzero_explicit(key, sizeof(key));
	return err;
}
