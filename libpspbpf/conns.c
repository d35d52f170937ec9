// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The TCP connections of a device's Tx associations, as sock_diag shows
 * them, closed when the device or the association goes.
 *
 * dev del closes them before it detaches the programs, and del-assoc
 * the flow's before it deletes its entries: without them, whatever the
 * connection sent next would leave in clear, where Linux drops what a
 * socket sends once its PSP device is gone (psp_validate_xmit()) and has
 * no way to take an association off a live socket. Closed while psp_tx
 * still seals for them, they end with a PSP RST; their owners see
 * ECONNABORTED, as after `ss -K`. A connection in TIME_WAIT has only ACKs
 * left to send, and a listening socket no flow: both stay.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/tcp.h>

#include "map_iter.h"
#include "netlink.h"
#include "pspbpf_int.h"

int psp_flow_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct psp_flow));
}

/* IPv4 connections of a dual-stack socket show as v4-mapped IPv6. */
static int v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

void sock_flow(const struct nl_sock *sk, uint32_t dev_id, struct psp_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->dev_id = dev_id;
	f->lport = htons(sk->lport);
	f->rport = htons(sk->rport);
	if (sk->family == AF_INET6 && v4_mapped(sk->laddr) && v4_mapped(sk->raddr)) {
		f->family = AF_INET;
		memcpy(f->laddr, sk->laddr + 12, 4);
		memcpy(f->raddr, sk->raddr + 12, 4);
	} else {
		size_t alen = sk->family == AF_INET ? 4 : 16;

		f->family = (uint16_t)sk->family;
		memcpy(f->laddr, sk->laddr, alen);
		memcpy(f->raddr, sk->raddr, alen);
	}
}

struct conns {
	const struct psp_flow *flows;	/* the device's, sorted */
	size_t nflows;
	uint32_t dev_id;
	struct nl_sock *socks;		/* theirs, to close */
	size_t n, cap;
};

static int conn_of_dev(const struct nl_sock *sk, void *arg)
{
	struct conns *c = arg;
	struct psp_flow f;

	if (sk->state == TCP_LISTEN || sk->state == TCP_TIME_WAIT || sk->state == TCP_CLOSE)
		return 0;
	sock_flow(sk, c->dev_id, &f);
	if (!bsearch(&f, c->flows, c->nflows, sizeof(f), psp_flow_cmp))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		struct nl_sock *socks = realloc(c->socks, cap * sizeof(*socks));

		if (!socks)
			return -ENOMEM;
		c->socks = socks;
		c->cap = cap;
	}
	c->socks[c->n++] = *sk;
	return 0;
}

/* The flow has a Tx association (or had, being reclaimed): what it sends
 * must be PSP. One with an Rx association alone sends in clear, and goes
 * on doing so, as Linux's does when its device goes. */
static bool sends_psp(struct pspbpf *h, const struct psp_flow *f)
{
	struct psp_tx_sa sa;
	struct psp_assoc a;

	return !bpf_map_lookup_elem(h->map.tx_sa, f, &sa) ||
	       (!bpf_map_lookup_elem(h->map.assocs, f, &a) && a.has_tx);
}

int conns_close(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct psp_flow *only,
		size_t n_only, unsigned int *closed)
{
	struct conns c = { .dev_id = cfg->id };
	struct psp_flow *flows;
	size_t n = n_only, k = 0;
	int err;

	*closed = 0;
	flows = only ? malloc((n_only ?: 1) * sizeof(*flows)) :
		       map_keys(h->map.assocs, sizeof(*flows), &n);
	if (!flows)
		return set_err(h, errno ?: ENOMEM, "cannot read the associations of %s",
			       cfg->ifname);
	if (only)
		memcpy(flows, only, n_only * sizeof(*flows));
	for (size_t i = 0; i < n; i++)
		if (flows[i].dev_id == cfg->id && sends_psp(h, &flows[i]))
			flows[k++] = flows[i];
	c.flows = flows;
	c.nflows = k;
	err = 0;
	if (k) {
		qsort(flows, k, sizeof(*flows), psp_flow_cmp);
		err = nl_tcp_sock_dump(AF_INET, conn_of_dev, &c);
		if (!err)
			err = nl_tcp_sock_dump(AF_INET6, conn_of_dev, &c);
		if (err)
			err = set_err(h, -err, "cannot list the connections of %s (sock_diag): %s",
				      cfg->ifname, strerror(-err));
	}
	for (size_t i = 0; !err && i < c.n; i++) {
		int e = nl_tcp_sock_destroy(&c.socks[i]);

		/* closed meanwhile: as good */
		if (e && e != -ENOENT)
			err = set_err(h, -e, "cannot close a connection of %s, which would go on "
				      "in clear (sock_diag SOCK_DESTROY: %s)", cfg->ifname,
				      strerror(-e));
		else
			(*closed)++;
	}
	free(c.socks);
	free(flows);
	return err;
}
