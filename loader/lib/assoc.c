// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Associations: one TCP flow, its Rx SPI and key (psp_rx_sa, psp_rx_keys)
 * and its Tx SPI and key (psp_tx_sa, psp_tx_keys). The errno of each
 * refusal is the one Linux net/psp gives for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
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

/*
 * The Rx half: key, SPI state, then the flow's state, which the receive
 * policy reads. The flow must have none yet.
 */
static int rx_install(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct psp_flow *fk,
		      uint32_t version, uint32_t spi, uint8_t key[PSP_KEY_MAX_LEN])
{
	struct psp_spi_key sk = { .dev_id = cfg->id, .spi = spi };
	struct psp_rx_sa sa = { .version = version, .generation = cfg->generation, .flow = *fk };
	struct psp_assoc a = { .rx_spi = spi, .version = version };
	int err;

	err = pspbpf_derive(h, cfg->id, spi, version, key);
	if (!err)
		err = install_assoc_key(h, 0, cfg->id, spi, NULL, version, cfg->flags, key);
	if (!err && bpf_map_update_elem(h->map.rx_sa, &sk, &sa, BPF_NOEXIST))
		err = set_err(h, errno, "cannot add the Rx association: %s", strerror(errno));
	else if (!err && bpf_map_update_elem(h->map.assocs, fk, &a, BPF_NOEXIST))
		err = set_err(h, errno == EEXIST ? EBUSY : errno, "%s",
			      errno == EEXIST ? "Socket already has PSP state" : strerror(errno));
	if (err) {
		bpf_map_delete_elem(h->map.rx_sa, &sk);
		bpf_map_delete_elem(h->map.rx_keys, &sk);
		OPENSSL_cleanse(key, PSP_KEY_MAX_LEN);
	}
	return err;
}

int pspbpf_rx_assoc_spi(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
			uint32_t version, uint32_t spi, uint8_t key[PSP_KEY_MAX_LEN])
{
	struct psp_spi_key sk;
	struct psp_dev_key dk;
	struct psp_dev_cfg cfg;
	struct psp_flow fk;
	struct psp_rx_sa sa;
	int err = rx_dev(h, ifname, version, &dk, &cfg);

	if (err)
		return err;
	if (!(spi & PSP_SPI_INDEX_MASK))
		return set_err(h, EINVAL, "invalid SPI: lower 31b must be non-zero");
	sk.dev_id = cfg.id;
	sk.spi = spi;
	if (!bpf_map_lookup_elem(h->map.rx_sa, &sk, &sa))
		return set_err(h, EBUSY, "SPI %08x is in use", spi);
	flow_to_key(f, cfg.id, &fk);
	if (!bpf_map_lookup_elem(h->map.assocs, &fk, &(struct psp_assoc){ 0 }))
		return set_err(h, EBUSY, "Socket already has PSP state");
	return rx_install(h, &cfg, &fk, version, spi, key);
}

int pspbpf_rx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    uint32_t version, uint32_t *spi, uint8_t key[PSP_KEY_MAX_LEN])
{
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
	/*
	 * SPIs count up within the current key's phase; 0 is never one. A
	 * stale association of the phase's previous key may still hold one.
	 */
	do {
		struct psp_rx_sa sa;
		struct psp_spi_key sk = { .dev_id = cfg.id };

		if ((cfg.spi_last & PSP_SPI_INDEX_MASK) == PSP_SPI_INDEX_MASK)
			return set_err(h, ENOSPC, "SPI space exhausted");
		cfg.spi_last++;
		*spi = (cfg.phase ? PSP_SPI_PHASE : 0) | cfg.spi_last;
		sk.spi = *spi;
		if (bpf_map_lookup_elem(h->map.rx_sa, &sk, &sa))
			break;
	} while (1);
	if (bpf_map_update_elem(h->map.devs, &dk, &cfg, BPF_EXIST))
		return set_err(h, errno, "cannot allocate an SPI: %s", strerror(errno));
	return rx_install(h, &cfg, &fk, version, *spi, key);
}

int pspbpf_tx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    const struct pspbpf_tx_params *p)
{
	struct psp_dev_key dk;
	struct psp_dev_cfg cfg;
	struct psp_flow fk;
	struct psp_assoc a;
	struct psp_tx_sa sa = { 0 };
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, &dk, &cfg);
	if (err)
		return err;
	flow_to_key(f, cfg.id, &fk);
	if (bpf_map_lookup_elem(h->map.assocs, &fk, &a))
		return set_err(h, EINVAL, "Socket has no Rx key (rx-assoc first)");
	if (p->version != a.version)
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
	if (a.has_tx)
		return set_err(h, EBUSY, "Tx key already set");

	/* the key first: psp_tx encrypts as soon as the flow has a psp_tx_sa */
	err = install_assoc_key(h, 1, cfg.id, p->spi, &fk, p->version, cfg.flags, p->key);
	if (err)
		return err;
	sa = (struct psp_tx_sa){ .spi = p->spi, .version = (uint8_t)p->version,
				 .crypt_off = p->crypt_off, .has_vc = (uint8_t)p->has_vc };
	memcpy(sa.vc, p->vc, sizeof(sa.vc));
	if (bpf_map_update_elem(h->map.tx_sa, &fk, &sa, BPF_NOEXIST)) {
		err = set_err(h, errno, "cannot add the Tx association: %s", strerror(errno));
		bpf_map_delete_elem(h->map.tx_keys, &fk);
		return err;
	}
	/* Tx PSP: the receive policy refuses data in clear from now on */
	a.has_tx = 1;
	if (bpf_map_update_elem(h->map.assocs, &fk, &a, BPF_EXIST)) {
		err = set_err(h, errno, "cannot update the flow: %s", strerror(errno));
		bpf_map_delete_elem(h->map.tx_sa, &fk);
		bpf_map_delete_elem(h->map.tx_keys, &fk);
	}
	return err;
}

int pspbpf_assoc_del(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f)
{
	struct psp_dev_cfg cfg;
	struct psp_spi_key sk;
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
	bpf_map_delete_elem(h->map.tx_sa, &fk);
	bpf_map_delete_elem(h->map.tx_keys, &fk);
	sk.dev_id = cfg.id;
	sk.spi = a.rx_spi;
	bpf_map_delete_elem(h->map.rx_sa, &sk);
	bpf_map_delete_elem(h->map.rx_keys, &sk);
	bpf_map_delete_elem(h->map.assocs, &fk);
	return 0;
}

int pspbpf_assoc_list(struct pspbpf *h, const char *ifname, struct pspbpf_assoc **out,
		      size_t *n)
{
	uint8_t ids[PSP_MAX_DEVS] = { 0 };
	struct pspbpf_dev_info *devs;
	struct psp_flow fk, *prev = NULL;
	struct pspbpf_assoc *v;
	struct psp_assoc a;
	struct psp_tx_sa tx;
	struct psp_rx_sa rx;
	size_t ndev;
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
	v = calloc(PSP_MAX_ASSOCS, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (!bpf_map_get_next_key(h->map.assocs, prev, &fk) && *n < PSP_MAX_ASSOCS) {
		struct pspbpf_assoc *e = &v[*n];
		struct psp_spi_key sk = { .dev_id = fk.dev_id };

		prev = &fk;
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
