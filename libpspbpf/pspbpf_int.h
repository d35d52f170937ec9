/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* libpspbpf internals shared by its files. */
#ifndef __PSPBPF_INT_H
#define __PSPBPF_INT_H

#include <stdbool.h>
#include <sys/file.h>	/* LOCK_SH, LOCK_EX: the lock held */

#include "pspbpf.h"

/* The programs of bpf/psp_ctl.bpf.c that install device keys and
 * associations and derive keys, by file descriptor. */
struct key_progs {
	int dev_key_set, assoc_set, kdf;
};

struct pspbpf {
	uint32_t backend;	/* enum psp_backend of the state (objs.c) */
	uint32_t max_assocs;	/* the state's association capacity */
	int root_fd;		/* PSPBPF_PIN_ROOT: flock()ed while changing state */
	int nl;			/* rtnetlink, in the handle's namespace (netlink.h) */
	int locked;		/* 0, LOCK_SH or LOCK_EX: the lock held */
	uint64_t netns_cookie;
	struct {
		int devs, seal_ports, stats, assocs, rx_sa, tx_sa, rx_keys, tx_keys, dev_keys,
		    sk_assocs, ctl_state;
	} map;
	struct key_progs key_progs;	/* -1 until first used */
	char last_ifname[16];	/* dev_find()'s last answer */
	uint32_t last_ifindex;
	/* route_tx_mtu()'s last peer with room enough, one of each family:
	 * a host talks IPv4 and IPv6 to its peers by turns */
	struct route_seen {
		uint64_t until_ns;
		uint32_t table, ifindex, overhead;
		int family;
		uint8_t raddr[16], laddr[16];
	} route_seen[2];
	char err[256];
};

/* The backends' BPF objects (objs.c). */
enum psp_obj { PSP_OBJ_RX, PSP_OBJ_TX, PSP_OBJ_CTL, PSP_OBJ__MAX };
uint32_t backend_auto(void);
/* A backend's object, opened (not loaded) to pin its maps by name under
 * PSPBPF_PIN_MAPS, the maps of associations sized for max_assocs; NULL
 * with errno set. */
struct bpf_object *backend_open(uint32_t backend, enum psp_obj which, uint32_t max_assocs);

/* Records the reason for a failure; returns -err. */
int set_err(struct pspbpf *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Flows in the order of their bytes (qsort(), bsearch()). */
int psp_flow_cmp(const void *a, const void *b);
struct nl_sock;
/* The flow of a TCP socket sock_diag gave, on device dev_id. */
void sock_flow(const struct nl_sock *sk, uint32_t dev_id, struct psp_flow *f);
/* Closes the TCP connections of the device's Tx associations (only those
 * of the n_only flows at only, if not NULL) but those in TIME_WAIT
 * (conns.c); how many in *closed. */
int conns_close(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct psp_flow *only,
		size_t n_only, unsigned int *closed);

/* mkdir -p, mode 0700; 0 or -errno. */
int mkdir_p(const char *path);

/*
 * The state's lock, a flock() of PSPBPF_PIN_ROOT, host-wide. Exclusive
 * for what reads state and then changes it across maps or devices (dev
 * add, del, set and check, key-rotate, gc's reclaim, route pruning,
 * del-assoc, the socket API); shared for gc's reads and for installing
 * associations by flow, which the control programs do each in a run or
 * two (the SPI allocated there atomically, a key's entry the first
 * installer's), so that processes upgrading connections at once do not
 * wait on each other. pspbpf_lock() takes it exclusive, converting a
 * shared hold (flock converts by dropping and taking again, so whatever
 * was read under the shared hold may have changed); pspbpf_lock_shared()
 * is satisfied by either.
 */
int pspbpf_lock(struct pspbpf *h);
int pspbpf_lock_shared(struct pspbpf *h);
void pspbpf_unlock(struct pspbpf *h);
/* Back to mode (0, LOCK_SH or LOCK_EX) as held before. */
void pspbpf_lock_restore(struct pspbpf *h, int mode);

/*
 * LOCK_GUARD(h) at the top of a function that changes state: whatever
 * takes the lock within it, it is let go when the function returns, or
 * left as the caller held it. A long-lived handle (an application's)
 * holds it only while it works.
 */
struct lock_guard {
	struct pspbpf *h;
	int held;
};

static inline void lock_guard_end(struct lock_guard *g)
{
	pspbpf_lock_restore(g->h, g->held);
}

#define LOCK_GUARD(h)								\
	struct lock_guard __lock_guard __attribute__((cleanup(lock_guard_end))) = \
		{ (h), (h)->locked }
/*
 * Under the lock, before a device is added: the handle's maps are still
 * the pinned ones, of backend (0: any), or the state is made again (the
 * last device's removal unpins it, and may have since this handle was
 * opened).
 */
int state_hold(struct pspbpf *h, uint32_t backend, uint32_t max_assocs);
/* Under the lock: unpins the shared state if no device uses it. */
void state_release(struct pspbpf *h);
/* Under the lock: the handle's maps are the pinned ones, opened again if
 * the state was made anew since the handle was opened; else -errno, none
 * open (-ENOENT: none pinned, or not all; -ESTALE: another build's, or a
 * dev add's that did not finish stamping it). */
int state_reopen(struct pspbpf *h);
/* Removes the shared pins (maps, control programs, iproute2's names). */
void state_unpin(void);
/* Whether any of them is pinned. */
bool state_pinned(void);
/* How many device directories have their network device still; with
 * forget_dead, the others are removed. */
unsigned int state_live_devices(bool forget_dead);
/* The ifindex a pinned tcx link is attached to, 0 once its device went;
 * -errno if nothing is pinned at path. */
int pinned_link_ifindex(const char *path, uint32_t *ifindex);
/* The key and association programs, opened from their pins: NULL with
 * the reason set if they cannot be. */
const struct key_progs *key_progs_get(struct pspbpf *h);

/* psp_devs (devs.c). The device of this namespace named ifname; -ENODEV
 * if it is none. */
int dev_find(struct pspbpf *h, const char *ifname, struct psp_netdev_key *key,
	     struct psp_dev_cfg *cfg);
/* The device of this namespace on ifindex; -ENODEV, no reason set. */
int dev_find_ifindex(struct pspbpf *h, uint32_t ifindex, struct psp_netdev_key *key,
		     struct psp_dev_cfg *cfg);
/* The device of id: -ENODEV if none, -ENOENT if of another namespace. */
int dev_find_id(struct pspbpf *h, uint32_t id, struct psp_netdev_key *key,
		struct psp_dev_cfg *cfg);
/* After a change of psp_devs: the datapath's copies of it taken afresh. */
int devs_changed(struct pspbpf *h);

/* dev_remove.c, under the lock exclusive: the device taken away as dev
 * del does (its programs, routes, map entries and seal port); the state
 * stays pinned. */
void dev_remove(struct pspbpf *h, const struct psp_netdev_key *k, const struct psp_dev_cfg *cfg);
/* Its parts: psp_rx and psp_tx detached (psp_seal goes with the seal
 * port), and its pin directory removed; */
void dev_detach(struct pspbpf *h, const struct psp_dev_cfg *cfg);
/* its entries in every map, its seal port and record, its counters */
void dev_forget(struct pspbpf *h, const struct psp_netdev_key *k, const struct psp_dev_cfg *c);
/* The device id's counters, zeroed (a new device's start at 0). */
int dev_stats_zero(struct pspbpf *h, uint32_t id);

/*
 * A device's parts against its record (devparts.c), for dev check and
 * for what a dev add or dev del that did not finish left behind.
 */
enum {
	DEV_PART_RX = 1 << 0,	/* psp_rx on the device's XDP */
	DEV_PART_TX = 1 << 1,	/* psp_tx on its egress, pinned */
	DEV_PART_SEAL = 1 << 2,	/* its seal port, recorded, with psp_seal pinned */
};
/* The parts the device of cfg lacks; 0 if it has them all. */
unsigned int dev_parts_missing(struct pspbpf *h, const struct psp_dev_cfg *cfg);
/* Whether the record's XDP mode (and psp_rx's id, in libxdp's
 * dispatcher) is not what is attached; with fix, the record is made so. */
bool dev_xdp_record_off(struct pspbpf *h, const struct psp_netdev_key *k, struct psp_dev_cfg *cfg,
			bool fix);
/* Of ifname, no device in this namespace: what a device left on it (psp_rx
 * attached, its pin directory, PSP routes through it), counted, and
 * removed with remove. */
unsigned int dev_leftovers(struct pspbpf *h, const char *ifname, bool remove);
/* Seal ports of no device (seal.c): pspseg<N> pairs of this namespace and
 * psp_seal_ports entries no device record has, counted, and removed with
 * remove. */
unsigned int seal_port_orphans(struct pspbpf *h, bool remove);
/* dev check under the lock exclusive (check.c). */
int check_locked(struct pspbpf *h, const char *ifname, int repair,
		 struct pspbpf_check_report *r);
/* Under the lock exclusive, before ifname, no device, is added: what a
 * dev add or dev del that did not finish left of it, and of no device
 * (seal ports, entries of a device id no device has), removed. */
void mend_leftovers(struct pspbpf *h, const char *ifname);

/* Per-device pin directory: PSPBPF_PIN_ROOT/<netns cookie>/<ifname>. */
void dev_pin_dir(const struct pspbpf *h, const char *ifname, char *buf, size_t size);
/* Whether a device directory's network device still exists (its tx_link). */
bool dev_dir_alive(const char *dir);
/* Removes a device directory, and its namespace's once empty. */
void dev_dir_remove(const char *dir);

/* A TC program on ifindex's ingress or egress, pinned under the path
 * prefix pin (tc.c); 0 or -errno. tc_detach() removes what the pin does
 * not take with it. */
int tc_attach(int ifindex, int prog, bool ingress, const char *pin);
void tc_detach(int ifindex, bool ingress, const char *pin);

/* psp_rx on the device (xdp.c): through libxdp's dispatcher where the
 * kernel allows it, else directly; natively, else generic (the mode in
 * cfg->flags); *rx: the loaded object, for the caller to close.
 * xdp_query() fills the xdp fields of info. */
int xdp_attach(struct pspbpf *h, struct psp_dev_cfg *cfg, struct bpf_object **rx);
/* Receive spread over the online CPUs (dev add --rx-spread): psp_rx_cpu
 * of rx, the object xdp_attach() attached, as the program of each CPU of
 * psp_rx_cpus, and cfg->rx_cpus what psp_rx picks among. Native XDP only. */
int xdp_spread(struct pspbpf *h, struct psp_dev_cfg *cfg, struct bpf_object *rx);
void xdp_detach(const struct psp_dev_cfg *cfg);
void xdp_forget(const struct psp_dev_cfg *cfg);
void xdp_query(const struct psp_dev_cfg *cfg, struct pspbpf_dev_info *info);

/* psp-bpf's libxdp dispatcher (xdp_dispatcher.c): libxdp_objects_enter()
 * makes libxdp load it, from PSP_LIBXDP_DIR, until libxdp_objects_leave()
 * with what enter returned (false: libxdp uses its own, as the user's
 * LIBXDP_OBJECT_PATH or a read-only /run leaves it). */
#define PSP_LIBXDP_DIR	"/run/psp-bpf/libxdp"
bool libxdp_objects_enter(void);
void libxdp_objects_leave(bool entered);

/* The seal port of a device (seal.c): made, its ifindexes in cfg and
 * psp_seal_ports, before the device's programs are attached; psp_seal
 * attached to it; and removed. */
int seal_port_add(struct pspbpf *h, struct psp_dev_cfg *cfg);
int seal_port_attach(struct pspbpf *h, const struct psp_dev_cfg *cfg, int prog,
		     const char *dir);
void seal_port_del(struct pspbpf *h, const struct psp_dev_cfg *cfg);
/* Whether the seal port of cfg is there as recorded: both ends by their
 * names, and psp_seal_ports' entry for the device. */
bool seal_port_whole(struct pspbpf *h, const struct psp_dev_cfg *cfg);
/* Whether ifindex is either end of the seal port of a device of this
 * namespace; then that device's name in owner. */
bool seal_port_of(struct pspbpf *h, uint32_t ifindex, char owner[16]);

/* rps.c: RPS over every CPU on IFNAME's receive queue, in the caller's
 * network namespace; -ENOENT on a kernel without RPS. */
int rps_all_cpus(const char *ifname);

/* Key installation through the control programs (keys.c). */
int install_dev_key(struct pspbpf *h, uint32_t dev_id, uint32_t phase, uint32_t flags,
		    const uint8_t key[PSP_DEV_KEY_LEN]);
/* One step of making an association (psp_assoc_set, include/psp/maps.h),
 * its key, if any, with its GHASH key; the key bytes are wiped. 0 or the
 * program's -errno, with no reason set: the caller knows what it means. */
int assoc_req_run(struct pspbpf *h, struct psp_assoc_req *r);
/* What a key rotation changes in the device's record, once its new key
 * is in: the key's phase for new SPIs, the generation, the count. */
void key_rotated(struct psp_dev_cfg *cfg);
/* A run of psp_kdf: the derived key in key, or the program's -errno with
 * no reason set; kdf_err() sets the reason of one. */
int kdf_run(struct pspbpf *h, struct psp_kdf_req *req, uint8_t key[PSP_KEY_MAX_LEN]);
int kdf_err(struct pspbpf *h, const struct psp_kdf_req *req, int err);

/* Associations (assoc.c), in the steps the flow and socket forms share;
 * each sets the reason of a failure. */
/* The device ifname, an SPI of it and that SPI's key for d's flow (and
 * version), in one run of psp_kdf: d comes back with the device's id,
 * generation and flags, and the flow with its dev_id. */
int assoc_rx_alloc(struct pspbpf *h, const char *ifname, struct psp_kdf_req *d,
		   uint8_t key[PSP_KEY_MAX_LEN]);
/* The Rx half, of d's device and SPI with key; fk NULL: of a socket not
 * connected yet (sk_cookie). clear_end: where the data in clear the
 * socket has not read yet ends. */
int assoc_rx_put(struct pspbpf *h, const struct psp_kdf_req *d, const struct psp_flow *fk,
		 const uint32_t *clear_end, uint64_t sk_cookie, uint8_t key[PSP_KEY_MAX_LEN]);
/* What Linux checks before a Tx key goes in. */
int assoc_tx_check(struct pspbpf *h, uint32_t rx_version, int has_tx,
		   const struct pspbpf_tx_params *p);
void assoc_tx_sa(const struct pspbpf_tx_params *p, uint32_t rx_spi, struct psp_tx_sa *sa);
/* The room for p's overhead on the path to f's peer (route.c), in table. */
int assoc_tx_route(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		   const struct pspbpf_tx_params *p, uint32_t table);
/* The Tx half, with room on the path for it (assoc_tx_route()). */
int assoc_tx_install(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		     const struct psp_assoc *a, const struct pspbpf_tx_params *p, uint32_t table);

/*
 * A flow's state deleted (forget.c). Everything of the flow's
 * association gone. Its Tx entry goes first and
 * the rest only once packets_done(): a packet that found the Tx entry just
 * before it went looks its key up after, and must find it (else it is
 * dropped unsealed, a tx-error).
 */
void assoc_forget(struct pspbpf *h, const struct psp_flow *fk, uint32_t rx_spi);
/* assoc_forget() for n flows, in batches: their Tx entries, one wait for
 * the packets, then the rest. */
void assocs_forget(struct pspbpf *h, const struct psp_flow *flows, const uint32_t *rx_spi,
		   size_t n);
/* Returns once every packet the datapath was working on is done: BPF
 * programs run in RCU read-side sections, and membarrier's global command
 * is synchronize_rcu(). Where that is refused (nohz_full CPUs), after a
 * wait far longer than any packet takes. */
void packets_done(void);

/* gc.c, under the lock: a sweep of this namespace's devices (dev_id 0) or
 * of one. Held shared, the sweep reads beside installs and takes the lock
 * exclusive for each change, which it makes sure of again first; it comes
 * back exclusive. */
/* a closing flow's last packet this long ago, its last_ns moving once a second */
#define PSPBPF_GC_CLOSED_NS	(3 * 1000000000ull)
int gc_run(struct pspbpf *h, uint32_t dev_id, uint64_t idle_ns, struct pspbpf_gc_stats *st);

/* Routes that make room for PSP on the path (route.c). */
#define PSPBPF_RTPROT		80	/* their protocol: ip route show proto 80 */
#define PSPBPF_RT_TABLE		80	/* sockets' routes: ip route show table 80 */
#define PSPBPF_RULE_PREF	80	/* the rule for PSP sockets' marks */
#define PSPBPF_SK_MARK		0x50000000u
#define PSPBPF_SK_MARK_MASK	0xff000000u
/* Room for overhead bytes on the path to f's peer, by a route in table
 * (RT_TABLE_MAIN, or PSPBPF_RT_TABLE for marked sockets). */
int route_tx_mtu(struct pspbpf *h, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *f,
		 uint32_t overhead, uint32_t table);
/* Whether route_tx_mtu() found room on that path a moment ago: then it
 * has nothing to do, and the caller need not look the device up for it. */
int route_seen(const struct pspbpf *h, uint32_t ifindex, const struct pspbpf_flow *f,
	       uint32_t overhead, uint32_t table);
/* The rule that sends marked sockets' traffic to PSPBPF_RT_TABLE. */
int route_sk_rule(struct pspbpf *h, int family);
void routes_forget_rules(struct pspbpf *h);
/* Removes the routes via ifindex (0: any) that no Tx association needs
 * (all: every one); returns how many, or -errno. dry: counts them only. */
int routes_prune(struct pspbpf *h, uint32_t ifindex, int all, int dry);

/* sock.c: a connected socket's PSP device (that of its route) and flow */
int sk_route_dev(struct pspbpf *h, int fd, struct psp_dev_cfg *cfg, struct pspbpf_flow *flow);

void flow_to_key(const struct pspbpf_flow *f, uint32_t dev_id, struct psp_flow *k);
void flow_from_key(const struct psp_flow *k, struct pspbpf_flow *f);

#endif /* __PSPBPF_INT_H */
