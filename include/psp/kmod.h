/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The ABI of kmod/psp_crypto.ko, shared by the module and the BPF
 * programs of the `kmod` backend.
 *
 * Keys are module objects (struct pspk_key) that BPF holds only as
 * referenced kptrs in map values: made by bpf_pspk_key_create() from a
 * sleepable SYSCALL program, stored with bpf_kptr_xchg() beside their id
 * (bpf_pspk_key_id()), freed with the map entry. The packet kfuncs and
 * bpf_pspk_derive() take the id: no reference per packet, and a program
 * on any kernel may read it (see kmod/psp_kfuncs.c). No read path gives
 * a key's bytes back.
 *
 * A packet operation works in place on the linear packet data: at
 * hdr_off the PSP header, the AAD (the header and whatever of the region
 * is in clear, aad_len bytes in all), ct_len bytes to encrypt, then the
 * 16-byte ICV. The nonce is the header's SPI and IV. A device key
 * (PSPK_KEY_DEVICE) derives the packet's key from its SPI, as PSP
 * hardware does, so receive needs no state per association.
 */
#ifndef __PSP_KMOD_H
#define __PSP_KMOD_H

#include "types.h"

enum pspk_key_kind {
	PSPK_KEY_ASSOC,		/* 16 or 32 bytes: the key of the packets */
	PSPK_KEY_DEVICE,	/* 32 bytes: derives the key of each SPI */
};

struct pspk_op {
	__u32 hdr_off;
	__u32 aad_len;		/* >= PSP_HDR_LEN */
	__u32 ct_len;
	__u32 version;		/* its key size: 128 bits (0, 2) or 256 (1, 3) */
};

/*
 * The benchmark kfunc (SYSCALL programs only, tools/bench/bench_kmod.c):
 * runs seals of len bytes (after a PSP header of AAD) with the kernel's
 * own gcm(aes) and with the module's path, in the kernel; gives the
 * median nanoseconds per seal of each and the drivers that ran.
 */
#define PSPK_BENCH_MAX_LEN	9000

struct pspk_bench {
	__u32 len;		/* in: <= PSPK_BENCH_MAX_LEN */
	__u32 runs;		/* in: seals of each */
	__u64 ns_kernel;	/* out */
	__u64 ns_ours;		/* out */
	char kernel_driver[64];	/* out: what gcm(aes) came to */
	char ours_driver[64];	/* out: what the module's path ran on */
};

/* Errors of the packet kfuncs, as negative errnos. */
#define PSPK_EBADMSG	74	/* open: the ICV does not verify */
#define PSPK_ERANGE	34	/* the op reaches past the linear data */
#define PSPK_EINVAL	22	/* the op or key is not one the module takes */
#define PSPK_EPERM	1	/* a clone's data that cannot be written */
#define PSPK_ENOENT	2	/* no key of that id (any more) */

#endif /* __PSP_KMOD_H */
