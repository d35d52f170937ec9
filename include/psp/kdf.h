/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * PSP key derivation (PSP Architecture Specification, "Key Derivation"):
 * NIST SP 800-108 in counter mode, with AES-256-CMAC keyed by the device
 * key of the SPI's phase (SPI bit 31) as its PRF. Block i (from 1) of the
 * derived key is CMAC(K, input(i)); a 256-bit key takes two blocks. Each
 * input is one whole block, so CMAC is AES_K(input XOR K1) with
 * K1 = dbl(AES_K(0)).
 *
 * Built here for every user: the userspace reference, the `bpf` backend's
 * control program and the kernel module.
 */
#ifndef __PSP_KDF_H
#define __PSP_KDF_H

#include "types.h"

/* input(i): i, the label "Pv0" or "Pv1", 0, the SPI, the key length in
 * bits, each integer big-endian. */
static inline void psp_kdf_input(__u32 i, __u32 spi, __u32 key_bits, __u8 block[16])
{
	block[0] = (__u8)(i >> 24);
	block[1] = (__u8)(i >> 16);
	block[2] = (__u8)(i >> 8);
	block[3] = (__u8)i;
	block[4] = 'P';
	block[5] = 'v';
	block[6] = key_bits == 128 ? '0' : '1';
	block[7] = 0;
	block[8] = (__u8)(spi >> 24);
	block[9] = (__u8)(spi >> 16);
	block[10] = (__u8)(spi >> 8);
	block[11] = (__u8)spi;
	block[12] = 0;
	block[13] = 0;
	block[14] = (__u8)(key_bits >> 8);
	block[15] = (__u8)key_bits;
}

/* b = b * x in GF(2^128) as CMAC doubles its subkeys: shift left, fold
 * the carry back with 0x87. */
static inline void psp_cmac_dbl(__u8 b[16])
{
	__u8 carry = b[0] >> 7;
	int i;

	for (i = 0; i < 15; i++)
		b[i] = (__u8)(b[i] << 1 | b[i + 1] >> 7);
	b[15] = (__u8)(b[15] << 1) ^ (carry ? 0x87 : 0);
}

#endif /* __PSP_KDF_H */
