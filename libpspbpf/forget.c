// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A flow's state deleted by the control plane (del-assoc, gc's reclaim,
 * dev check --repair): the Tx entries, one wait for the packets that may
 * have found them, then the rest.
 */
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

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
	/* one wait for the packets, however many flows go */
	if (map_delete_keys(h->map.tx_sa, flows, sizeof(*flows), n))
		packets_done();
	for (size_t i = 0; i < n; i += FORGET_CHUNK) {
		size_t m = n - i < FORGET_CHUNK ? n - i : FORGET_CHUNK;
		struct psp_spi_key sk[FORGET_CHUNK];

		for (size_t j = 0; j < m; j++)
			sk[j] = (struct psp_spi_key){ .dev_id = flows[i + j].dev_id,
						      .spi = rx_spi[i + j] };
		map_delete_keys(h->map.tx_keys, sk, sizeof(*sk), m);
		map_delete_keys(h->map.rx_sa, sk, sizeof(*sk), m);
		map_delete_keys(h->map.rx_keys, sk, sizeof(*sk), m);
		map_delete_keys(h->map.assocs, flows + i, sizeof(*flows), m);
	}
}

void assoc_forget(struct pspbpf *h, const struct psp_flow *fk, uint32_t rx_spi)
{
	assocs_forget(h, fk, &rx_spi, 1);
}
