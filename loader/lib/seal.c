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
#include <string.h>
#include <bpf/bpf.h>

#include "netlink.h"
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
	struct psp_dev_key k;
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
	k = (struct psp_dev_key){ .netns_cookie = cfg->netns_cookie,
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
	struct psp_dev_key k = { .netns_cookie = cfg->netns_cookie,
				 .ifindex = cfg->seal_ifindex };
	char seg[IF_NAMESIZE], seal[IF_NAMESIZE], name[IF_NAMESIZE];

	bpf_map_delete_elem(h->map.seal_ports, &k);
	port_names(cfg, seg, seal);
	if (cfg->netns_cookie == h->netns_cookie && cfg->seg_ifindex &&
	    if_indextoname(cfg->seg_ifindex, name) && !strcmp(name, seg))
		nl_link_del(h->nl, (int)cfg->seg_ifindex);
}
