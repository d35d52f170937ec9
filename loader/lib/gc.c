// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Reclaim of what the datapath cannot see end. In Linux, a flow's PSP
 * state lives in its socket and goes with it; here it lives in maps. The
 * datapath reclaims a flow a while after its FINs or a RST (bpf/lib/flow.h),
 * but a flow whose peer vanished sends neither, and an association made on
 * a socket that never connected has no flow at all. Those are reclaimed
 * here, on the word of sock_diag that no socket holds them any more:
 *
 *   - a flow with no socket, once it is closing or has been idle for the
 *     idle time (a flow with no socket yet, set up from the command line
 *     before its connection opens, is left that long); closing, once its
 *     last packets are past too: a socket closed with a RST leaves the
 *     tables before the RST goes out through psp_tx;
 *   - an association waiting for a socket, once that is older than the idle
 *     time and sock_diag has no socket of that cookie (a socket that is
 *     neither bound nor connected is in no table sock_diag walks);
 *   - Rx state of a flow that has no flow entry, which only a loader that
 *     died half way leaves.
 *
 * Only this namespace's devices: sock_diag sees this namespace's sockets.
 * A flow whose socket is in another namespace (a device forwarding to
 * containers) is known to be alive only by its packets, so idle decides.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "netlink.h"
#include "pspbpf_int.h"

/* A socket's flow as psp_flow keys it (dev_id 0), or only its cookie. */
struct gc_sockets {
	struct psp_flow *flows;
	uint64_t *cookies;
	size_t n, cap;
};

static int flow_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct psp_flow));
}

static int cookie_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* IPv4 connections of a dual-stack socket show as v4-mapped IPv6. */
static int v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

static int sock_add(const struct nl_sock *sk, void *arg)
{
	struct gc_sockets *s = arg;
	struct psp_flow *f;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct psp_flow *flows = realloc(s->flows, cap * sizeof(*flows));
		uint64_t *cookies = flows ? realloc(s->cookies, cap * sizeof(*cookies)) : NULL;

		if (flows)
			s->flows = flows;
		if (!cookies)
			return -ENOMEM;
		s->cookies = cookies;
		s->cap = cap;
	}
	f = &s->flows[s->n];
	memset(f, 0, sizeof(*f));
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
	s->cookies[s->n++] = sk->cookie;
	return 0;
}

static int sockets_read(struct gc_sockets *s)
{
	int err = nl_tcp_sock_dump(AF_INET, sock_add, s);

	if (!err)
		err = nl_tcp_sock_dump(AF_INET6, sock_add, s);
	if (err)
		return err;
	qsort(s->flows, s->n, sizeof(*s->flows), flow_cmp);
	qsort(s->cookies, s->n, sizeof(*s->cookies), cookie_cmp);
	return 0;
}

static int has_socket(const struct gc_sockets *s, const struct psp_flow *f)
{
	struct psp_flow k = *f;

	k.dev_id = 0;
	return bsearch(&k, s->flows, s->n, sizeof(k), flow_cmp) != NULL;
}

static int has_cookie(const struct gc_sockets *s, uint64_t cookie)
{
	return bsearch(&cookie, s->cookies, s->n, sizeof(cookie), cookie_cmp) != NULL;
}

struct gc_run {
	struct pspbpf *h;
	const uint8_t *devs;	/* by device id: 1 if swept */
	struct gc_sockets socks;
	uint64_t now, idle_ns, closed_ns;	/* closed_ns: the wait for the last packets */
	struct pspbpf_gc_stats st;
};

/* The flows to reclaim, all at once (assocs_forget()). The maps are read
 * in batches: the walk costs a few system calls, not some for each
 * association, and the state's lock is held for less. */
static void sweep_flows(struct gc_run *g)
{
	struct psp_assoc *vals;
	size_t n, dead = 0;
	struct psp_flow *keys = map_entries(g->h->map.assocs, sizeof(*keys), sizeof(*vals), &n,
					    (void **)&vals);
	uint32_t *rx_spi = n ? calloc(n, sizeof(*rx_spi)) : NULL;

	for (size_t i = 0; rx_spi && i < n; i++) {
		const struct psp_flow *f = &keys[i];
		const struct psp_assoc *a = &vals[i];

		if (f->dev_id >= PSP_MAX_DEVS || !g->devs[f->dev_id] || has_socket(&g->socks, f) ||
		    g->now - a->last_ns < (a->closing ? g->closed_ns : g->idle_ns))
			continue;
		keys[dead] = *f;
		rx_spi[dead++] = a->rx_spi;
	}
	assocs_forget(g->h, keys, rx_spi, dead);
	g->st.flows += (uint32_t)dead;
	free(rx_spi);
	free(vals);
	free(keys);
}

/* Rx state with no flow: waiting for a socket that never came, or left
 * by a removal that stopped half way. */
static void sweep_rx(struct gc_run *g)
{
	struct psp_rx_sa *vals;
	size_t n, nflows, dead = 0;
	struct psp_spi_key *keys = map_entries(g->h->map.rx_sa, sizeof(*keys), sizeof(*vals), &n,
					       (void **)&vals);
	struct psp_flow *flows = map_keys(g->h->map.assocs, sizeof(*flows), &nflows);
	uint32_t *rx_spi = n ? calloc(n, sizeof(*rx_spi)) : NULL;
	struct psp_flow *gone = n ? calloc(n, sizeof(*gone)) : NULL;

	if (flows)
		qsort(flows, nflows, sizeof(*flows), flow_cmp);
	for (size_t i = 0; rx_spi && gone && i < n; i++) {
		const struct psp_spi_key *k = &keys[i];
		struct psp_rx_sa *rx = &vals[i];

		if (k->dev_id >= PSP_MAX_DEVS || !g->devs[k->dev_id])
			continue;
		if (rx->flow.family) {
			/* bound: its flow entry gone means a half-done removal
			 * (and flows unread mean nothing is known gone) */
			if (!flows || bsearch(&rx->flow, flows, nflows, sizeof(*flows), flow_cmp))
				continue;
		} else if (g->now - rx->created_ns < g->idle_ns ||
			   has_cookie(&g->socks, rx->sk_cookie)) {
			continue;
		}
		gone[dead] = rx->flow;
		gone[dead].dev_id = k->dev_id;
		rx_spi[dead++] = k->spi;
	}
	assocs_forget(g->h, gone, rx_spi, dead);
	g->st.unbound += (uint32_t)dead;
	free(gone);
	free(rx_spi);
	free(flows);
	free(vals);
	free(keys);
}

int gc_run(struct pspbpf *h, uint32_t dev_id, uint64_t idle_ns, struct pspbpf_gc_stats *st)
{
	uint8_t devs[PSP_MAX_DEVS] = { 0 };
	struct gc_run g = {
		.h = h, .devs = devs, .idle_ns = idle_ns,
		.closed_ns = idle_ns < PSPBPF_GC_CLOSED_NS ? idle_ns : PSPBPF_GC_CLOSED_NS,
	};
	size_t n;
	/* the keys first: an update moves an element, which a walk would revisit */
	struct psp_dev_key *keys = map_keys(h->map.devs, sizeof(*keys), &n);
	struct psp_dev_cfg cfg;
	int err;

	for (size_t i = 0; i < n; i++)
		if (keys[i].netns_cookie == h->netns_cookie &&
		    !bpf_map_lookup_elem(h->map.devs, &keys[i], &cfg) && cfg.id < PSP_MAX_DEVS &&
		    (!dev_id || cfg.id == dev_id))
			devs[cfg.id] = 1;
	err = sockets_read(&g.socks);
	if (err) {
		free(keys);
		free(g.socks.flows);
		free(g.socks.cookies);
		return set_err(h, -err, "cannot list the sockets (sock_diag): %s", strerror(-err));
	}
	g.now = monotonic_ns();
	sweep_flows(&g);
	sweep_rx(&g);
	free(g.socks.flows);
	free(g.socks.cookies);
	/* per device swept: the host routes that lowered the MTU for Tx
	 * associations now gone, and the time of this reclaim */
	for (size_t i = 0; i < n; i++) {
		if (keys[i].netns_cookie != h->netns_cookie ||
		    bpf_map_lookup_elem(h->map.devs, &keys[i], &cfg) || cfg.id >= PSP_MAX_DEVS ||
		    !devs[cfg.id])
			continue;
		err = routes_prune(h, cfg.ifindex, 0);
		if (err > 0)
			g.st.routes += (uint32_t)err;
		cfg.last_reclaim_ns = g.now;
		bpf_map_update_elem(h->map.devs, &keys[i], &cfg, BPF_EXIST);
	}
	free(keys);
	if (st)
		*st = g.st;
	return 0;
}

int pspbpf_gc(struct pspbpf *h, const char *ifname, uint32_t idle_s, struct pspbpf_gc_stats *st)
{
	LOCK_GUARD(h);
	struct psp_dev_cfg cfg = { 0 };
	int err = pspbpf_lock(h);

	if (!err && ifname)
		err = dev_find(h, ifname, NULL, &cfg);
	if (!err)
		err = gc_run(h, cfg.id, idle_s * 1000000000ull, st);
	return err;
}
