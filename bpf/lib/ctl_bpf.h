/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The `bpf` backend's half of the control programs (psp_ctl.bpf.c): keys
 * become kernel crypto contexts (only a SYSCALL program may create one)
 * held as kptrs, with the GHASH key H in an object only the programs can
 * read; association keys for receive too.
 */
#ifndef __PSP_BPF_CTL_BPF_H
#define __PSP_BPF_CTL_BPF_H

#include "maps.h"
#include <psp/kdf.h>

extern void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta__ign) __ksym;
#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

/*
 * Where a control program puts together the parameters of an AES-ECB
 * context: bpf_crypto_params is more than the stack can spare next to
 * the callers' frames. Per task, not per CPU: the programs run sleepable
 * and from several processes at once (the loader's lock is shared for
 * associations), and a task that sleeps in bpf_crypto_ctx_create() is
 * off its CPU, where another may run the same program. Not pinned; the
 * key is wiped from it as soon as the context exists.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bpf_crypto_params);
} psp_ctl_params SEC(".maps");

/*
 * An AES-ECB context, in two steps around the caller's copy of its key
 * into the parameters (the caller's: a context pointer cannot be handed
 * on with an offset).
 */
static __always_inline struct bpf_crypto_params *aes_params(__u32 key_len, __u32 flags)
{
	static const char type[] = "skcipher", ct[] = "ecb(aes)", generic[] = "ecb(aes-generic)";
	struct bpf_crypto_params *p;

	if (key_len != 16 && key_len != 32)
		return NULL;
	p = bpf_task_storage_get(&psp_ctl_params, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p)
		return NULL;
	__builtin_memset(p, 0, sizeof(*p));
	__builtin_memcpy(p->type, type, sizeof(type));
	if (flags & PSP_DEV_F_AES_GENERIC)
		__builtin_memcpy(p->algo, generic, sizeof(generic));
	else
		__builtin_memcpy(p->algo, ct, sizeof(ct));
	p->key_len = key_len;
	return p;
}

static __always_inline struct bpf_crypto_ctx *aes_ctx(struct bpf_crypto_params *p, int *err)
{
	struct bpf_crypto_ctx *ctx;

	if (!p) {
		*err = -EINVAL;
		return NULL;
	}
	ctx = bpf_crypto_ctx_create(p, sizeof(*p), err);
	__builtin_memset(p->key, 0, sizeof(p->key));
	return ctx;
}

/* The context for the key of request r (which has key, key_len, flags). */
#define AES_CTX(r, err)								\
({										\
	struct bpf_crypto_params *__p = aes_params((r)->key_len, (r)->flags);	\
										\
	if (__p)								\
		__builtin_memcpy(__p->key, (r)->key, PSP_KEY_MAX_LEN);		\
	aes_ctx(__p, err);							\
})

/* The request's key under k in map (psp_rx_keys or psp_tx_keys), with its
 * GHASH key: in a fresh entry, which replaces any (flags BPF_ANY) or is
 * refused with -EEXIST if there is one (BPF_NOEXIST: the first of two
 * installers of one key wins, and the other deletes nothing of it). */
#define ASSOC_KEY_ADD(map, k, r, flags)						\
({										\
	struct psp_key __zero = {}, *__v;					\
	struct bpf_crypto_ctx *__aes, *__old;					\
	struct psp_hkey *__h, *__oldh;						\
	int __err = 0;								\
										\
	__aes = AES_CTX(r, &__err);						\
	__h = __aes ? bpf_obj_new(struct psp_hkey) : NULL;			\
	if (__aes && !__h) {							\
		bpf_crypto_ctx_release(__aes);					\
		__err = -ENOMEM;						\
	}									\
	if (__h) {								\
		__h->hi = bpf_be64_to_cpu(*(__u64 *)&(r)->h[0]);		\
		__h->lo = bpf_be64_to_cpu(*(__u64 *)&(r)->h[8]);		\
		/* a fresh element: the old one's kptrs are released */	\
		__err = bpf_map_update_elem(&map, k, &__zero, flags);		\
		__v = __err ? NULL : bpf_map_lookup_elem(&map, k);		\
		if (!__v) {							\
			bpf_crypto_ctx_release(__aes);				\
			bpf_obj_drop(__h);					\
			__err = __err ?: -ENOENT;				\
		} else {							\
			__v->version = (r)->version;				\
			__old = bpf_kptr_xchg(&__v->aes, __aes);		\
			if (__old)						\
				bpf_crypto_ctx_release(__old);			\
			__oldh = bpf_kptr_xchg(&__v->hkey, __h);		\
			if (__oldh)						\
				bpf_obj_drop(__oldh);				\
		}								\
	}									\
	__err;									\
})

/* psp_dev_key_set: the device key as an AES-256-ECB context. */
static __always_inline int ctl_dev_key_set(struct psp_key_install *in)
{
	struct psp_dev_key_id k = { .dev_id = in->dev_id, .phase = in->phase };
	struct psp_dev_key_val zero = {}, *v;
	struct bpf_crypto_ctx *aes, *old;
	int err = 0;

	aes = AES_CTX(in, &err);
	if (!aes)
		return err;
	err = bpf_map_update_elem(&psp_dev_keys, &k, &zero, BPF_ANY);
	v = err ? NULL : bpf_map_lookup_elem(&psp_dev_keys, &k);
	if (!v) {
		bpf_crypto_ctx_release(aes);
		return err ?: -ENOENT;
	}
	old = bpf_kptr_xchg(&v->aes, aes);
	if (old)
		bpf_crypto_ctx_release(old);
	return 0;
}

/* AES-ECB in place on work[start, end) of the request packet. */
static __always_inline int kdf_aes(struct xdp_md *ctx, struct bpf_crypto_ctx *aes,
				   __u32 start, __u32 end)
{
	__u32 base = __builtin_offsetof(struct psp_kdf_req, work);
	struct bpf_dynptr d;

	if (bpf_dynptr_from_xdp(ctx, 0, &d) || bpf_dynptr_adjust(&d, base + start, base + end))
		return -1;
	return bpf_crypto_encrypt(aes, &d, &d, NULL);
}

/* psp_kdf: CMAC from AES-ECB on the request's work area. */
static __always_inline int ctl_kdf(struct xdp_md *ctx)
{
	struct psp_kdf_req *r = kdf_req(ctx);
	struct psp_dev_key_id k;
	struct psp_dev_key_val *v;
	struct bpf_crypto_ctx *aes;
	__u32 len, nblocks, spi;

	if (!r)
		return XDP_ABORTED;
	__builtin_memset(r->work, 0, sizeof(r->work));
	r->err = -EINVAL;
	if (r->version > PSP_VERSION_MAX)
		return XDP_PASS;
	len = psp_key_len(r->version);
	nblocks = len / 16;
	spi = r->spi;
	k.dev_id = r->dev_id;
	k.phase = spi >> 31;
	v = bpf_map_lookup_elem(&psp_dev_keys, &k);
	aes = v ? v->aes : NULL;
	r->err = -ENOENT;
	if (!aes || kdf_aes(ctx, aes, 0, 16))
		goto out;

	r = kdf_req(ctx);
	if (!r)
		return XDP_ABORTED;
	psp_cmac_dbl(r->work);	/* K1 */
#pragma unroll
	for (int i = 1; i <= 2; i++) {
		__u8 blk[16];

		psp_kdf_input(i, spi, len * 8, blk);
#pragma unroll
		for (int j = 0; j < 16; j++)
			r->work[16 * i + j] = blk[j] ^ r->work[j];
	}
	if (kdf_aes(ctx, aes, 16, 16 + 16 * nblocks))
		goto out;
	r = kdf_req(ctx);
	if (!r)
		return XDP_ABORTED;
	__builtin_memcpy(r->key, r->work + 16, PSP_KEY_MAX_LEN);
	if (nblocks == 1)
		__builtin_memset(r->key + 16, 0, 16);
	r->err = 0;
out:
	r = kdf_req(ctx);
	if (r)
		__builtin_memset(r->work, 0, sizeof(r->work));
	return XDP_PASS;
}

#define RX_KEY_ADD(k, r, flags)	ASSOC_KEY_ADD(psp_rx_keys, k, r, flags)
#define TX_KEY_ADD(k, r, flags)	ASSOC_KEY_ADD(psp_tx_keys, k, r, flags)

#endif /* __PSP_BPF_CTL_BPF_H */
