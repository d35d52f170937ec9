// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_crypto.ko's kfuncs called as the datapath calls them, and as it
 * must not (test_kfuncs.c): a key made by a SYSCALL program into a map,
 * then one op on the test packet from XDP or TC, its result in .bss.
 */
#include "lib/kmod.h"
#include <psp/maps.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct key_slot {
	__psp_kptr_ref(pspk_key) key;
	__u64 id;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct key_slot);
	__uint(max_entries, 1);
} keys SEC(".maps");

struct key_req {
	__u32 kind;
	__u32 len;		/* 16 or 32; anything else asks for 8 */
	__s32 err;
	__u8 key[PSP_KEY_MAX_LEN];
};

/* in: the op; out: what the kfunc returned */
struct pspk_op op;
int seal;
__u32 other_id;		/* if set, the key id the op names instead of the slot's */
int result;

SEC("syscall")
int set_key(struct key_req *r)
{
	__u8 buf[PSP_KEY_MAX_LEN];
	struct key_slot *v;
	struct pspk_key *k;
	__u32 zero = 0;

	__builtin_memcpy(buf, r->key, sizeof(buf));
	if (r->len == 16)
		k = bpf_pspk_key_create(buf, 16, r->kind);
	else if (r->len == 32)
		k = bpf_pspk_key_create(buf, 32, r->kind);
	else
		k = bpf_pspk_key_create(buf, 8, r->kind);
	/* one test of k: Linux 6.1 does not know a second to be decided */
	if (!k) {
		r->err = -EINVAL;
		return 0;
	}
	r->err = 0;
	v = bpf_map_lookup_elem(&keys, &zero);
	if (!v) {
		bpf_pspk_key_release(k);
		return 0;
	}
	v->id = bpf_pspk_key_id(k);
	k = bpf_kptr_xchg(&v->key, k);
	if (k)
		bpf_pspk_key_release(k);
	return 0;
}

/* The id of the key in the slot; 0 (no key) if there is none. */
static __always_inline __u32 key(void)
{
	__u32 zero = 0;
	struct key_slot *v = bpf_map_lookup_elem(&keys, &zero);

	if (other_id)
		return other_id;
	return v ? v->id : 0;
}

SEC("xdp")
int run_xdp(struct xdp_md *ctx)
{
	struct pspk_op o = op;
	__u32 k = key();

	result = seal ? bpf_pspk_xdp_seal(ctx, &o, k) : bpf_pspk_xdp_open(ctx, &o, k);
	return XDP_PASS;
}

SEC("tc")
int run_skb(struct __sk_buff *ctx)
{
	struct pspk_op o = op;
	__u32 k = key();

	result = seal ? bpf_pspk_skb_seal(ctx, &o, k) : bpf_pspk_skb_open(ctx, &o, k);
	return 0;
}
