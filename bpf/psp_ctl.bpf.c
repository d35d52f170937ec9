// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_ctl: the control-plane programs, run by the loader through
 * BPF_PROG_TEST_RUN.
 *
 * Key bytes go in and never come back: each backend's half (ctl_bpf.h,
 * ctl_kmod.h) turns them into kernel objects the maps hold as kptrs,
 * which a userspace read sees as zero. Device keys stay in the kernel for
 * good: psp_kdf derives association keys from them in place.
 */
#include "lib/compat.h"
#include "lib/maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* psp_kdf's request, the packet, after a helper may have moved the data. */
static __always_inline struct psp_kdf_req *kdf_req(struct xdp_md *ctx)
{
	struct psp_kdf_req *r = (void *)(long)ctx->data;

	return (void *)(r + 1) > (void *)(long)ctx->data_end ? NULL : r;
}

#ifdef PSP_KMOD
#include "lib/ctl_kmod.h"
#else
#include "lib/ctl_bpf.h"
#endif

/* The device a request names; NULL if none has that key and name. */
static __always_inline struct psp_dev_cfg *dev_named(const struct psp_dev_ref *ref)
{
	struct psp_dev_cfg *cfg;
	struct psp_netdev_key k;

	__builtin_memcpy(&k, &ref->key, sizeof(k));
	cfg = bpf_map_lookup_elem(&psp_devs, &k);
	if (!cfg)
		return NULL;
#pragma unroll
	for (__u32 i = 0; i < sizeof(cfg->ifname); i++)
		if (cfg->ifname[i] != ref->ifname[i])
			return NULL;
	return cfg;
}

/* SPIs tried in one run of psp_kdf before the caller is told to run it
 * again: a taken one is rare (rx-assoc --spi, or a stale association of
 * the phase's key before last), a run of them rarer. */
#define SPI_TRIES	64

/*
 * psp_kdf's alloc (include/psp/maps.h): rx-assoc's checks and its SPI,
 * which the loader took lookup by lookup before, one syscall each. SPIs
 * take the current key's phase, their lower bits counting up across
 * rotations (key_rotated()); 0 is never one. Processes
 * installing associations hold the loader's lock shared and run this at
 * once: spi_last moves by an atomic add, so each gets SPIs of its own;
 * key-rotate, which starts a count that ran out again, holds it exclusive.
 */
static __always_inline int kdf_alloc(struct psp_kdf_req *r)
{
	struct psp_dev_cfg *cfg = dev_named(&r->dev);
	struct psp_assoc *a;
	struct psp_flow f;

	if (!cfg)
		return -ENODEV;
	if (r->version > PSP_VERSION_MAX || !(cfg->versions_cap & (1u << r->version)))
		return -EOPNOTSUPP;
	r->dev_id = cfg->id;
	r->generation = cfg->generation;
	r->flags = cfg->flags;
	r->flow.dev_id = cfg->id;
	__builtin_memcpy(&f, &r->flow, sizeof(f));
	a = f.family ? bpf_map_lookup_elem(&psp_assocs, &f) : NULL;
	if (a) {
		r->spi = a->rx_spi;
		return -EBUSY;
	}
	for (int i = 0; i < SPI_TRIES; i++) {
		struct psp_spi_key k = { .dev_id = cfg->id };

		__u32 last = __sync_fetch_and_add(&cfg->spi_last, 1);

		/* past the last index: it stays past, until the next rotation */
		if (last >= PSP_SPI_INDEX_MASK)
			return -ENOSPC;
		k.spi = (cfg->phase ? PSP_SPI_PHASE : 0) | (last + 1);
		if (!bpf_map_lookup_elem(&psp_rx_sa, &k)) {
			r->spi = k.spi;
			return 0;
		}
	}
	return -EAGAIN;
}

/* kdf_alloc() if asked: its -errno, also in the request. A subprogram of
 * its own, so that the compiler cannot share ctx offsets with psp_kdf's
 * other reads of the request (the verifier refuses a moved ctx pointer). */
static __noinline int kdf_alloc_if(struct xdp_md *ctx)
{
	struct psp_kdf_req *r = kdf_req(ctx);

	if (!r || !r->alloc)
		return 0;
	r->err = kdf_alloc(r);
	return r->err;
}

/* RX_ADD: key, SPI state, then the flow's, each undone if a later fails.
 * Two installers of one SPI (rx-assoc --spi) get past the first check at
 * once: the key's entry goes to the first (BPF_NOEXIST), the other is
 * refused without touching it. */
static __always_inline int rx_add(struct psp_assoc_req *r, const struct psp_spi_key *k)
{
	struct psp_assoc a = {
		.rx_spi = r->spi, .version = r->version,
		.clear_end_set = !!r->clear_end_set, .clear_end = r->clear_end,
	};
	struct psp_rx_sa rx;
	int err;

	if (bpf_map_lookup_elem(&psp_rx_sa, k))
		return -EEXIST;
	/* helpers take no pointer into the context: a copy on the stack */
	__builtin_memcpy(&rx, &r->rx, sizeof(rx));
	a.last_ns = rx.created_ns;	/* idle from now on (gc.c) */
	err = RX_KEY_ADD(k, r, BPF_NOEXIST);
	if (err)
		return err;
	err = bpf_map_update_elem(&psp_rx_sa, k, &rx, BPF_NOEXIST);
	if (!err && rx.flow.family) {
		err = bpf_map_update_elem(&psp_assocs, &rx.flow, &a, BPF_NOEXIST);
		if (err == -EEXIST)
			err = -EBUSY;
		if (err)
			bpf_map_delete_elem(&psp_rx_sa, k);
	}
	if (err)
		bpf_map_delete_elem(&psp_rx_keys, k);
	return err;
}

/* TX_ADD: the key first, as psp_tx encrypts once the flow has Tx state.
 * An unbound flow: the key alone, for a socket not connected yet. */
static __always_inline int tx_add(struct psp_assoc_req *r, struct psp_spi_key *k,
				  struct psp_flow *f)
{
	int named = r->dev.key.ifindex != 0;
	struct psp_assoc *a;
	struct psp_tx_sa tx;
	int err;

	if (named) {
		struct psp_dev_cfg *cfg = dev_named(&r->dev);

		if (!cfg)
			return -ENODEV;
		r->dev_id = cfg->id;
		r->flags = cfg->flags;
		k->dev_id = cfg->id;
		f->dev_id = cfg->id;
	}
	if (!f->family)
		return TX_KEY_ADD(k, r, BPF_ANY);
	a = bpf_map_lookup_elem(&psp_assocs, f);
	if (!a)
		return -ENOENT;
	if (a->version != r->version)
		return -EPROTO;
	if (named) {
		k->spi = a->rx_spi;
		r->spi = a->rx_spi;
		r->tx.rx_spi = a->rx_spi;
	}
	/* not the key of a flow that sends already: replacing it would fail
	 * the packets in flight, and the refusal below would delete it; of
	 * two tx-assoc at once, the key goes to the first */
	if (bpf_map_lookup_elem(&psp_tx_sa, f))
		return -EBUSY;
	err = TX_KEY_ADD(k, r, BPF_NOEXIST);
	if (err == -EEXIST)
		err = -EBUSY;
	if (err)
		return err;
	__builtin_memcpy(&tx, &r->tx, sizeof(tx));
	err = bpf_map_update_elem(&psp_tx_sa, f, &tx, BPF_NOEXIST);
	if (err == -EEXIST)
		err = -EBUSY;
	if (err) {
		bpf_map_delete_elem(&psp_tx_keys, k);
		return err;
	}
	a->has_tx = 1;
	return 0;
}

struct stale_walk {
	__u32 dev_id, generation, marked;
};

/*
 * STALE_MARK, for one Rx association: stale once its key is two
 * generations old, and its key deleted. In place, in the kernel: a
 * rotation on a host with a million associations would otherwise copy
 * every one out and back, under the lock that installs wait on (0.3 s
 * for 300,000, 2 s when all of them went stale). A packet reading the
 * entry meanwhile sees the generation before or after, either whole.
 */
static long stale_one(struct bpf_map *map __attribute__((unused)), struct psp_spi_key *k, struct psp_rx_sa *sa,
		      struct stale_walk *w)
{
	if (k->dev_id != w->dev_id || (sa->generation & PSP_GEN_STALE) ||
	    ((w->generation - sa->generation) & PSP_GEN_MASK) < 2)
		return 0;
	sa->generation |= PSP_GEN_STALE;
	bpf_map_delete_elem(&psp_rx_keys, k);
	w->marked++;
	return 0;
}

SEC("syscall")
int psp_assoc_set(struct psp_assoc_req *r)
{
	struct stale_walk w;
	struct psp_spi_key k = { .dev_id = r->dev_id, .spi = r->spi };
	struct psp_assoc *a;
	struct psp_flow f;

	__builtin_memcpy(&f, &r->flow, sizeof(f));
	switch (r->op) {
	case PSP_ASSOC_RX_ADD:
		r->err = rx_add(r, &k);
		break;
	case PSP_ASSOC_TX_ADD:
		r->err = tx_add(r, &k, &f);
		break;
	case PSP_ASSOC_STALE_MARK:
		w = (struct stale_walk){ .dev_id = r->dev_id, .generation = r->rx.generation };
		bpf_for_each_map_elem(&psp_rx_sa, stale_one, &w, 0);
		r->count = w.marked;
		r->err = 0;
		break;
	case PSP_ASSOC_TX_LATCH:
	case PSP_ASSOC_TX_UNLATCH:
		a = bpf_map_lookup_elem(&psp_assocs, &f);
		r->err = a ? 0 : -ENOENT;
		if (!a)
			break;
		a->has_tx = r->op == PSP_ASSOC_TX_LATCH;
		r->clear_end_set = a->clear_end_set;
		r->clear_end = a->clear_end;
		break;
	default:
		r->err = -EINVAL;
	}
	/* the key bytes are the caller's to wipe, and wiped here too */
	__builtin_memset(r->key, 0, sizeof(r->key));
	return 0;
}

SEC("syscall")
int psp_dev_key_set(struct psp_key_install *in)
{
	if (in->phase > 1 || in->key_len != PSP_DEV_KEY_LEN)
		in->err = -EINVAL;
	else
		in->err = ctl_dev_key_set(in);
	return 0;
}

/*
 * PSP key derivation (include/psp/kdf.h) with the device key of the SPI's
 * phase, after rx-assoc's lookups if the request asks (kdf_alloc). Runs
 * as XDP through BPF_PROG_TEST_RUN: the request is the packet and comes
 * back with the key, its work area wiped.
 */
SEC("xdp")
int psp_kdf(struct xdp_md *ctx)
{
	return kdf_alloc_if(ctx) ? XDP_PASS : ctl_kdf(ctx);
}
