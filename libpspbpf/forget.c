// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A flow's state deleted by the control plane (del-assoc, gc's reclaim,
 * dev check --repair), in the order the datapath's reclaim deletes it
 * (include/psp/forget.h): the Tx entries, one wait for the packets that
 * may have found them, then the rest.
 */
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <psp/forget.h>

#include "map_iter.h"
#include "pspbpf_int.h"

void packets_done(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(100000);
}

/* Keys of the SPI-keyed maps built on the stack at a time. */
#define FORGET_CHUNK	256

void assocs_forget(struct pspbpf *h, const struct psp_flow *flows, const uint32_t *rx_spi,
		   size_t n)
{
	size_t tx_gone = 0;

	/* one wait for the packets, however many flows go */
#define ALL_BY_FLOW(m)	tx_gone += map_delete_keys(h->map.m, flows, sizeof(*flows), n);
	PSP_FLOW_FORGET_TX(ALL_BY_FLOW)
	if (tx_gone)
		packets_done();
	for (size_t i = 0; i < n; i += FORGET_CHUNK) {
		size_t c = n - i < FORGET_CHUNK ? n - i : FORGET_CHUNK;
		struct psp_spi_key sk[FORGET_CHUNK];

		for (size_t j = 0; j < c; j++)
			sk[j] = (struct psp_spi_key){ .dev_id = flows[i + j].dev_id,
						      .spi = rx_spi[i + j] };
#define BY_SPI(m)	map_delete_keys(h->map.m, sk, sizeof(*sk), c);
#define BY_FLOW(m)	map_delete_keys(h->map.m, flows + i, sizeof(*flows), c);
		PSP_FLOW_FORGET_REST(BY_SPI, BY_FLOW)
	}
}

void assoc_forget(struct pspbpf *h, const struct psp_flow *fk, uint32_t rx_spi)
{
	assocs_forget(h, fk, &rx_spi, 1);
}
