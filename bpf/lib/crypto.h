/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * What the datapath asks of a crypto backend: seal or open the PSP packet
 * a gcm_job describes, under the key of its association, in a global
 * function per direction that each backend's header defines:
 *
 *   DEFINE_PSP_RX_GCM(name): int name(struct xdp_md *, const struct gcm_job *,
 *                                     const struct psp_spi_key *)
 *   DEFINE_PSP_TX_GCM(name): the same for struct __sk_buff
 *
 * returning enum gcm_result. crypto_bpf.h: the `bpf` backend; crypto_kmod.h
 * (PSP_KMOD): the `kmod` backend.
 */
#ifndef __PSP_BPF_CRYPTO_H
#define __PSP_BPF_CRYPTO_H

#include "compat.h"
#include <psp/wire.h>

struct gcm_job {
	__u32 hdr_off;		/* PSP header: nonce at +4, AAD starts here */
	__u32 aad_len;		/* header + clear part of the region */
	__u32 ct_len;		/* encrypted bytes that follow; the ICV follows them */
	__u32 version;		/* the packet's; the key must be of it */
	int encrypt;
};

/* AAD and ciphertext of a region (VC + payload) of a version: GMAC
 * authenticates all of it, GCM leaves crypt_off bytes in clear. */
static __always_inline void gcm_job_split(struct gcm_job *j, __u32 version, __u32 region_len,
					  __u32 crypt_off)
{
	j->version = version;
	if (psp_version_is_gmac(version)) {
		j->aad_len = PSP_HDR_LEN + region_len;
		j->ct_len = 0;
	} else {
		j->aad_len = PSP_HDR_LEN + crypt_off;
		j->ct_len = region_len - crypt_off;
	}
}

enum gcm_result {
	GCM_OK = 0,
	GCM_BAD_ICV = 1,	/* open only: the ICV does not verify */
	GCM_NO_KEY = 2,		/* no key, or a key of another version */
	GCM_ERROR = 3,		/* the packet is not what the job says */
};

#ifdef PSP_KMOD
#include "crypto_kmod.h"
#else
#include "crypto_bpf.h"
#endif

#endif /* __PSP_BPF_CRYPTO_H */
