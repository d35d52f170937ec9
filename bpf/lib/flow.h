/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The life of a flow's PSP state in the datapath (include/psp/maps.h,
 * psp_assocs): activity, the close that the kernel would see as its
 * socket going away, and the reclaim that follows it.
 */
#ifndef __PSP_BPF_FLOW_H
#define __PSP_BPF_FLOW_H

#include "maps.h"
#include <psp/forget.h>

#define CLOCK_MONOTONIC		1
#define PSP_LAST_NS_STEP	1000000000ull	/* last_ns: at most one write a second */
#define PSP_RECLAIM_STEP_NS	1000000000ull	/* flow_reclaim_timer()'s two steps */

/* The deletes of a flow's state (include/psp/forget.h): of the flow f,
 * and of the key k of its Rx SPI. */
#define FLOW_DEL(m)	bpf_map_delete_elem(&psp_##m, f);
#define SPI_DEL(m)	bpf_map_delete_elem(&psp_##m, &k);

/* Everything the flow holds, gone: what closing its socket frees in the
 * kernel. The flow's own entry goes last, as its timer may be the caller. */
static __always_inline void flow_reclaim(struct psp_flow *f, __u32 rx_spi)
{
	struct psp_spi_key k = { .dev_id = f->dev_id, .spi = rx_spi };

	PSP_FLOW_FORGET_TX(FLOW_DEL)
	PSP_FLOW_FORGET_REST(SPI_DEL, FLOW_DEL)
}

/*
 * The reclaim, in two steps: the Tx entry first, the rest a second later.
 * A packet that found the Tx entry just before it went looks its key up
 * after, and must find it: the second step waits for such packets to be
 * done (a packet takes microseconds; the timer cannot wait for an RCU
 * grace period, which is what userspace's reclaim waits for, gc.c).
 */
static int flow_reclaim_timer(void *map __attribute__((unused)), struct psp_flow *f,
			      struct psp_assoc *a)
{
	if (!(__sync_fetch_and_or(&a->closing, PSP_CLOSING_TX_GONE) & PSP_CLOSING_TX_GONE)) {
		PSP_FLOW_FORGET_TX(FLOW_DEL)
		bpf_timer_start(&a->timer, PSP_RECLAIM_STEP_NS, 0);
		return 0;
	}
	flow_reclaim(f, a->rx_spi);
	return 0;
}

/*
 * A packet of the flow went by: note the time, and whether it closes the
 * flow (fin_bit: PSP_CLOSING_FIN_RX or _TX, the direction). A RST, or a
 * FIN each way, starts the reclaim timer, once.
 */
static __always_inline void flow_seen(struct psp_assoc *a, const struct tcphdr *th,
				      __u32 fin_bit)
{
	__u64 now = bpf_ktime_get_coarse_ns();
	__u64 bits = th->rst ? PSP_CLOSING_RST : th->fin ? fin_bit : 0, was;

	if (now - a->last_ns > PSP_LAST_NS_STEP)
		a->last_ns = now;
	if (!bits || (a->closing & bits) == bits)
		return;
	was = __sync_fetch_and_or(&a->closing, bits) | bits;
	if (!(was & PSP_CLOSING_RST) &&
	    (was & (PSP_CLOSING_FIN_RX | PSP_CLOSING_FIN_TX)) !=
	    (PSP_CLOSING_FIN_RX | PSP_CLOSING_FIN_TX))
		return;
	if (__sync_fetch_and_or(&a->closing, PSP_CLOSING_ARMED) & PSP_CLOSING_ARMED)
		return;
	bpf_timer_init(&a->timer, &psp_assocs, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&a->timer, flow_reclaim_timer);
	bpf_timer_start(&a->timer, PSP_TIME_WAIT_NS, 0);
}

/* Data in clear ending at end was let in: tx-assoc must wait until the
 * socket has read it (sock.c). */
static __always_inline void flow_clear_data(struct psp_assoc *a, __u32 end, __u32 payload)
{
	if (!payload || (a->clear_end_set && (__s32)(end - a->clear_end) <= 0))
		return;
	a->clear_end = end;
	a->clear_end_set = 1;
}

/* A SYN opening a new connection on a flow whose old one closed: the old
 * state goes now rather than when its timer fires. Returns 1 if it went. */
static __always_inline int flow_reopened(struct psp_flow *f, struct psp_assoc *a,
					 const struct tcphdr *th)
{
	if (!th->syn || th->ack || !a->closing)
		return 0;
	flow_reclaim(f, a->rx_spi);
	return 1;
}

#endif /* __PSP_BPF_FLOW_H */
