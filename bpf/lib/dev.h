/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* Which PSP device a packet belongs to, and its counters. */
#ifndef __PSP_BPF_DEV_H
#define __PSP_BPF_DEV_H

#include "maps.h"
#ifdef PSP_KMOD
#include "kmod.h"
#endif

#define CHECKSUM_PARTIAL	3

#define PSP_DEV_CACHE_SLOTS	4	/* by ifindex: a few devices per CPU */

struct psp_dev_cache {
	__u64 netns_cookie;
	__u32 ifindex;		/* 0: empty */
	__u32 devs_gen;
	struct psp_dev_cfg cfg;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct psp_dev_cache);
	__uint(max_entries, PSP_DEV_CACHE_SLOTS);
} psp_dev_cache SEC(".maps");

/*
 * A device is known by its network namespace and ifindex: ifindexes repeat
 * across namespaces, and one set of maps serves them all.
 *
 * Its settings are copied per CPU: a packet reads them from a slot of its
 * own CPU's rather than walking psp_devs' hash, whose cold bucket and
 * entry cost 30-40 ns a packet (docs/architecture.md). A copy holds
 * while psp_ctl_state's devs_gen is the one it was made under, which the
 * loader bumps after each change of psp_devs (libpspbpf/devs.c). It is
 * read before the hash, so a copy of settings about to change is stamped
 * with the generation about to end. Only the settings the datapath reads
 * are kept current this way: spi_last, phase, generation and the control
 * plane's counters change without a bump and are not to be read here.
 * Programs on one CPU do not interleave packets (TC runs with bottom
 * halves off, XDP in them), so a slot is never read half-written. A
 * subprogram, so that its stack is not added to the stages'.
 */
static __noinline struct psp_dev_cfg *dev_cfg_lookup(__u64 netns_cookie, __u32 ifindex)
{
	struct psp_netdev_key k = { .netns_cookie = netns_cookie, .ifindex = ifindex };
	struct psp_dev_cache *c;
	struct psp_ctl_state *st;
	struct psp_dev_cfg *cfg;
	__u32 slot = 0, gen;

	PSP_BTF_ANCHOR();
	st = bpf_map_lookup_elem(&psp_ctl_state, &slot);
	slot = ifindex & (PSP_DEV_CACHE_SLOTS - 1);
	c = bpf_map_lookup_elem(&psp_dev_cache, &slot);
	if (!st || !c)
		return bpf_map_lookup_elem(&psp_devs, &k);
	gen = st->devs_gen;
	if (c->ifindex == ifindex && c->netns_cookie == netns_cookie && c->devs_gen == gen)
		return &c->cfg;
	cfg = bpf_map_lookup_elem(&psp_devs, &k);
	if (!cfg)
		return NULL;
	c->cfg = *cfg;
	c->netns_cookie = netns_cookie;
	c->ifindex = ifindex;
	c->devs_gen = gen;
	return &c->cfg;
}

/* Linux 6.1 (the kmod backend) has neither way to the namespace: the
 * module tells it. Elsewhere the device's own, read through the kernel's
 * context: TC has bpf_get_netns_cookie() only from Linux 6.14, and the
 * bpf backend runs from 6.10. */
static __always_inline struct psp_dev_cfg *dev_of_xdp(struct xdp_md *ctx)
{
#ifdef PSP_KMOD
	return dev_cfg_lookup(bpf_pspk_xdp_netns_cookie(ctx), ctx->ingress_ifindex);
#else
	struct xdp_buff *xdp = bpf_cast_to_kern_ctx(ctx);

	return dev_cfg_lookup(xdp->rxq->dev->nd_net.net->net_cookie, ctx->ingress_ifindex);
#endif
}

static __always_inline __u64 netns_of_skb(struct __sk_buff *skb)
{
#ifdef PSP_KMOD
	return bpf_pspk_skb_netns_cookie(skb);
#else
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return kskb->dev->nd_net.net->net_cookie;
#endif
}

static __always_inline struct psp_dev_cfg *dev_of_skb(struct __sk_buff *skb)
{
	return dev_cfg_lookup(netns_of_skb(skb), skb->ifindex);
}

/* The PSP device whose seal port (psp_dev_cfg) the packet arrived on. */
static __always_inline struct psp_dev_cfg *dev_of_seal_port(struct __sk_buff *skb)
{
	struct psp_netdev_key k = { .netns_cookie = netns_of_skb(skb), .ifindex = skb->ifindex };
	__u32 *dev_ifindex = bpf_map_lookup_elem(&psp_seal_ports, &k);

	return dev_ifindex ? dev_cfg_lookup(k.netns_cookie, *dev_ifindex) : NULL;
}

/* Whether TCP left the checksum for the device to finish. */
static __always_inline int skb_csum_partial(struct __sk_buff *skb)
{
#ifdef PSP_KMOD
	return bpf_pspk_skb_csum_partial(skb);
#else
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ_BITFIELD(kskb, ip_summed) == CHECKSUM_PARTIAL;
#endif
}

static __always_inline struct psp_stats *dev_stats(const struct psp_dev_cfg *dev)
{
	__u32 id = dev->id;

	return bpf_map_lookup_elem(&psp_stats, &id);
}

/*
 * Counters are per CPU: no atomics on the packet path. The index is masked
 * after an opaque barrier: LLVM otherwise drops the mask as redundant with
 * the check, and may check a copy of c, which the verifier cannot link.
 */
static __always_inline void count(struct psp_stats *st, __u32 c, __u64 n)
{
	if (!st || c >= PSP_CNT__MAX)
		return;
	barrier_var(c);
	st->cnt[c & (PSP_STATS_SLOTS - 1)] += n;
}

#endif /* __PSP_BPF_DEV_H */
