/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Map keys and values shared by the BPF programs and the loader.
 *
 * All maps are global (one set per host), pinned by name, and keyed by the
 * PSP device id where they hold per-device state: a program loaded by
 * `ip link set dev X xdp obj psp_rx.bpf.o` finds them by name and its device
 * through psp_devs, keyed by the network namespace cookie and ifindex the
 * packet arrived on.
 *
 * Nothing a userspace read can reach holds key material: device keys and
 * association keys live in kernel crypto contexts, and GHASH tables in
 * objects the programs allocate; maps hold only pointers (kptrs) to both,
 * which a map lookup from userspace returns as zero. (BPF_F_WRONLY would
 * not do: it restricts the creating file descriptor, not the pinned map.)
 */
#ifndef __PSP_MAPS_H
#define __PSP_MAPS_H

#include "types.h"
#include "counters.h"
#include "wire.h"

#define PSP_MAX_DEVS		256	/* device ids 1..255 */
#define PSP_MAX_ASSOCS		1024	/* Rx and Tx associations, each */

/* Longest region (VC + payload) the datapath encrypts, in 16-byte blocks. */
#define PSP_MAX_BLOCKS		576	/* 9216 bytes: a 9000-byte MTU and then some */

#ifdef __bpf__
#define __psp_kptr(type)	struct type __attribute__((btf_type_tag("kptr"))) *
#else
#define __psp_kptr(type)	__u64	/* never readable: the kernel zeroes it */
#endif

/* psp_devs: which (netns, ifindex) pairs are PSP devices. */
struct psp_dev_key {
	__u64 netns_cookie;
	__u32 ifindex;
	__u32 pad;
};

#define PSP_DEV_F_AES_GENERIC	(1u << 0)	/* T-table AES: faster, not constant time */

struct psp_dev_cfg {
	__u32 id;		/* PSP device id, 1..PSP_MAX_DEVS-1 */
	__u32 ifindex;
	__u32 versions_cap;	/* 1 << version */
	__u32 versions_ena;	/* versions accepted on receive */
	__u32 mark_value;	/* egress packets with (mark & mask) == value */
	__u32 mark_mask;	/* must be PSP; mask 0: no mark rule */
	__u32 flags;		/* PSP_DEV_F_* */
	__u32 mtu;		/* device MTU when added: MSS clamp and size checks */
	__u32 saved_gso_max_segs;	/* restored by dev del */
	__u32 generation;	/* device key generation */
	__u32 phase;		/* SPI bit 31 of new associations: the newest key */
	__u32 spi_last;		/* lower 31 bits of the last SPI handed out */
	/* control-plane counters, here rather than in the per-CPU psp_stats
	 * that the datapath updates: userspace changes them under its lock */
	__u64 key_rotations;
	__u64 stale_events;
	__u64 netns_cookie;
	char ifname[16];
};

/*
 * Per-device counters, indexed by device id (PERCPU_ARRAY). A power-of-two
 * number of slots lets the programs bound an index with a mask.
 */
#define PSP_STATS_SLOTS		32
_Static_assert(PSP_CNT__MAX <= PSP_STATS_SLOTS, "more counters than slots");

struct psp_stats {
	__u64 cnt[PSP_STATS_SLOTS];
};

/* One TCP connection as this host sees it: local side first. */
struct psp_flow {
	__u32 dev_id;
	__u16 family;		/* AF_INET or AF_INET6 */
	__be16 lport;
	__be16 rport;
	__u16 pad;
	__be32 laddr[4];	/* IPv4 in [0] */
	__be32 raddr[4];
};

struct psp_spi_key {
	__u32 dev_id;
	__u32 spi;
};

/*
 * psp_rx_sa: what receive needs to know about an SPI, besides its key.
 * generation: the device key generation it was derived in; after two
 * rotations the association is stale (PSP_GEN_STALE set) and its key gone.
 */
#define PSP_GEN_MASK		0x7f
#define PSP_GEN_STALE		0x80

struct psp_rx_sa {
	__u32 version;
	__u32 generation;
	struct psp_flow flow;
};

/*
 * psp_assocs: the PSP state of a TCP flow, for the receive policy of Linux
 * net/psp (Documentation/networking/psp.rst):
 *
 *                          no entry   Rx PSP   Tx PSP   PSP Full
 *   plain data             accept     accept   drop     drop
 *   plain ACK/RST/FIN(*)   accept     accept   accept   drop
 *   PSP of its SPI         drop       accept   accept   accept
 *   PSP of another SPI     drop       drop     drop     drop
 *
 * Rx PSP: rx-assoc done; Tx PSP: tx-assoc done too; PSP Full: a PSP packet
 * of the flow has arrived since. (*) a FIN only at the sequence number the
 * upgrade latched: the first encrypted packet's ACK, what the socket had
 * received by then.
 */
struct psp_assoc {
	__u32 rx_spi;
	__u32 version;
	__u8 has_tx;		/* Tx PSP */
	__u8 peer_tx;		/* PSP Full */
	__u8 upgrade_seq_set;
	__u8 pad;
	__u32 upgrade_seq;
};

/* psp_tx_sa: how to send a flow's packets. */
struct psp_tx_sa {
	__u32 spi;
	__u8 version;
	__u8 crypt_off;		/* 4-byte units */
	__u8 has_vc;
	__u8 pad;
	__u8 vc[PSP_VC_LEN];
	__u64 iv;		/* last IV used; atomically incremented */
};

/*
 * The GHASH key H = AES_K(0) of an association, in an object the programs
 * allocate: the datapath builds its multiplication table from it on the
 * stack, per packet, so no table derived from H sits in a readable map.
 */
struct psp_hkey {
	__u64 hi, lo;		/* big-endian words */
};

/* psp_rx_keys (by SPI), psp_tx_keys (by flow): an association's key. */
struct psp_key {
	__psp_kptr(bpf_crypto_ctx) aes;		/* AES-ECB with the association key */
	__psp_kptr(psp_hkey) hkey;
	__u32 version;
	__u32 pad;
};

/* psp_dev_keys: the device keys, by (device, phase). */
struct psp_dev_key_id {
	__u32 dev_id;
	__u32 phase;
};

struct psp_dev_key_val {
	__psp_kptr(bpf_crypto_ctx) aes;	/* AES-256-ECB with the device key */
};

/*
 * Context of the SYSCALL programs that install keys (only those may create
 * a crypto context). Association keys come with H = AES_K(0). The program
 * writes err.
 */
struct psp_key_install {
	__u32 dev_id;
	__u32 spi_or_phase;	/* SPI for association keys, phase for device keys */
	struct psp_flow flow;	/* Tx keys: the flow */
	__u32 key_len;		/* 16 or 32 */
	__u32 flags;		/* PSP_DEV_F_AES_GENERIC */
	__u32 version;
	__s32 err;
	__u8 key[PSP_KEY_MAX_LEN];
	__u8 h[16];
};

/*
 * Key derivation request, run through the psp_kdf program with
 * BPF_PROG_TEST_RUN as the packet: the device key never leaves the kernel,
 * the derived key comes back in key. The program works in work (the
 * crypto kfuncs take no stack memory) and wipes it.
 */
struct psp_kdf_req {
	__u32 dev_id;
	__u32 spi;
	__u32 version;
	__s32 err;
	__u8 key[PSP_KEY_MAX_LEN];
	__u8 work[48];		/* AES(K, 0), then the two CMAC inputs */
};

_Static_assert(sizeof(struct psp_flow) == 44, "psp_flow layout");

#endif /* __PSP_MAPS_H */
