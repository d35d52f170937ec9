// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_rx on a device, through libxdp.
 *
 * Where the kernel runs freplace programs, libxdp puts psp_rx in its
 * dispatcher, so that other XDP programs (xdp-loader's, or any libxdp
 * user's) run on the device beside it; psp_rx goes first (run priority
 * PSP_XDP_PRIO) and hands on what it passes, decrypted, to the next.
 * The dispatcher is psp-bpf's own (xdp_dispatcher.c), which kernels
 * that check extensions for changing packet data accept psp_rx into.
 * Where freplace is refused (this project's development host: EPERM),
 * libxdp attaches psp_rx directly, as the only program; where the
 * kernel refuses the dispatcher for it all the same (xdp_attach()), so
 * does psp-bpf. dev show says which.
 *
 * Native (driver) mode where the driver has it. A driver without ndo_bpf
 * (e1000, most virtual and older NICs) refuses with EOPNOTSUPP, and one
 * that has it may refuse it for its settings of the moment (virtio_net:
 * EOPNOTSUPP while its host offloads are fixed on, EINVAL for an MTU past
 * a page): then generic (skb) XDP, which every device has, and which runs
 * the same program on the skb after the driver. The mode goes into the
 * device's flags (dev show: xdp-mode).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "pspbpf_int.h"

/* First, before libxdp's default (50) and xdp-filter's (10): PSP is
 * opened before others look. */
#define PSP_XDP_PRIO	1

static int quiet(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return level == LIBXDP_WARN && getenv("PSPBPF_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

/* Through libxdp: 0 or -errno. The mode goes into cfg->flags. */
static int attach_libxdp(struct psp_dev_cfg *cfg, struct bpf_object *rx)
{
	/* unloaded: libxdp loads it as the dispatcher needs it */
	struct xdp_program *prog = xdp_program__from_bpf_obj(rx, "xdp");
	int err = (int)libxdp_get_error(prog);

	if (err)
		return err;
	xdp_program__set_run_prio(prog, PSP_XDP_PRIO);
	err = xdp_program__attach(prog, (int)cfg->ifindex, XDP_MODE_NATIVE, 0);
	if (err == -EOPNOTSUPP || err == -EINVAL) {
		err = xdp_program__attach(prog, (int)cfg->ifindex, XDP_MODE_SKB, 0);
		if (!err)
			cfg->flags |= PSP_DEV_F_XDP_GENERIC;
	}
	if (!err)
		cfg->rx_prog_id = xdp_program__id(prog);
	xdp_program__close(prog);
	return err;
}

/* The program on its own, as ip link attaches it: 0 or -errno. */
static int attach_direct(struct psp_dev_cfg *cfg, struct bpf_object *rx)
{
	int ifindex = (int)cfg->ifindex, prog, err;

	if (bpf_object__load(rx))
		return -errno;
	prog = bpf_program__fd(bpf_object__find_program_by_name(rx, "psp_rx"));
	err = bpf_xdp_attach(ifindex, prog, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err == -EOPNOTSUPP || err == -EINVAL) {
		err = bpf_xdp_attach(ifindex, prog,
				     XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (!err)
			cfg->flags |= PSP_DEV_F_XDP_GENERIC;
	}
	return err;
}

/* psp_rx's object, its psp_rx_cpus sized for every CPU the host may have. */
static struct bpf_object *rx_open(struct pspbpf *h)
{
	struct bpf_object *rx = backend_open(h->backend, PSP_OBJ_RX, h->max_assocs);
	int ncpu = libbpf_num_possible_cpus();

	if (rx && ncpu > 0 &&
	    bpf_map__set_max_entries(bpf_object__find_map_by_name(rx, "psp_rx_cpus"),
				     (uint32_t)ncpu)) {
		bpf_object__close(rx);
		return NULL;
	}
	return rx;
}

int xdp_attach(struct pspbpf *h, struct psp_dev_cfg *cfg, struct bpf_object **rx)
{
	bool own_dispatcher;
	int err;

	libxdp_set_print(quiet);
	cfg->flags &= ~PSP_DEV_F_XDP_GENERIC;
	cfg->rx_prog_id = 0;
	*rx = rx_open(h);
	own_dispatcher = libxdp_objects_enter();
	err = *rx ? attach_libxdp(cfg, *rx) : -errno;
	libxdp_objects_leave(own_dispatcher);
	/*
	 * Kernels that check that an extension changes packet data only
	 * where the function it replaces may (Linux 6.12.y and 6.13 on:
	 * "Extension program changes packet data, while original does
	 * not") refuse psp_rx in a dispatcher older than that check, as
	 * a user's LIBXDP_OBJECT_PATH may name: psp_rx then goes on
	 * directly, as where freplace is refused altogether. The failed
	 * load leaves the object spent: a fresh one.
	 */
	if (*rx && err && err != -EBUSY && err != -EEXIST) {
		bpf_object__close(*rx);
		*rx = rx_open(h);
		err = *rx ? attach_direct(cfg, *rx) : -errno;
	}
	if (err == -EBUSY || err == -EEXIST)
		return set_err(h, -err, "%s already has an XDP program that libxdp cannot "
			       "run psp_rx beside", cfg->ifname);
	if (err)
		return set_err(h, -err, "cannot attach XDP to %s, natively or generic: %s",
			       cfg->ifname, strerror(-err));
	return 0;
}

/* Room for the PSP packets waiting for their CPU (xdp_spread()). */
#define PSP_RX_CPU_QSIZE	2048

/* The CPUs online, as a mask of the first n; -errno. */
static int cpus_online(bool *online, int n)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	unsigned int a, b;
	int err = 0;
	char sep;

	if (!f)
		return -errno;
	memset(online, 0, (size_t)n * sizeof(*online));
	/* "0-3,8,10-11\n" */
	while (!err && fscanf(f, "%u", &a) == 1) {
		b = a;
		sep = (char)fgetc(f);
		if (sep == '-') {
			err = fscanf(f, "%u", &b) == 1 ? 0 : -EINVAL;
			sep = (char)fgetc(f);
		}
		for (unsigned int c = a; !err && c <= b && c < (unsigned int)n; c++)
			online[c] = true;
		if (sep != ',')
			break;
	}
	fclose(f);
	return err;
}

int xdp_spread(struct pspbpf *h, struct psp_dev_cfg *cfg, struct bpf_object *rx)
{
	struct bpf_map *map = bpf_object__find_map_by_name(rx, "psp_rx_cpus");
	struct bpf_program *prog = bpf_object__find_program_by_name(rx, "psp_rx_cpu");
	struct bpf_cpumap_val v = { .qsize = PSP_RX_CPU_QSIZE };
	int ncpu = libbpf_num_possible_cpus(), err;
	bool online[1024];

	if (cfg->flags & PSP_DEV_F_XDP_GENERIC)
		return set_err(h, EOPNOTSUPP, "--rx-spread: %s runs psp_rx in generic XDP, "
			       "where the kernel spreads packets itself (RPS)", cfg->ifname);
	if (!map || !prog || ncpu <= 0)
		return set_err(h, EINVAL, "--rx-spread: psp_rx has no CPU map");
	if (ncpu > (int)(sizeof(online) / sizeof(online[0])))
		ncpu = sizeof(online) / sizeof(online[0]);
	err = cpus_online(online, ncpu);
	if (err)
		return set_err(h, -err, "--rx-spread: cannot read the online CPUs: %s",
			       strerror(-err));
	v.bpf_prog.fd = bpf_program__fd(prog);
	cfg->rx_cpus = 0;
	for (uint32_t cpu = 0; cpu < (uint32_t)ncpu; cpu++) {
		if (!online[cpu])
			continue;
		if (bpf_map_update_elem(bpf_map__fd(map), &cpu, &v, 0))
			return set_err(h, errno, "--rx-spread: cannot open packets on CPU %u: %s",
				       cpu, strerror(errno));
		cfg->rx_cpus = cpu + 1;
	}
	return 0;
}

/*
 * The device's psp_rx, if it runs there: dev add's, or `ip link set xdp
 * obj`'s, which attaches directly (and in generic mode by itself on a
 * driver without native XDP). NULL if none; *mp to be closed.
 */
static struct xdp_program *find_psp_rx(const struct psp_dev_cfg *cfg,
				       struct xdp_multiprog **mp)
{
	struct xdp_program *p = NULL;

	*mp = xdp_multiprog__get_from_ifindex((int)cfg->ifindex);
	if (libxdp_get_error(*mp)) {
		*mp = NULL;
		return NULL;
	}
	if (xdp_multiprog__is_legacy(*mp)) {
		p = xdp_multiprog__main_prog(*mp);
		return p && !strcmp(xdp_program__name(p), "psp_rx") ? p : NULL;
	}
	while ((p = xdp_multiprog__next_prog(p, *mp)))
		if (!strcmp(xdp_program__name(p), "psp_rx"))
			return p;
	return NULL;
}

void xdp_detach(const struct psp_dev_cfg *cfg)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = find_psp_rx(cfg, &mp);

	libxdp_set_print(quiet);
	if (p) {
		/* the programs left go into a new dispatcher */
		bool own_dispatcher = libxdp_objects_enter();

		xdp_program__detach(p, (int)cfg->ifindex, xdp_multiprog__attach_mode(mp), 0);
		libxdp_objects_leave(own_dispatcher);
	}
	xdp_multiprog__close(mp);
}

/* The id of the program pinned at path, 0 if none. */
static uint32_t pinned_prog_id(const char *path)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* Whether the libxdp dispatcher directory dir pins the program id. */
static bool dispatcher_pins(const char *dir, uint32_t prog_id)
{
	DIR *d = opendir(dir);
	char path[PATH_MAX];
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		snprintf(path, sizeof(path), "%.512s/%.255s", dir, e->d_name);
		found = !fnmatch("prog*-prog", e->d_name, 0) && pinned_prog_id(path) == prog_id;
	}
	if (d)
		closedir(d);
	return found;
}

/* Removes the directory dir and the pins in it. */
static void dispatcher_unpin(const char *dir)
{
	DIR *d = opendir(dir);
	char path[PATH_MAX];
	struct dirent *e;

	while (d && (e = readdir(d))) {
		snprintf(path, sizeof(path), "%.512s/%.255s", dir, e->d_name);
		if (e->d_name[0] != '.')
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/*
 * A device that went without dev del (its namespace deleted) leaves its
 * libxdp dispatcher pinned in bpffs, as libxdp leaves every dispatcher
 * of a vanished interface, and the pins keep psp_rx alive: its maps, and
 * with the kmod backend psp_crypto.ko, whose kfuncs it calls. Removes
 * the directory whose pins hold this device's psp_rx, found by program
 * id. Not `xdp-loader clean` (libxdp_clean_references()): that judges
 * each directory by its ifindex in the caller's namespace, so it would
 * unpin the live dispatchers of other namespaces' devices. Under
 * libxdp's lock, a flock on its directory.
 */
void xdp_forget(const struct psp_dev_cfg *cfg)
{
	const char *bpffs = getenv("LIBXDP_BPFFS") ?: "/sys/fs/bpf";
	char path[256], prefix[32];
	struct dirent *e;
	DIR *xdp;

	if (!cfg->rx_prog_id)
		return;
	snprintf(path, sizeof(path), "%.200s/xdp", bpffs);
	snprintf(prefix, sizeof(prefix), "dispatch-%u-", cfg->ifindex);
	xdp = opendir(path);
	if (!xdp)
		return;
	flock(dirfd(xdp), LOCK_EX);
	while ((e = readdir(xdp))) {
		char dir[512];

		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(dir, sizeof(dir), "%s/%.255s", path, e->d_name);
		if (dispatcher_pins(dir, cfg->rx_prog_id))
			dispatcher_unpin(dir);
	}
	flock(dirfd(xdp), LOCK_UN);
	closedir(xdp);
}

void xdp_query(const struct psp_dev_cfg *cfg, struct pspbpf_dev_info *info)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;

	libxdp_set_print(quiet);
	p = find_psp_rx(cfg, &mp);
	info->xdp_generic = !!(cfg->flags & PSP_DEV_F_XDP_GENERIC);
	if (mp) {
		struct xdp_program *main = xdp_multiprog__main_prog(mp);

		/* the mode of what runs now: ip link may have replaced ours */
		info->xdp_generic = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB;
		info->xdp_dispatcher = !xdp_multiprog__is_legacy(mp);
		info->xdp_prog_id = p ? xdp_program__id(p) : main ? xdp_program__id(main) : 0;
		info->xdp_is_psp = !!p;
	}
	xdp_multiprog__close(mp);
}
