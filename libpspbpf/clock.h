/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* The library's clocks (clock.c). */
#ifndef __PSPBPF_CLOCK_H
#define __PSPBPF_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC, for what ages: idle flows, what route.c saw, deadlines. */
uint64_t monotonic_ns(void);
/* CLOCK_REALTIME, for what must keep rising across restarts of the host:
 * the IVs a Tx key starts at (assoc.c). */
uint64_t realtime_ns(void);

#endif /* __PSPBPF_CLOCK_H */
