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
 * to forge ICVs; BPF reads a kptr object only at constant offsets, so a
 * table there could not be indexed either. 256 bytes of stack, 32
 * lookups per block in 16 steps.
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
struct ghash {
	__u64 hi, lo;
	struct {
		__u64 hi, lo;
	} t[16];
};

#define GCM_R	0xe100000000000000ULL

/* v * x */
static __always_inline void gf_mulx(__u64 *hi, __u64 *lo)
{
	__u64 carry = *lo & 1;

	*lo = (*lo >> 1) | (*hi << 63);
	*hi = (*hi >> 1) ^ (GCM_R & -carry);
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
 * lookup is on the chain of dependent steps. One reduction at the end,
 * x^128 = x^7 + x^2 + x + 1: z2,z3 times that, shifted right, and what
 * that shifts out past x^127 (o, in the top bits) times it once more.
 *
 * Each step's z is fixed through barrier_var() (an empty asm from
 * libbpf): LLVM otherwise extracts all nibbles up front, or spreads the
 * shifts over the XORs, and spills past the 512-byte stack.
 */
static __noinline __u64 ghash_mul(struct ghash *g)
{
	__u64 xh = g->hi, xl = g->lo, z0 = 0, z1 = 0, z2 = 0, z3 = 0, o;

PSP_UNROLL
	for (int i = 15; i >= 0; i--) {
		__u32 a, b;

		z3 = (z3 >> 4) | (z2 << 60);
		z2 = (z2 >> 4) | (z1 << 60);
		z1 = (z1 >> 4) | (z0 << 60);
		z0 >>= 4;
		a = xh & 0xf;
		xh >>= 4;
		barrier_var(xh);
		z0 ^= g->t[a].hi;
		z1 ^= g->t[a].lo;
		barrier_var(z0);
		barrier_var(z1);
		b = xl & 0xf;
		xl >>= 4;
		barrier_var(xl);
		z1 ^= g->t[b].hi;
		z2 ^= g->t[b].lo;
		barrier_var(z1);
		barrier_var(z2);
		barrier_var(z3);
	}
	o = (z3 << 63) ^ (z3 << 62) ^ (z3 << 57);
	g->lo = z1 ^ z3 ^ ((z3 >> 1) | (z2 << 63)) ^ ((z3 >> 2) | (z2 << 62)) ^
		  ((z3 >> 7) | (z2 << 57));
	return z0 ^ z2 ^ (z2 >> 1) ^ (z2 >> 2) ^ (z2 >> 7) ^ o ^ (o >> 1) ^ (o >> 2) ^ (o >> 7);
}

/* Absorb one 16-byte block given as big-endian words. */
static __always_inline void ghash_block(struct ghash *g, __u64 hi, __u64 lo)
{
	g->hi ^= hi;
	g->lo ^= lo;
	g->hi = ghash_mul(g);
}

#endif /* __PSP_GHASH_H */
