/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * GHASH with Shoup's 4-bit tables, for the BPF programs of the `bpf`
 * backend and for the kernel module.
 *
 * A 128-bit value is two u64: hi holds bytes 0-7 and lo bytes 8-15, read
 * big-endian, which is how GCM numbers its bits (bit 0 = x^0 is the top
 * bit of hi; multiplying by x shifts right).
 *
 * The table (16 multiples of H) is built per packet on the stack from H:
 * a table kept in a map would be readable from userspace, and H is enough
 * to forge ICVs. 256 bytes of stack, 32 lookups per block.
 */
#ifndef __PSP_GHASH_H
#define __PSP_GHASH_H

#include "types.h"

#ifndef __noinline
#define __noinline	__attribute__((__noinline__))
#endif
#ifndef barrier_var
#define barrier_var(var) __asm__ __volatile__("" : "+r"(var))
#endif
#ifdef __clang__
#define PSP_UNROLL	_Pragma("unroll")
#else
#define PSP_UNROLL	_Pragma("GCC unroll 32")
#endif

struct ghash_state {
	__u64 hi, lo;
};

/* t[n]: the element whose first 4 bits are the nibble n (its top bit
 * first), times H. */
struct ghash_tab {
	__u64 hi[16], lo[16];
};

/*
 * What the four bits shifted out at the end by a multiplication by x^4
 * reduce to (x^128 = x^7 + x^2 + x + 1), at the top of hi: for each bit k
 * of the nibble, counting from its top, 0xe1 << 56 >> k.
 */
static const __u64 ghash_rem4[16] = {
	0x0000ULL << 48, 0x1c20ULL << 48, 0x3840ULL << 48, 0x2460ULL << 48,
	0x7080ULL << 48, 0x6ca0ULL << 48, 0x48c0ULL << 48, 0x54e0ULL << 48,
	0xe100ULL << 48, 0xfd20ULL << 48, 0xd940ULL << 48, 0xc560ULL << 48,
	0x9180ULL << 48, 0x8da0ULL << 48, 0xa9c0ULL << 48, 0xb5e0ULL << 48,
};

#define GCM_R	0xe100000000000000ULL

/* v * x */
static __always_inline void gf_mulx(__u64 *hi, __u64 *lo)
{
	__u64 carry = *lo & 1;

	*lo = (*lo >> 1) | (*hi << 63);
	*hi = (*hi >> 1) ^ (GCM_R & -carry);
}

static __always_inline void ghash_tab_build(struct ghash_tab *t, __u64 h_hi, __u64 h_lo)
{
	t->hi[0] = 0;
	t->lo[0] = 0;
	t->hi[8] = h_hi;
	t->lo[8] = h_lo;
PSP_UNROLL
	for (int n = 4; n > 0; n >>= 1) {
		__u64 hi = t->hi[2 * n], lo = t->lo[2 * n];

		gf_mulx(&hi, &lo);
		t->hi[n] = hi;
		t->lo[n] = lo;
	}
	/* the rest by linearity: t[a + b] = t[a] + t[b] */
#define GHASH_TAB_SUM(n, top)						\
	do {								\
		t->hi[n] = t->hi[top] ^ t->hi[(n) - (top)];		\
		t->lo[n] = t->lo[top] ^ t->lo[(n) - (top)];		\
	} while (0)
	GHASH_TAB_SUM(3, 2);
	GHASH_TAB_SUM(5, 4);
	GHASH_TAB_SUM(6, 4);
	GHASH_TAB_SUM(7, 4);
	GHASH_TAB_SUM(9, 8);
	GHASH_TAB_SUM(10, 8);
	GHASH_TAB_SUM(11, 8);
	GHASH_TAB_SUM(12, 8);
	GHASH_TAB_SUM(13, 8);
	GHASH_TAB_SUM(14, 8);
	GHASH_TAB_SUM(15, 8);
#undef GHASH_TAB_SUM
}

/*
 * y = y * H, Horner over the 32 nibbles from the last: z = z * x^4 + t[n].
 * Nibbles are taken one at a time through barrier_var() (an empty asm
 * from libbpf) so that LLVM does not extract all of them up front and
 * spill them past the 512-byte stack.
 */
static __noinline void ghash_mul(struct ghash_state *y, const struct ghash_tab *t)
{
	__u64 x = y->lo, zh = 0, zl = 0;

PSP_UNROLL
	for (int i = 31; i >= 0; i--) {
		__u32 n;

		if (i == 15)
			x = y->hi;
		barrier_var(x);
		n = x & 0xf;
		x >>= 4;
		if (i != 31) {
			__u32 r = zl & 0xf;

			zl = (zl >> 4) | (zh << 60);
			zh = (zh >> 4) ^ ghash_rem4[r];
		}
		zh ^= t->hi[n];
		zl ^= t->lo[n];
	}
	y->hi = zh;
	y->lo = zl;
}

/* Absorb one 16-byte block given as big-endian words. */
static __always_inline void ghash_block(struct ghash_state *y, __u64 hi, __u64 lo,
					const struct ghash_tab *t)
{
	y->hi ^= hi;
	y->lo ^= lo;
	ghash_mul(y, t);
}

#endif /* __PSP_GHASH_H */
