/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The `kmod` backend: kmod/psp_crypto.ko seals and opens the packet in
 * place (include/psp/kmod.h). Receive hands it the device key of the
 * SPI's phase and the module derives the packet's key, as PSP hardware
 * does: no key, and no lookup, per association. Transmit hands it the
 * association's key. Keys go by the id their map entry holds beside them.
 */
#ifndef __PSP_BPF_CRYPTO_KMOD_H
#define __PSP_BPF_CRYPTO_KMOD_H

#include "kmod.h"
#include "maps.h"

static __always_inline void pspk_op_of(struct pspk_op *op, const struct gcm_job *j)
{
	op->hdr_off = j->hdr_off;
	op->aad_len = j->aad_len;
	op->ct_len = j->ct_len;
	op->version = j->version;
}

static __always_inline int gcm_result(int err)
{
	if (err == -PSPK_ENOENT)
		return GCM_NO_KEY;	/* the entry's key went meanwhile */
	return !err ? GCM_OK : err == -PSPK_EBADMSG ? GCM_BAD_ICV : GCM_ERROR;
}

#define DEFINE_PSP_RX_GCM(name)							\
__noinline int name(struct xdp_md *ctx, const struct gcm_job *j,		\
		    const struct psp_spi_key *sk)				\
{										\
	struct psp_dev_key_val *v;						\
	struct psp_dev_key_id id;						\
	struct pspk_op op;							\
										\
	if (!j || !sk)								\
		return GCM_ERROR;						\
	id.dev_id = sk->dev_id;							\
	id.phase = sk->spi >> 31;						\
	v = bpf_map_lookup_elem(&psp_dev_keys, &id);				\
	if (!v)									\
		return GCM_NO_KEY;						\
	pspk_op_of(&op, j);							\
	return gcm_result(bpf_pspk_xdp_open(ctx, &op, v->id));			\
}

#define DEFINE_PSP_TX_GCM(name)							\
__noinline int name(struct __sk_buff *ctx, const struct gcm_job *j,		\
		    const struct psp_spi_key *sk)				\
{										\
	struct psp_spi_key id;							\
	struct psp_key *v;							\
	struct pspk_op op;							\
										\
	if (!j || !sk)								\
		return GCM_ERROR;						\
	id = *sk;	/* a map key on the stack, for Linux 6.1 */		\
	v = bpf_map_lookup_elem(&psp_tx_keys, &id);				\
	if (!v || v->version != j->version)					\
		return GCM_NO_KEY;						\
	pspk_op_of(&op, j);							\
	return gcm_result(bpf_pspk_skb_seal(ctx, &op, v->id));			\
}

#endif /* __PSP_BPF_CRYPTO_KMOD_H */
