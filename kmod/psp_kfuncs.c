// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_crypto.ko: PSP's AES-GCM and key derivation as kfuncs, for the
 * `kmod` backend of psp-bpf (include/psp/kmod.h is the ABI).
 *
 * Keys are objects of this module that BPF programs hold as referenced
 * kptrs in map values: a SYSCALL program creates one from key bytes and
 * stores it with bpf_kptr_xchg(); the datapath takes a reference for the
 * packet at hand (bpf_pspk_key_get(), on the map field) and hands it to
 * the packet kfuncs; deleting the map entry, or the map, releases it
 * through the registered destructor. Their bytes never go back out.
 *
 * Every packet kfunc checks its op against the packet: the region must
 * lie in the linear data (XDP: the buffer; TC: skb_headlen(), after the
 * program's bpf_skb_pull_data(), since a kfunc may not move the data under
 * the program's verified pointers) and be writable.
 *
 * Written for Linux 6.1, the oldest kernel the backend supports: kfunc
 * sets by BTF_SET8, kptr_ref with KF_KPTR_GET, no __bpf_kfunc.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/xdp.h>

#include "psp_gcm.h"

static void pspk_key_free_rcu(struct rcu_head *head)
{
	kfree_sensitive(container_of(head, struct pspk_key, rcu));
}

static void pspk_key_put(struct pspk_key *k)
{
	if (refcount_dec_and_test(&k->ref))
		call_rcu(&k->rcu, pspk_key_free_rcu);
}

/* The region an op names, checked against len bytes of packet data. */
static int op_check(const struct pspk_op *op, const struct pspk_key *k, u32 len)
{
	u64 end;

	if (!op || !k || op->version > PSP_VERSION_MAX || op->aad_len < PSP_HDR_LEN)
		return -EINVAL;
	end = (u64)op->hdr_off + op->aad_len + op->ct_len + PSP_ICV_LEN;
	return end > len ? -ERANGE : 0;
}

static int xdp_crypt(struct xdp_md *ctx, const struct pspk_op *op, struct pspk_key *k, bool seal)
{
	struct xdp_buff *xdp = (struct xdp_buff *)ctx;
	int err = op_check(op, k, xdp->data_end - xdp->data);

	return err ?: pspk_crypt(k, xdp->data, op, seal);
}

static int skb_crypt(struct __sk_buff *ctx, const struct pspk_op *op, struct pspk_key *k,
		     bool seal)
{
	struct sk_buff *skb = (struct sk_buff *)ctx;
	int err = op_check(op, k, skb_headlen(skb));

	if (err)
		return err;
	if (skb_cloned(skb) &&
	    !skb_clone_writable(skb, op->hdr_off + op->aad_len + op->ct_len + PSP_ICV_LEN))
		return -EPERM;
	return pspk_crypt(k, skb->data, op, seal);
}

__diag_push();
__diag_ignore_all("-Wmissing-prototypes", "kfuncs: global functions only BPF calls");

/* A key from len bytes at key, of kind (enum pspk_key_kind), or NULL. */
noinline struct pspk_key *bpf_pspk_key_create(const u8 *key, u32 key__sz, u32 kind)
{
	struct pspk_key *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	if (pspk_key_init(k, key, key__sz, kind)) {
		kfree_sensitive(k);
		return NULL;
	}
	refcount_set(&k->ref, 1);
	return k;
}

noinline void bpf_pspk_key_release(struct pspk_key *k)
{
	if (k)
		pspk_key_put(k);
}

/* A reference to the key a map entry's field holds, or NULL. Callers run
 * under RCU (XDP, TC, test runs), and keys are freed after a grace period,
 * so the key cannot go between the load and the increment. */
noinline struct pspk_key *bpf_pspk_key_get(struct pspk_key **kptr)
{
	struct pspk_key *k;

	rcu_read_lock();
	k = READ_ONCE(*kptr);
	if (k && !refcount_inc_not_zero(&k->ref))
		k = NULL;
	rcu_read_unlock();
	return k;
}

/* The key of (spi, version) from a device key, for the control plane:
 * rx-assoc hands it to the application for its peer. */
noinline int bpf_pspk_derive(struct pspk_key *dk, u32 spi, u32 version, u8 *out, u32 out__sz)
{
	if (!dk || version > PSP_VERSION_MAX || out__sz < psp_key_len(version))
		return -EINVAL;
	return pspk_derive(dk, spi, version, out);
}

noinline int bpf_pspk_xdp_seal(struct xdp_md *ctx, struct pspk_op *op, struct pspk_key *k)
{
	return xdp_crypt(ctx, op, k, true);
}

noinline int bpf_pspk_xdp_open(struct xdp_md *ctx, struct pspk_op *op, struct pspk_key *k)
{
	return xdp_crypt(ctx, op, k, false);
}

noinline int bpf_pspk_skb_seal(struct __sk_buff *ctx, struct pspk_op *op, struct pspk_key *k)
{
	return skb_crypt(ctx, op, k, true);
}

noinline int bpf_pspk_skb_open(struct __sk_buff *ctx, struct pspk_op *op, struct pspk_key *k)
{
	return skb_crypt(ctx, op, k, false);
}

/*
 * What Linux 6.1 gives neither program type otherwise: the network
 * namespace of the packet's device (devices are known by namespace and
 * ifindex), and whether TCP left its checksum for the device to finish.
 */
noinline u64 bpf_pspk_xdp_netns_cookie(struct xdp_md *ctx)
{
	struct xdp_buff *xdp = (struct xdp_buff *)ctx;

	return xdp->rxq && xdp->rxq->dev ? dev_net(xdp->rxq->dev)->net_cookie : 0;
}

noinline u64 bpf_pspk_skb_netns_cookie(struct __sk_buff *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx;

	return skb->dev ? dev_net(skb->dev)->net_cookie : 0;
}

noinline u32 bpf_pspk_skb_csum_partial(struct __sk_buff *ctx)
{
	return ((struct sk_buff *)ctx)->ip_summed == CHECKSUM_PARTIAL;
}

__diag_pop();

/* One set for every program type: the verifier refuses what does not fit
 * (an xdp_md kfunc in TC, a sleepable one outside SYSCALL). */
BTF_SET8_START(pspk_kfuncs)
BTF_ID_FLAGS(func, bpf_pspk_key_create, KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_pspk_key_release, KF_RELEASE)
BTF_ID_FLAGS(func, bpf_pspk_key_get, KF_ACQUIRE | KF_KPTR_GET | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_pspk_derive)
BTF_ID_FLAGS(func, bpf_pspk_xdp_seal)
BTF_ID_FLAGS(func, bpf_pspk_xdp_open)
BTF_ID_FLAGS(func, bpf_pspk_skb_seal)
BTF_ID_FLAGS(func, bpf_pspk_skb_open)
BTF_ID_FLAGS(func, bpf_pspk_xdp_netns_cookie)
BTF_ID_FLAGS(func, bpf_pspk_skb_netns_cookie)
BTF_ID_FLAGS(func, bpf_pspk_skb_csum_partial)
BTF_SET8_END(pspk_kfuncs)

static const struct btf_kfunc_id_set pspk_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &pspk_kfuncs,
};

BTF_ID_LIST(pspk_dtor_ids)
BTF_ID(struct, pspk_key)
BTF_ID(func, bpf_pspk_key_release)

static int __init pspk_init(void)
{
	const struct btf_id_dtor_kfunc dtors[] = {
		{ .btf_id = pspk_dtor_ids[0], .kfunc_btf_id = pspk_dtor_ids[1] },
	};
	int err = pspk_gcm_init();

	if (err)
		return err;
	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &pspk_kfunc_set) ?:
	      register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS, &pspk_kfunc_set) ?:
	      register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &pspk_kfunc_set) ?:
	      register_btf_id_dtor_kfuncs(dtors, ARRAY_SIZE(dtors), THIS_MODULE);
	if (err)
		pspk_gcm_exit();
	return err;
}

static void __exit pspk_exit(void)
{
	/* keys still in call_rcu() are this module's code */
	rcu_barrier();
	pspk_gcm_exit();
}

module_init(pspk_init);
module_exit(pspk_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("PSP Security Protocol AES-GCM and key derivation kfuncs for psp-bpf");
MODULE_SOFTDEP("pre: aesni_intel");
