/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The `bpf` crypto backend: AES-GCM and AES-GMAC over a PSP packet from
 * the kernel's ecb(aes) through the BPF crypto kfuncs, which offer no AEAD
 * and no CTR mode on a stock kernel:
 *
 *  - the counter blocks J0, J0+1, ... J0+n go to a per-CPU buffer and one
 *    bpf_crypto_encrypt() call turns them into E(J0) and the keystream;
 *  - GHASH runs in BPF (ghash.h) over an 8-bit table of the association's
 *    H (H itself is in a kptr object, which BPF reads only at constant
 *    offsets, so not as a table): the table is built into psp_ghash, a
 *    per-CPU map of the program's own, not pinned, its descriptor
 *    write-only (docs/architecture.md says what that leaves open), and
 *    kept there for the next packet of the same H: one build per key and
 *    CPU while a CPU's packets keep to a few associations;
 *  - one pass over the payload XORs the keystream and hashes the
 *    ciphertext, before the XOR on receive and after it on transmit;
 *  - each keystream block is zeroed in the buffer as it is used, E(J0)
 *    once the tag has it, and the whole buffer if the packet fails half
 *    way: the buffer is a map value, which userspace can read, and
 *    keystream XORed with the ciphertext would give the plaintext.
 *
 * On receive the payload is decrypted in place before the ICV is checked;
 * a packet whose ICV fails is dropped, so its bytes never leave XDP.
 *
 * All of it runs in one global function per program type (DEFINE_PSP_GCM),
 * which the verifier checks once on its own rather than in every state of
 * the caller.
 */
#ifndef __PSP_BPF_CRYPTO_BPF_H
#define __PSP_BPF_CRYPTO_BPF_H

#include <psp/ghash.h>
#include "maps.h"
#include "parse.h"

static __always_inline __u64 be64_at(const __u8 *p)
{
	return bpf_be64_to_cpu(*(const __u64 *)p);
}

/* Loads up to 16 packet bytes at off, zero-padded. */
static __always_inline int load_partial(void *data, void *data_end, __u32 off, __u32 n,
					__u8 buf[16])
{
	__builtin_memset(buf, 0, 16);
	for (int k = 0; k < 16; k++) {
		__u8 *p;

		if (k >= (int)n)
			break;
		p = pkt_ptr(data, off + k);
		if ((void *)(p + 1) > data_end)
			return -1;
		buf[k] = *p;
	}
	return 0;
}

/* Writes J0, J0+1 .. J0+nblocks (nonce || 32-bit counter from 1) and
 * encrypts them in place. */
static __always_inline int make_keystream(struct bpf_crypto_ctx *aes, struct psp_scratch *s,
					  const __u8 *hdr, __u32 nblocks)
{
	__u64 nonce_a = *(const __u64 *)(hdr + 4);
	__u32 nonce_b = *(const __u32 *)(hdr + 12);
	struct bpf_dynptr d;
	__u32 i;

	psp_for(i, 0, nblocks + 1) {
		__u32 off = (i * 16) & 0xffff;

		if (off + 16 > sizeof(s->ks))
			return -1;
		*(__u64 *)(s->ks + off) = nonce_a;
		*(__u32 *)(s->ks + off + 8) = nonce_b;
		*(__u32 *)(s->ks + off + 12) = bpf_htonl(i + 1);
	}
	if (bpf_dynptr_from_mem(s->ks, sizeof(s->ks), 0, &d) ||
	    bpf_dynptr_adjust(&d, 0, (nblocks + 1) * 16))
		return -1;
	return bpf_crypto_encrypt(aes, &d, &d, NULL);
}

/* GHASH over len packet bytes at off, the last block zero-padded. */
static __always_inline int ghash_packet(struct ghash8 *g,
					void *data, void *data_end, __u32 off, __u32 len,
					__u8 buf[16])
{
	__u32 i, full = len / 16;

	psp_for(i, 0, full) {
		__u8 *p = pkt_ptr(data, off + i * 16);

		if ((void *)(p + 16) > data_end)
			return -1;
		ghash8_block(g, be64_at(p), be64_at(p + 8));
	}
	if (len % 16) {
		if (load_partial(data, data_end, off + full * 16, len % 16, buf))
			return -1;
		ghash8_block(g, be64_at(buf), be64_at(buf + 8));
	}
	return 0;
}

/* Zeroes the keystream buffer: what a packet that failed half way left
 * of it (the failure is rare; the whole buffer keeps nothing else live). */
static __always_inline void ks_wipe(struct psp_scratch *s)
{
	__u32 i;

	psp_for(i, 0, sizeof(s->ks) / 16) {
		__u32 off = (i * 16) & 0xffff;

		if (off + 16 > sizeof(s->ks))
			return;
		*(__u64 *)(s->ks + off) = 0;
		*(__u64 *)(s->ks + off + 8) = 0;
	}
}

/* The CTR part: XOR the keystream into len bytes at off and hash the
 * ciphertext, block by block, zeroing each keystream block as it goes. */
static __always_inline int ctr_ghash(struct ghash8 *g,
				     struct psp_scratch *s, void *data, void *data_end,
				     __u32 off, __u32 len, int encrypt, __u8 buf[16])
{
	__u32 i, full = len / 16, rest = len % 16;

	psp_for(i, 0, full) {
		__u8 *p = pkt_ptr(data, off + i * 16);
		__u32 k = ((i + 1) * 16) & 0xffff;
		__u64 *w, hi, lo;

		if ((void *)(p + 16) > data_end || k + 16 > sizeof(s->ks))
			return -1;
		w = (__u64 *)p;
		hi = w[0];
		lo = w[1];
		if (!encrypt)
			ghash8_block(g, bpf_be64_to_cpu(hi), bpf_be64_to_cpu(lo));
		hi ^= *(const __u64 *)(s->ks + k);
		lo ^= *(const __u64 *)(s->ks + k + 8);
		*(__u64 *)(s->ks + k) = 0;
		*(__u64 *)(s->ks + k + 8) = 0;
		w[0] = hi;
		w[1] = lo;
		if (encrypt)
			ghash8_block(g, bpf_be64_to_cpu(hi), bpf_be64_to_cpu(lo));
	}
	if (rest) {
		__u32 k = ((full + 1) * 16) & 0xffff, base = off + full * 16;

		if (load_partial(data, data_end, base, rest, buf) || k + 16 > sizeof(s->ks))
			return -1;
		if (!encrypt)
			ghash8_block(g, be64_at(buf), be64_at(buf + 8));
		for (int j = 0; j < 16; j++) {
			__u8 *p;

			if (j >= (int)rest)
				break;
			p = pkt_ptr(data, base + j);
			if ((void *)(p + 1) > data_end)
				return -1;
			buf[j] ^= s->ks[k + j];
			*p = buf[j];
		}
		*(__u64 *)(s->ks + k) = 0;
		*(__u64 *)(s->ks + k + 8) = 0;
		if (encrypt)
			ghash8_block(g, be64_at(buf), be64_at(buf + 8));
	}
	return 0;
}

/*
 * The 8-bit tables of H for this packet: the cached ones when they are
 * of the same H, else built there (ghash.h). The map has a few ways,
 * chosen by H's low bits, so that interleaved associations on one CPU
 * mostly keep their tables.
 */
static __always_inline struct ghash8_tab *ghash8_table(const struct psp_hkey *h)
{
	__u32 i, way = h->lo & (PSP_GHASH_WAYS - 1);
	struct ghash8_tab *t = bpf_map_lookup_elem(&psp_ghash, &way);
	__u64 hi, lo;

	if (!t)
		return NULL;
	if (t->h_hi == h->hi && t->h_lo == h->lo)
		return t;
	/* t[j][0x80] = H * x^(8j), t[j][0x40] = H * x^(8j + 1), ... */
	hi = h->hi;
	lo = h->lo;
	for (int j = 0; j < GHASH8_POS; j++) {
		for (int n = 0x80; n; n >>= 1) {
			t->t[j][n].hi = hi;
			t->t[j][n].lo = lo;
			gf_mulx(&hi, &lo);
		}
	}
	/* the rest by linearity: t[j][n] = t[j][lowest bit of n] + t[j][the others] */
	psp_for(i, 1, GHASH8_POS * 256) {
		__u32 j = i >> 8, n = i, low = i & -i, rest = i ^ low;

		/* masks the compiler would drop as redundant, for the verifier */
		barrier_var(j);
		barrier_var(n);
		barrier_var(low);
		barrier_var(rest);
		j &= GHASH8_POS - 1;
		n &= 0xff;
		low &= 0xff;
		rest &= 0xff;
		if (!rest || !n)
			continue;
		t->t[j][n].hi = t->t[j][low].hi ^ t->t[j][rest].hi;
		t->t[j][n].lo = t->t[j][low].lo ^ t->t[j][rest].lo;
	}
	t->h_hi = h->hi;
	t->h_lo = h->lo;
	return t;
}

/*
 * Seal (encrypt, write the ICV) or open (decrypt, check the ICV) the PSP
 * packet the job describes, with the key k.
 */
static __always_inline int psp_gcm(void *data, void *data_end, struct psp_key *k,
				   const struct gcm_job *j, __u32 slot)
{
	__u32 nblocks = (j->ct_len + 15) / 16;
	struct bpf_crypto_ctx *aes;
	struct ghash8 g = {};
	struct psp_scratch *s;
	__u8 buf[16];
	struct psp_hkey *h;
	__u8 *hdr, *icv;
	__u64 th, tl;

	if (!k || k->version != j->version)
		return GCM_NO_KEY;
	aes = k->aes;
	h = k->hkey;
	if (!aes || !h)
		return GCM_NO_KEY;
	if (nblocks > PSP_MAX_BLOCKS)
		return GCM_ERROR;
	s = bpf_map_lookup_elem(&psp_scratch, &slot);
	hdr = pkt_ptr(data, j->hdr_off);
	if (!s || (void *)(hdr + PSP_HDR_LEN) > data_end)
		return GCM_ERROR;
	g.tab = ghash8_table(h);
	if (!g.tab)
		return GCM_ERROR;
	if (make_keystream(aes, s, hdr, nblocks))
		goto fail;

	if (ghash_packet(&g, data, data_end, j->hdr_off, j->aad_len, buf) ||
	    ctr_ghash(&g, s, data, data_end, j->hdr_off + j->aad_len, j->ct_len,
		      j->encrypt, buf))
		goto fail;
	/* the lengths block: bits of AAD, bits of ciphertext */
	ghash8_block(&g, (__u64)j->aad_len * 8, (__u64)j->ct_len * 8);
	th = g.hi ^ be64_at(s->ks);
	tl = g.lo ^ be64_at(s->ks + 8);
	*(__u64 *)s->ks = 0;
	*(__u64 *)(s->ks + 8) = 0;

	icv = pkt_ptr(data, j->hdr_off + j->aad_len + j->ct_len);
	if ((void *)(icv + PSP_ICV_LEN) > data_end)
		return GCM_ERROR;
	if (j->encrypt) {
		*(__u64 *)icv = bpf_cpu_to_be64(th);
		*(__u64 *)(icv + 8) = bpf_cpu_to_be64(tl);
		return GCM_OK;
	}
	return ((be64_at(icv) ^ th) | (be64_at(icv + 8) ^ tl)) ? GCM_BAD_ICV : GCM_OK;
fail:
	ks_wipe(s);
	return GCM_ERROR;
}

/*
 * name(ctx, job, key): psp_gcm() with the key found in map under *key, as
 * a global function for ctx_type. Returns enum gcm_result.
 */
#define DEFINE_PSP_GCM(name, ctx_type, map, key_type, slot)			\
__noinline int name(ctx_type *ctx, const struct gcm_job *j, const key_type *key) \
{										\
	if (!j || !key)								\
		return GCM_ERROR;						\
	return psp_gcm((void *)(long)ctx->data, (void *)(long)ctx->data_end,	\
		       bpf_map_lookup_elem(&map, key), j, slot);		\
}

#define DEFINE_PSP_RX_GCM(name)							\
	DEFINE_PSP_GCM(name, struct xdp_md, psp_rx_keys, struct psp_spi_key, PSP_SCRATCH_RX)
#define DEFINE_PSP_TX_GCM(name)							\
	DEFINE_PSP_GCM(name, struct __sk_buff, psp_tx_keys, struct psp_spi_key, PSP_SCRATCH_TX)

#endif /* __PSP_BPF_CRYPTO_BPF_H */
