/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The order a flow's state is deleted in (include/psp/maps.h), for both
 * that delete it: the datapath's reclaim (bpf/lib/flow.h) and the control
 * plane's (libpspbpf/forget.c: del-assoc, gc, dev check --repair).
 *
 * The Tx entry goes first, alone: a packet that found it just before it
 * went looks its key up after, and must find it, else it is dropped
 * unsealed (a tx-error). The rest goes only once such packets are done,
 * the flow's own entry last, as the datapath's reclaim timer lives in it.
 *
 * Each caller names its delete of a map by flow key (BY_FLOW) and by
 * (dev_id, rx_spi) key (BY_SPI); the map is given without its psp_ prefix.
 */
#ifndef __PSP_FORGET_H
#define __PSP_FORGET_H

#define PSP_FLOW_FORGET_TX(BY_FLOW)						\
	BY_FLOW(tx_sa)
#define PSP_FLOW_FORGET_REST(BY_SPI, BY_FLOW)					\
	BY_SPI(tx_keys) BY_SPI(rx_sa) BY_SPI(rx_keys) BY_FLOW(assocs)

#endif /* __PSP_FORGET_H */
