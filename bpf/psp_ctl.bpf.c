// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_ctl: the control-plane programs, run by the loader through
 * BPF_PROG_TEST_RUN.
 *
 * Key bytes go in and never come back: they become kernel crypto contexts
 * (only a SYSCALL program may create one) held as kptrs, and the GHASH key
 * H an object only the programs can read. Device keys stay in the kernel
 * for good: psp_kdf derives association keys from them in place.
 */
#include "lib/compat.h"
#include "lib/maps.h"
#include <psp/kdf.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EINVAL	22
#define ENOENT	2
#define ENOMEM	12

extern void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta__ign) __ksym;
#define bpf_obj_new(type) ((type *)bpf_obj_new_impl(bpf_core_type_id_local(type), NULL))
#define bpf_obj_drop(kptr) bpf_obj_drop_impl(kptr, NULL)

#define EBUSY	16
#define EEXIST	17

/*
 * An AES-ECB context, in two steps around the caller's copy of its key
 * into the parameters (the caller's: a context pointer cannot be handed
 * on with an offset): bpf_crypto_params is more than the stack can spare
 * next to the callers' frames, so it is put together in this CPU's
 * control scratch slot (the program cannot migrate while it runs), and
 * the key is wiped there as soon as the context exists.
 */
static __always_inline struct bpf_crypto_params *aes_params(__u32 key_len, __u32 flags)
{
	static const char type[] = "skcipher", ct[] = "ecb(aes)", generic[] = "ecb(aes-generic)";
	__u32 slot = PSP_SCRATCH_CTL;
	struct bpf_crypto_params *p = bpf_map_lookup_elem(&psp_scratch, &slot);

	if (!p || (key_len != 16 && key_len != 32))
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
_Static_assert(sizeof(struct psp_scratch) >= sizeof(struct bpf_crypto_params),
	       "the control scratch slot holds crypto parameters");

/* The request's key under k in map (psp_rx_keys or psp_tx_keys), with its
 * GHASH key, replacing any. */
#define ASSOC_KEY_ADD(map, k, r)						\
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
		__err = bpf_map_update_elem(&map, k, &__zero, BPF_ANY);		\
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

/* RX_ADD: key, SPI state, then the flow's, each undone if a later fails. */
static __always_inline int rx_add(struct psp_assoc_req *r, const struct psp_spi_key *k)
{
	struct psp_assoc a = {
		.rx_spi = r->spi, .version = r->version,
		.clear_end_set = !!r->clear_end_set, .clear_end = r->clear_end,
	};
	struct psp_rx_sa rx;
	int err;

	if (bpf_map_lookup_elem(&psp_rx_sa, k))
		return -EEXIST;
	/* helpers take no pointer into the context: a copy on the stack */
	__builtin_memcpy(&rx, &r->rx, sizeof(rx));
	a.last_ns = rx.created_ns;	/* idle from now on (gc.c) */
	err = ASSOC_KEY_ADD(psp_rx_keys, k, r);
	if (err)
		return err;
	err = bpf_map_update_elem(&psp_rx_sa, k, &rx, BPF_NOEXIST);
	if (!err && rx.flow.family) {
		err = bpf_map_update_elem(&psp_assocs, &rx.flow, &a, BPF_NOEXIST);
		if (err == -EEXIST)
			err = -EBUSY;
		if (err)
			bpf_map_delete_elem(&psp_rx_sa, k);
	}
	if (err)
		bpf_map_delete_elem(&psp_rx_keys, k);
	return err;
}

/* TX_ADD: the key first, as psp_tx encrypts once the flow has Tx state.
 * An unbound flow: the key alone, for a socket not connected yet. */
static __always_inline int tx_add(struct psp_assoc_req *r, const struct psp_spi_key *k,
				  const struct psp_flow *f)
{
	struct psp_assoc *a = bpf_map_lookup_elem(&psp_assocs, f);
	struct psp_tx_sa tx;
	int err;

	if (!f->family)
		return ASSOC_KEY_ADD(psp_tx_keys, k, r);
	if (!a)
		return -ENOENT;
	err = ASSOC_KEY_ADD(psp_tx_keys, k, r);
	if (err)
		return err;
	__builtin_memcpy(&tx, &r->tx, sizeof(tx));
	err = bpf_map_update_elem(&psp_tx_sa, f, &tx, BPF_NOEXIST);
	if (err == -EEXIST)
		err = -EBUSY;
	if (err) {
		bpf_map_delete_elem(&psp_tx_keys, k);
		return err;
	}
	a->has_tx = 1;
	return 0;
}

SEC("syscall")
int psp_assoc_set(struct psp_assoc_req *r)
{
	struct psp_spi_key k = { .dev_id = r->dev_id, .spi = r->spi };
	struct psp_assoc *a;
	struct psp_flow f;

	__builtin_memcpy(&f, &r->flow, sizeof(f));
	switch (r->op) {
	case PSP_ASSOC_RX_ADD:
		r->err = rx_add(r, &k);
		break;
	case PSP_ASSOC_TX_ADD:
		r->err = tx_add(r, &k, &f);
		break;
	case PSP_ASSOC_TX_LATCH:
	case PSP_ASSOC_TX_UNLATCH:
		a = bpf_map_lookup_elem(&psp_assocs, &f);
		r->err = a ? 0 : -ENOENT;
		if (!a)
			break;
		a->has_tx = r->op == PSP_ASSOC_TX_LATCH;
		r->clear_end_set = a->clear_end_set;
		r->clear_end = a->clear_end;
		break;
	default:
		r->err = -EINVAL;
	}
	/* the key bytes are the caller's to wipe, and wiped here too */
	__builtin_memset(r->key, 0, sizeof(r->key));
	return 0;
}

SEC("syscall")
int psp_dev_key_set(struct psp_key_install *in)
{
	struct psp_dev_key_id k = { .dev_id = in->dev_id, .phase = in->phase };
	struct psp_dev_key_val zero = {}, *v;
	struct bpf_crypto_ctx *aes, *old;
	int err = 0;

	if (k.phase > 1 || in->key_len != PSP_DEV_KEY_LEN) {
		in->err = -EINVAL;
		return 0;
	}
	aes = AES_CTX(in, &err);
	if (!aes) {
		in->err = err;
		return 0;
	}
	err = bpf_map_update_elem(&psp_dev_keys, &k, &zero, BPF_ANY);
	v = err ? NULL : bpf_map_lookup_elem(&psp_dev_keys, &k);
	if (!v) {
		bpf_crypto_ctx_release(aes);
		in->err = err ?: -ENOENT;
		return 0;
	}
	old = bpf_kptr_xchg(&v->aes, aes);
	if (old)
		bpf_crypto_ctx_release(old);
	in->err = 0;
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

/* The request, after a helper may have moved the packet data. */
static __always_inline struct psp_kdf_req *kdf_req(struct xdp_md *ctx)
{
	struct psp_kdf_req *r = (void *)(long)ctx->data;

	return (void *)(r + 1) > (void *)(long)ctx->data_end ? NULL : r;
}

/*
 * PSP key derivation (include/psp/kdf.h) with the device key of the SPI's
 * phase. Runs as XDP
 * through BPF_PROG_TEST_RUN: the request is the packet and comes back
 * with the key, its work area wiped.
 */
SEC("xdp")
int psp_kdf(struct xdp_md *ctx)
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
