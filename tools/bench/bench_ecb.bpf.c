// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The baselines of the datapath benchmark: the bare kernel ecb(aes) call
 * the bpf backend makes per packet, on a buffer of the same size, and
 * nothing else; programs that do nothing, whose cost under a single
 * BPF_PROG_TEST_RUN is the kernel's clock read around the run; and one
 * that looks up a flow in a map of psp_assocs' shape and does nothing
 * else: what a single run of the offload paths pays for one cold hash
 * lookup (the bench fills in the flow).
 */
#include "../../bpf/lib/compat.h"
#include <psp/maps.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct ctx_val {
	struct bpf_crypto_ctx __attribute__((btf_type_tag("kptr"))) *aes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct ctx_val);
	__uint(max_entries, 1);
} ecb_ctx SEC(".maps");

struct buf {
	__u8 b[(576 + 1) * 16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct buf);
	__uint(max_entries, 1);
} ecb_buf SEC(".maps");

__u32 nbytes;		/* set before each run */
int status;

SEC("syscall")
int ecb_setup(void *unused __attribute__((unused)))
{
	struct bpf_crypto_params p = { .type = "skcipher", .algo = "ecb(aes)", .key_len = 16 };
	struct bpf_crypto_ctx *c;
	struct ctx_val *v;
	__u32 k = 0;
	int err = 0;

	c = bpf_crypto_ctx_create(&p, sizeof(p), &err);
	if (!c) {
		status = err;
		return 0;
	}
	v = bpf_map_lookup_elem(&ecb_ctx, &k);
	if (!v) {
		bpf_crypto_ctx_release(c);
		return 0;
	}
	c = bpf_kptr_xchg(&v->aes, c);
	if (c)
		bpf_crypto_ctx_release(c);
	return 0;
}

SEC("xdp")
int ecb_run(struct xdp_md *ctx __attribute__((unused)))
{
	struct bpf_crypto_ctx *aes;
	struct bpf_dynptr d;
	struct ctx_val *v;
	struct buf *b;
	__u32 k = 0, n = nbytes;

	v = bpf_map_lookup_elem(&ecb_ctx, &k);
	b = bpf_map_lookup_elem(&ecb_buf, &k);
	aes = v ? v->aes : NULL;
	if (!aes || !b || n > sizeof(b->b) || !n)
		return XDP_ABORTED;
	if (bpf_dynptr_from_mem(b->b, sizeof(b->b), 0, &d) || bpf_dynptr_adjust(&d, 0, n))
		return XDP_ABORTED;
	return bpf_crypto_encrypt(aes, &d, &d, NULL) ? XDP_ABORTED : XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct psp_flow);
	__type(value, struct psp_assoc);
	__uint(max_entries, PSP_MAX_ASSOCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} cold_assocs SEC(".maps");

SEC("xdp")
int assoc_lookup(struct xdp_md *ctx __attribute__((unused)))
{
	struct psp_flow f = {};

	return bpf_map_lookup_elem(&cold_assocs, &f) ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp")
int empty_xdp(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}

SEC("tc")
int empty_tc(struct __sk_buff *skb __attribute__((unused)))
{
	return 0;
}
