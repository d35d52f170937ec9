// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A PSP device taken away (dev del; dev add's undoing and its sweep of
 * devices whose network device went; dev check --repair): its programs,
 * its routes, its entries in every map, its seal port and its counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "map_iter.h"
#include "pspbpf_int.h"

int dev_stats_zero(struct pspbpf *h, uint32_t id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct psp_stats *z;
	int err;

	if (ncpu < 0)
		return ncpu;
	z = calloc((size_t)ncpu, sizeof(*z));
	if (!z)
		return -ENOMEM;
	err = bpf_map_update_elem(h->map.stats, &id, z, BPF_ANY) ? -errno : 0;
	free(z);
	return err;
}

void dev_detach(struct pspbpf *h, const struct psp_dev_cfg *cfg)
{
	char dir[192], pin[200];

	xdp_detach(cfg);
	dev_pin_dir(h, cfg->ifname, dir, sizeof(dir));
	snprintf(pin, sizeof(pin), "%s/tx", dir);
	tc_detach((int)cfg->ifindex, false, pin);
	dev_dir_remove(dir);
}

/* Removes everything of device id from a map keyed by a struct starting
 * with the device id. */
static void purge(int map_fd, size_t key_size, uint32_t id)
{
	size_t n, doomed = 0;
	uint8_t *keys = map_keys(map_fd, key_size, &n);

	for (size_t i = 0; i < n; i++) {
		uint32_t dev_id;

		memcpy(&dev_id, keys + i * key_size, sizeof(dev_id));
		if (dev_id == id)
			memmove(keys + doomed++ * key_size, keys + i * key_size, key_size);
	}
	map_delete_keys(map_fd, keys, key_size, doomed);
	free(keys);
}

void dev_forget(struct pspbpf *h, const struct psp_netdev_key *k, const struct psp_dev_cfg *c)
{
	purge(h->map.assocs, sizeof(struct psp_flow), c->id);
	purge(h->map.tx_sa, sizeof(struct psp_flow), c->id);
	purge(h->map.tx_keys, sizeof(struct psp_spi_key), c->id);
	purge(h->map.rx_sa, sizeof(struct psp_spi_key), c->id);
	purge(h->map.rx_keys, sizeof(struct psp_spi_key), c->id);
	purge(h->map.dev_keys, sizeof(struct psp_dev_key_id), c->id);
	xdp_forget(c);
	seal_port_del(h, c);
	bpf_map_delete_elem(h->map.devs, k);
	devs_changed(h);
	dev_stats_zero(h, c->id);
}

static int netns_has_devs(struct pspbpf *h)
{
	struct psp_netdev_key k;

	FOR_EACH_MAP_KEY(h->map.devs, k)
		if (k.netns_cookie == h->netns_cookie)
			return 1;
	return 0;
}

void dev_remove(struct pspbpf *h, const struct psp_netdev_key *k, const struct psp_dev_cfg *cfg)
{
	dev_detach(h, cfg);
	routes_prune(h, cfg->ifindex, 1, 0);
	dev_forget(h, k, cfg);
	if (!netns_has_devs(h))
		routes_forget_rules(h);
}
