// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "env.h"
#include "tap.h"

int test_env_mtu;
uint32_t test_env_max_assocs;
uint32_t test_env_backend;
static struct test_env env;
static int ready;

static void teardown(void)
{
	if (env.h) {
		pspbpf_dev_del(env.h, "psp1");	/* if a test added it */
		pspbpf_dev_del(env.h, "psp0");
		pspbpf_close(env.h);
	}
}

static int prog_of_link(const char *path)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int link = bpf_obj_get(path), fd = -1;

	if (link >= 0 && !bpf_obj_get_info_by_fd(link, &info, &len))
		fd = bpf_prog_get_fd_by_id(info.prog_id);
	if (link >= 0)
		close(link);
	return fd;
}

struct test_env *test_env(void)
{
	struct pspbpf_dev_opts o = { .versions_ena = PSP_VERSIONS_ALL,
				     .max_assocs = test_env_max_assocs,
				     .backend = test_env_backend };
	struct pspbpf_dev_info info;
	char path[256];
	int err;

	if (ready)
		return ready > 0 ? &env : NULL;
	ready = -1;
	if (unshare(CLONE_NEWNET)) {
		tap_ok(0, "own network namespace: %s (needs root)", strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "ip link add psp0 type veth peer name psp1 && "
		 "ip link set psp0 mtu %d && ip link set psp1 mtu %d && "
		 "ip link set psp0 up && ip link set psp1 up",
		 test_env_mtu ?: 1500, test_env_mtu ?: 1500);
	if (system(path)) {
		tap_ok(0, "veth pair psp0/psp1");
		return NULL;
	}
	err = pspbpf_open(&env.h, PSPBPF_CREATE);
	if (!err)
		err = pspbpf_dev_add(env.h, "psp0", &o, NULL);
	if (!err)
		err = pspbpf_dev_info(env.h, "psp0", &info);
	if (err) {
		tap_ok(0, "dev add psp0: %s", env.h ? pspbpf_errmsg(env.h) : "no memory");
		return NULL;
	}
	atexit(teardown);
	if (test_dev(&env, "psp0", &env)) {
		tap_ok(0, "the programs attached to psp0");
		return NULL;
	}
	ready = 1;
	return &env;
}

int test_dev(const struct test_env *e, const char *ifname, struct test_env *out)
{
	struct pspbpf_dev_info info;
	char path[256];
	__u32 id = 0;

	if (pspbpf_dev_info(e->h, ifname, &info))
		return -1;
	*out = *e;
	out->ifname = ifname;
	out->ifindex = (int)if_nametoindex(ifname);
	out->dev_id = info.cfg.id;
	out->backend = info.backend;
	out->xdp_generic = info.xdp_generic;
	bpf_xdp_query_id(out->ifindex, info.xdp_generic ? XDP_FLAGS_SKB_MODE :
			 XDP_FLAGS_DRV_MODE, &id);
	out->rx_fd = bpf_prog_get_fd_by_id(id);
	snprintf(path, sizeof(path), "%s/tx_link", info.pin_dir);
	out->tx_fd = prog_of_link(path);
	if (out->tx_fd < 0) {	/* no tcx: a cls_bpf filter (dev.c) */
		snprintf(path, sizeof(path), "%s/tx_prog", info.pin_dir);
		out->tx_fd = bpf_obj_get(path);
	}
	return out->rx_fd < 0 || out->tx_fd < 0 ? -1 : 0;
}

int run_rx_meta(struct test_env *e, const void *meta, size_t meta_len, const uint8_t *frame,
		size_t len, uint8_t *out, size_t *out_len)
{
	/* test_run takes the metadata in front of the frame, ctx.data its
	 * length, and data_end the length of both; what comes back starts
	 * with the metadata too */
	static uint8_t in[16384 + 32], buf[16384 + 32];
	struct xdp_md ctx = { .data = (__u32)meta_len, .data_end = (__u32)(meta_len + len),
			      .ingress_ifindex = (__u32)e->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = (__u32)(meta_len + len),
		    .data_out = buf, .data_size_out = sizeof(buf), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (meta_len > 32 || len > 16384)
		return -EINVAL;
	memcpy(in, meta, meta_len);
	memcpy(in + meta_len, frame, len);
	if (bpf_prog_test_run_opts(e->rx_fd, &o))
		return -errno;
	if (o.data_size_out < meta_len)
		return -EIO;
	*out_len = o.data_size_out - meta_len;
	memcpy(out, buf + meta_len, *out_len);
	return (int)o.retval;
}

int run_rx(struct test_env *e, const uint8_t *frame, size_t len, uint8_t *out,
	   size_t *out_len)
{
	return run_rx_meta(e, NULL, 0, frame, len, out, out_len);
}

int run_tx(struct test_env *e, const uint8_t *frame, size_t len, uint8_t *out,
	   size_t *out_len)
{
	struct __sk_buff ctx = { .ifindex = (__u32)e->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = 16384, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (bpf_prog_test_run_opts(e->tx_fd, &o))
		return -errno;
	*out_len = o.data_size_out;
	return (int)o.retval;
}

uint64_t counter(struct test_env *e, int which)
{
	uint64_t cnt[PSP_CNT__MAX];

	return pspbpf_stats(e->h, e->dev_id, cnt) ? UINT64_MAX : cnt[which];
}

size_t tcp_ack_frame(uint8_t *b, size_t l4_len, uint16_t port)
{
	size_t len = 14 + 20 + l4_len;

	memset(b, 0, len);
	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = (uint8_t)((20 + l4_len) >> 8);
	b[17] = (uint8_t)(20 + l4_len);
	b[22] = 64;
	b[23] = IPPROTO_TCP;
	memcpy(b + 26, (uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	b[34] = (uint8_t)(port >> 8);
	b[35] = (uint8_t)port;
	b[37] = 80;
	b[46] = 0x50;
	b[47] = 0x10;
	return len;
}
