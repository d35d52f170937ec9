// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A dispatcher for libxdp 1.3 (dispatcher ABI version 2), for kernels that
 * refuse psp_rx in the one Debian 12 ships.
 *
 * libxdp runs several XDP programs on one device by loading a dispatcher
 * whose stub functions prog0..prog9 each program then replaces (freplace).
 * Linux 6.13, and 6.12.y since, refuses an extension that may change
 * packet data (psp_rx: bpf_xdp_adjust_head/tail) in place of a function
 * that may not ("Extension program changes packet data, while original
 * does not"), and libxdp's stubs only return. libxdp 1.5.5 on gives its
 * stubs a no-op bpf_xdp_adjust_tail() call, which marks them as changing
 * packet data; Debian 12 has 1.3.1. This object is that dispatcher with
 * that call: the same config, names, version and metadata as libxdp's,
 * so that any libxdp of the same ABI runs, reads and replaces it.
 * libxdp loads it from LIBXDP_OBJECT_PATH (libpspbpf/xdp_dispatcher.c).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/prog_dispatcher.h>

_Static_assert(XDP_DISPATCHER_VERSION == 2, "this dispatcher implements the ABI of version 2");
_Static_assert(MAX_DISPATCHER_ACTIONS == 10, "prog0..prog9 below");

/* Set by libxdp before load; const so that the verifier prunes the slots
 * past num_progs_enabled, volatile so that the compiler does not. */
static volatile const struct xdp_dispatcher_config conf = {};

/*
 * A slot: never runs once libxdp has replaced it, and does nothing when
 * it does (its return value continues the chain). The volatile return
 * keeps the compiler from folding the call away; the adjust_tail by 0 is
 * the call that lets an extension changing packet data replace it.
 */
#define DISPATCHER_SLOT(name)					\
__attribute__((noinline)) int name(struct xdp_md *ctx)		\
{								\
	volatile int ret = XDP_DISPATCHER_RETVAL;		\
								\
	if (!ctx)						\
		return XDP_ABORTED;				\
	bpf_xdp_adjust_tail(ctx, 0);				\
	return ret;						\
}

DISPATCHER_SLOT(prog0)
DISPATCHER_SLOT(prog1)
DISPATCHER_SLOT(prog2)
DISPATCHER_SLOT(prog3)
DISPATCHER_SLOT(prog4)
DISPATCHER_SLOT(prog5)
DISPATCHER_SLOT(prog6)
DISPATCHER_SLOT(prog7)
DISPATCHER_SLOT(prog8)
DISPATCHER_SLOT(prog9)
/* libxdp's probe of whether the kernel replaces functions at all */
DISPATCHER_SLOT(compat_test)

/* Slot n runs if enabled; its verdict ends the chain unless libxdp
 * listed it among that program's chain-call actions. */
#define DISPATCHER_RUN(n)						\
	do {								\
		if (conf.num_progs_enabled < (n) + 1)			\
			return XDP_PASS;				\
		ret = prog##n(ctx);					\
		if (!((1U << ret) & conf.chain_call_actions[n]))	\
			return ret;					\
	} while (0)

SEC("xdp")
int xdp_dispatcher(struct xdp_md *ctx)
{
	int ret;

	DISPATCHER_RUN(0);
	DISPATCHER_RUN(1);
	DISPATCHER_RUN(2);
	DISPATCHER_RUN(3);
	DISPATCHER_RUN(4);
	DISPATCHER_RUN(5);
	DISPATCHER_RUN(6);
	DISPATCHER_RUN(7);
	DISPATCHER_RUN(8);
	DISPATCHER_RUN(9);
	/* never with libxdp's config; keeps compat_test as a target */
	if (conf.num_progs_enabled < MAX_DISPATCHER_ACTIONS + 1)
		return XDP_PASS;
	return compat_test(ctx);
}

/* the target of libxdp's compat probe */
SEC("xdp")
int xdp_pass(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
/* read by libxdp from the BTF of a loaded dispatcher */
__uint(dispatcher_version, XDP_DISPATCHER_VERSION) SEC(XDP_METADATA_SECTION);
