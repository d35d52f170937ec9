/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * GHASH with Shoup's tables, in two forms:
 *
 *  - struct ghash: a 4-bit table (16 multiples of H, 256 bytes) that fits
 *    on the stack, built from H for each packet. The kernel module's
 *    portable path uses it.
 *  - struct ghash8: 8-bit tables (4 x 256 multiples of H, 16 KiB) held
 *    in memory the caller provides and builds once per H. The `bpf`
 *    backend keeps them in a per-CPU map (bpf/lib/crypto_bpf.h): a third
 *    of the work per block of the 4-bit one.
 *
 * A 128-bit value is two u64: hi holds bytes 0-7 and lo bytes 8-15, read
 * big-endian, which is how GCM numbers its bits (bit 0 = x^0 is the top
 * bit of hi; multiplying by x shifts right).
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

/*
 * A GHASH in progress: the running value, and the table of H it
 * multiplies by, side by side so that one pointer reaches both (the
 * multiplication, a BPF subprogram, then needs no register for another).
 * t[n]: the element whose first 4 bits are the nibble n (its top bit
 * first), times H.
 */
struct gf128 {
	__u64 hi, lo;
};

struct ghash {
	__u64 hi, lo;
	struct gf128 t[16];
};

#define GCM_R	0xe100000000000000ULL

/* v * x */
static __always_inline void gf_mulx(__u64 *hi, __u64 *lo)
{
	__u64 carry = *lo & 1;

	*lo = (*lo >> 1) | (*hi << 63);
	*hi = (*hi >> 1) ^ (GCM_R & -carry);
}

/*
 * z0..z3 (z0: x^0..x^63, up to x^255) modulo the GCM polynomial: writes
 * the lower half to *lo and returns the upper one. x^128 = x^7 + x^2 +
 * x + 1: z2,z3 times that, shifted right, and what that shifts out past
 * x^127 (o, in the top bits) times it once more.
 */
static __always_inline __u64 gf_reduce256(__u64 z0, __u64 z1, __u64 z2, __u64 z3, __u64 *lo)
{
	__u64 o = (z3 << 63) ^ (z3 << 62) ^ (z3 << 57);

	*lo = z1 ^ z3 ^ ((z3 >> 1) | (z2 << 63)) ^ ((z3 >> 2) | (z2 << 62)) ^
	      ((z3 >> 7) | (z2 << 57));
	return z0 ^ z2 ^ (z2 >> 1) ^ (z2 >> 2) ^ (z2 >> 7) ^ o ^ (o >> 1) ^ (o >> 2) ^ (o >> 7);
}

/* z0..z3 times x^n: a shift right by n bits, 0 < n < 64 */
static __always_inline void gf_shr256(__u64 *z0, __u64 *z1, __u64 *z2, __u64 *z3, unsigned int n)
{
	*z3 = (*z3 >> n) | (*z2 << (64 - n));
	*z2 = (*z2 >> n) | (*z1 << (64 - n));
	*z1 = (*z1 >> n) | (*z0 << (64 - n));
	*z0 >>= n;
}

/*
 * One step of a multiplication by table t: the entries of the low `bits`
 * bits of *xh and of *xl, which are shifted out, added to z0..z2, *xl's
 * one word lower (x^64 is a word's shift). Each value is fixed through
 * barrier_var() (an empty asm from libbpf): LLVM otherwise extracts all
 * indexes up front, or spreads the shifts over the XORs, and spills past
 * the 512-byte stack.
 */
static __always_inline void gf_add_step(__u64 *z0, __u64 *z1, __u64 *z2, __u64 *xh, __u64 *xl,
					const struct gf128 *t, unsigned int bits)
{
	__u64 x = *xh, y = *xl, a0 = *z0, a1 = *z1, a2 = *z2;
	__u32 a = x & ((1u << bits) - 1), b;

	x >>= bits;
	barrier_var(x);
	a0 ^= t[a].hi;
	a1 ^= t[a].lo;
	b = y & ((1u << bits) - 1);
	y >>= bits;
	barrier_var(y);
	a1 ^= t[b].hi;
	a2 ^= t[b].lo;
	barrier_var(a0);
	barrier_var(a1);
	barrier_var(a2);
	*xh = x;
	*xl = y;
	*z0 = a0;
	*z1 = a1;
	*z2 = a2;
}

/* A GHASH from 0 with the key H. */
static __always_inline void ghash_init(struct ghash *g, __u64 h_hi, __u64 h_lo)
{
	g->hi = 0;
	g->lo = 0;
	g->t[0].hi = 0;
	g->t[0].lo = 0;
	g->t[8].hi = h_hi;
	g->t[8].lo = h_lo;
PSP_UNROLL
	for (int n = 4; n > 0; n >>= 1) {
		__u64 hi = g->t[2 * n].hi, lo = g->t[2 * n].lo;

		gf_mulx(&hi, &lo);
		g->t[n].hi = hi;
		g->t[n].lo = lo;
	}
	/* the rest by linearity: t[a + b] = t[a] + t[b] */
#define GHASH_TAB_SUM(n, top)						\
	do {								\
		g->t[n].hi = g->t[top].hi ^ g->t[(n) - (top)].hi;	\
		g->t[n].lo = g->t[top].lo ^ g->t[(n) - (top)].lo;	\
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
 * (g->hi, g->lo) * H: writes the lower half of the product and returns
 * the upper one (a result in R0: a void subprogram may be left with a
 * pointer to the caller's stack there, which the verifier refuses).
 *
 * Shoup's method sums t[n_i] * x^(4i) over the 32 nibbles n_i (n_0 the
 * top nibble of hi). Nibbles i and i + 16 sit at one bit position in hi
 * and in lo, and x^64 is a word's shift: each step takes both, t[n_i]
 * plus t[n_(i+16)] one word lower, and Horner over the 16 steps, from
 * the last, z = z * x^4 + that, shifts z once a step rather than once a
 * nibble. z is not reduced on the way: it grows into 256 bits z0..z3
 * (z0: x^0..x^63), so multiplying it by x^4 is a shift, and no table
 * lookup is on the chain of dependent steps. One reduction at the end.
 */
static __noinline __u64 ghash_mul(struct ghash *g)
{
	__u64 xh = g->hi, xl = g->lo, z0 = 0, z1 = 0, z2 = 0, z3 = 0;

PSP_UNROLL
	for (int i = 15; i >= 0; i--) {
		gf_shr256(&z0, &z1, &z2, &z3, 4);
		gf_add_step(&z0, &z1, &z2, &xh, &xl, g->t, 4);
		barrier_var(z3);
	}
	return gf_reduce256(z0, z1, z2, z3, &g->lo);
}

/* Absorb one 16-byte block given as big-endian words. */
static __always_inline void ghash_block(struct ghash *g, __u64 hi, __u64 lo)
{
	g->hi ^= hi;
	g->lo ^= lo;
	g->hi = ghash_mul(g);
}

/*
 * The 8-bit tables of H: t[j][n] is the element whose first 8 bits are
 * the byte n (its top bit first), times H * x^(8j). Four of them, so that
 * a multiplication shifts its running sum once per four bytes rather
 * than once per byte. h_hi, h_lo name the H they were built for; all
 * zero, they are the (all-zero) tables of H = 0, so zeroed tables are
 * valid ones.
 */
#define GHASH8_POS	4

struct ghash8_tab {
	__u64 h_hi, h_lo;
	struct gf128 t[GHASH8_POS][256];
};

/* A GHASH in progress over 8-bit tables. */
struct ghash8 {
	__u64 hi, lo;
	struct ghash8_tab *tab;
};

/*
 * (g->hi, g->lo) * H, a byte of hi and a byte of lo at a time. Byte i
 * of hi (i = 0 the top) times H is t[i % 4][byte] * x^(8 * (i - i % 4));
 * byte i of lo the same one word further (x^64 is a word's shift, as in
 * ghash_mul()). Horner over the two groups of four bytes, from the last:
 * z = z * x^32 + the group's eight entries, z unreduced in 256 bits (the
 * highest term: x^127 * x^24 * x^64 * x^32), one reduction at the end.
 */
static __noinline __u64 ghash8_mul(struct ghash8 *g)
{
	__u64 xh = g->hi, xl = g->lo, z0 = 0, z1 = 0, z2 = 0, z3 = 0;
	struct ghash8_tab *t = g->tab;

PSP_UNROLL
	for (int i = 7; i >= 0; i--) {
		if (i == 3)
			gf_shr256(&z0, &z1, &z2, &z3, 32);
		gf_add_step(&z0, &z1, &z2, &xh, &xl, t->t[i & 3], 8);
		barrier_var(z3);
	}
	return gf_reduce256(z0, z1, z2, z3, &g->lo);
}

/* Absorb one 16-byte block given as big-endian words. */
static __always_inline void ghash8_block(struct ghash8 *g, __u64 hi, __u64 lo)
{
	g->hi ^= hi;
	g->lo ^= lo;
	g->hi = ghash8_mul(g);
}

#endif /* __PSP_GHASH_H */
