// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * PSP devices: a network device running psp_rx (XDP, xdp.c) and psp_tx
 * (tcx egress), with its seal port (seal.c), its configuration in
 * psp_devs and its two device keys. The device's own settings are left
 * alone: its offloads keep serving the traffic that is not PSP. Tx
 * associations make room on the path for the PSP overhead (route.c). dev
 * del undoes all of it.
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <openssl/crypto.h>

#include "netlink.h"
#include "map_iter.h"
#include "pspbpf_int.h"

/* The next free device id after the last one handed out: a device that
 * goes and comes back is a new device, as in Linux. */
static int free_dev_id(struct pspbpf *h, uint32_t *id)
{
	uint8_t used[PSP_MAX_DEVS] = { 0 };
	struct psp_ctl_state st = { 0 };
	struct psp_netdev_key k;
	struct psp_dev_cfg c;
	uint32_t zero = 0;

	FOR_EACH_MAP_KEY(h->map.devs, k)
		if (!bpf_map_lookup_elem(h->map.devs, &k, &c) && c.id < PSP_MAX_DEVS)
			used[c.id] = 1;
	bpf_map_lookup_elem(h->map.ctl_state, &zero, &st);
	for (uint32_t n = 1; n < PSP_MAX_DEVS; n++) {
		uint32_t i = (st.last_dev_id + n - 1) % (PSP_MAX_DEVS - 1) + 1;

		if (used[i])
			continue;
		st.last_dev_id = i;
		if (bpf_map_update_elem(h->map.ctl_state, &zero, &st, BPF_ANY))
			return set_err(h, errno, "cannot allocate a device id: %s",
				       strerror(errno));
		*id = i;
		return 0;
	}
	return set_err(h, ENOSPC, "all %d PSP device ids are in use", PSP_MAX_DEVS - 1);
}

/* Two fresh device keys from getrandom(), wiped once installed. */
static int new_dev_keys(struct pspbpf *h, const struct psp_dev_cfg *cfg)
{
	uint8_t key[PSP_DEV_KEY_LEN];
	int err = 0;

	for (uint32_t phase = 0; phase < 2 && !err; phase++) {
		if (getrandom(key, sizeof(key), 0) != sizeof(key))
			err = set_err(h, errno, "getrandom: %s", strerror(errno));
		else
			err = install_dev_key(h, cfg->id, phase, cfg->flags, key);
	}
	OPENSSL_cleanse(key, sizeof(key));
	return err;
}

/* The maps pinned where iproute2 looks for them, so that
 * `ip link set dev DEV xdp obj psp_rx.bpf.o` shares them. */
static int pin_for_iproute2(struct pspbpf *h, struct bpf_object *obj)
{
	struct bpf_map *map;
	char path[256];

	int err = mkdir_p(PSPBPF_PIN_IPROUTE2);

	if (err)
		return set_err(h, -err, "cannot create %s", PSPBPF_PIN_IPROUTE2);
	bpf_object__for_each_map(map, obj) {
		struct bpf_map_info mine = {}, pinned = {};
		__u32 len = sizeof(mine);
		int fd;

		if (!bpf_map__pin_path(map))
			continue;	/* .rodata and such: the object's own */
		snprintf(path, sizeof(path), "%s/%s", PSPBPF_PIN_IPROUTE2, bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bpf_obj_get_info_by_fd(bpf_map__fd(map), &mine, &len);
			len = sizeof(pinned);
			bpf_obj_get_info_by_fd(fd, &pinned, &len);
			close(fd);
			if (mine.id == pinned.id)
				continue;
			unlink(path);	/* left by an older set of maps */
		}
		if (bpf_obj_pin(bpf_map__fd(map), path))
			return set_err(h, errno, "cannot pin %s: %s", path, strerror(errno));
	}
	return 0;
}

/* Attach the programs of the state's backend: psp_rx as xdp_attach()
 * says (the mode in cfg), psp_tx and psp_seal as tc_attach() says. */
static int attach(struct pspbpf *h, struct psp_dev_cfg *cfg, bool rx_spread)
{
	struct bpf_object *tx = backend_open(h->backend, PSP_OBJ_TX, h->max_assocs), *rx = NULL;
	struct bpf_program *tx_prog, *seal_prog;
	char dir[160], pin[192];
	int err;

	if (!tx || bpf_object__load(tx)) {
		err = set_err(h, EINVAL, "cannot load the %s backend's datapath programs",
			      pspbpf_backend_name(h->backend));
		goto out;
	}
	tx_prog = bpf_object__find_program_by_name(tx, "psp_tx");
	seal_prog = bpf_object__find_program_by_name(tx, "psp_seal");
	dev_pin_dir(h, cfg->ifname, dir, sizeof(dir));
	err = mkdir_p(dir);
	if (err) {
		err = set_err(h, -err, "cannot create %s", dir);
		goto out;
	}
	/* psp_rx loaded as it is attached; its maps are then there to pin */
	err = xdp_attach(h, cfg, &rx);
	if (err)
		goto out;
	err = rx_spread ? xdp_spread(h, cfg, rx) : 0;
	if (!err)
		err = pin_for_iproute2(h, rx);
	if (!err)
		err = seal_port_attach(h, cfg, bpf_program__fd(seal_prog), dir);
	if (!err) {
		snprintf(pin, sizeof(pin), "%s/tx", dir);
		err = tc_attach((int)cfg->ifindex, bpf_program__fd(tx_prog), false, pin);
		if (err)
			err = set_err(h, -err, "cannot attach psp_tx to %s egress: %s",
				      cfg->ifname, strerror(-err));
	}
	if (err) {
		/* psp_seal goes with its port (seal_port_del()), its pin here */
		dev_dir_remove(dir);
		xdp_detach(cfg);
	}
out:
	if (err)
		rmdir(dir);
	bpf_object__close(rx);
	bpf_object__close(tx);
	return err;
}

/* Whether this namespace's network device of the record is still there. */
static bool netdev_here(const struct pspbpf *h, const struct psp_dev_cfg *c)
{
	char name[IF_NAMESIZE];

	return c->netns_cookie == h->netns_cookie && if_indextoname(c->ifindex, name) &&
	       !strncmp(name, c->ifname, sizeof(c->ifname));
}

/*
 * Forgets the devices whose network device is gone without a dev del,
 * and takes away those of this namespace that a dev add or dev del left
 * half made (no psp_tx pinned) on a network device that is there: what
 * was attached to it goes too, so that it can be added again.
 */
static void gc_stale(struct pspbpf *h)
{
	size_t n;
	struct psp_netdev_key *keys = map_keys(h->map.devs, sizeof(*keys), &n);
	struct psp_dev_cfg c;
	char dir[192];

	for (size_t i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(h->map.devs, &keys[i], &c))
			continue;
		/* a device of any namespace: its directory is under its cookie */
		snprintf(dir, sizeof(dir), "%s/%llu/%s", PSPBPF_PIN_ROOT,
			 (unsigned long long)c.netns_cookie, c.ifname);
		if (dev_dir_alive(dir))
			continue;
		if (netdev_here(h, &c)) {
			dev_remove(h, &keys[i], &c);
			continue;
		}
		dev_dir_remove(dir);
		dev_forget(h, &keys[i], &c);
	}
	free(keys);
}

static int dev_add(struct pspbpf *h, const char *ifname, const struct pspbpf_dev_opts *o,
		   struct psp_dev_cfg *out)
{
	struct psp_netdev_key k = { .netns_cookie = h->netns_cookie };
	struct psp_dev_cfg cfg = { 0 };
	char owner[sizeof(cfg.ifname)];
	struct nl_link link;
	int err;

	if (strlen(ifname) >= sizeof(cfg.ifname))
		return set_err(h, EINVAL, "device name '%s' is too long", ifname);
	gc_stale(h);
	k.ifindex = if_nametoindex(ifname);
	if (!k.ifindex)
		return set_err(h, ENODEV, "no network device '%s' in this namespace", ifname);
	if (!bpf_map_lookup_elem(h->map.devs, &k, &cfg))
		return set_err(h, EEXIST, "%s is already PSP device %u", ifname, cfg.id);
	/* psp-bpf's own, with programs on it: refused before an id is taken */
	if (seal_port_of(h, k.ifindex, owner))
		return set_err(h, EBUSY, "%s is the seal port of PSP device %s", ifname, owner);
	mend_leftovers(h, ifname);
	err = nl_link_get(h->nl, (int)k.ifindex, &link);
	if (err)
		return set_err(h, -err, "cannot read the settings of %s: %s", ifname,
			       strerror(-err));
	err = free_dev_id(h, &cfg.id);
	if (err)
		return err;
	cfg.ifindex = k.ifindex;
	cfg.versions_cap = PSP_VERSIONS_ALL;
	cfg.versions_ena = o->versions_ena & PSP_VERSIONS_ALL;
	cfg.flags = (o->aes_generic ? PSP_DEV_F_AES_GENERIC : 0) |
		    (o->backend == PSP_BACKEND_OFFLOAD ? PSP_DEV_F_OFFLOAD : 0);
	cfg.mtu = link.mtu;
	cfg.netns_cookie = h->netns_cookie;
	snprintf(cfg.ifname, sizeof(cfg.ifname), "%s", ifname);

	err = seal_port_add(h, &cfg);
	if (!err)
		err = new_dev_keys(h, &cfg);
	if (!err && (err = dev_stats_zero(h, cfg.id)))
		err = set_err(h, -err, "cannot reset the counters: %s", strerror(-err));
	if (!err && bpf_map_update_elem(h->map.devs, &k, &cfg, BPF_NOEXIST))
		err = set_err(h, errno, "cannot add the device: %s", strerror(errno));
	if (err)
		goto undo_keys;
	err = attach(h, &cfg, o->rx_spread);
	if (err)
		goto undo_keys;
	/* the XDP mode attach() found */
	if (bpf_map_update_elem(h->map.devs, &k, &cfg, BPF_EXIST) || devs_changed(h)) {
		err = set_err(h, errno, "cannot record the XDP mode of %s: %s", ifname,
			      strerror(errno));
		dev_detach(h, &cfg);
		goto undo_keys;
	}
	if (out)
		*out = cfg;
	return 0;
undo_keys:
	dev_forget(h, &k, &cfg);
	return err;
}

int pspbpf_dev_add(struct pspbpf *h, const char *ifname, const struct pspbpf_dev_opts *o,
		   struct psp_dev_cfg *out)
{
	LOCK_GUARD(h);
	int err;

	if (o->rx_spread && o->backend == PSP_BACKEND_OFFLOAD)
		return set_err(h, EINVAL, "--rx-spread: on the offload backend the NIC opens "
			       "packets, there is nothing to spread");
	err = pspbpf_lock(h);
	/* offload devices run the bpf build, flagged (include/psp/offload.h) */
	if (!err)
		err = state_hold(h, o->backend == PSP_BACKEND_OFFLOAD ? PSP_BACKEND_BPF :
				 o->backend, o->max_assocs);
	if (!err)
		err = dev_add(h, ifname, o, out);
	if (err)
		state_release(h);
	return err;
}

/*
 * No device of that name: a dev add killed before it recorded the device,
 * or a dev del killed after it forgot it, may have left some of it, or
 * the shared state with no device: what dev check --repair mends. The
 * name's own ENODEV if there was nothing.
 */
static int dev_del_leftovers(struct pspbpf *h, const char *ifname)
{
	struct pspbpf_check_report r;
	char why[sizeof(h->err)];

	snprintf(why, sizeof(why), "%s", h->err);
	if (!check_locked(h, ifname, 1, &r))
		for (int i = 0; i < PSPBPF_ORPHAN__MAX; i++)
			if (r.found[i])
				return 0;
	return set_err(h, ENODEV, "%s", why);
}

int pspbpf_dev_del(struct pspbpf *h, const char *ifname)
{
	LOCK_GUARD(h);
	struct psp_netdev_key k;
	struct psp_dev_cfg cfg;
	unsigned int closed;
	int err;

	err = pspbpf_lock(h);
	if (err)
		return err;
	/* a handle opened with PSPBPF_MEND may have no maps */
	if (state_reopen(h))
		err = set_err(h, ENODEV, "'%s' is not a PSP device: none has been added", ifname);
	else
		err = dev_find(h, ifname, &k, &cfg);
	if (err == -ENODEV)
		return dev_del_leftovers(h, ifname);
	/* its connections first, while psp_tx still seals what they send
	 * last: without it they would go on in clear (conns.c) */
	if (!err)
		err = conns_close(h, &cfg, NULL, 0, &closed);
	if (err)
		return err;
	dev_remove(h, &k, &cfg);
	state_release(h);
	return 0;
}

static uint32_t count_of(int map_fd, size_t key_size, uint32_t id)
{
	size_t n;
	uint8_t *keys = map_keys(map_fd, key_size, &n);
	uint32_t count = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t dev_id;

		memcpy(&dev_id, keys + i * key_size, sizeof(dev_id));
		count += dev_id == id;
	}
	free(keys);
	return count;
}

static void fill_info(struct pspbpf *h, const struct psp_dev_cfg *cfg,
		      struct pspbpf_dev_info *info)
{
	char path[192];

	memset(info, 0, sizeof(*info));
	info->cfg = *cfg;
	info->backend = cfg->flags & PSP_DEV_F_OFFLOAD ? PSP_BACKEND_OFFLOAD : h->backend;
	xdp_query(cfg, info);
	dev_pin_dir(h, cfg->ifname, info->pin_dir, sizeof(info->pin_dir));
	snprintf(path, sizeof(path), "%s/tx_link", info->pin_dir);
	info->tx_attached = !access(path, F_OK) ? PSPBPF_TX_TCX : 0;
	snprintf(path, sizeof(path), "%s/tx_prog", info->pin_dir);
	if (!access(path, F_OK))
		info->tx_attached = PSPBPF_TX_CLSACT;
	info->rx_assocs = count_of(h->map.assocs, sizeof(struct psp_flow), cfg->id);
	info->max_assocs = h->max_assocs;
	info->tx_assocs = count_of(h->map.tx_sa, sizeof(struct psp_flow), cfg->id);
}

int pspbpf_dev_info(struct pspbpf *h, const char *ifname, struct pspbpf_dev_info *info)
{
	struct psp_dev_cfg cfg;
	int err = dev_find(h, ifname, NULL, &cfg);

	if (!err)
		fill_info(h, &cfg, info);
	return err;
}

int pspbpf_dev_info_id(struct pspbpf *h, uint32_t id, struct pspbpf_dev_info *info)
{
	struct psp_dev_cfg cfg;
	int err = dev_find_id(h, id, NULL, &cfg);

	if (!err)
		fill_info(h, &cfg, info);
	return err;
}

int pspbpf_dev_list(struct pspbpf *h, struct pspbpf_dev_info **infos, size_t *n)
{
	struct psp_netdev_key k;
	struct psp_dev_cfg cfg;

	*infos = calloc(PSP_MAX_DEVS, sizeof(**infos));
	*n = 0;
	if (!*infos)
		return -ENOMEM;
	FOR_EACH_MAP_KEY(h->map.devs, k) {
		if (*n == PSP_MAX_DEVS)
			break;
		if (k.netns_cookie == h->netns_cookie &&
		    !bpf_map_lookup_elem(h->map.devs, &k, &cfg))
			fill_info(h, &cfg, &(*infos)[(*n)++]);
	}
	return 0;
}

static int dev_update(struct pspbpf *h, const char *ifname,
		      void (*change)(struct psp_dev_cfg *c, const void *arg), const void *arg)
{
	LOCK_GUARD(h);
	struct psp_netdev_key k;
	struct psp_dev_cfg cfg;
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, &k, &cfg);
	if (err)
		return err;
	change(&cfg, arg);
	if (bpf_map_update_elem(h->map.devs, &k, &cfg, BPF_EXIST) || devs_changed(h))
		return set_err(h, errno, "cannot update %s: %s", ifname, strerror(errno));
	return 0;
}

static void set_versions(struct psp_dev_cfg *c, const void *arg)
{
	c->versions_ena = *(const uint32_t *)arg & c->versions_cap;
}

int pspbpf_dev_set_versions(struct pspbpf *h, const char *ifname, uint32_t versions_ena)
{
	if (versions_ena & ~PSP_VERSIONS_ALL)
		return set_err(h, EINVAL, "versions beyond 0-3 are not supported");
	return dev_update(h, ifname, set_versions, &versions_ena);
}

static void set_mark(struct psp_dev_cfg *c, const void *arg)
{
	const uint32_t *m = arg;

	c->mark_value = m[0];
	c->mark_mask = m[1];
}

int pspbpf_dev_set_mark(struct pspbpf *h, const char *ifname, uint32_t value, uint32_t mask)
{
	uint32_t m[2] = { value & mask, mask };

	return dev_update(h, ifname, set_mark, m);
}
