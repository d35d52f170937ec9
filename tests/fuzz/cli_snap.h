/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A snapshot of everything a psp-bpf-ctl command may change (cli_snap.c):
 * the pins under the BPF filesystem and the objects behind them, every
 * readable pinned map's entries, a fingerprint of each device key (which
 * no map gives back), and, in each namespace, the links with their XDP
 * and tcx programs, the routes of protocol 80 and the policy rules. Two
 * snapshots compare byte for byte; where they differ, snap_diff() says
 * which part and the first entry that differs.
 */
#ifndef __PSP_FUZZ_CLI_SNAP_H
#define __PSP_FUZZ_CLI_SNAP_H

#include <stddef.h>
#include <stdint.h>

/* A part: records (length, bytes), sorted where the source has no order. */
struct snap_part {
	char name[80];
	uint8_t *buf;
	size_t len, cap;
	int text;			/* records are lines of text */
	uint32_t key_size;		/* else map entries: key, then value */
};

/* A PSP device, as psp_devs has it. */
struct snap_dev {
	uint64_t netns_cookie;
	uint32_t id;
	char ifname[16];
};

#define SNAP_DEVS_MAX	32
#define SNAP_COUNTERS_MAX 64

/*
 * A hand-out counter: the last device id and SPI given out, the devices'
 * generation. A failed dev add or rx-assoc may have taken an id or an SPI
 * (SPIs are taken by an atomic add in the kernel, beside other processes'
 * under the lock shared: not to be given back), so these are compared
 * apart from the rest: they may go up, never down.
 */
struct snap_counter {
	char name[48];
	uint64_t v;
};

struct snap {
	struct snap_part *parts;
	size_t n, cap;
	struct snap_dev devs[SNAP_DEVS_MAX];
	size_t n_devs;
	char unread[256];		/* maps whose entries no snapshot can read */
	struct snap_counter ctr[SNAP_COUNTERS_MAX];
	size_t n_ctr;
};

/* Takes a snapshot; netns_fds[0] is the caller's namespace, which it is
 * in again after. 0, or -errno. */
int snap_take(struct snap *s, const int *netns_fds, size_t n_netns);
int snap_equal(const struct snap *a, const struct snap *b);
/* How many hand-out counters went down (or went) from a to b, and how
 * many up; the first of each named in what. */
void snap_counters(const struct snap *a, const struct snap *b, int *down, int *up, char *what,
		   size_t size);
/* What differs between a and b, in a few lines for a report. */
void snap_diff(const struct snap *a, const struct snap *b, char *out, size_t size);
void snap_free(struct snap *s);

#endif /* __PSP_FUZZ_CLI_SNAP_H */
