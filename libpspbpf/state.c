// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The pinned state: bpffs directories, the shared maps, the lock that
 * serialises changes between concurrent psp-bpf-ctl invocations, and the
 * control programs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <net/if.h>

#include "psp_layout.h"
#include "netlink.h"
#include "pspbpf_int.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int set_err(struct pspbpf *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return -err;
}

const char *pspbpf_errmsg(const struct pspbpf *h)
{
	return h->err;
}

int mkdir_p(const char *path)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int netns_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

struct pin {
	const char *name;
	size_t off;	/* of the fd in struct pspbpf */
};

#define PIN(field, name) { name, offsetof(struct pspbpf, map.field) }
static const struct pin pins[] = {
	PIN(devs, "psp_devs"), PIN(seal_ports, "psp_seal_ports"), PIN(stats, "psp_stats"), PIN(assocs, "psp_assocs"),
	PIN(rx_sa, "psp_rx_sa"),
	PIN(tx_sa, "psp_tx_sa"), PIN(rx_keys, "psp_rx_keys"), PIN(tx_keys, "psp_tx_keys"),
	PIN(dev_keys, "psp_dev_keys"), PIN(sk_assocs, "psp_sk_assocs"),
	PIN(ctl_state, "psp_ctl_state"),
};
#define N_PINS (sizeof(pins) / sizeof(pins[0]))

static int *pin_fd(struct pspbpf *h, const struct pin *p)
{
	return (int *)((char *)h + p->off);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_maps(struct pspbpf *h)
{
	for (size_t i = 0; i < N_PINS; i++)
		close_fd(pin_fd(h, &pins[i]));
}

/* Opens every shared map; -ESTALE when they were laid out by another build. */
static int open_maps(struct pspbpf *h)
{
	struct psp_ctl_state st = { 0 };
	struct bpf_map_info info = {};
	uint32_t zero = 0, len = sizeof(info);
	char path[256];

	for (size_t i = 0; i < N_PINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", PSPBPF_PIN_MAPS, pins[i].name);
		*pin_fd(h, &pins[i]) = bpf_obj_get(path);
		if (*pin_fd(h, &pins[i]) < 0) {
			int err = -errno;

			close_maps(h);
			return err;
		}
	}
	if (bpf_map_lookup_elem(h->map.ctl_state, &zero, &st) ||
	    st.layout != PSP_STATE_LAYOUT || bpf_obj_get_info_by_fd(h->map.assocs, &info, &len)) {
		close_maps(h);
		return -ESTALE;
	}
	h->backend = st.backend;
	h->max_assocs = info.max_entries;
	return 0;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN && getenv("PSPBPF_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

#define PIN_PROGS PSPBPF_PIN_ROOT "/progs"

static const struct {
	const char *name;
	size_t off;
} key_prog_pins[] = {
	{ "psp_dev_key_set", offsetof(struct key_progs, dev_key_set) },
	{ "psp_assoc_set", offsetof(struct key_progs, assoc_set) },
	{ "psp_kdf", offsetof(struct key_progs, kdf) },
};
#define N_KEY_PROGS (sizeof(key_prog_pins) / sizeof(key_prog_pins[0]))

static int *key_prog_fd(struct pspbpf *h, size_t i)
{
	return (int *)((char *)&h->key_progs + key_prog_pins[i].off);
}

/*
 * The control programs are loaded once, with the maps, and stay pinned:
 * the GHASH key objects they put in the maps must be of the very BTF the
 * maps were created with, which a later load of the same object would
 * not be. The state is stamped with the layout of this build's maps and
 * with its backend. Called under the lock when creating.
 */
static int key_progs_create(struct pspbpf *h, uint32_t backend, uint32_t max_assocs)
{
	struct psp_ctl_state st = { .layout = PSP_STATE_LAYOUT, .backend = backend };
	struct bpf_object *obj = backend_open(backend, PSP_OBJ_CTL, max_assocs);
	struct bpf_map *state;
	uint32_t zero = 0;
	char path[256];
	int err;

	if (!obj)
		return set_err(h, errno, "cannot open the control programs");
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		if (backend == PSP_BACKEND_KMOD)
			return set_err(h, -err, "cannot load the kmod backend's control programs "
				       "(a psp_crypto.ko of another build?)");
		return set_err(h, -err, "cannot load the control programs (BPF crypto kfuncs "
			       "need Linux 6.10 or later; maps pinned by another loader?)");
	}
	state = bpf_object__find_map_by_name(obj, "psp_ctl_state");
	if (!state || bpf_map_update_elem(bpf_map__fd(state), &zero, &st, BPF_ANY) ||
	    (mkdir(PIN_PROGS, 0700) && errno != EEXIST))
		err = -errno;
	for (size_t i = 0; !err && i < N_KEY_PROGS; i++) {
		const char *name = key_prog_pins[i].name;
		struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

		snprintf(path, sizeof(path), "%s/%s", PIN_PROGS, name);
		if (!p || bpf_obj_pin(bpf_program__fd(p), path))
			err = -errno;
	}
	bpf_object__close(obj);
	return err ? set_err(h, -err, "cannot pin the control programs: %s", strerror(-err)) : 0;
}

static int key_progs_open(struct pspbpf *h)
{
	char path[256];

	for (size_t i = 0; i < N_KEY_PROGS; i++) {
		if (*key_prog_fd(h, i) >= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", PIN_PROGS, key_prog_pins[i].name);
		*key_prog_fd(h, i) = bpf_obj_get(path);
		if (*key_prog_fd(h, i) < 0)
			return set_err(h, errno, "the control programs are not pinned (%s)", path);
	}
	return 0;
}

const struct key_progs *key_progs_get(struct pspbpf *h)
{
	return key_progs_open(h) ? NULL : &h->key_progs;
}

/* Unlinks every entry of a bpffs directory whose name starts with prefix. */
static void unpin_dir(const char *dir, const char *prefix, bool remove_dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix)))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	if (remove_dir)
		rmdir(dir);
}

/*
 * Removes the shared pins, whichever build made them: the maps and control
 * programs, and the maps' second names where ip(8) looks for them.
 */
void state_unpin(void)
{
	unpin_dir(PSPBPF_PIN_MAPS, "", true);
	unpin_dir(PIN_PROGS, "", true);
	unpin_dir(PSPBPF_PIN_IPROUTE2, "psp_", false);
}

/* Whether a bpffs directory has an entry whose name starts with prefix. */
static bool dir_has(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d)))
		found = e->d_name[0] != '.' && !strncmp(e->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return found;
}

bool state_pinned(void)
{
	return dir_has(PSPBPF_PIN_MAPS, "") || dir_has(PIN_PROGS, "") ||
	       dir_has(PSPBPF_PIN_IPROUTE2, "psp_");
}

/* These headers' bpf_link_info has no tcx member; the ifindex is the
 * first word of the union, like netns.netns_ino. */
int pinned_link_ifindex(const char *path, uint32_t *ifindex)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path);

	*ifindex = 0;
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.type = 0;
	close(fd);
	if (info.type)
		memcpy(ifindex, (char *)&info + offsetof(struct bpf_link_info, netns.netns_ino),
		       sizeof(*ifindex));
	return 0;
}

/*
 * Whether the network device of a device directory still exists: the tcx
 * link pinned there loses its ifindex when the device goes (with its
 * namespace, say). Builds since the first have pinned it there, so this
 * reads any build's state. Without tcx (a cls_bpf filter, tx_prog)
 * nothing tells of a device of another namespace: it counts as alive
 * until dev del.
 */
bool dev_dir_alive(const char *dir)
{
	unsigned long long cookie;
	char path[256], name[IF_NAMESIZE];
	uint32_t ifindex;
	uint64_t mine;

	snprintf(path, sizeof(path), "%s/tx_link", dir);
	if (pinned_link_ifindex(path, &ifindex)) {
		snprintf(path, sizeof(path), "%s/tx_prog", dir);
		if (access(path, F_OK))
			return false;
		if (sscanf(dir + strlen(PSPBPF_PIN_ROOT), "/%llu/%15s", &cookie, name) != 2 ||
		    netns_cookie(&mine) || mine != cookie)
			return true;
		return if_nametoindex(name) != 0;
	}
	return ifindex != 0;
}

void dev_dir_remove(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/tx_link", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/tx_prog", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/seal_link", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/seal_prog", dir);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof(path), "%s", dir);
	*strrchr(path, '/') = 0;
	rmdir(path);	/* the namespace's directory, once empty */
}

static DIR *openat_dir(int at, const char *name)
{
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d && fd >= 0)
		close(fd);
	return d;
}

/*
 * Counts the device directories, PSPBPF_PIN_ROOT/<netns cookie>/<ifname>,
 * whose network device still exists, and removes the others if asked:
 * devices whose namespace went without a dev del, of whichever build.
 */
unsigned int state_live_devices(bool forget_dead)
{
	DIR *root = opendir(PSPBPF_PIN_ROOT), *ns;
	struct dirent *e, *d;
	unsigned int live = 0;
	char dir[192];

	if (!root)
		return 0;
	while ((e = readdir(root))) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;	/* maps, progs, the lock */
		ns = openat_dir(dirfd(root), e->d_name);
		while (ns && (d = readdir(ns))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(dir, sizeof(dir), "%s/%.20s/%.16s", PSPBPF_PIN_ROOT, e->d_name,
				 d->d_name);
			if (dev_dir_alive(dir))
				live++;
			else if (forget_dead)
				dev_dir_remove(dir);
		}
		if (ns)
			closedir(ns);
	}
	closedir(root);
	return live;
}

/*
 * Makes the shared state, under the lock, for backend want (0: the one
 * there, or backend_auto()). State left by another build (an upgrade), by
 * a loader that died half way, or for another backend, is replaced while
 * no device uses it; a device still on it must first be removed, as the
 * programs attached to it use those maps. A device whose network device
 * is gone uses nothing.
 */
/*
 * The state of backend want (0: any) and max_assocs associations (0: any):
 * the pinned one if it is such, else made afresh while no device uses
 * the old.
 */
static int state_create(struct pspbpf *h, uint32_t want, uint32_t max_assocs)
{
	int err = open_maps(h);
	bool backend_ok = !want || want == h->backend;

	if (!err && backend_ok && (!max_assocs || max_assocs == h->max_assocs) &&
	    !key_progs_open(h))
		return 0;
	if (state_live_devices(true)) {
		if (!err && !backend_ok)
			return set_err(h, EBUSY, "the devices here use the %s backend; "
				       "remove them (dev del) to change it",
				       pspbpf_backend_name(h->backend));
		if (!err)
			return set_err(h, EBUSY, "the association maps are sized for %u; remove the devices "
				       "(dev del) to size them for %u", h->max_assocs, max_assocs);
		return set_err(h, ESTALE, "%s holds devices added by another psp-bpf build; "
			       "remove them with that build's psp-bpf-ctl dev del", PSPBPF_PIN_ROOT);
	}
	close_maps(h);
	for (size_t i = 0; i < N_KEY_PROGS; i++)
		close_fd(key_prog_fd(h, i));
	state_unpin();
	err = mkdir_p(PSPBPF_PIN_MAPS);
	if (err)
		return set_err(h, -err, "cannot create %s: %s", PSPBPF_PIN_MAPS, strerror(-err));
	err = key_progs_create(h, want ?: backend_auto(), max_assocs ?: PSP_MAX_ASSOCS);
	if (err)
		return err;
	err = open_maps(h);
	return err ? set_err(h, -err, "cannot open the new state in %s: %s", PSPBPF_PIN_MAPS,
			     strerror(-err)) : 0;
}

int pspbpf_open(struct pspbpf **out, unsigned int flags)
{
	struct pspbpf *h = calloc(1, sizeof(*h));
	struct statfs fs;
	int err;

	if (!h)
		return -ENOMEM;
	libbpf_set_print(silent);
	h->root_fd = -1;
	h->nl = -1;
	for (size_t i = 0; i < N_PINS; i++)
		*pin_fd(h, &pins[i]) = -1;
	for (size_t i = 0; i < N_KEY_PROGS; i++)
		*key_prog_fd(h, i) = -1;
	*out = h;
	/* as tc and bpftool do, the first device mounts it where it is missing */
	if ((statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC) &&
	    (!(flags & PSPBPF_CREATE) || mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") ||
	     statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC))
		return set_err(h, ENOENT, "no BPF filesystem at /sys/fs/bpf "
			       "(mount -t bpf bpf /sys/fs/bpf)");
	err = netns_cookie(&h->netns_cookie);
	if (err)
		return set_err(h, -err, "cannot tell the network namespace: %s", strerror(-err));
	h->nl = nl_open();
	if (h->nl < 0)
		return set_err(h, -h->nl, "cannot open rtnetlink: %s", strerror(-h->nl));
	/* PSPBPF_MEND: the directory is the lock, which a repair takes
	 * whatever is pinned (an empty one is what the last dev del leaves) */
	if (flags & (PSPBPF_CREATE | PSPBPF_MEND)) {
		err = mkdir_p(PSPBPF_PIN_ROOT);
		if (err)
			return set_err(h, -err, "cannot create %s: %s", PSPBPF_PIN_ROOT,
				       strerror(-err));
	}
	h->root_fd = open(PSPBPF_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->root_fd < 0)
		return set_err(h, ENODEV, "no PSP device has been added (%s missing)",
			       PSPBPF_PIN_ROOT);
	if (flags & PSPBPF_CREATE) {
		err = pspbpf_lock(h);
		if (!err)
			err = state_create(h, 0, 0);
		pspbpf_unlock(h);
		return err;
	}
	err = open_maps(h);
	/* whatever there is (state_reopen() under the lock says) */
	if (flags & PSPBPF_MEND)
		return 0;
	if (err == -ESTALE)
		return set_err(h, ESTALE, "%s was made by another psp-bpf build", PSPBPF_PIN_ROOT);
	if (err)
		return set_err(h, ENODEV, "no PSP device has been added (%s incomplete)",
			       PSPBPF_PIN_MAPS);
	return 0;
}

void state_release(struct pspbpf *h)
{
	struct psp_netdev_key k;

	if (h->map.devs >= 0 && bpf_map_get_next_key(h->map.devs, NULL, &k))
		state_unpin();
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* Whether the handle's maps are the pinned ones: the last device's dev
 * del unpins them, and a dev add may have made others since. */
static bool maps_current(struct pspbpf *h)
{
	int fd = bpf_obj_get(PSPBPF_PIN_MAPS "/psp_devs");
	bool same = fd >= 0 && h->map.devs >= 0 && map_id(fd) == map_id(h->map.devs);

	if (fd >= 0)
		close(fd);
	return same;
}

static void close_state(struct pspbpf *h)
{
	for (size_t i = 0; i < N_KEY_PROGS; i++)
		close_fd(key_prog_fd(h, i));
	close_maps(h);
}

int state_hold(struct pspbpf *h, uint32_t backend, uint32_t max_assocs)
{
	if (maps_current(h) && (!backend || backend == h->backend) &&
	    (!max_assocs || max_assocs == h->max_assocs))
		return 0;
	if (backend == PSP_BACKEND_KMOD && backend_auto() != PSP_BACKEND_KMOD)
		return set_err(h, ENOENT, "the kmod backend needs psp_crypto.ko loaded "
			       "(modprobe psp_crypto)");
	close_state(h);
	return state_create(h, backend, max_assocs);
}

int state_reopen(struct pspbpf *h)
{
	if (maps_current(h))
		return 0;
	close_state(h);
	return open_maps(h);
}

void pspbpf_close(struct pspbpf *h)
{
	if (!h)
		return;
	pspbpf_unlock(h);
	for (size_t i = 0; i < N_KEY_PROGS; i++)
		close_fd(key_prog_fd(h, i));
	close_maps(h);
	close_fd(&h->root_fd);
	close_fd(&h->nl);
	free(h);
}

static int lock_as(struct pspbpf *h, int mode)
{
	if (flock(h->root_fd, mode)) {
		/* a conversion that failed has let go of the lock held */
		h->locked = 0;
		return set_err(h, errno, "cannot lock %s: %s", PSPBPF_PIN_ROOT, strerror(errno));
	}
	h->locked = mode;
	return 0;
}

int pspbpf_lock(struct pspbpf *h)
{
	return h->locked == LOCK_EX ? 0 : lock_as(h, LOCK_EX);
}

int pspbpf_lock_shared(struct pspbpf *h)
{
	return h->locked ? 0 : lock_as(h, LOCK_SH);
}

void pspbpf_lock_restore(struct pspbpf *h, int mode)
{
	if (h->locked == mode)
		return;
	if (!mode) {
		flock(h->root_fd, LOCK_UN);
		h->locked = 0;
		return;
	}
	/* back from exclusive to shared: flock lets go of the exclusive
	 * hold first, so a failure leaves none, and the handle says so
	 * (h->locked 0) */
	lock_as(h, mode);
}

void pspbpf_unlock(struct pspbpf *h)
{
	pspbpf_lock_restore(h, 0);
}

void dev_pin_dir(const struct pspbpf *h, const char *ifname, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%llu/%s", PSPBPF_PIN_ROOT,
		 (unsigned long long)h->netns_cookie, ifname);
}
