/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * A PSP device to run the programs on, for the datapath tests and the
 * benches alike: psp0 in a network namespace of the process's own, with
 * its veth peer psp1, added by psp-bpf-ctl's dev add through the library,
 * and the file descriptors of its attached programs to run with
 * BPF_PROG_TEST_RUN. Failures are said in words, not TAP: a bench prints
 * them, the tests' test_env() (tests/datapath/env.c) makes them results.
 */
#ifndef __PSP_DEVENV_H
#define __PSP_DEVENV_H

#include <stddef.h>
#include <stdint.h>

#include "pspbpf.h"

struct dev_env {
	struct pspbpf *h;
	const char *ifname;
	int ifindex;
	int xdp_generic;	/* psp_rx runs in generic (skb) mode here */
	uint32_t dev_id;
	uint32_t backend;	/* enum psp_backend */
	int rx_fd, tx_fd;	/* psp_rx (XDP), psp_tx (tcx) */
};

/* What differs from a plain dev add; 0 keeps the default. */
struct dev_env_opts {
	int mtu;		/* the veth pair's (1500) */
	uint32_t max_assocs;	/* psp0's --max-assocs: the maps' capacity */
	uint32_t backend;	/* psp0's backend (enum psp_backend) */
};

/* psp0 in a namespace of its own with its veth peer psp1, removed at
 * exit; once a process. 0, or -1 with what failed in why. */
int dev_env_open(struct dev_env *e, const struct dev_env_opts *o, char *why, size_t why_len);
/* The environment of another device of e's namespace (psp1, once added):
 * its ifindex, id, backend and programs. 0 or -1. */
int dev_env_dev(const struct dev_env *e, const char *ifname, struct dev_env *out);

/* Runs psp_rx on frame; returns the XDP verdict, output in out. */
int run_rx(struct dev_env *e, const uint8_t *frame, size_t len, uint8_t *out,
	   size_t *out_len);
/* run_rx() with meta_len (a multiple of 4, at most 32) bytes of XDP
 * metadata in front of the frame. */
int run_rx_meta(struct dev_env *e, const void *meta, size_t meta_len, const uint8_t *frame,
		size_t len, uint8_t *out, size_t *out_len);
/* Runs psp_tx on frame; returns the TC verdict, output in out. */
int run_tx(struct dev_env *e, const uint8_t *frame, size_t len, uint8_t *out,
	   size_t *out_len);

/* One counter of e's device now. */
uint64_t counter(struct dev_env *e, int which);

/* An IPv4 flow as the library takes one: LADDR:LPORT to RADDR:RPORT. */
void flow_v4(struct pspbpf_flow *f, const char *laddr, uint16_t lport, const char *raddr,
	     uint16_t rport);

#endif /* __PSP_DEVENV_H */
