// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "devenv.h"

/* what dev_env_open() set up, for the exit to take down */
static struct pspbpf *open_h;

static void teardown(void)
{
	pspbpf_dev_del(open_h, "psp1");	/* if a test added it */
	pspbpf_dev_del(open_h, "psp0");
	pspbpf_close(open_h);
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

int dev_env_open(struct dev_env *e, const struct dev_env_opts *o, char *why, size_t why_len)
{
	struct pspbpf_dev_opts d = { .versions_ena = PSP_VERSIONS_ALL,
				     .max_assocs = o->max_assocs, .backend = o->backend };
	struct pspbpf_dev_info info;
	char cmd[256];
	int err;

	memset(e, 0, sizeof(*e));
	if (unshare(CLONE_NEWNET)) {
		snprintf(why, why_len, "own network namespace: %s (needs root)", strerror(errno));
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "ip link add psp0 type veth peer name psp1 && "
		 "ip link set psp0 mtu %d && ip link set psp1 mtu %d && "
		 "ip link set psp0 up && ip link set psp1 up",
		 o->mtu ?: 1500, o->mtu ?: 1500);
	if (system(cmd)) {
		snprintf(why, why_len, "veth pair psp0/psp1");
		return -1;
	}
	err = pspbpf_open(&e->h, PSPBPF_CREATE);
	if (!err)
		err = pspbpf_dev_add(e->h, "psp0", &d, NULL);
	if (!err)
		err = pspbpf_dev_info(e->h, "psp0", &info);
	if (err) {
		snprintf(why, why_len, "dev add psp0: %s", e->h ? pspbpf_errmsg(e->h) : "no memory");
		return -1;
	}
	open_h = e->h;
	atexit(teardown);
	if (dev_env_dev(e, "psp0", e)) {
		snprintf(why, why_len, "the programs attached to psp0");
		return -1;
	}
	return 0;
}

int dev_env_dev(const struct dev_env *e, const char *ifname, struct dev_env *out)
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

int run_rx_meta(struct dev_env *e, const void *meta, size_t meta_len, const uint8_t *frame,
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

int run_rx(struct dev_env *e, const uint8_t *frame, size_t len, uint8_t *out,
	   size_t *out_len)
{
	return run_rx_meta(e, NULL, 0, frame, len, out, out_len);
}

int run_tx(struct dev_env *e, const uint8_t *frame, size_t len, uint8_t *out,
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

uint64_t counter(struct dev_env *e, int which)
{
	uint64_t cnt[PSP_CNT__MAX];

	return pspbpf_stats(e->h, e->dev_id, cnt) ? UINT64_MAX : cnt[which];
}

void flow_v4(struct pspbpf_flow *f, const char *laddr, uint16_t lport, const char *raddr,
	     uint16_t rport)
{
	memset(f, 0, sizeof(*f));
	f->family = AF_INET;
	inet_pton(AF_INET, laddr, f->laddr);
	inet_pton(AF_INET, raddr, f->raddr);
	f->lport = lport;
	f->rport = rport;
}
