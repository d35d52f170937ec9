/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The maps, as every program declares them. All are pinned by name, so the
 * loader's objects and an object loaded by iproute2 share one set
 * (include/psp/maps.h says what each holds).
 */
#ifndef __PSP_BPF_MAPS_H
#define __PSP_BPF_MAPS_H

#include "compat.h"
#include <bpf/bpf_core_read.h>
#include <psp/maps.h>

/*
 * Clang describes a struct reached only through a type-tagged pointer as a
 * forward declaration, and the kernel takes no kptr to one: the map would
 * lose its BTF. Naming the type in code makes clang emit it whole. Every
 * program does (dev_cfg_lookup()), so whichever object creates the maps gives
 * them complete BTF.
 */
#ifdef PSP_KMOD
#define PSP_BTF_ANCHOR()	do { } while (0)	/* kernel types only */
#else
#define PSP_BTF_ANCHOR()							\
	do {									\
		__u32 __id = bpf_core_type_id_local(struct psp_hkey);		\
		asm volatile("" : : "r"(__id));	/* keep it from dead code */	\
	} while (0)
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_netdev_key);
	__type(value, struct psp_dev_cfg);
	__uint(max_entries, PSP_MAX_DEVS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_netdev_key);
	__type(value, __u32);
	__uint(max_entries, PSP_MAX_DEVS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_seal_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct psp_ctl_state);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_ctl_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct psp_stats);
	__uint(max_entries, PSP_MAX_DEVS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_spi_key);
	__type(value, struct psp_rx_sa);
	__uint(max_entries, PSP_MAX_ASSOCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_rx_sa SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_flow);
	__type(value, struct psp_assoc);
	__uint(max_entries, PSP_MAX_ASSOCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_assocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_flow);
	__type(value, struct psp_tx_sa);
	__uint(max_entries, PSP_MAX_ASSOCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_tx_sa SEC(".maps");

/* Keys: values hold only kptrs, which userspace reads as zero. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_spi_key);
	__type(value, struct psp_key);
	__uint(max_entries, PSP_MAX_ASSOCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_rx_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_spi_key);
	__type(value, struct psp_key);
	__uint(max_entries, PSP_MAX_ASSOCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_tx_keys SEC(".maps");

/* Associations of sockets not connected yet, by socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct psp_sk_assoc);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_sk_assocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_dev_key_id);
	__type(value, struct psp_dev_key_val);
	__uint(max_entries, 2 * PSP_MAX_DEVS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_dev_keys SEC(".maps");

#ifndef PSP_KMOD
/* Per-CPU keystream room (include/psp/maps.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct psp_scratch);
	__uint(max_entries, PSP_SCRATCH__MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} psp_scratch SEC(".maps");

/*
 * Per-CPU GHASH tables (include/psp/maps.h), each program's own: not
 * pinned, and its descriptor write-only.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct ghash8_tab);
	__uint(max_entries, PSP_GHASH_WAYS);
	__uint(map_flags, BPF_F_WRONLY);
} psp_ghash SEC(".maps");
#endif /* !PSP_KMOD */

#endif /* __PSP_BPF_MAPS_H */
