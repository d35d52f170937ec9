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
 * Nothing a pinned map holds is key material: device keys and association
 * keys live in kernel crypto contexts, and GHASH keys in objects the
 * programs allocate; maps hold only pointers (kptrs) to both, which a map
 * lookup from userspace returns as zero. The GHASH tables the `bpf`
 * backend builds from those keys are in psp_ghash, which is not pinned
 * (BPF_F_WRONLY restricts only the file descriptor that created a map: a
 * pinned map opens read-write).
 */
#ifndef __PSP_MAPS_H
#define __PSP_MAPS_H

#include "types.h"
#include "counters.h"
#include "wire.h"
#include "ghash.h"

#ifndef __VMLINUX_H__
#include <linux/bpf.h>		/* struct bpf_timer */
#endif

#define PSP_MAX_DEVS		256	/* device ids 1..255 */
/* Rx and Tx associations, each; allocated as they come (BPF_F_NO_PREALLOC) */
#define PSP_MAX_ASSOCS		65536

/* Longest region (VC + payload) the datapath encrypts, in 16-byte blocks. */
#define PSP_MAX_BLOCKS		576	/* 9216 bytes: a 9000-byte MTU and then some */

/*
 * A referenced kptr's BTF tag is kptr_ref on Linux 6.1-6.6 and kptr from
 * 6.7, and each kernel refuses a map whose value carries the other's: the
 * kmod backend's programs build once for each (PSP_KPTR_REF_TAG, see the
 * Makefile; the loader picks by kernel). The bpf backend's need 6.10 on.
 */
#ifndef PSP_KPTR_REF_TAG
#define PSP_KPTR_REF_TAG	"kptr"
#endif
#ifdef __bpf__
#define __psp_kptr(type)	struct type __attribute__((btf_type_tag("kptr"))) *
#define __psp_kptr_ref(type)	struct type __attribute__((btf_type_tag(PSP_KPTR_REF_TAG))) *
#else
#define __psp_kptr(type)	__u64	/* never readable: the kernel zeroes it */
#define __psp_kptr_ref(type)	__u64
#endif

/* psp_devs: which (netns, ifindex) pairs are PSP devices; psp_seal_ports:
 * which are seal ports (struct psp_dev_cfg), to the ifindex of the PSP
 * device each serves. A network device's key: a device key is a PSP
 * master key (PSP_DEV_KEY_LEN, psp_dev_keys). */
struct psp_netdev_key {
	__u64 netns_cookie;
	__u32 ifindex;
	__u32 pad;
};

#define PSP_DEV_F_AES_GENERIC	(1u << 0)	/* T-table AES: faster, not constant time */
#define PSP_DEV_F_OFFLOAD	(1u << 1)	/* the NIC does the crypto (offload.h) */
#define PSP_DEV_F_XDP_GENERIC	(1u << 2)	/* psp_rx runs as generic (skb) XDP: the
						 * driver has no native XDP or refused it */

struct psp_dev_cfg {
	__u32 id;		/* PSP device id, 1..PSP_MAX_DEVS-1 */
	__u32 ifindex;
	__u32 versions_cap;	/* 1 << version */
	__u32 versions_ena;	/* versions accepted on receive */
	__u32 mark_value;	/* egress packets with (mark & mask) == value */
	__u32 mark_mask;	/* must be PSP; mask 0: no mark rule */
	__u32 flags;		/* PSP_DEV_F_* */
	__u32 mtu;		/* device MTU when added: MSS clamp and size checks */
	/* The device's seal port, a veth pair of its own (libpspbpf/seal.c):
	 * PSP packets that are GSO or leave their checksum to the device go
	 * out through seg_ifindex, where the kernel segments them and
	 * completes their checksums, and come back on seal_ifindex to be
	 * sealed and sent out of the device as they are. */
	__u32 seg_ifindex;
	__u32 seal_ifindex;
	__u32 generation;	/* device key generation */
	__u32 phase;		/* SPI bit 31 of new associations: the newest key */
	__u32 spi_last;		/* lower 31 bits of the last SPI handed out */
	__u32 rx_prog_id;	/* psp_rx's id where libxdp runs it in a dispatcher */
	__u32 rx_cpus;		/* receive spread over CPUs 0..rx_cpus-1; < 2: off */
	__u32 pad;
	/* control-plane counters, here rather than in the per-CPU psp_stats
	 * that the datapath updates: userspace changes them under its lock */
	__u64 key_rotations;
	__u64 stale_events;
	__u64 netns_cookie;
	char ifname[16];
	__u64 last_reclaim_ns;	/* the last reclaim of its dead flows (gc.c) */
};

/* The crypto backends (see DESIGN.md and docs/architecture.md). */
enum psp_backend {
	PSP_BACKEND_BPF = 1,	/* BPF crypto kfuncs: ecb(aes), GHASH in BPF */
	PSP_BACKEND_KMOD = 2,	/* kmod/psp_crypto.ko */
	PSP_BACKEND_OFFLOAD = 3,	/* a NIC (offload.h): the bpf build's programs
					 * and state, its devices flagged */
};

/* psp_ctl_state, one entry: the control plane's own. */
struct psp_ctl_state {
	__u32 last_dev_id;	/* ids are handed out round, as Linux does */
	__u32 layout;		/* digest of the map layouts that made the state */
	__u32 backend;		/* enum psp_backend: whose programs and keys */
	__u32 devs_gen;		/* bumped after each change of psp_devs: the
				 * datapath's copies (bpf/lib/dev.h) refresh */
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
 * An association made on a socket that is not connected yet has no flow
 * (flow.family 0) but the socket's cookie, until psp_tx binds it
 * (psp_sk_assoc).
 */
#define PSP_GEN_MASK		0x7f
#define PSP_GEN_STALE		0x80

struct psp_rx_sa {
	__u32 version;
	__u32 generation;
	struct psp_flow flow;
	__u32 pad;
	__u64 sk_cookie;	/* unbound: the socket it waits for */
	__u64 created_ns;	/* CLOCK_MONOTONIC: unbound ones expire (gc.c) */
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
 *
 * The kernel frees an association with its socket. The datapath sees the
 * socket close instead: a RST, or a FIN each way, sets closing, and a
 * timer reclaims the flow's state PSP_TIME_WAIT_NS later, as long as
 * TIME_WAIT lasts, so that its last ACKs still go out in PSP. A new SYN
 * on a closing flow reclaims it at once. last_ns (coarse, updated at most
 * once a second) tells the control plane's reclaim which flows are idle.
 */
#define PSP_CLOSING_FIN_RX	(1u << 0)
#define PSP_CLOSING_FIN_TX	(1u << 1)
#define PSP_CLOSING_RST		(1u << 2)
#define PSP_CLOSING_ARMED	(1u << 3)	/* the reclaim timer runs */
#define PSP_CLOSING_TX_GONE	(1u << 4)	/* its first step deleted the Tx entry */
#define PSP_TIME_WAIT_NS	(60ull * 1000000000ull)	/* TCP_TIMEWAIT_LEN */

struct psp_assoc {
	__u32 rx_spi;
	__u32 version;
	__u8 has_tx;		/* Tx PSP */
	__u8 peer_tx;		/* PSP Full */
	__u8 upgrade_seq_set;
	__u8 clear_end_set;
	__u32 upgrade_seq;
	__u32 clear_end;	/* after the last data received in clear (tx-assoc's check) */
	__u32 pad;
	__u64 closing;		/* PSP_CLOSING_*, set atomically */
	__u64 last_ns;		/* bpf_ktime_get_coarse_ns() of the last packet */
	struct bpf_timer timer;	/* the reclaim */
};

/*
 * psp_tx_sa: how to send a flow's packets; its key is the association's,
 * found by the local SPI that names the association. It is all the flow
 * state psp_tx looks up per packet: the flow's psp_assocs entry is
 * written only when assoc_ns is 0 (the first packet sealed under it, which
 * latches the upgrade) or a second old (its last_ns, for gc).
 */
struct psp_tx_sa {
	__u32 spi;
	__u32 rx_spi;
	__u8 version;
	__u8 crypt_off;		/* 4-byte units */
	__u8 has_vc;
	__u8 pad;
	__u8 vc[PSP_VC_LEN];
	__u64 iv;		/* last IV used; atomically incremented */
	__u64 assoc_ns;		/* coarse time psp_tx last wrote the association */
};

/*
 * psp_sk_assocs (socket storage, written through the socket's fd): the
 * association of a socket that had none of its flow yet when it was made,
 * rx-assoc and tx-assoc on a socket before connect(). psp_tx binds it to
 * the flow of the socket's SYN and deletes it; a socket that must send
 * PSP and cannot be bound has its SYN dropped, never sent in clear.
 */
struct psp_sk_assoc {
	__u32 dev_id;
	__u32 rx_spi;
	__u32 version;
	__u32 has_tx;
	struct psp_tx_sa tx;
};

/*
 * The GHASH key H = AES_K(0) of an association, in an object the programs
 * allocate: the datapath builds its multiplication table from it into
 * psp_ghash, which userspace cannot read.
 */
struct psp_hkey {
	__u64 hi, lo;		/* big-endian words */
};

/*
 * psp_rx_keys, psp_tx_keys: an association's keys, by the device and the
 * SPI it receives on (an association is known by that SPI). The `kmod`
 * backend's programs (PSP_KMOD) hold the module's key objects instead
 * (include/psp/kmod.h) with their ids, and no Rx keys: receive derives
 * each packet's.
 * Both layouts have one size, so the loader serves either.
 */
struct psp_key {
#ifdef PSP_KMOD
	/* Linux 6.1 finds no kptr in a value with a member off 8-byte
	 * alignment: every member here is a u64 */
	__psp_kptr_ref(pspk_key) key;
	__u64 id;		/* the key's, for the packet kfuncs */
	__u64 version;
#else
	__psp_kptr(bpf_crypto_ctx) aes;		/* AES-ECB with the association key */
	__psp_kptr(psp_hkey) hkey;
	__u32 version;
	__u32 pad;
#endif
};

/* psp_dev_keys: the device keys, by (device, phase). */
struct psp_dev_key_id {
	__u32 dev_id;
	__u32 phase;
};

struct psp_dev_key_val {
#ifdef PSP_KMOD
	__psp_kptr_ref(pspk_key) key;
	__u64 id;		/* the key's, for the packet kfuncs */
#else
	__psp_kptr(bpf_crypto_ctx) aes;	/* AES-256-ECB with the device key */
#endif
};

/*
 * psp_dev_key_set's context: a device key (only a SYSCALL program may
 * create a crypto context). The program writes err.
 */
struct psp_key_install {
	__u32 dev_id;
	__u32 phase;
	__u32 key_len;		/* PSP_DEV_KEY_LEN */
	__u32 flags;		/* PSP_DEV_F_AES_GENERIC */
	__s32 err;
	__u8 key[PSP_DEV_KEY_LEN];
};

/*
 * psp_assoc_set's context: one step of making an association, all of its
 * map changes in one program run, so that none is half done.
 *
 *   RX_ADD      the key (with H = AES_K(0)) under (dev_id, spi), rx as the
 *               SPI's state and, unless rx.flow is unbound, the flow's
 *               policy state (Rx PSP), clear_end as where the data it had
 *               received in clear ended. -EEXIST: the SPI is taken;
 *               -EBUSY: the flow has PSP state.
 *   TX_LATCH    the flow goes to Tx PSP (data in clear refused) and
 *               clear_end says where the data it received in clear ended.
 *   TX_UNLATCH  back to Rx PSP, if the socket turned out not to be ready.
 *   TX_ADD      the Tx key under (dev_id, spi), tx as the flow's Tx state,
 *               and Tx PSP; the key alone if the flow is unbound. -ENOENT:
 *               the flow has no Rx state; -EPROTO: its Rx state is of
 *               another version. With dev set (its key's ifindex not 0),
 *               the program finds the device, and the flow's Rx SPI for
 *               spi and tx.rx_spi: tx-assoc in one run.
 */
/*
 * A device as a request names it: by its key, with the name it had when
 * the caller last looked. The program checks both; -ENODEV means the
 * caller's guess is out of date (the device went, or another took its
 * ifindex) and it is to look again.
 */
struct psp_dev_ref {
	struct psp_netdev_key key;
	char ifname[16];
};

enum psp_assoc_op {
	PSP_ASSOC_RX_ADD,
	PSP_ASSOC_TX_LATCH,
	PSP_ASSOC_TX_UNLATCH,
	PSP_ASSOC_TX_ADD,
	/* key-rotate: every Rx association of dev_id two generations behind
	 * rx.generation (the device's new one) marked stale, its key gone;
	 * how many in count */
	PSP_ASSOC_STALE_MARK,
};

struct psp_assoc_req {
	__u32 op;		/* enum psp_assoc_op */
	__s32 err;
	__u32 dev_id;
	__u32 spi;		/* the association's own, its Rx SPI */
	__u32 key_len;		/* 16 or 32 */
	__u32 flags;		/* PSP_DEV_F_AES_GENERIC */
	__u32 version;
	__u32 clear_end_set;	/* RX_ADD in, TX_LATCH out */
	__u32 clear_end;
	__u32 count;		/* STALE_MARK out */
	__u8 key[PSP_KEY_MAX_LEN];
	__u8 h[16];
	struct psp_flow flow;
	struct psp_rx_sa rx;
	struct psp_tx_sa tx;
	struct psp_dev_ref dev;
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
	/*
	 * alloc: rx-assoc's lookups in the same run. The program finds the
	 * device dev names (its id, generation and flags come back), refuses
	 * a version it lacks (-EOPNOTSUPP) and a bound flow with PSP state
	 * (-EBUSY, spi: the flow's), and takes the next SPI of the current
	 * phase that no Rx state holds (-ENOSPC: none left; -EAGAIN: none in
	 * this run's tries, run again), then derives its key.
	 */
	__u32 alloc;
	__u32 generation;
	__u32 flags;
	__u32 pad;
	struct psp_dev_ref dev;
	struct psp_flow flow;	/* dev_id comes back set */
};

/*
 * psp_scratch (the `bpf` backend's): per-CPU room for the AES-CTR
 * keystream of one packet (J0, J0+1, ...), one slot per kind of program:
 * a transmit can run from softirq right after a receive on the same CPU,
 * and neither may see the other's. Userspace can read it: the datapath
 * zeroes each block as it uses it (bpf/lib/crypto_bpf.h).
 */
struct psp_scratch {
	__u8 ks[(PSP_MAX_BLOCKS + 1) * 16];
};

enum psp_scratch_slot {
	PSP_SCRATCH_RX,
	PSP_SCRATCH_TX,
	PSP_SCRATCH__MAX,
};

/*
 * psp_ghash (the `bpf` backend's): per CPU, the 8-bit GHASH tables
 * (struct ghash8_tab, include/psp/ghash.h) of the last H each way used,
 * the way chosen by H's low bits. A table gives H away, and H forges
 * ICVs: each program object has its own map, not pinned, created
 * BPF_F_WRONLY, so that neither bpffs nor that descriptor reads it.
 */
#define PSP_GHASH_WAYS		4

_Static_assert(sizeof(struct psp_flow) == 44, "psp_flow layout");

#endif /* __PSP_MAPS_H */
