/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The kfuncs of kmod/psp_crypto.ko (include/psp/kmod.h), for the `kmod`
 * backend's programs (PSP_KMOD), which load on Linux 6.1 and later.
 */
#ifndef __PSP_BPF_KMOD_H
#define __PSP_BPF_KMOD_H

#include "compat.h"
#include <psp/kmod.h>

/* The module's key object, opaque here. Complete rather than declared:
 * libbpf 1.1.2 matches a kfunc's prototype with the kernel's only if a
 * struct it points to is complete on both sides. */
struct pspk_key {
};

extern struct pspk_key *bpf_pspk_key_create(const __u8 *key, __u32 key__sz, __u32 kind) __ksym;
extern void bpf_pspk_key_release(struct pspk_key *k) __ksym;
extern __u32 bpf_pspk_key_id(struct pspk_key *k) __ksym;
extern int bpf_pspk_derive(__u32 dk, __u32 spi, __u32 version, __u8 *out, __u32 out__sz) __ksym;
extern int bpf_pspk_xdp_seal(struct xdp_md *ctx, struct pspk_op *op, __u32 key) __ksym;
extern int bpf_pspk_xdp_open(struct xdp_md *ctx, struct pspk_op *op, __u32 key) __ksym;
extern int bpf_pspk_skb_seal(struct __sk_buff *ctx, struct pspk_op *op, __u32 key) __ksym;
extern int bpf_pspk_skb_open(struct __sk_buff *ctx, struct pspk_op *op, __u32 key) __ksym;
extern __u64 bpf_pspk_xdp_netns_cookie(struct xdp_md *ctx) __ksym;
extern __u64 bpf_pspk_skb_netns_cookie(struct __sk_buff *ctx) __ksym;
extern __u32 bpf_pspk_skb_csum_partial(struct __sk_buff *ctx) __ksym;
extern int bpf_pspk_bench(struct pspk_bench *b) __ksym;

#endif /* __PSP_BPF_KMOD_H */
