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
#include <unistd.h>
#include <bpf/bpf.h>

#include "clock.h"
#include "map_iter.h"
#include "netlink.h"
#include "pspbpf_int.h"

/* A socket's flow as psp_flow keys it (dev_id 0), or only its cookie. */
struct gc_sockets {
	struct psp_flow *flows;
	uint64_t *cookies;
	size_t n, cap;
};

static int cookie_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int sock_add(const struct nl_sock *sk, void *arg)
{
	struct gc_sockets *s = arg;

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
	/* device 0: has_socket() compares the flow without its device */
	sock_flow(sk, 0, &s->flows[s->n]);
	s->cookies[s->n++] = sk->cookie;
	return 0;
}

static int sockets_read(struct gc_sockets *s)
{
	int err = nl_tcp_sock_dump(AF_INET, sock_add, s);

	if (!err)
		err = nl_tcp_sock_dump(AF_INET6, sock_add, s);
	/* no socket: the arrays were never allocated, and qsort() and
	 * bsearch() take no NULL, even for nothing */
	if (err || !s->n)
		return err;
	qsort(s->flows, s->n, sizeof(*s->flows), psp_flow_cmp);
	qsort(s->cookies, s->n, sizeof(*s->cookies), cookie_cmp);
	return 0;
}

static int has_socket(const struct gc_sockets *s, const struct psp_flow *f)
{
	struct psp_flow k = *f;

	k.dev_id = 0;
	return s->n && bsearch(&k, s->flows, s->n, sizeof(k), psp_flow_cmp);
}

static int has_cookie(const struct gc_sockets *s, uint64_t cookie)
{
	return s->n && bsearch(&cookie, s->cookies, s->n, sizeof(cookie), cookie_cmp);
}

struct gc_run {
	struct pspbpf *h;
	uint8_t *devs;		/* by device id: 0, SWEEP or PRUNE */
	struct gc_sockets socks;
	uint64_t now, idle_ns, closed_ns;	/* closed_ns: the wait for the last packets */
	int shared;		/* reads under the lock shared (gc_run()) */
	int err;		/* the lock lost: -errno, the sweep stopped */
	struct pspbpf_gc_stats st;
};

/*
 * What a sweep found to reclaim: each flow (dev_id set; family 0 for an
 * association that waits for a socket), its Rx SPI, and what the entry it
 * was judged on said then (a flow's last_ns, an Rx SPI's created_ns).
 */
struct gc_doomed {
	int of_rx;		/* judged on its Rx SPI's entry, not its flow's */
	struct psp_flow *flows;
	uint32_t *rx_spi;
	uint64_t *seen;
	size_t n;
};

static int doomed_alloc(struct gc_doomed *d, int of_rx, size_t n)
{
	*d = (struct gc_doomed){ .of_rx = of_rx };
	d->flows = calloc(n ? n : 1, sizeof(*d->flows));
	d->rx_spi = calloc(n ? n : 1, sizeof(*d->rx_spi));
	d->seen = calloc(n ? n : 1, sizeof(*d->seen));
	return d->flows && d->rx_spi && d->seen ? 0 : -ENOMEM;
}

static void doomed_free(struct gc_doomed *d)
{
	free(d->flows);
	free(d->rx_spi);
	free(d->seen);
}

static void doom(struct gc_doomed *d, const struct psp_flow *f, uint32_t dev_id, uint32_t rx_spi,
		 uint64_t seen)
{
	d->flows[d->n] = *f;
	d->flows[d->n].dev_id = dev_id;
	d->rx_spi[d->n] = rx_spi;
	d->seen[d->n++] = seen;
}

/*
 * Whether doomed entry i is still as the sweep saw it, read again under
 * the lock exclusive: a flow's entry with its SPI and last packet (a
 * packet since, or the datapath's reclaim and a new association of the
 * same flow, make it another's); an Rx SPI's entry of the same birth,
 * still bound to the same flow or to none, and a bound one's flow still
 * without an entry.
 */
static int still_doomed(struct gc_run *g, const struct gc_doomed *d, size_t i)
{
	struct psp_spi_key k = { .dev_id = d->flows[i].dev_id, .spi = d->rx_spi[i] };
	const struct psp_flow *f = &d->flows[i];
	struct psp_rx_sa rx;
	struct psp_assoc a;

	if (!d->of_rx)
		return !bpf_map_lookup_elem(g->h->map.assocs, f, &a) && a.rx_spi == k.spi &&
		       a.last_ns == d->seen[i];
	if (bpf_map_lookup_elem(g->h->map.rx_sa, &k, &rx) || rx.created_ns != d->seen[i] ||
	    rx.flow.family != f->family)
		return 0;
	return !f->family || bpf_map_lookup_elem(g->h->map.assocs, f, &a);
}

/* Entries reclaimed under one hold of the lock exclusive, when the sweep
 * read under it shared: installs wait for one chunk, not for the sweep. */
#define GC_CHUNK	4096
#define GC_YIELD_US	1000

/*
 * Reclaims what a sweep doomed (assocs_forget()). Read under the lock
 * exclusive, the entries are as the sweep saw them, all at once; read
 * under it shared, a chunk at a time under the lock exclusive, each entry
 * read again first (still_doomed()), and the lock shared again between.
 */
static size_t reclaim(struct gc_run *g, struct gc_doomed *d)
{
	/* under the lock exclusive all along, one wait for the packets */
	size_t chunk = g->shared ? GC_CHUNK : d->n, done = 0;

	for (size_t i = 0; i < d->n; i += chunk) {
		size_t m = d->n - i < chunk ? d->n - i : chunk, kept = 0;

		if (g->shared && (g->err = pspbpf_lock(g->h)))
			break;
		for (size_t j = i; j < i + m; j++) {
			if (g->shared && !still_doomed(g, d, j))
				continue;
			d->flows[i + kept] = d->flows[j];
			d->rx_spi[i + kept++] = d->rx_spi[j];
		}
		assocs_forget(g->h, d->flows + i, d->rx_spi + i, kept);
		done += kept;
		if (g->shared) {
			pspbpf_lock_restore(g->h, LOCK_SH);
			if (g->h->locked != LOCK_SH) {
				g->err = -ENOLCK;
				break;
			}
			/* flock keeps no queue: an install woken by the
			 * downgrade would find the lock exclusive again by
			 * the time it runs; its turn comes now */
			usleep(GC_YIELD_US);
		}
	}
	return done;
}

/* The flows to reclaim. The maps are read in batches: the walk costs a
 * few system calls, not some for each association. */
static void sweep_flows(struct gc_run *g)
{
	struct gc_doomed d = { 0 };
	struct psp_assoc *vals;
	size_t n;
	struct psp_flow *keys = map_entries(g->h->map.assocs, sizeof(*keys), sizeof(*vals), &n,
					    (void **)&vals);
	int err = keys ? doomed_alloc(&d, 0, n) : -ENOMEM;

	for (size_t i = 0; !err && i < n; i++) {
		const struct psp_flow *f = &keys[i];
		const struct psp_assoc *a = &vals[i];

		if (f->dev_id >= PSP_MAX_DEVS || !g->devs[f->dev_id] || has_socket(&g->socks, f) ||
		    g->now - a->last_ns < (a->closing ? g->closed_ns : g->idle_ns))
			continue;
		doom(&d, f, f->dev_id, a->rx_spi, a->last_ns);
	}
	free(vals);
	free(keys);
	if (!err)
		g->st.flows += (uint32_t)reclaim(g, &d);
	doomed_free(&d);
}

/* Rx state with no flow: waiting for a socket that never came, or left
 * by a removal that stopped half way. */
static void sweep_rx(struct gc_run *g)
{
	struct gc_doomed d = { 0 };
	struct psp_rx_sa *vals;
	size_t n, nflows;
	struct psp_spi_key *keys = map_entries(g->h->map.rx_sa, sizeof(*keys), sizeof(*vals), &n,
					       (void **)&vals);
	struct psp_flow *flows = map_keys(g->h->map.assocs, sizeof(*flows), &nflows);
	int err = keys ? doomed_alloc(&d, 1, n) : -ENOMEM;

	if (flows)
		qsort(flows, nflows, sizeof(*flows), psp_flow_cmp);
	for (size_t i = 0; !err && i < n; i++) {
		const struct psp_spi_key *k = &keys[i];
		struct psp_rx_sa *rx = &vals[i];

		if (k->dev_id >= PSP_MAX_DEVS || !g->devs[k->dev_id])
			continue;
		if (rx->flow.family) {
			/* bound: its flow entry gone means a half-done removal
			 * (and flows unread mean nothing is known gone) */
			if (!flows || bsearch(&rx->flow, flows, nflows, sizeof(*flows), psp_flow_cmp))
				continue;
		} else if (g->now - rx->created_ns < g->idle_ns ||
			   has_cookie(&g->socks, rx->sk_cookie)) {
			continue;
		}
		doom(&d, &rx->flow, k->dev_id, k->spi, rx->created_ns);
	}
	free(flows);
	free(vals);
	free(keys);
	if (!err)
		g->st.unbound += (uint32_t)reclaim(g, &d);
	doomed_free(&d);
}

/* devs[]: SWEEP, or PRUNE for a device with host routes to prune too */
enum { SWEEP = 1, PRUNE };

/* Whether the device of k is one this run sweeps: its entry in cfg. */
static int swept(const struct gc_run *g, const struct psp_netdev_key *k, struct psp_dev_cfg *cfg)
{
	return k->netns_cookie == g->h->netns_cookie &&
	       !bpf_map_lookup_elem(g->h->map.devs, k, cfg) && cfg->id < PSP_MAX_DEVS &&
	       g->devs[cfg->id];
}

int gc_run(struct pspbpf *h, uint32_t dev_id, uint64_t idle_ns, struct pspbpf_gc_stats *st)
{
	uint8_t devs[PSP_MAX_DEVS] = { 0 };
	struct gc_run g = {
		.h = h, .devs = devs, .idle_ns = idle_ns,
		.closed_ns = idle_ns < PSPBPF_GC_CLOSED_NS ? idle_ns : PSPBPF_GC_CLOSED_NS,
		.shared = h->locked == LOCK_SH,
	};
	size_t n;
	/* the keys first: an update moves an element, which a walk would revisit */
	struct psp_netdev_key *keys = map_keys(h->map.devs, sizeof(*keys), &n);
	struct psp_dev_cfg cfg;
	int err, pruned;

	for (size_t i = 0; i < n; i++)
		if (keys[i].netns_cookie == h->netns_cookie &&
		    !bpf_map_lookup_elem(h->map.devs, &keys[i], &cfg) && cfg.id < PSP_MAX_DEVS &&
		    (!dev_id || cfg.id == dev_id))
			devs[cfg.id] = SWEEP;
	err = sockets_read(&g.socks);
	if (err) {
		free(keys);
		free(g.socks.flows);
		free(g.socks.cookies);
		return set_err(h, -err, "cannot list the sockets (sock_diag): %s", strerror(-err));
	}
	g.now = monotonic_ns();
	sweep_flows(&g);
	if (!g.err)
		sweep_rx(&g);
	free(g.socks.flows);
	free(g.socks.cookies);
	/*
	 * Per device swept: the host routes that lowered the MTU for Tx
	 * associations now gone, and the time of this reclaim, under the
	 * lock exclusive (a tx-assoc beside could be making a route; the
	 * device's entry holds the SPI count psp_kdf moves). Under the lock
	 * shared, the routes are looked at first, and pruned only where some
	 * are to go: it reads every Tx association.
	 */
	for (size_t i = 0; g.shared && i < n; i++)
		if (swept(&g, &keys[i], &cfg) && routes_prune(h, cfg.ifindex, 0, 1) > 0)
			devs[cfg.id] = PRUNE;
	err = g.err ?: pspbpf_lock(h);
	for (size_t i = 0; !err && i < n; i++) {
		if (!swept(&g, &keys[i], &cfg))
			continue;
		pruned = g.shared && devs[cfg.id] != PRUNE ? 0 : routes_prune(h, cfg.ifindex, 0, 0);
		if (pruned > 0)
			g.st.routes += (uint32_t)pruned;
		cfg.last_reclaim_ns = g.now;
		bpf_map_update_elem(h->map.devs, &keys[i], &cfg, BPF_EXIST);
	}
	free(keys);
	if (st)
		*st = g.st;
	return err;
}

/*
 * The sweeps read under the lock shared, beside installs, which wait only
 * while a chunk of what they found is reclaimed (reclaim()): a sweep of a
 * host with hundreds of thousands of associations and TIME_WAIT sockets
 * takes seconds.
 */
int pspbpf_gc(struct pspbpf *h, const char *ifname, uint32_t idle_s, struct pspbpf_gc_stats *st)
{
	LOCK_GUARD(h);
	struct psp_dev_cfg cfg = { 0 };
	int err = pspbpf_lock_shared(h);

	if (!err && ifname)
		err = dev_find(h, ifname, NULL, &cfg);
	if (!err)
		err = gc_run(h, cfg.id, idle_s * 1000000000ull, st);
	return err;
}
