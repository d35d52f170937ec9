/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The datapath tests' environment: a network namespace of their own with
 * a veth pair, psp0 a PSP device (psp-bpf-ctl dev add, through the
 * library), and the file descriptors of its attached programs to run with
 * BPF_PROG_TEST_RUN.
 */
#ifndef __PSP_TEST_ENV_H
#define __PSP_TEST_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "pspbpf.h"

struct test_env {
	struct pspbpf *h;
	const char *ifname;
	int ifindex;
	int xdp_generic;	/* psp_rx runs in generic (skb) mode here */
	uint32_t dev_id;
	uint32_t backend;	/* enum psp_backend */
	int rx_fd, tx_fd;	/* psp_rx (XDP), psp_tx (tcx) */
};

/* Sets up once; NULL (with a TAP failure said) if it cannot. The veth
 * pair gets this MTU first if it is set. */
extern int test_env_mtu;
/* psp0's --max-assocs, if not 0: the maps' capacity (tests/datapath/env.c) */
extern uint32_t test_env_max_assocs;
/* psp0's backend, if not 0 (enum psp_backend) */
extern uint32_t test_env_backend;
/* psp0, a PSP device of the default backend, in a namespace of its own
 * with its veth peer psp1; NULL (a failure said) if it cannot be. */
struct test_env *test_env(void);
/* The environment of another device of e's namespace (psp1, once added):
 * its ifindex, id, backend and programs. 0 or -1. */
int test_dev(const struct test_env *e, const char *ifname, struct test_env *out);

/* Runs psp_rx on frame; returns the XDP verdict, output in out. */
int run_rx(struct test_env *e, const uint8_t *frame, size_t len, uint8_t *out,
	   size_t *out_len);
/* Runs psp_tx on frame; returns the TC verdict, output in out. */
/* run_rx() with meta_len (a multiple of 4, at most 32) bytes of XDP
 * metadata in front of the frame. */
int run_rx_meta(struct test_env *e, const void *meta, size_t meta_len, const uint8_t *frame,
		size_t len, uint8_t *out, size_t *out_len);
int run_tx(struct test_env *e, const uint8_t *frame, size_t len, uint8_t *out,
	   size_t *out_len);

/* An IPv4 TCP ACK frame 10.0.0.1:port -> 10.0.0.2:80 with l4_len bytes
 * of TCP (header and zeros) into b; returns its length. */
size_t tcp_ack_frame(uint8_t *b, size_t l4_len, uint16_t port);

/* One counter of psp0 now. */
uint64_t counter(struct test_env *e, int which);

#endif /* __PSP_TEST_ENV_H */
