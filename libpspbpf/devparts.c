// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * A device's parts against its record (psp_devs): psp_rx on the network
 * device's XDP, psp_tx on its egress and psp_seal on its seal port, both
 * pinned in its directory, and the seal port itself. dev add records the
 * device, then makes them; dev del takes them away, then forgets the
 * device. A command killed in between leaves a record without all its
 * parts, or parts with no record: dev check (check.c) finds both, and
 * dev add and dev del clear what is left of a device before their work.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pspbpf_int.h"

static bool psp_rx_on(const struct psp_dev_cfg *cfg, struct pspbpf_dev_info *info)
{
	memset(info, 0, sizeof(*info));
	xdp_query(cfg, info);
	return info->xdp_is_psp;
}

/* Whether the TC program dir pins as name is attached: its tcx link, on
 * ifindex, or before tcx the program pinned for its cls_bpf filter. */
static bool tc_pinned(const char *dir, const char *name, uint32_t ifindex)
{
	char path[256];
	uint32_t on;

	snprintf(path, sizeof(path), "%s/%s_link", dir, name);
	if (!pinned_link_ifindex(path, &on))
		return on == ifindex;
	snprintf(path, sizeof(path), "%s/%s_prog", dir, name);
	return !access(path, F_OK);
}

unsigned int dev_parts_missing(struct pspbpf *h, const struct psp_dev_cfg *cfg)
{
	struct pspbpf_dev_info info;
	unsigned int missing = 0;
	char dir[160];

	dev_pin_dir(h, cfg->ifname, dir, sizeof(dir));
	if (!psp_rx_on(cfg, &info))
		missing |= DEV_PART_RX;
	if (!tc_pinned(dir, "tx", cfg->ifindex))
		missing |= DEV_PART_TX;
	if (!seal_port_whole(h, cfg) || !tc_pinned(dir, "seal", cfg->seal_ifindex))
		missing |= DEV_PART_SEAL;
	return missing;
}

/*
 * dev add records the mode xdp_attach() found once every part is there,
 * and `ip link set xdp obj` may have put psp_rx on in another mode since:
 * the mode decides what psp_rx does to checksums (generic XDP), and in
 * libxdp's dispatcher its id is how a forgotten device's pins are found
 * (xdp_forget()).
 */
bool dev_xdp_record_off(struct pspbpf *h, const struct psp_netdev_key *k, struct psp_dev_cfg *cfg,
			bool fix)
{
	struct pspbpf_dev_info info;
	uint32_t flags, prog_id;

	if (!psp_rx_on(cfg, &info))
		return false;	/* a part missing: the device is half made */
	flags = info.xdp_generic ? cfg->flags | PSP_DEV_F_XDP_GENERIC :
				   cfg->flags & ~PSP_DEV_F_XDP_GENERIC;
	prog_id = info.xdp_dispatcher ? info.xdp_prog_id : cfg->rx_prog_id;
	if (flags == cfg->flags && prog_id == cfg->rx_prog_id)
		return false;
	if (fix) {
		cfg->flags = flags;
		cfg->rx_prog_id = prog_id;
		if (!bpf_map_update_elem(h->map.devs, k, cfg, BPF_EXIST))
			devs_changed(h);
	}
	return true;
}

unsigned int dev_leftovers(struct pspbpf *h, const char *ifname, bool remove)
{
	struct psp_dev_cfg cfg = { .ifindex = if_nametoindex(ifname) };
	struct pspbpf_dev_info info;
	unsigned int found = 0;
	char dir[160], pin[192];
	int routes;

	if (cfg.ifindex && psp_rx_on(&cfg, &info)) {
		found++;
		if (remove)
			xdp_detach(&cfg);
	}
	dev_pin_dir(h, ifname, dir, sizeof(dir));
	if (!access(dir, F_OK)) {
		found++;
		if (remove) {
			/* a tcx link goes with its pin; a cls_bpf filter is taken off */
			snprintf(pin, sizeof(pin), "%s/tx", dir);
			if (cfg.ifindex)
				tc_detach((int)cfg.ifindex, false, pin);
			dev_dir_remove(dir);
		}
	}
	routes = cfg.ifindex ? routes_prune(h, cfg.ifindex, 1, !remove) : 0;
	if (routes > 0)
		found += (unsigned int)routes;
	return found;
}
