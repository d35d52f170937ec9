/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Structure-aware mutations of Ethernet frames for the program fuzzer:
 * they find the IP header, its options or extension chain, UDP, the PSP
 * header, VC and ICV, and change what a receiver or sender must judge
 * (lengths, crypt offset, version and flags, SPI, options, chains),
 * rather than flipping bits blindly, so that most inputs get past the
 * first check they meet.
 */
#ifndef __PSP_FUZZ_MUTATE_H
#define __PSP_FUZZ_MUTATE_H

#include <stddef.h>
#include <stdint.h>

/* room for the largest frame test_run takes on XDP in one page, and more */
#define FZ_FRAME_MAX	4096
#define FZ_LEN_MAX	3000	/* what the fuzzers make: under XDP's one page */

struct fz_frame {
	uint8_t b[FZ_FRAME_MAX];
	size_t len;
};

/* Where a frame's headers are, as far as they can be found: 0 if not. */
struct fz_layout {
	int family;		/* 4, 6, or 0: not IP */
	size_t ip_hlen;		/* IPv4 header with options, IPv6 with extensions */
	size_t l4;		/* offset of the L4 header in the frame */
	uint8_t proto;
	size_t psp;		/* offset of the PSP header (UDP to port 1000) */
};

void fz_layout(const struct fz_frame *f, struct fz_layout *l);

/* The mutations, by name, for the fuzzer's statistics. */
#define FZ_MUTATIONS(X)			\
	X(FIELD, "field")		\
	X(TRUNCATE, "truncate")		\
	X(EXTEND, "extend")		\
	X(FLIP, "bit-flip")		\
	X(SPLICE, "insert-delete")	\
	X(V4_OPTIONS, "ipv4-options")	\
	X(V6_CHAIN, "ipv6-chain")	\
	X(FIX_LENGTHS, "fix-lengths")

enum fz_mutation {
#define __FZ_ENUM(id, name) FZ_##id,
	FZ_MUTATIONS(__FZ_ENUM)
#undef __FZ_ENUM
	FZ__MAX
};

extern const char *const fz_mutation_name[FZ__MAX];

/*
 * Applies one to four mutations to f, drawing from *rng; spis are SPIs
 * worth trying (the device's). Counts each mutation done in done[].
 */
void fz_mutate(struct fz_frame *f, uint32_t *rng, const uint32_t *spis, size_t n_spis,
	       uint64_t done[FZ__MAX]);

/* Sets the IP and UDP lengths to what the frame holds. */
void fz_fix_lengths(struct fz_frame *f);

#endif /* __PSP_FUZZ_MUTATE_H */
