// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Room for PSP on the path. Linux net/psp lowers a socket's MSS by the PSP
 * overhead at tx-assoc (icsk_ext_hdr_len), which no BPF program can reach.
 * Instead the peer gets a host route through the PSP device whose mtu
 * leaves room for the overhead, and TCP takes that as its path MTU, for
 * connections opened before too, at their next transmission.
 *
 * A socket's association (sock.c) marks the socket (PSPBPF_SK_MARK), and
 * a rule sends marked traffic to a table of its own (PSPBPF_RT_TABLE)
 * that holds these routes: other connections to the peer keep their MSS.
 * An association made by flow has no socket to mark: its route goes in
 * the main table, for every connection to the peer while it is there.
 *
 * The routes carry protocol PSPBPF_RTPROT; routes_prune() removes those no
 * Tx association needs any more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <linux/rtnetlink.h>

#include "clock.h"
#include "map_iter.h"
#include "netlink.h"
#include "pspbpf_int.h"

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int route_sk_rule(struct pspbpf *h, int family)
{
	int err = nl_rule_add(h->nl, family, PSPBPF_SK_MARK, PSPBPF_SK_MARK_MASK, PSPBPF_RT_TABLE,
			      PSPBPF_RULE_PREF);

	if (err)
		return set_err(h, -err, "cannot add the routing rule for PSP sockets: %s",
			       strerror(-err));
	return 0;
}

/*
 * Many associations to one peer come in a row (a client opening
 * connections, add-assoc --batch): the route found with room enough for
 * one serves the next for ROUTE_SEEN_NS without asking the kernel again.
 * Within that time a route deleted by hand is not made again.
 */
#define ROUTE_SEEN_NS	1000000000ull

int route_seen(const struct pspbpf *h, uint32_t ifindex, const struct pspbpf_flow *f,
	       uint32_t overhead, uint32_t table)
{
	const struct route_seen *s = &h->route_seen[f->family == AF_INET6];
	size_t alen = addr_len(f->family);

	return s->until_ns > monotonic_ns() && s->family == f->family && s->table == table &&
	       s->ifindex == ifindex && overhead <= s->overhead &&
	       !memcmp(s->raddr, f->raddr, alen) && !memcmp(s->laddr, f->laddr, alen);
}

static void route_saw(struct pspbpf *h, const struct psp_dev_cfg *cfg,
		      const struct pspbpf_flow *f, uint32_t overhead, uint32_t table)
{
	struct route_seen *s = &h->route_seen[f->family == AF_INET6];

	*s = (struct route_seen){ .until_ns = monotonic_ns() + ROUTE_SEEN_NS, .table = table,
				  .ifindex = cfg->ifindex, .overhead = overhead,
				  .family = f->family };
	memcpy(s->raddr, f->raddr, addr_len(f->family));
	memcpy(s->laddr, f->laddr, addr_len(f->family));
}

/* route_tx_mtu(), tries times more if another process adds the route
 * between its lookup and its own add. */
static int route_room(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		      uint32_t overhead, uint32_t table, int tries)
{
	uint32_t mark = table == RT_TABLE_MAIN ? 0 : PSPBPF_SK_MARK;
	size_t alen = addr_len(f->family);
	struct nl_route fib, rt;
	uint32_t mtu, link_mtu;
	int ours, err;

	if (route_seen(h, cfg->ifindex, f, overhead, table))
		return 0;
	/* no route to the peer, or one that does not go through the device:
	 * the flow's packets never meet psp_tx */
	if (nl_route_get(h->nl, f->family, f->raddr, f->laddr, mark, &fib) || fib.oif != cfg->ifindex)
		return 0;
	err = nl_link_mtu(h->nl, (int)fib.oif, cfg->ifname, &link_mtu);
	if (err)
		return set_err(h, -err, "cannot read the MTU of %s: %s", cfg->ifname,
			       strerror(-err));
	ours = fib.protocol == PSPBPF_RTPROT && fib.dst_len == alen * 8 && fib.table == table;
	/* ours: made for less overhead (a VC) than this association's */
	mtu = !ours && fib.mtu && fib.mtu < link_mtu ? fib.mtu : link_mtu;
	if (ours && fib.mtu && fib.mtu + overhead <= link_mtu) {
		route_saw(h, cfg, f, overhead, table);
		return 0;	/* there already, with room enough */
	}
	if (!ours && fib.dst_len == alen * 8 && fib.table == table)
		return 0;	/* someone else's host route: theirs to set */
	if (mtu <= overhead + 68)
		return set_err(h, EINVAL, "MTU %u of the path to the peer leaves no room for PSP",
			       mtu);
	rt = fib;
	memcpy(rt.dst, f->raddr, alen);
	rt.dst_len = (uint8_t)(alen * 8);
	rt.table = table;
	rt.protocol = PSPBPF_RTPROT;
	rt.type = RTN_UNICAST;
	rt.scope = fib.has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt.mtu = mtu - overhead;
	err = nl_route_add(h->nl, &rt, ours);
	/* another process's tx-assoc to the same peer made it since the
	 * lookup (both hold the lock shared), maybe with less room: again */
	if (err == -EEXIST && !ours && tries)
		return route_room(h, cfg, f, overhead, table, tries - 1);
	if (err)
		return set_err(h, -err, "cannot add the route for PSP's room on the path: %s",
			       strerror(-err));
	route_saw(h, cfg, f, overhead, table);
	return 0;
}

int route_tx_mtu(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		 uint32_t overhead, uint32_t table)
{
	return route_room(h, cfg, f, overhead, table, 2);
}

/* A Tx association's peer, by the device it goes through. */
struct peer {
	uint32_t dev_id;
	uint32_t family;
	uint8_t addr[16];
};

static int peer_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct peer));
}

struct prune {
	struct pspbpf *h;
	uint32_t ifindex;	/* 0: every device's */
	int all;		/* even those a Tx association needs */
	struct peer *peers;	/* sorted, unless all */
	size_t npeers;
	struct nl_route *doomed;
	size_t n, cap;
};

/* The peers of every Tx association, read once for a whole prune: a walk
 * of the Tx map for each route would cost routes x associations. */
static int peers_read(struct prune *p)
{
	size_t n;
	struct psp_flow *keys = map_keys(p->h->map.tx_sa, sizeof(*keys), &n);

	if (!keys)
		return -errno;
	p->peers = calloc(n ? n : 1, sizeof(*p->peers));
	if (!p->peers) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct peer *q = &p->peers[i];

		q->dev_id = keys[i].dev_id;
		q->family = keys[i].family;
		memcpy(q->addr, keys[i].raddr, addr_len(keys[i].family));
	}
	p->npeers = n;
	qsort(p->peers, n, sizeof(*p->peers), peer_cmp);
	free(keys);
	return 0;
}

/* Whether a Tx association of the device the route goes through has the
 * route's destination as its peer. */
static int route_needed(const struct prune *p, const struct nl_route *rt)
{
	struct peer k = { .family = (uint32_t)rt->family };
	struct psp_dev_cfg cfg;

	if (dev_find_ifindex(p->h, rt->oif, NULL, &cfg))
		return 0;
	k.dev_id = cfg.id;
	memcpy(k.addr, rt->dst, addr_len(rt->family));
	return bsearch(&k, p->peers, p->npeers, sizeof(k), peer_cmp) != NULL;
}

static int prune_cb(const struct nl_route *rt, void *arg)
{
	struct prune *p = arg;

	if (rt->protocol != PSPBPF_RTPROT || (p->ifindex && rt->oif != p->ifindex) ||
	    (!p->all && route_needed(p, rt)))
		return 0;
	/* deleted after the dump: not while the kernel walks the table */
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct nl_route *d = realloc(p->doomed, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		p->doomed = d;
		p->cap = cap;
	}
	p->doomed[p->n++] = *rt;
	return 0;
}

int routes_prune(struct pspbpf *h, uint32_t ifindex, int all, int dry)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct prune p = { .h = h, .ifindex = ifindex, .all = all };
	int err = all ? 0 : peers_read(&p), removed = 0;

	for (size_t i = 0; i < 2 && !err; i++)
		err = nl_route_dump(h->nl, families[i], prune_cb, &p);
	if (dry)
		removed = (int)p.n;
	for (size_t i = 0; !dry && i < p.n; i++)
		if (!nl_route_del(h->nl, &p.doomed[i]))
			removed++;
	if (!dry)
		memset(h->route_seen, 0, sizeof(h->route_seen));	/* they may have been of them */
	free(p.peers);
	free(p.doomed);
	return err ? err : removed;
}

void routes_forget_rules(struct pspbpf *h)
{
	nl_rule_del(h->nl, AF_INET, PSPBPF_SK_MARK, PSPBPF_SK_MARK_MASK, PSPBPF_RT_TABLE,
		    PSPBPF_RULE_PREF);
	nl_rule_del(h->nl, AF_INET6, PSPBPF_SK_MARK, PSPBPF_SK_MARK_MASK, PSPBPF_RT_TABLE,
		    PSPBPF_RULE_PREF);
}
