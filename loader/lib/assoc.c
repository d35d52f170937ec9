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
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/rtnetlink.h>
#include <openssl/crypto.h>

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

/* The locked device of an Rx association of version. */
static int rx_dev(struct pspbpf *h, const char *ifname, uint32_t version, struct psp_dev_key *dk,
		  struct psp_dev_cfg *cfg)
{
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, dk, cfg);
	if (!err)
		err = check_version(h, cfg, version);
	return err;
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int assoc_rx_install(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct psp_flow *fk,
		     const uint32_t *clear_end, uint64_t sk_cookie, uint32_t version, uint32_t spi,
		     uint8_t key[PSP_KEY_MAX_LEN])
{
	struct psp_assoc_req r = {
		.op = PSP_ASSOC_RX_ADD, .dev_id = cfg->id, .spi = spi,
		.key_len = psp_key_len(version), .flags = cfg->flags, .version = version,
		.rx = { .version = version, .generation = cfg->generation },
	};
	int err = check_version(h, cfg, version);

	if (!err)
		err = pspbpf_derive(h, cfg->id, spi, version, key);
	if (err)
		return err;
	if (clear_end) {
		r.clear_end_set = 1;
		r.clear_end = *clear_end;
	}
	if (fk) {
		r.rx.flow = *fk;
	} else {
		r.rx.flow.dev_id = cfg->id;
		r.rx.sk_cookie = sk_cookie;
	}
	r.rx.created_ns = monotonic_ns();
	gc_if_due(h);
	memcpy(r.key, key, r.key_len);
	err = assoc_req_run(h, &r);
	if (err == -E2BIG && !gc_run(h, 0, PSPBPF_IDLE_DEFAULT_S * 1000000000ull, NULL)) {
		/* the maps were full: once more with what the sweep freed */
		memcpy(r.key, key, r.key_len);
		err = assoc_req_run(h, &r);
	}
	if (!err)
		return 0;
	OPENSSL_cleanse(key, PSP_KEY_MAX_LEN);
	if (err == -EEXIST)
		return set_err(h, EBUSY, "SPI %08x is in use", spi);
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
	struct psp_dev_key dk;
	struct psp_dev_cfg cfg;
	struct psp_flow fk;
	int err = rx_dev(h, ifname, version, &dk, &cfg);

	if (err)
		return err;
	if (!(spi & PSP_SPI_INDEX_MASK))
		return set_err(h, EINVAL, "invalid SPI: lower 31b must be non-zero");
	/* an SPI of the previous key's phase is of the generation before:
	 * it goes stale when its key does, at the next rotation */
	if (spi >> 31 != cfg.phase)
		cfg.generation = (cfg.generation - 1) & PSP_GEN_MASK;
	flow_to_key(f, cfg.id, &fk);
	err = assoc_rx_install(h, &cfg, &fk, NULL, 0, version, spi, key);
	if (err == -ENOKEY)
		return set_err(h, EINVAL, "SPI %08x: device %u has no key for phase %u", spi,
			       cfg.id, spi >> 31);
	return err;
}

int assoc_spi_alloc(struct pspbpf *h, const struct psp_dev_key *dk, struct psp_dev_cfg *cfg,
		    uint32_t *spi)
{
	/*
	 * SPIs count up within the current key's phase; 0 is never one. A
	 * stale association of the phase's previous key may still hold one.
	 */
	do {
		struct psp_rx_sa sa;
		struct psp_spi_key sk = { .dev_id = cfg->id };

		if ((cfg->spi_last & PSP_SPI_INDEX_MASK) == PSP_SPI_INDEX_MASK)
			return set_err(h, ENOSPC, "SPI space exhausted");
		cfg->spi_last++;
		*spi = (cfg->phase ? PSP_SPI_PHASE : 0) | cfg->spi_last;
		sk.spi = *spi;
		if (bpf_map_lookup_elem(h->map.rx_sa, &sk, &sa))
			break;
	} while (1);
	if (bpf_map_update_elem(h->map.devs, dk, cfg, BPF_EXIST))
		return set_err(h, errno, "cannot allocate an SPI: %s", strerror(errno));
	return 0;
}

int pspbpf_rx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    uint32_t version, uint32_t *spi, uint8_t key[PSP_KEY_MAX_LEN])
{
	LOCK_GUARD(h);
	struct psp_dev_key dk;
	struct psp_dev_cfg cfg;
	struct psp_assoc old;
	struct psp_flow fk;
	int err = rx_dev(h, ifname, version, &dk, &cfg);

	if (err)
		return err;
	flow_to_key(f, cfg.id, &fk);
	if (!bpf_map_lookup_elem(h->map.assocs, &fk, &old))
		return set_err(h, EBUSY, "Socket already has PSP state (SPI %08x)", old.rx_spi);
	err = assoc_spi_alloc(h, &dk, &cfg, spi);
	if (!err)
		err = assoc_rx_install(h, &cfg, &fk, NULL, 0, version, *spi, key);
	return err;
}

int assoc_tx_check(struct pspbpf *h, uint32_t rx_version, int has_tx,
		   const struct pspbpf_tx_params *p)
{
	if (p->version != rx_version)
		return set_err(h, EINVAL, "PSP version mismatch with existing state");
	if (p->key_len != psp_key_len(p->version))
		return set_err(h, EINVAL, "incorrect key length: %zu bytes for version %u",
			       p->key_len, p->version);
	if (!(p->spi & PSP_SPI_INDEX_MASK))
		return set_err(h, EINVAL, "invalid SPI: lower 31b must be non-zero");
	/* every segment, a bare ACK too, must have room for the clear part */
	if (p->crypt_off * PSP_CRYPT_OFF_UNIT > 20 + (p->has_vc ? PSP_VC_LEN : 0))
		return set_err(h, EINVAL, "crypt offset %u is past a bare TCP header",
			       p->crypt_off);
	if (has_tx)
		return set_err(h, EBUSY, "Tx key already set");
	return 0;
}

/*
 * The IV before a new Tx key's first: the time, in ns of CLOCK_REALTIME.
 * psp_tx takes the next IV for each packet, so an association installed
 * at t uses IVs above t and, at under one packet a nanosecond under one
 * key, below the time it goes away. The same key installed again later
 * (after del-assoc, a dev del and add with key-import, a restart of the
 * host) starts above every IV it sent before: no nonce repeats under a
 * key while the clock does not step back (docs/operations.md, IVs).
 * 64 bits of nanoseconds last until the year 2554.
 */
static uint64_t tx_iv_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void assoc_tx_sa(const struct pspbpf_tx_params *p, uint32_t rx_spi, struct psp_tx_sa *sa)
{
	*sa = (struct psp_tx_sa){ .spi = p->spi, .rx_spi = rx_spi, .version = (uint8_t)p->version,
				  .crypt_off = p->crypt_off, .has_vc = (uint8_t)p->has_vc,
				  .iv = tx_iv_seed() };
	memcpy(sa->vc, p->vc, sizeof(sa->vc));
}

int assoc_tx_install(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		     const struct psp_assoc *a, const struct pspbpf_tx_params *p, uint32_t table)
{
	struct psp_assoc_req r = {
		.op = PSP_ASSOC_TX_ADD, .dev_id = cfg->id, .spi = a->rx_spi,
		.key_len = (uint32_t)p->key_len, .flags = cfg->flags, .version = p->version,
	};
	int err;

	/* room for the PSP overhead on the path, before the first PSP segment */
	err = route_tx_mtu(h, cfg, f, PSP_ENCAP_HLEN + PSP_ICV_LEN + (p->has_vc ? PSP_VC_LEN : 0),
			   table);
	if (err)
		return err;
	flow_to_key(f, cfg->id, &r.flow);
	assoc_tx_sa(p, a->rx_spi, &r.tx);
	memcpy(r.key, p->key, p->key_len);
	err = assoc_req_run(h, &r);
	if (err == -ENOENT)
		return set_err(h, EINVAL, "Socket has no Rx key (rx-assoc first)");
	if (err == -EBUSY)
		return set_err(h, EBUSY, "Tx key already set");
	if (err)
		return set_err(h, -err, "cannot add the Tx association: %s", strerror(-err));
	return 0;
}

int pspbpf_tx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    const struct pspbpf_tx_params *p)
{
	LOCK_GUARD(h);
	struct psp_dev_cfg cfg;
	struct psp_flow fk;
	struct psp_assoc a;
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, NULL, &cfg);
	if (err)
		return err;
	flow_to_key(f, cfg.id, &fk);
	if (bpf_map_lookup_elem(h->map.assocs, &fk, &a))
		return set_err(h, EINVAL, "Socket has no Rx key (rx-assoc first)");
	err = assoc_tx_check(h, a.version, a.has_tx, p);
	if (!err)
		err = assoc_tx_install(h, &cfg, f, &a, p, RT_TABLE_MAIN);
	return err;
}

int assoc_tx_stop(struct pspbpf *h, const struct psp_flow *fk)
{
	return !bpf_map_delete_elem(h->map.tx_sa, fk);
}

void packets_done(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(100000);
}

void assoc_forget(struct pspbpf *h, const struct psp_flow *fk, uint32_t rx_spi)
{
	struct psp_spi_key sk = { .dev_id = fk->dev_id, .spi = rx_spi };

	if (assoc_tx_stop(h, fk))
		packets_done();
	bpf_map_delete_elem(h->map.tx_keys, &sk);
	bpf_map_delete_elem(h->map.rx_sa, &sk);
	bpf_map_delete_elem(h->map.rx_keys, &sk);
	bpf_map_delete_elem(h->map.assocs, fk);
}

int pspbpf_assoc_del(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f)
{
	LOCK_GUARD(h);
	struct psp_dev_cfg cfg;
	struct psp_assoc a;
	struct psp_flow fk;
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, NULL, &cfg);
	if (err)
		return err;
	flow_to_key(f, cfg.id, &fk);
	if (bpf_map_lookup_elem(h->map.assocs, &fk, &a))
		return set_err(h, ENOENT, "the flow has no association on %s", ifname);
	assoc_forget(h, &fk, a.rx_spi);
	return 0;
}

int pspbpf_add_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		     uint32_t version, const struct pspbpf_tx_params *tx,
		     struct pspbpf_rx_added *rx)
{
	LOCK_GUARD(h);
	struct psp_dev_cfg cfg;
	struct psp_assoc a;
	struct psp_flow fk;
	int err = pspbpf_lock(h);

	memset(rx, 0, sizeof(*rx));
	if (!err)
		err = dev_find(h, ifname, NULL, &cfg);
	if (err)
		return err;
	rx->dev_id = cfg.id;
	flow_to_key(f, cfg.id, &fk);
	if (bpf_map_lookup_elem(h->map.assocs, &fk, &a)) {
		err = pspbpf_rx_assoc(h, ifname, f, version, &rx->spi, rx->key);
		if (err)
			return err;
		rx->added = 1;
	}
	if (!tx)
		return 0;
	err = pspbpf_tx_assoc(h, ifname, f, tx);
	if (err && rx->added) {
		/* no packet can have used it: it goes as it came */
		assoc_forget(h, &fk, rx->spi);
		OPENSSL_cleanse(rx->key, sizeof(rx->key));
		rx->added = 0;
	}
	return err;
}

int pspbpf_add_assoc_batch(struct pspbpf *h, const char *ifname, struct pspbpf_assoc_line *v,
			   size_t n)
{
	LOCK_GUARD(h);
	int err = pspbpf_lock(h), failed = 0;

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
	struct psp_dev_key k, *prev = NULL;
	struct psp_stats *per_cpu;
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
	while (!bpf_map_get_next_key(h->map.devs, prev, &k)) {
		prev = &k;
		if (!bpf_map_lookup_elem(h->map.devs, &k, &cfg) && cfg.id == dev_id) {
			cnt[PSP_CNT_KEY_ROTATIONS] = cfg.key_rotations;
			cnt[PSP_CNT_STALE_EVENTS] = cfg.stale_events;
			break;
		}
	}
	return 0;
}
