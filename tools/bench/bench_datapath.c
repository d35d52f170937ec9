// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Per-packet cost of the datapath through BPF_PROG_TEST_RUN: psp_tx
 * encrypting and psp_rx decrypting a TCP packet of 64 and 1500 bytes, on
 * the backend dev add picks. The bpf backend's also at the largest frame
 * native XDP takes on veth, next to the bare ecb(aes) keystream call of
 * the same size (bench_ecb.bpf.c); the kmod backend's (in the qemu guest,
 * make vm-bench) next to OpenSSL's AES-128-GCM on the same sizes. Each
 * baseline is measured in the same run. One JSON line per figure; ratio =
 * ns / baseline ns.
 *
 * The programs change the packet in place, so each run is one call
 * (repeat 1) and the kernel's own duration of it is what counts; the
 * ecb(aes) baseline is timed the same way, not warm over many repeats,
 * so that a ratio compares like with like.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "bench_ecb.skel.h"
#include "ossl_gcm.h"
#include <psp/offload.h>
#include "devenv.h"
#include "pktgen.h"

#define RUNS 2000

/* libbpf's own printing, which libbpf_set_print() hands back. */
static int print_default(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

static size_t tcp_frame(uint8_t *b, size_t ip_len)
{
	return frame_build(b, &(struct frame_spec){
		.ip = { .family = 4, .l4_len = ip_len - 20, .proto = IPPROTO_TCP, .seed = 9 },
		.sport = 40000, .dport = 5001,	/* the flow of main()'s association */
		.tcp_flags = TH_ACK });
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median kernel-measured ns of RUNS single runs; XDP with meta_len bytes
 * of metadata in front of the frame in data. */
static double median_ns_meta(int prog_fd, const void *data, size_t len, size_t meta_len,
			     int xdp, const struct dev_env *e)
{
	static uint64_t ns[RUNS];
	static uint8_t out[16384];
	struct xdp_md xctx = { .data = (__u32)meta_len, .data_end = (__u32)len,
			       .ingress_ifindex = (__u32)e->ifindex };
	struct __sk_buff sctx = { .ifindex = (__u32)e->ifindex };

	for (int i = 0; i < RUNS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1,
			    .ctx_in = xdp ? (void *)&xctx : (void *)&sctx,
			    .ctx_size_in = xdp ? sizeof(xctx) : sizeof(sctx));

		if (bpf_prog_test_run_opts(prog_fd, &o))
			return -1;
		ns[i] = o.duration;
	}
	qsort(ns, RUNS, sizeof(ns[0]), cmp_u64);
	return (double)ns[RUNS / 2];
}

static double median_ns(int prog_fd, const void *data, size_t len, int xdp,
			const struct dev_env *e)
{
	return median_ns_meta(prog_fd, data, len, 0, xdp, e);
}

/*
 * The offload paths (no crypto) at 1500 bytes, on psp1 added with
 * --backend offload: psp_tx writing the key hint, psp_rx taking a NIC's
 * DECRYPTED hint, each a single run, timed by the kernel with a clock
 * read before and after (kvm-clock in a VM: some 50-80 ns, as much as
 * the path itself): the same for a program that does nothing, measured
 * alongside (timer_ns), is taken off. A single run finds every map cold
 * after the syscall: cold_lookup_ns is what one lookup in a map of
 * psp_assocs' shape costs such a run, and each path makes that one and
 * three array lookups. The 100 ns target is of packets under traffic,
 * which tools/bench/offload-steady measures.
 */
static int bench_offload(struct dev_env *e, struct bench_ecb *skel,
			 const struct pspbpf_flow *flow, const struct pspbpf_flow *back)
{
	struct pspbpf_dev_opts oo = { .versions_ena = PSP_VERSIONS_ALL,
				      .backend = PSP_BACKEND_OFFLOAD };
	static uint8_t frame[4096], wire[16384 + sizeof(struct psp_rx_hint)], out[16384];
	struct pspbpf_tx_params tx = { .spi = 0x88, .version = 0, .key_len = 16 };
	struct psp_rx_hint hint = { .magic = PSP_HINT_MAGIC, .status = PSP_RXS_DECRYPTED,
				    .spi = 0x88 };
	uint8_t key[32], own[32];
	size_t len = tcp_frame(frame, 1500), wire_len, out_len;
	struct dev_env off;

	if (pspbpf_dev_add(e->h, "psp1", &oo, NULL) || dev_env_dev(e, "psp1", &off) ||
	    pspbpf_rx_assoc_spi(e->h, "psp1", back, 0, tx.spi, key) ||
	    pspbpf_rx_assoc_spi(e->h, "psp1", flow, 0, tx.spi + 1, own)) {
		fprintf(stderr, "bench: psp1 (offload): %s\n", pspbpf_errmsg(e->h));
		return -1;
	}
	tx.key = key;
	if (pspbpf_tx_assoc(e->h, "psp1", flow, &tx)) {
		fprintf(stderr, "bench: psp1 (offload): %s\n", pspbpf_errmsg(e->h));
		return -1;
	}
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.cold_assocs), &(struct psp_flow){ 0 },
				&(struct psp_assoc){ 0 }, BPF_ANY)) {
		fprintf(stderr, "bench: cold_assocs: %s\n", strerror(errno));
		return -1;
	}
	if (run_tx(&off, frame, len, wire + sizeof(hint), &wire_len) < 0 ||
	    wire_len != len + PSP_ENCAP_HLEN) {
		fprintf(stderr, "bench: psp_tx (offload) did not encapsulate\n");
		return -1;
	}
	/* what a NIC hands up: the packet in clear, its ICV (the NIC
	 * appended it), and its hint */
	wire_len += PSP_ICV_LEN;
	hint.dev_id = off.dev_id;
	if (run_rx_meta(&off, &hint, sizeof(hint), wire + sizeof(hint), wire_len, out,
			&out_len) != XDP_PASS) {
		fprintf(stderr, "bench: psp_rx (offload) did not take the packet\n");
		return -1;
	}
	memcpy(wire, &hint, sizeof(hint));
	wire_len += sizeof(hint);
	{
		double tc = median_ns(off.tx_fd, frame, len, 0, &off);
		double tc0 = median_ns(bpf_program__fd(skel->progs.empty_tc), frame, len, 0, &off);
		double xdp = median_ns_meta(off.rx_fd, wire, wire_len, sizeof(hint), 1, &off);
		double xdp0 = median_ns_meta(bpf_program__fd(skel->progs.empty_xdp), wire, wire_len,
					     sizeof(hint), 1, &off);
		double look = median_ns(bpf_program__fd(skel->progs.assoc_lookup), frame, len, 1,
					&off);

		printf("{\"bench\":\"offload-tc-encap-hint\",\"size\":1500,\"ns_per_pkt\":%.0f,"
		       "\"timer_ns\":%.0f,\"cold_lookup_ns\":%.0f}\n", tc - tc0, tc0, look - xdp0);
		printf("{\"bench\":\"offload-xdp-hint-decap\",\"size\":1500,\"ns_per_pkt\":%.0f,"
		       "\"timer_ns\":%.0f,\"cold_lookup_ns\":%.0f}\n", xdp - xdp0, xdp0, look - xdp0);
	}
	return 0;
}

/* The bare keystream of bytes, timed as the packets are: the median of
 * single runs, so that both sides of a ratio carry the same clock reads
 * and the same cold caches after the syscall. */
static double ecb_ns(struct bench_ecb *skel, size_t bytes, const struct dev_env *e)
{
	static uint8_t pkt[64];
	int fd = bpf_program__fd(skel->progs.ecb_run);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);

	skel->bss->nbytes = (uint32_t)bytes;
	if (bpf_prog_test_run_opts(fd, &o) || o.retval != XDP_PASS)
		return -1;
	return median_ns(fd, pkt, sizeof(pkt), 1, e);
}

/*
 * The largest MTU native XDP accepts on veth (a frame must fit one page):
 * found on a probe pair with the baseline program attached.
 */
static int max_xdp_mtu(struct bench_ecb *skel)
{
	char cmd[128];
	int lo = 1500, hi = 9000, fd = bpf_program__fd(skel->progs.ecb_run);

	if (system("ip link add probe0 type veth peer name probe1") ||
	    bpf_xdp_attach((int)if_nametoindex("probe0"), fd, XDP_FLAGS_DRV_MODE, NULL))
		return -1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		/* XDP on probe0 limits what its peer may send: probe1's MTU */
		snprintf(cmd, sizeof(cmd), "ip link set dev probe1 mtu %d 2>/dev/null", mid);
		if (system(cmd))
			hi = mid - 1;
		else
			lo = mid;
	}
	system("ip link del probe0");
	return lo;
}

/* The most a `bpf` backend packet of 1500 bytes and more may cost, in
 * bare keystreams of its size (issue 11). */
#define BPF_TARGET_RATIO	1.25

static void line(const char *bench, size_t ip_len, double ns, const char *baseline, double base,
		 double target)
{
	printf("{\"bench\":\"%s\",\"size\":%zu,\"ns_per_pkt\":%.0f,\"baseline\":"
	       "\"%s\",\"baseline_ns_per_pkt\":%.0f,\"ratio\":%.2f",
	       bench, ip_len, ns, baseline, base, ns / base);
	if (target > 0)
		printf(",\"target_ratio\":%.2f", target);
	printf("}\n");
	fflush(stdout);
}

/* OpenSSL sealing (or opening) len bytes, in this process. */
static double openssl_ns(size_t len, int open)
{
	static struct gcm_arg g;

	if (!g.ctx && gcm_arg_init(&g, 0))
		return -1;
	g.len = len;
	if (!open)
		return measure(gcm_seal, &g);
	gcm_seal(&g, 0);
	return measure(gcm_open, &g);
}

int main(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, setup);
	static uint8_t frame[16384], wire[16384];
	struct pspbpf_tx_params tx = { .spi = 0x77, .version = 0, .key_len = 16 };
	struct pspbpf_flow flow = { .family = AF_INET, .laddr = { 10, 0, 0, 1 },
				    .raddr = { 10, 0, 0, 2 }, .lport = 40000, .rport = 5001 };
	struct pspbpf_flow back = { .family = AF_INET, .laddr = { 10, 0, 0, 2 },
				    .raddr = { 10, 0, 0, 1 }, .lport = 5001, .rport = 40000 };
	struct dev_env_opts opts = { 0 };
	static struct dev_env env;
	struct dev_env *e = &env;
	struct bench_ecb *skel;
	char why[256];
	size_t sizes[3] = { 64, 1500, 0 };
	uint8_t key[32], own[32];

	if (unshare(CLONE_NEWNET)) {
		perror("bench: unshare (needs root)");
		return 1;
	}
	/* the bpf backend's baseline; the kmod backend runs where the BPF
	 * crypto kfuncs are missing (Linux 6.1), and does without */
	libbpf_set_print(NULL);		/* its absence is said below if it matters */
	skel = bench_ecb__open_and_load();
	libbpf_set_print(print_default);
	if (skel && (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.ecb_setup), &setup) ||
		     skel->bss->status)) {
		fprintf(stderr, "bench: cannot set up the ecb(aes) baseline\n");
		return 1;
	}
	if (skel) {
		opts.mtu = max_xdp_mtu(skel);
		sizes[2] = (size_t)opts.mtu - PSP_TRANSPORT_OVERHEAD;
	} else {
		opts.mtu = 2048;	/* room for 1500 bytes and PSP */
	}
	if (dev_env_open(e, &opts, why, sizeof(why))) {
		fprintf(stderr, "bench: setup failed: %s\n", why);
		return 1;
	}
	if (e->backend == PSP_BACKEND_BPF && !skel) {
		fprintf(stderr, "bench: no BPF crypto kfuncs for the ecb(aes) baseline\n");
		return 1;
	}
	/* psp0 talks to itself: the flow out sends to the SPI of the flow
	 * back, so what psp_tx seals psp_rx opens */
	if (pspbpf_rx_assoc_spi(e->h, "psp0", &back, 0, tx.spi, key) ||
	    pspbpf_rx_assoc_spi(e->h, "psp0", &flow, 0, tx.spi + 1, own)) {
		fprintf(stderr, "bench: %s\n", pspbpf_errmsg(e->h));
		return 1;
	}
	tx.key = key;
	if (pspbpf_tx_assoc(e->h, "psp0", &flow, &tx)) {
		fprintf(stderr, "bench: %s\n", pspbpf_errmsg(e->h));
		return 1;
	}
	for (int i = 0; i < 3 && sizes[i]; i++) {
		size_t len = tcp_frame(frame, sizes[i]), wire_len = 0;
		size_t keystream = ((sizes[i] - 20 + 15) / 16 + 1) * 16;
		double base, target;

		if (run_tx(e, frame, len, wire, &wire_len) < 0 || wire_len != len + 40) {
			fprintf(stderr, "bench: psp_tx did not encapsulate %zu bytes\n", sizes[i]);
			return 1;
		}
		if (e->backend == PSP_BACKEND_KMOD) {
			line("kmod-tc-encrypt", sizes[i], median_ns(e->tx_fd, frame, len, 0, e),
			     "openssl-aes-128-gcm-seal", openssl_ns(sizes[i], 0), 0);
			line("kmod-xdp-decrypt", sizes[i], median_ns(e->rx_fd, wire, wire_len, 1, e),
			     "openssl-aes-128-gcm-open", openssl_ns(sizes[i], 1), 0);
			continue;
		}
		base = ecb_ns(skel, keystream, e);	/* one baseline for both */
		target = sizes[i] >= 1500 ? BPF_TARGET_RATIO : 0;
		line("bpf-tc-encrypt", sizes[i], median_ns(e->tx_fd, frame, len, 0, e),
		     "bpf-ecb-aes-keystream", base, target);
		line("bpf-xdp-decrypt", sizes[i], median_ns(e->rx_fd, wire, wire_len, 1, e),
		     "bpf-ecb-aes-keystream", base, target);
	}
	if (e->backend == PSP_BACKEND_BPF && bench_offload(e, skel, &flow, &back))
		return 1;
	bench_ecb__destroy(skel);
	return 0;
}
