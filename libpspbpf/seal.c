// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A PSP device's seal port: a veth pair of its own in the device's
 * namespace, pspseg<id> and pspseal<id> (bpf/psp_tx.bpf.c says why).
 * psp_tx sends the PSP flows' GSO packets, and those that leave their
 * checksum to the device, out through pspseg<id>. It has TX checksumming
 * off, and so no TSO: the kernel segments them on the way and completes
 * their checksums. They arrive on pspseal<id>, whose ingress runs
 * psp_seal: each segment sealed and redirected to the device. Nothing
 * else of the host uses the pair: no addresses, no ARP, no IPv6 link-local
 * address, so the kernel sends nothing of its own there either.
 * pspseal<id> has RPS over every CPU, so that flows are sealed in parallel.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "netlink.h"
#include "map_iter.h"
#include "pspbpf_int.h"

/* Larger than any device's MTU: the pair never limits what goes through. */
#define SEAL_PORT_MTU	65535

static void port_names(const struct psp_dev_cfg *cfg, char seg[IF_NAMESIZE],
		       char seal[IF_NAMESIZE])
{
	snprintf(seg, IF_NAMESIZE, "pspseg%u", cfg->id);
	snprintf(seal, IF_NAMESIZE, "pspseal%u", cfg->id);
}

int seal_port_add(struct pspbpf *h, struct psp_dev_cfg *cfg)
{
	char seg[IF_NAMESIZE], seal[IF_NAMESIZE];
	struct psp_netdev_key k;
	unsigned int stale;
	int err;

	port_names(cfg, seg, seal);
	/* left by a dev add that did not finish: ids are not reused soon */
	stale = if_nametoindex(seg);
	if (stale)
		nl_link_del(h->nl, (int)stale);
	err = nl_veth_add(h->nl, seg, seal, SEAL_PORT_MTU);
	if (err)
		return set_err(h, -err, "cannot make the seal port %s: %s", seg, strerror(-err));
	cfg->seg_ifindex = if_nametoindex(seg);
	cfg->seal_ifindex = if_nametoindex(seal);
	if (!cfg->seg_ifindex || !cfg->seal_ifindex) {
		err = set_err(h, ENODEV, "the seal port %s went as it was made", seg);
		goto undo;
	}
	err = nl_link_tx_csum_off(h->nl, seg);
	if (err) {
		err = set_err(h, -err, "cannot turn TX checksumming off on %s: %s", seg,
			      strerror(-err));
		goto undo;
	}
	for (int i = 0; i < 2 && !err; i++) {
		int ifindex = (int)(i ? cfg->seal_ifindex : cfg->seg_ifindex);

		err = nl_link_no_ipv6_addr(h->nl, ifindex);
		if (!err || err == -EAFNOSUPPORT)
			err = nl_link_up(h->nl, ifindex);
	}
	if (err) {
		err = set_err(h, -err, "cannot set the seal port %s up: %s", seg, strerror(-err));
		goto undo;
	}
	/* its flows sealed on every CPU, not all on the sender's (rps.c) */
	err = rps_all_cpus(seal);
	if (err && err != -ENOENT) {
		err = set_err(h, -err, "cannot spread %s over the CPUs (rps_cpus): %s", seal,
			      strerror(-err));
		goto undo;
	}
	k = (struct psp_netdev_key){ .netns_cookie = cfg->netns_cookie,
				  .ifindex = cfg->seal_ifindex };
	if (bpf_map_update_elem(h->map.seal_ports, &k, &cfg->ifindex, BPF_ANY)) {
		err = set_err(h, errno, "cannot record the seal port %s: %s", seal,
			      strerror(errno));
		goto undo;
	}
	return 0;
undo:
	seal_port_del(h, cfg);
	return err;
}

int seal_port_attach(struct pspbpf *h, const struct psp_dev_cfg *cfg, int prog,
		     const char *dir)
{
	char pin[256];
	int err;

	snprintf(pin, sizeof(pin), "%s/seal", dir);
	err = tc_attach((int)cfg->seal_ifindex, prog, true, pin);
	return err ? set_err(h, -err, "cannot attach psp_seal to the seal port of %s: %s",
			     cfg->ifname, strerror(-err)) : 0;
}

/*
 * The pair goes with either end, and its program with it. Of a device of
 * another namespace (gone, gc_stale()), only the record: the pair went
 * with the namespace, and the ifindex here may be another device's.
 */
void seal_port_del(struct pspbpf *h, const struct psp_dev_cfg *cfg)
{
	struct psp_netdev_key k = { .netns_cookie = cfg->netns_cookie,
				 .ifindex = cfg->seal_ifindex };
	char seg[IF_NAMESIZE], seal[IF_NAMESIZE], name[IF_NAMESIZE];

	bpf_map_delete_elem(h->map.seal_ports, &k);
	port_names(cfg, seg, seal);
	if (cfg->netns_cookie == h->netns_cookie && cfg->seg_ifindex &&
	    if_indextoname(cfg->seg_ifindex, name) && !strcmp(name, seg))
		nl_link_del(h->nl, (int)cfg->seg_ifindex);
}

bool seal_port_whole(struct pspbpf *h, const struct psp_dev_cfg *cfg)
{
	struct psp_netdev_key k = { .netns_cookie = cfg->netns_cookie,
				 .ifindex = cfg->seal_ifindex };
	char seg[IF_NAMESIZE], seal[IF_NAMESIZE], name[IF_NAMESIZE];
	uint32_t served;

	port_names(cfg, seg, seal);
	return if_indextoname(cfg->seg_ifindex, name) && !strcmp(name, seg) &&
	       if_indextoname(cfg->seal_ifindex, name) && !strcmp(name, seal) &&
	       !bpf_map_lookup_elem(h->map.seal_ports, &k, &served) && served == cfg->ifindex;
}

bool seal_port_of(struct pspbpf *h, uint32_t ifindex, char owner[16])
{
	struct psp_netdev_key k;
	struct psp_dev_cfg cfg;

	FOR_EACH_MAP_KEY(h->map.devs, k) {
		if (k.netns_cookie == h->netns_cookie && !bpf_map_lookup_elem(h->map.devs, &k, &cfg) &&
		    (cfg.seg_ifindex == ifindex || cfg.seal_ifindex == ifindex)) {
			memcpy(owner, cfg.ifname, sizeof(cfg.ifname));
			return true;
		}
	}
	return false;
}

/* Whether a record of this namespace has ifindex as its pspseg end. */
static bool seg_recorded(const struct pspbpf *h, const struct psp_netdev_key *keys,
			 const struct psp_dev_cfg *cfgs, size_t n, uint32_t ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].netns_cookie == h->netns_cookie && cfgs[i].seg_ifindex == ifindex)
			return true;
	return false;
}

/*
 * A dev add killed after it made the pair and before it recorded the
 * device leaves the pair, which no later dev add of another id removes,
 * and maybe its psp_seal_ports entry. Entries of other namespaces are
 * judged by their records alone: their pairs are not to be seen here.
 */
unsigned int seal_port_orphans(struct pspbpf *h, bool remove)
{
	struct psp_netdev_key *keys = NULL, *sp = NULL;
	struct psp_dev_cfg *cfgs = NULL;
	uint32_t *served = NULL;
	struct if_nameindex *ifs;
	size_t n = 0, nsp = 0;
	unsigned int orphans = 0, id;
	char tail;

	/* no maps, no device: every pair is an orphan */
	if (h->map.devs >= 0) {
		keys = map_entries(h->map.devs, sizeof(*keys), sizeof(*cfgs), &n, (void **)&cfgs);
		if (!keys)
			return 0;	/* unread: none is known to be no device's */
		sp = map_entries(h->map.seal_ports, sizeof(*sp), sizeof(*served), &nsp,
				 (void **)&served);
	}
	for (size_t i = 0; i < nsp; i++) {
		struct psp_netdev_key dk = { .netns_cookie = sp[i].netns_cookie,
					  .ifindex = served[i] };
		struct psp_dev_cfg c;

		if (!bpf_map_lookup_elem(h->map.devs, &dk, &c) && c.seal_ifindex == sp[i].ifindex)
			continue;
		orphans++;
		if (remove)
			bpf_map_delete_elem(h->map.seal_ports, &sp[i]);
	}
	ifs = if_nameindex();
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		if (sscanf(i->if_name, "pspseg%u%c", &id, &tail) != 1 ||
		    seg_recorded(h, keys, cfgs, n, i->if_index))
			continue;
		orphans++;
		if (remove)
			nl_link_del(h->nl, (int)i->if_index);	/* its pspseal end with it */
	}
	if (ifs)
		if_freenameindex(ifs);
	free(keys);
	free(cfgs);
	free(sp);
	free(served);
	return orphans;
}
