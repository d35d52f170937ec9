// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The table of PSP devices, psp_devs: a device found in it by name,
 * ifindex or id, and the word to the datapath that it changed.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "map_iter.h"
#include "pspbpf_int.h"

int dev_find_ifindex(struct pspbpf *h, uint32_t ifindex, struct psp_netdev_key *key,
		     struct psp_dev_cfg *cfg)
{
	struct psp_netdev_key k = { .netns_cookie = h->netns_cookie, .ifindex = ifindex };
	struct psp_dev_cfg c;

	if (!ifindex || bpf_map_lookup_elem(h->map.devs, &k, &c))
		return -ENODEV;
	if (key)
		*key = k;
	if (cfg)
		*cfg = c;
	return 0;
}

int dev_find(struct pspbpf *h, const char *ifname, struct psp_netdev_key *key,
	     struct psp_dev_cfg *cfg)
{
	struct psp_netdev_key k;
	struct psp_dev_cfg c;

	/* the last name asked for, checked against the device it named */
	if (!strcmp(h->last_ifname, ifname) && !dev_find_ifindex(h, h->last_ifindex, &k, &c) &&
	    !strncmp(c.ifname, ifname, sizeof(c.ifname)))
		goto found;
	if (!dev_find_ifindex(h, if_nametoindex(ifname), &k, &c))
		goto found;
	/* The network device may be gone: find its PSP device by name. */
	FOR_EACH_MAP_KEY(h->map.devs, k)
		if (k.netns_cookie == h->netns_cookie &&
		    !bpf_map_lookup_elem(h->map.devs, &k, &c) &&
		    !strncmp(c.ifname, ifname, sizeof(c.ifname)))
			goto found;
	if (!if_nametoindex(ifname))
		return set_err(h, ENODEV, "no network device '%s' in this namespace", ifname);
	return set_err(h, ENODEV, "'%s' is not a PSP device (psp-bpf-ctl dev add %s)",
		       ifname, ifname);
found:
	snprintf(h->last_ifname, sizeof(h->last_ifname), "%s", ifname);
	h->last_ifindex = k.ifindex;
	if (key)
		*key = k;
	if (cfg)
		*cfg = c;
	return 0;
}

int dev_find_id(struct pspbpf *h, uint32_t id, struct psp_netdev_key *key,
		struct psp_dev_cfg *cfg)
{
	struct psp_netdev_key k;
	struct psp_dev_cfg c;

	FOR_EACH_MAP_KEY(h->map.devs, k) {
		if (bpf_map_lookup_elem(h->map.devs, &k, &c) || c.id != id)
			continue;
		/* as Linux: a device of another namespace is not to be seen */
		if (k.netns_cookie != h->netns_cookie)
			return set_err(h, ENOENT, "PSP device %u is not in this namespace", id);
		if (key)
			*key = k;
		if (cfg)
			*cfg = c;
		return 0;
	}
	return set_err(h, ENODEV, "no PSP device %u", id);
}

/* After each change of psp_devs: the datapath's per-CPU copies of the
 * devices' settings (bpf/lib/dev.h) are made afresh. */
int devs_changed(struct pspbpf *h)
{
	struct psp_ctl_state st;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(h->map.ctl_state, &zero, &st))
		return -errno;
	st.devs_gen++;
	return bpf_map_update_elem(h->map.ctl_state, &zero, &st, BPF_ANY) ? -errno : 0;
}
