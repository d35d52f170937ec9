// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * PSP devices: a network device running psp_rx (XDP: native, or generic
 * where the driver has no native XDP) and psp_tx (tcx egress), with its configuration in psp_devs and its two device
 * keys. dev add prepares the device so that TC sees one packet per TCP
 * segment (gso_max_segs 1); Tx associations make room on the path for the
 * PSP overhead (route.c). dev del undoes all of it.
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
#include "pspbpf_int.h"

#ifndef BPF_TCX_EGRESS
#define BPF_TCX_EGRESS 47	/* Linux 6.6; libbpf 1.1.2 predates it */
#endif

/* psp_tx's cls_bpf filter where there is no tcx (before Linux 6.6). */
#define PSP_TC_HANDLE	0x5053	/* "PS" */
#define PSP_TC_PRIO	1

static int dev_lookup(struct pspbpf *h, uint32_t ifindex, struct psp_dev_key *key,
		      struct psp_dev_cfg *cfg)
{
	key->netns_cookie = h->netns_cookie;
	key->ifindex = ifindex;
	key->pad = 0;
	return ifindex && !bpf_map_lookup_elem(h->map.devs, key, cfg) ? 0 : -ENODEV;
}

int dev_find(struct pspbpf *h, const char *ifname, struct psp_dev_key *key,
	     struct psp_dev_cfg *cfg)
{
	struct psp_dev_key k, next;
	struct psp_dev_cfg c;
	void *prev = NULL;

	/* the last name asked for, checked against the device it named */
	if (!strcmp(h->last_ifname, ifname) && !dev_lookup(h, h->last_ifindex, &k, &c) &&
	    !strncmp(c.ifname, ifname, sizeof(c.ifname)))
		goto found;
	if (!dev_lookup(h, if_nametoindex(ifname), &k, &c))
		goto found;
	/* The network device may be gone: find its PSP device by name. */
	while (!bpf_map_get_next_key(h->map.devs, prev, &next)) {
		k = next;
		prev = &k;
		if (k.netns_cookie == h->netns_cookie &&
		    !bpf_map_lookup_elem(h->map.devs, &k, &c) &&
		    !strncmp(c.ifname, ifname, sizeof(c.ifname)))
			goto found;
	}
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

int dev_find_ifindex(struct pspbpf *h, uint32_t ifindex, struct psp_dev_key *key,
		     struct psp_dev_cfg *cfg)
{
	struct psp_dev_key k;
	struct psp_dev_cfg c;

	if (dev_lookup(h, ifindex, &k, &c))
		return -ENODEV;
	if (key)
		*key = k;
	if (cfg)
		*cfg = c;
	return 0;
}

int dev_find_id(struct pspbpf *h, uint32_t id, struct psp_dev_key *key, struct psp_dev_cfg *cfg)
{
	struct psp_dev_key k, *prev = NULL;
	struct psp_dev_cfg c;

	while (!bpf_map_get_next_key(h->map.devs, prev, &k)) {
		prev = &k;
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

/* The next free device id after the last one handed out: a device that
 * goes and comes back is a new device, as in Linux. */
static int free_dev_id(struct pspbpf *h, uint32_t *id)
{
	uint8_t used[PSP_MAX_DEVS] = { 0 };
	struct psp_dev_key k, *prev = NULL;
	struct psp_ctl_state st = { 0 };
	struct psp_dev_cfg c;
	uint32_t zero = 0;

	while (!bpf_map_get_next_key(h->map.devs, prev, &k)) {
		if (!bpf_map_lookup_elem(h->map.devs, &k, &c) && c.id < PSP_MAX_DEVS)
			used[c.id] = 1;
		prev = &k;
	}
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

static int zero_stats(struct pspbpf *h, uint32_t id)
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

/*
 * psp_tx on egress: a tcx link, pinned in the device's directory as
 * tx_link; before Linux 6.6 (no tcx), a cls_bpf filter on clsact, the
 * program pinned there as tx_prog.
 */
static int attach_tx(struct pspbpf *h, const struct psp_dev_cfg *cfg, int prog,
		     const char *dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)cfg->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = PSP_TC_HANDLE, .priority = PSP_TC_PRIO,
		    .prog_fd = prog);
	int link = bpf_link_create(prog, (int)cfg->ifindex, BPF_TCX_EGRESS, NULL), err = 0;
	char path[256];

	if (link >= 0) {
		snprintf(path, sizeof(path), "%s/tx_link", dir);
		if (bpf_obj_pin(link, path))
			err = -errno;
		close(link);
		return err;
	}
	if (errno != EINVAL)
		return -errno;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &tc);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/tx_prog", dir);
	if (!bpf_obj_pin(prog, path))
		return 0;
	err = -errno;
	tc.prog_fd = tc.prog_id = tc.flags = 0;
	bpf_tc_detach(&hook, &tc);
	return err;
}

static void detach_tx(const struct psp_dev_cfg *cfg, const char *dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)cfg->ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tc, .handle = PSP_TC_HANDLE, .priority = PSP_TC_PRIO);
	char path[256];

	snprintf(path, sizeof(path), "%s/tx_prog", dir);
	if (!access(path, F_OK))
		bpf_tc_detach(&hook, &tc);
	/* a tcx link goes with its pin (dev_dir_remove()) */
}

/* The XDP attach mode of the device's psp_rx, as its flags record it. */
static __u32 xdp_mode_flag(const struct psp_dev_cfg *cfg)
{
	return cfg->flags & PSP_DEV_F_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

/*
 * psp_rx in native (driver) mode where the driver has it. A driver without
 * ndo_bpf (e1000, most virtual and older NICs) refuses with EOPNOTSUPP, and
 * one that has it may refuse it for its settings of the moment (virtio_net:
 * EOPNOTSUPP while its host offloads are fixed on, EINVAL for an MTU past
 * a page): then generic (skb) XDP, which every device has, and which runs
 * the same program on the skb after the driver and GRO. The mode goes into
 * the device's flags (dev show: xdp-mode); docs/operations.md says what
 * generic mode costs and what it means for checksums.
 */
static int attach_rx(struct pspbpf *h, struct psp_dev_cfg *cfg, int prog)
{
	struct psp_dev_key key = { 0 };
	int ifindex = (int)cfg->ifindex, err;

	cfg->flags &= ~PSP_DEV_F_XDP_GENERIC;
	err = bpf_xdp_attach(ifindex, prog, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err == -EOPNOTSUPP || err == -EINVAL) {
		err = bpf_xdp_attach(ifindex, prog,
				     XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (!err)
			cfg->flags |= PSP_DEV_F_XDP_GENERIC;
	}
	if (err == -EBUSY || err == -EEXIST)
		return set_err(h, -err, "%s already has an XDP program", cfg->ifname);
	if (err)
		return set_err(h, -err, "cannot attach XDP to %s, natively or generic: %s",
			       cfg->ifname, strerror(-err));
	if (!(cfg->flags & PSP_DEV_F_XDP_GENERIC))
		return 0;
	key.netns_cookie = cfg->netns_cookie;
	key.ifindex = cfg->ifindex;
	if (!bpf_map_update_elem(h->map.devs, &key, cfg, BPF_EXIST))
		return 0;
	err = set_err(h, errno, "cannot record the XDP mode of %s: %s", cfg->ifname,
		      strerror(errno));
	bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL);
	return err;
}

/* Attach both programs of the state's backend; the XDP program stays
 * with the device, psp_tx as attach_tx() says. */
static int attach(struct pspbpf *h, struct psp_dev_cfg *cfg)
{
	struct bpf_object *rx = backend_open(h->backend, PSP_OBJ_RX);
	struct bpf_object *tx = backend_open(h->backend, PSP_OBJ_TX);
	struct bpf_program *rx_prog, *tx_prog;
	char dir[160];
	int err;

	if (!rx || !tx || bpf_object__load(rx) || bpf_object__load(tx)) {
		err = set_err(h, EINVAL, "cannot load the %s backend's datapath programs",
			      pspbpf_backend_name(h->backend));
		goto out;
	}
	rx_prog = bpf_object__find_program_by_name(rx, "psp_rx");
	tx_prog = bpf_object__find_program_by_name(tx, "psp_tx");
	err = pin_for_iproute2(h, rx);
	if (err)
		goto out;
	dev_pin_dir(h, cfg->ifname, dir, sizeof(dir));
	err = mkdir_p(dir);
	if (err) {
		err = set_err(h, -err, "cannot create %s", dir);
		goto out;
	}
	err = attach_rx(h, cfg, bpf_program__fd(rx_prog));
	if (err)
		goto out;
	err = attach_tx(h, cfg, bpf_program__fd(tx_prog), dir);
	if (err) {
		err = set_err(h, -err, "cannot attach psp_tx to %s egress: %s", cfg->ifname,
			      strerror(-err));
		bpf_xdp_detach((int)cfg->ifindex, xdp_mode_flag(cfg), NULL);
	}
out:
	if (err)
		rmdir(dir);
	bpf_object__close(rx);
	bpf_object__close(tx);
	return err;
}

/*
 * The XDP program on the device and its mode flag (XDP_FLAGS_DRV_MODE or
 * XDP_FLAGS_SKB_MODE), 0 if none: whatever attached it (dev add, or
 * `ip link set xdp`, which picks generic by itself on such a driver).
 */
static __u32 xdp_attached(__u32 ifindex, __u32 *id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*id = 0;
	if (bpf_xdp_query((int)ifindex, 0, &q))
		return 0;
	if (q.drv_prog_id) {
		*id = q.drv_prog_id;
		return XDP_FLAGS_DRV_MODE;
	}
	if (q.skb_prog_id) {
		*id = q.skb_prog_id;
		return XDP_FLAGS_SKB_MODE;
	}
	return 0;
}

static int xdp_is_psp_rx(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), ret;

	if (fd < 0)
		return 0;
	ret = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, "psp_rx");
	close(fd);
	return ret;
}

/* Detaches psp_rx (ours, or loaded by ip link), and psp_tx. */
static void detach(struct pspbpf *h, const struct psp_dev_cfg *cfg)
{
	char dir[192];
	__u32 id, mode = xdp_attached(cfg->ifindex, &id);

	if (mode && xdp_is_psp_rx(id))
		bpf_xdp_detach((int)cfg->ifindex, mode, NULL);
	dev_pin_dir(h, cfg->ifname, dir, sizeof(dir));
	detach_tx(cfg, dir);
	dev_dir_remove(dir);
}

/* Removes everything of device id from a map keyed by a struct starting
 * with the device id. */
static void purge(int map_fd, size_t key_size, uint32_t id)
{
	size_t n;
	uint8_t *keys = map_keys(map_fd, key_size, &n);

	for (size_t i = 0; i < n; i++) {
		uint32_t dev_id;

		memcpy(&dev_id, keys + i * key_size, sizeof(dev_id));
		if (dev_id == id)
			bpf_map_delete_elem(map_fd, keys + i * key_size);
	}
	free(keys);
}

static void forget(struct pspbpf *h, const struct psp_dev_key *k, const struct psp_dev_cfg *c)
{
	purge(h->map.assocs, sizeof(struct psp_flow), c->id);
	purge(h->map.tx_sa, sizeof(struct psp_flow), c->id);
	purge(h->map.tx_keys, sizeof(struct psp_spi_key), c->id);
	purge(h->map.rx_sa, sizeof(struct psp_spi_key), c->id);
	purge(h->map.rx_keys, sizeof(struct psp_spi_key), c->id);
	purge(h->map.dev_keys, sizeof(struct psp_dev_key_id), c->id);
	bpf_map_delete_elem(h->map.devs, k);
	zero_stats(h, c->id);
}

/* Forgets the devices whose network device is gone without a dev del. */
static void gc_stale(struct pspbpf *h)
{
	size_t n;
	struct psp_dev_key *keys = map_keys(h->map.devs, sizeof(*keys), &n);
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
		dev_dir_remove(dir);
		forget(h, &keys[i], &c);
	}
	free(keys);
}

static int dev_add(struct pspbpf *h, const char *ifname, const struct pspbpf_dev_opts *o,
		   struct psp_dev_cfg *out)
{
	struct psp_dev_key k = { .netns_cookie = h->netns_cookie };
	struct psp_dev_cfg cfg = { 0 };
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
	cfg.saved_gso_max_segs = link.gso_max_segs;
	cfg.netns_cookie = h->netns_cookie;
	snprintf(cfg.ifname, sizeof(cfg.ifname), "%s", ifname);

	err = new_dev_keys(h, &cfg);
	if (!err && (err = zero_stats(h, cfg.id)))
		err = set_err(h, -err, "cannot reset the counters: %s", strerror(-err));
	if (!err && bpf_map_update_elem(h->map.devs, &k, &cfg, BPF_NOEXIST))
		err = set_err(h, errno, "cannot add the device: %s", strerror(errno));
	if (err)
		goto undo_keys;
	err = attach(h, &cfg);
	if (err)
		goto undo_keys;
	err = nl_link_set_gso_max_segs(h->nl, (int)cfg.ifindex, 1);
	if (err) {
		err = set_err(h, -err, "cannot set gso_max_segs on %s: %s", ifname,
			      strerror(-err));
		detach(h, &cfg);
		goto undo_keys;
	}
	if (out)
		*out = cfg;
	return 0;
undo_keys:
	forget(h, &k, &cfg);
	return err;
}

int pspbpf_dev_add(struct pspbpf *h, const char *ifname, const struct pspbpf_dev_opts *o,
		   struct psp_dev_cfg *out)
{
	LOCK_GUARD(h);
	int err = pspbpf_lock(h);

	/* offload devices run the bpf build, flagged (include/psp/offload.h) */
	if (!err)
		err = state_hold(h, o->backend == PSP_BACKEND_OFFLOAD ? PSP_BACKEND_BPF :
				 o->backend);
	if (!err)
		err = dev_add(h, ifname, o, out);
	if (err)
		state_release(h);
	return err;
}

static int netns_has_devs(struct pspbpf *h)
{
	struct psp_dev_key k, *prev = NULL;

	while (!bpf_map_get_next_key(h->map.devs, prev, &k)) {
		if (k.netns_cookie == h->netns_cookie)
			return 1;
		prev = &k;
	}
	return 0;
}

int pspbpf_dev_del(struct pspbpf *h, const char *ifname)
{
	LOCK_GUARD(h);
	struct psp_dev_key k;
	struct psp_dev_cfg cfg;
	int err;

	err = pspbpf_lock(h);
	if (!err)
		err = dev_find(h, ifname, &k, &cfg);
	if (err)
		return err;
	detach(h, &cfg);
	/* the device may be gone already; then there is nothing to restore */
	nl_link_set_gso_max_segs(h->nl, (int)cfg.ifindex, cfg.saved_gso_max_segs);
	routes_prune(h, cfg.ifindex, 1);
	forget(h, &k, &cfg);
	if (!netns_has_devs(h))
		routes_forget_rules(h);
	state_release(h);
	return 0;
}

static uint32_t count_of(int map_fd, size_t key_size, uint32_t id)
{
	uint8_t key[64];
	void *prev = NULL;
	uint32_t n = 0;

	while (!bpf_map_get_next_key(map_fd, prev, key)) {
		n += *(uint32_t *)key == id;
		prev = key;
	}
	return n;
}

static void fill_info(struct pspbpf *h, const struct psp_dev_cfg *cfg,
		      struct pspbpf_dev_info *info)
{
	char path[192];
	__u32 id, mode;

	memset(info, 0, sizeof(*info));
	info->cfg = *cfg;
	info->backend = cfg->flags & PSP_DEV_F_OFFLOAD ? PSP_BACKEND_OFFLOAD : h->backend;
	/* the mode of what is attached now (ip link may have replaced
	 * ours); the one dev add chose while nothing is */
	mode = xdp_attached(cfg->ifindex, &id);
	info->xdp_generic = mode ? mode == XDP_FLAGS_SKB_MODE :
			    !!(cfg->flags & PSP_DEV_F_XDP_GENERIC);
	info->xdp_prog_id = id;
	info->xdp_is_psp = id && xdp_is_psp_rx(id);
	dev_pin_dir(h, cfg->ifname, info->pin_dir, sizeof(info->pin_dir));
	snprintf(path, sizeof(path), "%s/tx_link", info->pin_dir);
	info->tx_attached = !access(path, F_OK) ? PSPBPF_TX_TCX : 0;
	snprintf(path, sizeof(path), "%s/tx_prog", info->pin_dir);
	if (!access(path, F_OK))
		info->tx_attached = PSPBPF_TX_CLSACT;
	info->rx_assocs = count_of(h->map.assocs, sizeof(struct psp_flow), cfg->id);
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
	struct psp_dev_key k, *prev = NULL;
	struct psp_dev_cfg cfg;

	*infos = calloc(PSP_MAX_DEVS, sizeof(**infos));
	*n = 0;
	if (!*infos)
		return -ENOMEM;
	while (!bpf_map_get_next_key(h->map.devs, prev, &k) && *n < PSP_MAX_DEVS) {
		prev = &k;
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
	struct psp_dev_key k;
	struct psp_dev_cfg cfg;
	int err = pspbpf_lock(h);

	if (!err)
		err = dev_find(h, ifname, &k, &cfg);
	if (err)
		return err;
	change(&cfg, arg);
	if (bpf_map_update_elem(h->map.devs, &k, &cfg, BPF_EXIST))
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
