/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the BPF programs need beyond libbpf 1.1.2's headers: kfunc
 * prototypes (bpftool 7.1 does not emit them into vmlinux.h; the module's
 * are in kmod.h), the bpf_for open-coded loop, and errnos.
 */
#ifndef __PSP_BPF_COMPAT_H
#define __PSP_BPF_COMPAT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* errnos: vmlinux.h has types only */
#define ENOENT	2
#define EAGAIN	11
#define ENOMEM	12
#define EBUSY	16
#define EEXIST	17
#define ENODEV	19
#define EINVAL	22
#define ENOSPC	28
#define EPROTO	71
#define EOPNOTSUPP 95

extern struct bpf_crypto_ctx *bpf_crypto_ctx_create(const struct bpf_crypto_params *params,
						     u32 params__sz, int *err) __ksym;
extern void bpf_crypto_ctx_release(struct bpf_crypto_ctx *ctx) __ksym;
extern int bpf_crypto_encrypt(struct bpf_crypto_ctx *ctx, const struct bpf_dynptr *src,
			      const struct bpf_dynptr *dst,
			      const struct bpf_dynptr *siv__nullable) __ksym;
extern int bpf_dynptr_adjust(const struct bpf_dynptr *p, u32 start, u32 end) __ksym;
extern int bpf_dynptr_from_xdp(struct xdp_md *x, u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/*
 * psp_for(i, start, end): for (i = start; i < end; i++) on the kernel's
 * numeric iterator, which the verifier checks once rather than once per
 * iteration (libbpf 1.1.2 has no bpf_for). The range check after each step
 * tells the verifier the bounds of i.
 *
 * The kmod backend's programs (PSP_KMOD) load on Linux 6.1, which has no
 * iterator: there the loop is bounded by PSP_LOOP_MAX, and the verifier
 * walks it one iteration after another.
 */
#ifdef PSP_KMOD
#define PSP_LOOP_MAX	1152	/* 8-byte words of the longest region */
#define psp_for(i, start, end)							\
	for ((i) = (start); (i) < (end) && (i) < PSP_LOOP_MAX; (i)++)
#else
#define psp_for(i, start, end)							\
	for (struct bpf_iter_num __psp_it					\
		__attribute__((aligned(8), cleanup(bpf_iter_num_destroy))),	\
	     *__psp_once __attribute__((unused)) =				\
		(bpf_iter_num_new(&__psp_it, (start), (end)), (void *)0);	\
	     ({ int *__psp_v = bpf_iter_num_next(&__psp_it);			\
		__psp_v && ((i) = *__psp_v, (i) >= (start) && (i) < (end)); });	\
	    )
#endif

#endif /* __PSP_BPF_COMPAT_H */
