// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_crypto.ko: PSP's AES-GCM and key derivation as kfuncs, for the
 * `kmod` backend of psp-bpf (include/psp/kmod.h is the ABI).
 *
 * Keys are objects of this module. A SYSCALL program creates one from key
 * bytes and stores it as a referenced kptr in a map value, which owns it:
 * deleting the entry, or the map, frees it through the registered
 * destructor. Beside the kptr, the value holds the key's id, and that is
 * what the datapath hands to the packet kfuncs, which find the key in this
 * module's table under RCU. A program cannot take a module object out of
 * a map on every kernel: Linux 6.1 has KF_KPTR_GET for it, 6.4 removed
 * it, and from there a kptr loaded from a map is RCU-safe only for a few
 * vmlinux types (the verifier's rcu_protected_types), so a module's comes
 * out untrusted and no kfunc takes it. An id is a scalar every kernel lets
 * a program read; no reference is taken per packet, and the key bytes
 * never go back out.
 *
 * Every packet kfunc checks its op against the packet: the region must
 * lie in the linear data (XDP: the buffer; TC: skb_headlen(), after the
 * program's bpf_skb_pull_data(), since a kfunc may not move the data under
 * the program's verified pointers) and be writable.
 *
 * Builds for Linux 6.1 on (the #ifs below say where the API moved).
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/filter.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/xarray.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/xdp.h>

#include "psp_gcm.h"

/*
 * The keys by id. Ids are handed out cyclically, so one is not reused
 * while a packet that read it from a map may still be looking it up. The
 * destructor of a map entry may run with interrupts off: the table's lock
 * is taken with them off.
 */
static DEFINE_XARRAY_FLAGS(pspk_keys, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
static u32 pspk_next_id;

/* Where keys are freed: process context, since freeing a crypto
 * transform is not promised to be safe in an RCU callback's softirq. */
static struct workqueue_struct *pspk_free_wq;

static void pspk_key_free_work(struct work_struct *work)
{
	pspk_key_free(container_of(to_rcu_work(work), struct pspk_key, free_work));
}

/* The key of id; the caller is in an RCU read section until done with it. */
static const struct pspk_key *key_of(u32 id)
{
	return id ? xa_load(&pspk_keys, id) : NULL;
}

/* The region an op names, checked against len bytes of packet data. */
static int op_check(const struct pspk_op *op, u32 len)
{
	u64 end;

	if (!op || op->version > PSP_VERSION_MAX || op->aad_len < PSP_HDR_LEN)
		return -EINVAL;
	end = (u64)op->hdr_off + op->aad_len + op->ct_len + PSP_ICV_LEN;
	return end > len ? -ERANGE : 0;
}

/* The op with key id on data, once checked; -ENOENT: no such key. */
static int crypt_id(u32 id, u8 *data, const struct pspk_op *op, bool seal)
{
	const struct pspk_key *k;
	int err = -ENOENT;

	rcu_read_lock();
	k = key_of(id);
	if (k)
		err = pspk_crypt(k, data, op, seal);
	rcu_read_unlock();
	return err;
}

static int xdp_crypt(struct xdp_md *ctx, const struct pspk_op *op, u32 key, bool seal)
{
	struct xdp_buff *xdp = (struct xdp_buff *)ctx;
	int err = op_check(op, xdp->data_end - xdp->data);

	return err ?: crypt_id(key, xdp->data, op, seal);
}

static int skb_crypt(struct __sk_buff *ctx, const struct pspk_op *op, u32 key, bool seal)
{
	struct sk_buff *skb = (struct sk_buff *)ctx;
	int err = op_check(op, skb_headlen(skb));

	if (err)
		return err;
	if (skb_cloned(skb) &&
	    !skb_clone_writable(skb, op->hdr_off + op->aad_len + op->ct_len + PSP_ICV_LEN))
		return -EPERM;
	return crypt_id(key, skb->data, op, seal);
}

__diag_push();
__diag_ignore_all("-Wmissing-prototypes", "kfuncs: global functions only BPF calls");

/* A key from len bytes at key, of kind (enum pspk_key_kind), or NULL. */
noinline struct pspk_key *bpf_pspk_key_create(const u8 *key, u32 key__sz, u32 kind)
{
	struct pspk_key *k = kzalloc(sizeof(*k), GFP_KERNEL);

	if (!k)
		return NULL;
	if (pspk_key_init(k, key, key__sz, kind) ||
	    xa_alloc_cyclic_irq(&pspk_keys, &k->id, k, xa_limit_32b, &pspk_next_id,
				GFP_KERNEL) < 0) {
		pspk_key_free(k);
		return NULL;
	}
	return k;
}

/* Also the destructor of map entries, in whatever context they go. */
noinline void bpf_pspk_key_release(struct pspk_key *k)
{
	unsigned long flags;

	if (!k)
		return;
	xa_lock_irqsave(&pspk_keys, flags);
	__xa_erase(&pspk_keys, k->id);
	xa_unlock_irqrestore(&pspk_keys, flags);
	INIT_RCU_WORK(&k->free_work, pspk_key_free_work);
	queue_rcu_work(pspk_free_wq, &k->free_work);
}

/* The id the packet kfuncs know key k by, to store beside it. */
noinline u32 bpf_pspk_key_id(struct pspk_key *k)
{
	return k ? k->id : 0;
}

/* The key of (spi, version) from device key dk (an id), for the control
 * plane: rx-assoc hands it to the application for its peer. */
noinline int bpf_pspk_derive(u32 dk, u32 spi, u32 version, u8 *out, u32 out__sz)
{
	const struct pspk_key *k;
	int err = -ENOENT;

	if (version > PSP_VERSION_MAX || out__sz < psp_key_len(version))
		return -EINVAL;
	rcu_read_lock();
	k = key_of(dk);
	if (k)
		err = pspk_derive(k, spi, version, out);
	rcu_read_unlock();
	return err;
}

noinline int bpf_pspk_xdp_seal(struct xdp_md *ctx, struct pspk_op *op, u32 key)
{
	return xdp_crypt(ctx, op, key, true);
}

noinline int bpf_pspk_xdp_open(struct xdp_md *ctx, struct pspk_op *op, u32 key)
{
	return xdp_crypt(ctx, op, key, false);
}

noinline int bpf_pspk_skb_seal(struct __sk_buff *ctx, struct pspk_op *op, u32 key)
{
	return skb_crypt(ctx, op, key, true);
}

noinline int bpf_pspk_skb_open(struct __sk_buff *ctx, struct pspk_op *op, u32 key)
{
	return skb_crypt(ctx, op, key, false);
}

/* The benchmark (psp_bench.c): sleepable, so SYSCALL programs only. */
noinline int bpf_pspk_bench(struct pspk_bench *b)
{
	return pspk_bench(b);
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

/*
 * Linux 6.9 on refuses a set not marked as kfuncs, which only
 * BTF_KFUNCS_START (6.8 on) does; 6.1 has BTF_SET8_START alone.
 */
#ifdef BTF_KFUNCS_START
#define PSPK_KFUNCS_START	BTF_KFUNCS_START
#define PSPK_KFUNCS_END		BTF_KFUNCS_END
#else
#define PSPK_KFUNCS_START	BTF_SET8_START
#define PSPK_KFUNCS_END		BTF_SET8_END
#endif

/* One set for every program type: the verifier refuses what does not fit
 * (an xdp_md kfunc in TC, a sleepable one outside SYSCALL). */
PSPK_KFUNCS_START(pspk_kfuncs)
BTF_ID_FLAGS(func, bpf_pspk_key_create, KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE)
BTF_ID_FLAGS(func, bpf_pspk_key_release, KF_RELEASE)
BTF_ID_FLAGS(func, bpf_pspk_key_id, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_pspk_derive)
BTF_ID_FLAGS(func, bpf_pspk_xdp_seal)
BTF_ID_FLAGS(func, bpf_pspk_xdp_open)
BTF_ID_FLAGS(func, bpf_pspk_skb_seal)
BTF_ID_FLAGS(func, bpf_pspk_skb_open)
BTF_ID_FLAGS(func, bpf_pspk_xdp_netns_cookie)
BTF_ID_FLAGS(func, bpf_pspk_skb_netns_cookie)
BTF_ID_FLAGS(func, bpf_pspk_skb_csum_partial)
BTF_ID_FLAGS(func, bpf_pspk_bench, KF_SLEEPABLE)
PSPK_KFUNCS_END(pspk_kfuncs)

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
	int err;

	pspk_free_wq = alloc_workqueue("psp_crypto_free", 0, 0);
	if (!pspk_free_wq)
		return -ENOMEM;
	err = pspk_gcm_init();
	if (err)
		goto out_wq;
	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_XDP, &pspk_kfunc_set) ?:
	      register_btf_kfunc_id_set(BPF_PROG_TYPE_SCHED_CLS, &pspk_kfunc_set) ?:
	      register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &pspk_kfunc_set) ?:
	      register_btf_id_dtor_kfuncs(dtors, ARRAY_SIZE(dtors), THIS_MODULE);
	if (!err)
		return 0;
	pspk_gcm_exit();
out_wq:
	destroy_workqueue(pspk_free_wq);
	return err;
}

static void __exit pspk_exit(void)
{
	/* keys still on their way to being freed run this module's code:
	 * the grace periods queue them, then the queue drains */
	rcu_barrier();
	destroy_workqueue(pspk_free_wq);
	pspk_gcm_exit();
}

module_init(pspk_init);
module_exit(pspk_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("PSP Security Protocol AES-GCM and key derivation kfuncs for psp-bpf");
MODULE_SOFTDEP("pre: aesni_intel");
