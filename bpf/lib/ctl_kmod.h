/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The `kmod` backend's half of the control programs (psp_ctl.bpf.c): keys
 * become objects of kmod/psp_crypto.ko that the maps hold as referenced
 * kptrs, each beside its id, which the datapath hands to the module;
 * replacing or deleting an entry releases its key. Receive keeps
 * no key per association: the module derives each packet's from the
 * device key.
 */
#ifndef __PSP_BPF_CTL_KMOD_H
#define __PSP_BPF_CTL_KMOD_H

#include "kmod.h"
#include "maps.h"

/* Wipes a stack buffer in a way the compiler cannot drop as a dead store. */
#define psp_wipe(buf)								\
	do {									\
		__builtin_memset(buf, 0, sizeof(buf));				\
		asm volatile("" : : "r"(buf) : "memory");			\
	} while (0)

/* A key object from len (16 or 32) bytes of the context, copied to the
 * stack first: Linux 6.1 takes no context memory as a kfunc's buffer. */
static __always_inline struct pspk_key *key_create(const __u8 *src, __u32 len, __u32 kind)
{
	__u8 buf[PSP_KEY_MAX_LEN];
	struct pspk_key *k;

	if (len != 16 && len != PSP_KEY_MAX_LEN)
		return NULL;
	__builtin_memcpy(buf, src, sizeof(buf));
	k = len == 16 ? bpf_pspk_key_create(buf, 16, kind) :
			bpf_pspk_key_create(buf, PSP_KEY_MAX_LEN, kind);
	psp_wipe(buf);
	return k;
}

/* Key k (consumed) and its id into a fresh entry val under mkey of map; the
 * old entry's key, if any, goes with it (flags BPF_ANY), or the entry is
 * refused with -EEXIST if there is one (BPF_NOEXIST). k is tested once:
 * Linux 6.1 does not know a second test of a pointer known not to be
 * NULL to be decided. */
#define KEY_STORE(map, mkey, val, k, flags)					\
({										\
	struct pspk_key *__k = (k);						\
	typeof(val) __v;							\
	int __err = -ENOMEM;							\
										\
	if (__k) {								\
		(val)->id = bpf_pspk_key_id(__k);				\
		__err = bpf_map_update_elem(&map, mkey, val, flags);		\
		__v = __err ? NULL : bpf_map_lookup_elem(&map, mkey);		\
		if (!__v) {							\
			bpf_pspk_key_release(__k);				\
			__err = __err ?: -ENOENT;				\
		} else {							\
			__k = bpf_kptr_xchg(&__v->key, __k);			\
			if (__k)						\
				bpf_pspk_key_release(__k);			\
		}								\
	}									\
	__err;									\
})

static __always_inline int ctl_dev_key_set(struct psp_key_install *in)
{
	struct psp_dev_key_id id = { .dev_id = in->dev_id, .phase = in->phase };
	struct psp_dev_key_val zero = {};

	return KEY_STORE(psp_dev_keys, &id, &zero,
			 key_create(in->key, PSP_DEV_KEY_LEN, PSPK_KEY_DEVICE), BPF_ANY);
}

static __always_inline int tx_key_add(const struct psp_spi_key *id, struct psp_assoc_req *r,
				      __u64 flags)
{
	struct psp_key val = { .version = r->version };

	return KEY_STORE(psp_tx_keys, id, &val, key_create(r->key, r->key_len, PSPK_KEY_ASSOC),
			 flags);
}

#define RX_KEY_ADD(k, r, flags)	0	/* receive derives each packet's key */
#define TX_KEY_ADD(k, r, flags)	tx_key_add(k, r, flags)

/* psp_kdf: the module derives, from the device key of the SPI's phase. */
static __always_inline int ctl_kdf(struct xdp_md *ctx)
{
	struct psp_kdf_req *r = kdf_req(ctx);
	struct psp_dev_key_val *v;
	struct psp_dev_key_id id;

	if (!r)
		return XDP_ABORTED;
	id.dev_id = r->dev_id;
	id.phase = r->spi >> 31;
	v = bpf_map_lookup_elem(&psp_dev_keys, &id);
	r->err = v ? bpf_pspk_derive(v->id, r->spi, r->version, r->key, sizeof(r->key)) :
		     -ENOENT;
	return XDP_PASS;
}

#endif /* __PSP_BPF_CTL_KMOD_H */
