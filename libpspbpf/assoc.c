// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Associations: one TCP flow, its Rx SPI and key (psp_rx_sa, psp_rx_keys)
 * and its Tx SPI and key (psp_tx_sa, psp_tx_keys). The errno of each
 * refusal is the one Linux net/psp gives for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/rtnetlink.h>
#include <openssl/crypto.h>

#include "clock.h"
#include "map_iter.h"
#include "pspbpf_int.h"

void flow_to_key(const struct pspbpf_flow *f, uint32_t dev_id, struct psp_flow *k)
{
	size_t alen = f->family == AF_INET ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->dev_id = dev_id;
	k->family = (uint16_t)f->family;
	k->lport = htons(f->lport);
	k->rport = htons(f->rport);
	memcpy(k->laddr, f->laddr, alen);
	memcpy(k->raddr, f->raddr, alen);
}

void flow_from_key(const struct psp_flow *k, struct pspbpf_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->family = k->family;
	f->lport = ntohs(k->lport);
	f->rport = ntohs(k->rport);
	memcpy(f->laddr, k->laddr, sizeof(k->laddr));
	memcpy(f->raddr, k->raddr, sizeof(k->raddr));
}

static int check_version(struct pspbpf *h, const struct psp_dev_cfg *cfg, uint32_t version)
{
	if (version > PSP_VERSION_MAX || !(cfg->versions_cap & (1u << version)))
		return set_err(h, EOPNOTSUPP, "version %u is not supported by the device",
			       version);
	return 0;
}

/* The device of an Rx association of version, the lock held shared. */
static int rx_dev(struct pspbpf *h, const char *ifname, uint32_t version,
		  struct psp_dev_cfg *cfg)
{
	int err = pspbpf_lock_shared(h);

	if (!err)
		err = dev_find(h, ifname, NULL, cfg);
	if (!err)
		err = check_version(h, cfg, version);
	return err;
}

/*
 * The device as the handle last found it (dev_find()), for a program to
 * check: a request run with it may say -ENODEV, the device changed since,
 * and then it is worth one look more.
 */
static void dev_ref_last(const struct pspbpf *h, struct psp_dev_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	ref->key.netns_cookie = h->netns_cookie;
	ref->key.ifindex = h->last_ifindex;
	memcpy(ref->ifname, h->last_ifname, sizeof(ref->ifname));
}

int assoc_rx_alloc(struct pspbpf *h, const char *ifname, struct psp_kdf_req *d,
		   uint8_t key[PSP_KEY_MAX_LEN])
{
	int looked = 0, err;

	do {
		if (looked || strcmp(h->last_ifname, ifname)) {
			err = dev_find(h, ifname, NULL, NULL);
			if (err)
				return err;
		}
		dev_ref_last(h, &d->dev);
		d->alloc = 1;
		do
			err = kdf_run(h, d, key);
		while (err == -EAGAIN);
	} while (err == -ENODEV && !looked++);
	switch (err) {
	case 0:
		return 0;
	case -ENODEV:
		return set_err(h, ENODEV, "'%s' is not a PSP device", ifname);
	case -EOPNOTSUPP:
		return set_err(h, EOPNOTSUPP, "version %u is not supported by the device",
			       d->version);
	case -EBUSY:
		return set_err(h, EBUSY, "Socket already has PSP state (SPI %08x)", d->spi);
	case -ENOSPC:
		return set_err(h, ENOSPC, "SPI space exhausted");
	default:
		return kdf_err(h, d, err);
	}
}

int assoc_rx_put(struct pspbpf *h, const struct psp_kdf_req *d, const struct psp_flow *fk,
		 const uint32_t *clear_end, uint64_t sk_cookie, uint8_t key[PSP_KEY_MAX_LEN])
{
	struct psp_assoc_req r = {
		.op = PSP_ASSOC_RX_ADD, .dev_id = d->dev_id, .spi = d->spi,
		.key_len = psp_key_len(d->version), .flags = d->flags, .version = d->version,
		.rx = { .version = d->version, .generation = d->generation },
	};
	int err;

	if (clear_end) {
		r.clear_end_set = 1;
		r.clear_end = *clear_end;
	}
	if (fk) {
		r.rx.flow = *fk;
	} else {
		r.rx.flow.dev_id = d->dev_id;
		r.rx.sk_cookie = sk_cookie;
	}
	r.rx.created_ns = monotonic_ns();
	memcpy(r.key, key, r.key_len);
	err = assoc_req_run(h, &r);
	if (err == -E2BIG) {
		/*
		 * The maps are full: a sweep, under the lock exclusive as gc
		 * takes it (the caller's guard gives a shared hold back). A
		 * shared hold is let go on the way (flock converts so), and
		 * what the caller found under it, the device's key and phase,
		 * may have changed since: -EAGAIN, it starts over.
		 */
		int was_shared = h->locked == LOCK_SH;

		if (!pspbpf_lock(h) && !gc_run(h, 0, PSPBPF_IDLE_DEFAULT_S * 1000000000ull, NULL)) {
			if (was_shared) {
				OPENSSL_cleanse(key, PSP_KEY_MAX_LEN);
				return -EAGAIN;
			}
			/* once more with what the sweep freed */
			memcpy(r.key, key, r.key_len);
			err = assoc_req_run(h, &r);
		}
	}
	if (!err)
		return 0;
	OPENSSL_cleanse(key, PSP_KEY_MAX_LEN);
	if (err == -EEXIST)
		return set_err(h, EBUSY, "SPI %08x is in use", d->spi);
	if (err == -EBUSY)
		return set_err(h, EBUSY, "Socket already has PSP state");
	if (err == -E2BIG)
		return set_err(h, ENOSPC, "the association maps are full (%u entries; "
			       "dev add --max-assocs sizes them)", h->max_assocs);
	return set_err(h, -err, "cannot add the Rx association: %s", strerror(-err));
}

int pspbpf_rx_assoc_spi(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
			uint32_t version, uint32_t spi, uint8_t key[PSP_KEY_MAX_LEN])
{
	LOCK_GUARD(h);
	int err;

	if (!(spi & PSP_SPI_INDEX_MASK))
		return set_err(h, EINVAL, "invalid SPI: lower 31b must be non-zero");
	do {	/* -EAGAIN: from the start (assoc_rx_put()) */
		struct psp_kdf_req d = { .spi = spi, .version = version };
		struct psp_dev_cfg cfg;
		struct psp_flow fk;

		err = rx_dev(h, ifname, version, &cfg);
		if (err)
			return err;
		d.dev_id = cfg.id;
		d.flags = cfg.flags;
		/* an SPI of the previous key's phase is of the generation
		 * before: it goes stale when its key does, at the next
		 * rotation */
		d.generation = spi >> 31 != cfg.phase ? (cfg.generation - 1) & PSP_GEN_MASK :
							cfg.generation;
		flow_to_key(f, cfg.id, &fk);
		err = kdf_run(h, &d, key);
		if (err == -ENOENT)
			return set_err(h, EINVAL, "SPI %08x: device %u has no key for phase %u",
				       spi, cfg.id, spi >> 31);
		if (err)
			return kdf_err(h, &d, err);
		err = assoc_rx_put(h, &d, &fk, NULL, 0, key);
	} while (err == -EAGAIN);
	return err;
}

int pspbpf_rx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    uint32_t version, uint32_t *spi, uint8_t key[PSP_KEY_MAX_LEN])
{
	LOCK_GUARD(h);
	struct psp_kdf_req d;
	int err = pspbpf_lock_shared(h);

	if (err)
		return err;
	do {	/* -EAGAIN: from the start (assoc_rx_put()) */
		d = (struct psp_kdf_req){ .version = version };
		flow_to_key(f, 0, &d.flow);
		err = assoc_rx_alloc(h, ifname, &d, key);
		if (!err)
			err = assoc_rx_put(h, &d, &d.flow, NULL, 0, key);
	} while (err == -EAGAIN);
	if (!err)
		*spi = d.spi;
	return err;
}

/* What Linux checks of the Tx parameters themselves. */
static int tx_params_check(struct pspbpf *h, const struct pspbpf_tx_params *p)
{
	if (p->key_len != psp_key_len(p->version))
		return set_err(h, EINVAL, "incorrect key length: %zu bytes for version %u",
			       p->key_len, p->version);
	if (!(p->spi & PSP_SPI_INDEX_MASK))
		return set_err(h, EINVAL, "invalid SPI: lower 31b must be non-zero");
	/* every segment, a bare ACK too, must have room for the clear part */
	if (p->crypt_off * PSP_CRYPT_OFF_UNIT > 20 + (p->has_vc ? PSP_VC_LEN : 0))
		return set_err(h, EINVAL, "crypt offset %u is past a bare TCP header",
			       p->crypt_off);
	return 0;
}

int assoc_tx_check(struct pspbpf *h, uint32_t rx_version, int has_tx,
		   const struct pspbpf_tx_params *p)
{
	int err;

	if (p->version != rx_version)
		return set_err(h, EINVAL, "PSP version mismatch with existing state");
	err = tx_params_check(h, p);
	if (!err && has_tx)
		err = set_err(h, EBUSY, "Tx key already set");
	return err;
}

/*
 * A Tx entry, its IV (the one before its key's first) the time, in ns of
 * CLOCK_REALTIME (clock.c).
 * psp_tx takes the next IV for each packet, so an association installed
 * at t uses IVs above t and, at under one packet a nanosecond under one
 * key, below the time it goes away. The same key installed again later
 * (after del-assoc, a dev del and add with key-import, a restart of the
 * host) starts above every IV it sent before: no nonce repeats under a
 * key while the clock does not step back (docs/operations.md, IVs).
 * 64 bits of nanoseconds last until the year 2554.
 */
void assoc_tx_sa(const struct pspbpf_tx_params *p, uint32_t rx_spi, struct psp_tx_sa *sa)
{
	*sa = (struct psp_tx_sa){ .spi = p->spi, .rx_spi = rx_spi, .version = (uint8_t)p->version,
				  .crypt_off = p->crypt_off, .has_vc = (uint8_t)p->has_vc,
				  .iv = realtime_ns() };
	memcpy(sa->vc, p->vc, sizeof(sa->vc));
}

/* The PSP overhead a Tx association adds to each packet. */
static uint32_t tx_overhead(const struct pspbpf_tx_params *p)
{
	return PSP_ENCAP_HLEN + PSP_ICV_LEN + (p->has_vc ? PSP_VC_LEN : 0);
}

/* A refusal of the Tx half (psp_assoc_set's TX_ADD), as Linux words it. */
static int tx_refused(struct pspbpf *h, int err)
{
	switch (err) {
	case -ENOENT:
		return set_err(h, EINVAL, "Socket has no Rx key (rx-assoc first)");
	case -EPROTO:
		return set_err(h, EINVAL, "PSP version mismatch with existing state");
	case -EBUSY:
		return set_err(h, EBUSY, "Tx key already set");
	default:
		return set_err(h, -err, "cannot add the Tx association: %s", strerror(-err));
	}
}

/* The Tx half's request, r's device and SPI set or named. -ENODEV with
 * no reason: a named device changed. */
static int tx_req_run(struct pspbpf *h, struct psp_assoc_req *r, const struct pspbpf_flow *f,
		      const struct pspbpf_tx_params *p)
{
	int err;

	flow_to_key(f, r->dev_id, &r->flow);
	assoc_tx_sa(p, r->spi, &r->tx);
	memcpy(r->key, p->key, p->key_len);
	err = assoc_req_run(h, r);
	return !err || err == -ENODEV ? err : tx_refused(h, err);
}

/*
 * What TX_ADD refuses of the flow's state, asked before tx-assoc changes
 * a route for it: refused, it leaves the routes as they were. (Under the
 * lock shared another process may change the flow between the two; the
 * route is then one no Tx association needs, which gc prunes.)
 */
static int tx_flow_check(struct pspbpf *h, const struct psp_dev_cfg *cfg,
			 const struct pspbpf_flow *f, const struct pspbpf_tx_params *p)
{
	struct psp_tx_sa sa;
	struct psp_assoc a;
	struct psp_flow fk;

	flow_to_key(f, cfg->id, &fk);
	if (bpf_map_lookup_elem(h->map.assocs, &fk, &a))
		return tx_refused(h, -ENOENT);
	if (a.version != p->version)
		return tx_refused(h, -EPROTO);
	if (!bpf_map_lookup_elem(h->map.tx_sa, &fk, &sa))
		return tx_refused(h, -EBUSY);
	return 0;
}

int assoc_tx_route(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		   const struct pspbpf_tx_params *p, uint32_t table)
{
	return route_tx_mtu(h, cfg, f, tx_overhead(p), table);
}

int assoc_tx_install(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		     const struct psp_assoc *a, const struct pspbpf_tx_params *p, uint32_t table)
{
	struct psp_assoc_req r = {
		.op = PSP_ASSOC_TX_ADD, .dev_id = cfg->id, .spi = a->rx_spi,
		.key_len = (uint32_t)p->key_len, .flags = cfg->flags, .version = p->version,
	};
	/* room for the PSP overhead on the path, before the first PSP segment */
	int err = assoc_tx_route(h, cfg, f, p, table);

	return err ? err : tx_req_run(h, &r, f, p);
}

/*
 * tx-assoc in one program run (psp_assoc_set's TX_ADD with the device
 * named): the device, the flow's Rx state and its checks are looked up
 * there. The route is made sure of first, unless route_tx_mtu() just did
 * for this peer.
 */
int pspbpf_tx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    const struct pspbpf_tx_params *p)
{
	LOCK_GUARD(h);
	uint32_t overhead = tx_overhead(p);
	int looked = 0, err = tx_params_check(h, p);

	if (!err)
		err = pspbpf_lock_shared(h);
	if (err)
		return err;
	do {
		struct psp_assoc_req r = { .op = PSP_ASSOC_TX_ADD, .key_len = (uint32_t)p->key_len,
					   .version = p->version };
		struct psp_dev_cfg cfg;

		if (looked || strcmp(h->last_ifname, ifname) ||
		    !route_seen(h, h->last_ifindex, f, overhead, RT_TABLE_MAIN)) {
			err = dev_find(h, ifname, NULL, &cfg);
			if (!err)
				err = tx_flow_check(h, &cfg, f, p);
			if (!err)
				err = route_tx_mtu(h, &cfg, f, overhead, RT_TABLE_MAIN);
			if (err)
				return err;
		}
		dev_ref_last(h, &r.dev);
		err = tx_req_run(h, &r, f, p);
	} while (err == -ENODEV && !looked++);
	return err == -ENODEV ? set_err(h, ENODEV, "'%s' is not a PSP device", ifname) : err;
}

int pspbpf_assoc_del(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f)
{
	LOCK_GUARD(h);
	struct psp_dev_cfg cfg;
	struct psp_assoc a;
	struct psp_flow fk;
	unsigned int closed;
	/* exclusive: deleting takes several steps, and a tx-assoc or a new
	 * association on the flow between them would lose its entries */
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, NULL, &cfg);
	if (err)
		return err;
	flow_to_key(f, cfg.id, &fk);
	if (bpf_map_lookup_elem(h->map.assocs, &fk, &a))
		return set_err(h, ENOENT, "the flow has no association on %s", ifname);
	/* its connection first, which would go on in clear (conns.c) */
	err = conns_close(h, &cfg, &fk, 1, &closed);
	if (err)
		return err;
	assoc_forget(h, &fk, a.rx_spi);
	return 0;
}

int pspbpf_add_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		     uint32_t version, const struct pspbpf_tx_params *tx,
		     struct pspbpf_rx_added *rx)
{
	LOCK_GUARD(h);
	struct psp_kdf_req d;
	struct psp_tx_sa sa;
	/* Tx parameters Linux refuses, before an SPI is taken for the Rx half */
	int err = tx ? tx_params_check(h, tx) : 0;

	memset(rx, 0, sizeof(*rx));
	if (!err)
		err = pspbpf_lock_shared(h);
	if (err)
		return err;
	for (;;) {
		memset(rx, 0, sizeof(*rx));
		d = (struct psp_kdf_req){ .version = version };
		flow_to_key(f, 0, &d.flow);
		err = assoc_rx_alloc(h, ifname, &d, rx->key);
		rx->dev_id = d.dev_id;
		if (err == -EBUSY)
			break;		/* the flow has its Rx state already */
		if (!err)
			err = assoc_rx_put(h, &d, &d.flow, NULL, 0, rx->key);
		if (err == -EAGAIN)
			continue;	/* from the start (assoc_rx_put()) */
		if (err)
			return err;
		rx->added = 1;
		rx->spi = d.spi;
		break;
	}
	if (!tx)
		return 0;
	err = pspbpf_tx_assoc(h, ifname, f, tx);
	/*
	 * No packet can have used the Rx state: it goes as it came. Unless
	 * another process gave the flow its Tx state meanwhile (the lock is
	 * shared), which makes the association that one's too: known for
	 * sure under the lock exclusive.
	 */
	if (err && rx->added && !pspbpf_lock(h) &&
	    bpf_map_lookup_elem(h->map.tx_sa, &d.flow, &sa)) {
		assoc_forget(h, &d.flow, rx->spi);
		OPENSSL_cleanse(rx->key, sizeof(rx->key));
		rx->added = 0;
	}
	return err;
}

int pspbpf_add_assoc_batch(struct pspbpf *h, const char *ifname, struct pspbpf_assoc_line *v,
			   size_t n)
{
	LOCK_GUARD(h);
	int err = pspbpf_lock_shared(h), failed = 0;

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		struct pspbpf_assoc_line *l = &v[i];

		l->tx.key = l->tx_key;
		l->err = pspbpf_add_assoc(h, ifname, &l->flow, l->version,
					  l->has_tx ? &l->tx : NULL, &l->rx);
		if (l->err) {
			snprintf(l->errmsg, sizeof(l->errmsg), "%s", pspbpf_errmsg(h));
			failed++;
		}
	}
	return failed;
}

int pspbpf_assoc_list(struct pspbpf *h, const char *ifname, struct pspbpf_assoc **out,
		      size_t *n)
{
	uint8_t ids[PSP_MAX_DEVS] = { 0 };
	struct pspbpf_dev_info *devs;
	struct psp_flow *keys;
	struct pspbpf_assoc *v;
	struct psp_assoc a;
	struct psp_tx_sa tx;
	struct psp_rx_sa rx;
	size_t ndev, nkeys;
	int err;

	*n = 0;
	if (ifname) {
		struct psp_dev_cfg cfg;

		err = dev_find(h, ifname, NULL, &cfg);
		if (err)
			return err;
		ids[cfg.id] = 1;
	} else {
		err = pspbpf_dev_list(h, &devs, &ndev);
		if (err)
			return err;
		for (size_t i = 0; i < ndev; i++)
			ids[devs[i].cfg.id] = 1;
		free(devs);
	}
	keys = map_keys(h->map.assocs, sizeof(*keys), &nkeys);
	v = calloc(nkeys ? nkeys : 1, sizeof(*v));
	if (!v) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nkeys; i++) {
		struct psp_flow fk = keys[i];
		struct pspbpf_assoc *e = &v[*n];
		struct psp_spi_key sk = { .dev_id = fk.dev_id };

		if (fk.dev_id >= PSP_MAX_DEVS || !ids[fk.dev_id] ||
		    bpf_map_lookup_elem(h->map.assocs, &fk, &a))
			continue;
		flow_from_key(&fk, &e->flow);
		e->dev_id = fk.dev_id;
		e->has_rx = 1;
		e->rx_spi = a.rx_spi;
		e->version = a.version;
		e->state = a.peer_tx ? PSPBPF_PSP_FULL : a.has_tx ? PSPBPF_TX_PSP : PSPBPF_RX_PSP;
		sk.spi = a.rx_spi;
		e->rx_stale = !bpf_map_lookup_elem(h->map.rx_sa, &sk, &rx) &&
			      (rx.generation & PSP_GEN_STALE);
		if (!bpf_map_lookup_elem(h->map.tx_sa, &fk, &tx)) {
			e->has_tx = 1;
			e->tx_spi = tx.spi;
			e->crypt_off = tx.crypt_off;
			e->has_vc = tx.has_vc;
			e->tx_iv = tx.iv;
		}
		(*n)++;
	}
	free(keys);
	*out = v;
	return 0;
}

int pspbpf_stats(struct pspbpf *h, uint32_t dev_id, uint64_t cnt[PSP_CNT__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct psp_stats *per_cpu;
	struct psp_netdev_key k;
	struct psp_dev_cfg cfg;

	if (ncpu < 0)
		return set_err(h, -ncpu, "cannot count CPUs");
	per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	memset(cnt, 0, PSP_CNT__MAX * sizeof(cnt[0]));
	if (bpf_map_lookup_elem(h->map.stats, &dev_id, per_cpu)) {
		free(per_cpu);
		return set_err(h, errno, "cannot read the counters: %s", strerror(errno));
	}
	for (int c = 0; c < ncpu; c++)
		for (int i = 0; i < PSP_CNT__MAX; i++)
			cnt[i] += per_cpu[c].cnt[i];
	free(per_cpu);
	/* the control plane's own, kept with the device */
	FOR_EACH_MAP_KEY(h->map.devs, k) {
		if (!bpf_map_lookup_elem(h->map.devs, &k, &cfg) && cfg.id == dev_id) {
			cnt[PSP_CNT_KEY_ROTATIONS] = cfg.key_rotations;
			cnt[PSP_CNT_STALE_EVENTS] = cfg.stale_events;
			break;
		}
	}
	return 0;
}
