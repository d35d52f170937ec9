/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * libpspbpf: the control plane of the eBPF datapath.
 *
 * A handle opens the pinned state under /sys/fs/bpf/psp/ (creating it
 * when asked to) in the caller's network namespace. Functions return 0
 * or a negative errno, with a one-line reason in pspbpf_errmsg(); a
 * function that fails leaves the state as it found it.
 */
#ifndef __PSPBPF_H
#define __PSPBPF_H

#include <stddef.h>
#include <stdint.h>
#include <psp/maps.h>

#define PSPBPF_PIN_ROOT		"/sys/fs/bpf/psp"
#define PSPBPF_PIN_MAPS		PSPBPF_PIN_ROOT "/maps"
/* where iproute2 looks for maps pinned by name (ip link set ... xdp obj) */
#define PSPBPF_PIN_IPROUTE2	"/sys/fs/bpf/xdp/globals"

struct pspbpf;

enum pspbpf_open_flags {
	PSPBPF_CREATE = 1 << 0,	/* create the maps if none are pinned yet */
	/* for pspbpf_dev_check() and pspbpf_dev_del(): opens whatever is
	 * pinned, none or state a dev add left unfinished included, and
	 * makes the directory of the lock if it is missing */
	PSPBPF_MEND = 1 << 1,
};

int pspbpf_open(struct pspbpf **h, unsigned int flags);
void pspbpf_close(struct pspbpf *h);
const char *pspbpf_errmsg(const struct pspbpf *h);

struct pspbpf_dev_opts {
	uint32_t versions_ena;	/* 1 << version */
	int aes_generic;	/* T-table AES: faster, not constant time */
	int rx_spread;		/* open PSP packets on other CPUs than they came on */
	uint32_t backend;	/* enum psp_backend; 0: auto (the state's, or
				 * kmod if psp_crypto.ko is loaded, else bpf) */
	uint32_t max_assocs;	/* host-wide association capacity, set when the
				 * first device makes the state; 0: the state's,
				 * or PSP_MAX_ASSOCS. Another size: EBUSY */
};

/* The largest --max-assocs: the kernel's hash maps take up to 2^31 buckets. */
#define PSPBPF_MAX_ASSOCS_LIMIT	(1u << 30)

/* "bpf", "kmod"; and back (0 if none such). */
const char *pspbpf_backend_name(uint32_t backend);
uint32_t pspbpf_backend_by_name(const char *name);

enum { PSPBPF_TX_TCX = 1, PSPBPF_TX_CLSACT = 2 };

struct pspbpf_dev_info {
	struct psp_dev_cfg cfg;
	uint32_t xdp_prog_id;	/* 0: none attached */
	int xdp_is_psp;		/* the attached program is psp_rx */
	int xdp_generic;	/* in generic (skb) mode, not the driver's */
	int xdp_dispatcher;	/* in libxdp's dispatcher, beside others */
	uint32_t backend;	/* enum psp_backend */
	int tx_attached;	/* PSPBPF_TX_*: how psp_tx is attached, 0 if not */
	uint32_t rx_assocs, tx_assocs;
	uint32_t max_assocs;	/* the host's capacity (dev add --max-assocs) */
	char pin_dir[128];
};

int pspbpf_dev_add(struct pspbpf *h, const char *ifname, const struct pspbpf_dev_opts *o,
		   struct psp_dev_cfg *cfg);
/* Of a name that is no PSP device, removes what a dev add or dev del
 * that did not finish left of it (pspbpf_dev_check() with repair):
 * ENODEV if there was nothing. */
int pspbpf_dev_del(struct pspbpf *h, const char *ifname);
int pspbpf_dev_info(struct pspbpf *h, const char *ifname, struct pspbpf_dev_info *info);
/* By PSP device id, as Linux names devices: ENODEV if there is none,
 * ENOENT if it is another namespace's. */
int pspbpf_dev_info_id(struct pspbpf *h, uint32_t id, struct pspbpf_dev_info *info);
/* The devices of this namespace; *infos is malloc'ed. */
int pspbpf_dev_list(struct pspbpf *h, struct pspbpf_dev_info **infos, size_t *n);
int pspbpf_dev_set_versions(struct pspbpf *h, const char *ifname, uint32_t versions_ena);
int pspbpf_dev_set_mark(struct pspbpf *h, const char *ifname, uint32_t value, uint32_t mask);

/*
 * Key rotation, as Linux net/psp does it: a new device key for the other
 * phase, which new SPIs then use; associations survive one rotation, and
 * at the second their Rx dies (stale-events +1 each). Tx goes on.
 */
int pspbpf_key_rotate(struct pspbpf *h, const char *ifname, struct psp_dev_cfg *cfg);

/* A device key for a phase, known to the caller (interop, tests). */
int pspbpf_key_import(struct pspbpf *h, const char *ifname, uint32_t phase,
		      const uint8_t key[PSP_DEV_KEY_LEN]);

/* A TCP flow as the local host sees it. */
struct pspbpf_flow {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t laddr[16], raddr[16];	/* IPv4 in the first 4 bytes */
	uint16_t lport, rport;		/* host order */
};

struct pspbpf_tx_params {
	uint32_t spi;
	uint32_t version;
	const uint8_t *key;		/* psp_key_len(version) bytes */
	size_t key_len;
	uint8_t crypt_off;		/* 4-byte units */
	int has_vc;
	uint8_t vc[PSP_VC_LEN];
};

/* Allocates an SPI for the flow and derives its key (returned: the peer
 * needs it for its tx-assoc). */
int pspbpf_rx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    uint32_t version, uint32_t *spi, uint8_t key[PSP_KEY_MAX_LEN]);
/* Installs the Rx state of a given SPI, its key derived from the device key
 * of the SPI's phase (returned). EBUSY if the SPI is taken, EINVAL if its
 * phase has no key. */
int pspbpf_rx_assoc_spi(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
			uint32_t version, uint32_t spi, uint8_t key[PSP_KEY_MAX_LEN]);
int pspbpf_tx_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		    const struct pspbpf_tx_params *p);
int pspbpf_assoc_del(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f);

/* What pspbpf_add_assoc() made of the Rx side. */
struct pspbpf_rx_added {
	uint32_t dev_id;
	int added;			/* 0: the flow had its Rx association */
	uint32_t spi;			/* if added: the peer's tx-assoc needs */
	uint8_t key[PSP_KEY_MAX_LEN];	/* both */
};

/*
 * pspbpf_rx_assoc() unless the flow has an Rx association, then
 * pspbpf_tx_assoc() if tx is not NULL: all or nothing (an Rx association
 * it made goes again if the Tx one fails).
 */
int pspbpf_add_assoc(struct pspbpf *h, const char *ifname, const struct pspbpf_flow *f,
		     uint32_t version, const struct pspbpf_tx_params *tx,
		     struct pspbpf_rx_added *rx);

/* One association of a batch: what to add, then what came of it. */
struct pspbpf_assoc_line {
	struct pspbpf_flow flow;
	uint32_t version;
	int has_tx;
	struct pspbpf_tx_params tx;	/* if has_tx; its key points into tx_key */
	uint8_t tx_key[PSP_KEY_MAX_LEN];
	int err;			/* 0 or a negative errno */
	char errmsg[128];		/* if err */
	struct pspbpf_rx_added rx;	/* if not err */
};

/*
 * pspbpf_add_assoc() for each of n lines, in order, under one hold of
 * the state: a line that fails changes nothing and the others go on.
 * Returns how many failed, or a negative errno if none could be tried.
 */
int pspbpf_add_assoc_batch(struct pspbpf *h, const char *ifname, struct pspbpf_assoc_line *v,
			   size_t n);

/*
 * The same on a TCP socket, as Linux net/psp takes them (its sock-fd):
 * the flow is the socket's, the device that of its route (*dev_id 0), or
 * the PSP device *dev_id names, which must then be the route's if that is
 * a PSP device (EINVAL otherwise); rx-assoc returns the device in
 * *dev_id. A socket not connected yet needs dev_id; its association
 * binds to the connection when the socket connects through the device.
 * tx-assoc refuses (EBUSY) while the socket holds data received in clear
 * that it has not read, and lowers its MSS by the PSP overhead at once.
 * TCP repair mode, which the checks use for a moment, needs
 * CAP_NET_ADMIN.
 */
int pspbpf_sk_rx_assoc(struct pspbpf *h, int fd, uint32_t *dev_id, uint32_t version,
		       uint32_t *spi, uint8_t key[PSP_KEY_MAX_LEN]);
int pspbpf_sk_tx_assoc(struct pspbpf *h, int fd, uint32_t dev_id,
		       const struct pspbpf_tx_params *p);

/*
 * A connected TCP socket carrying an established OpenSSL TLS session,
 * upgraded to PSP with the keys exchanged inside TLS (tls_upgrade.c; the
 * messages: docs/psp-tls.md). Both ends call it, with no application data
 * in flight either way. Each sends the PSP versions its device enables
 * (and opts allows), both take the highest they share, do rx-assoc, send
 * each other their SPI and key, and do tx-assoc; from then on the
 * application reads and writes the socket itself, as PSP, and frees the
 * SSL without SSL_shutdown (the session is left as if shut down, so a
 * close_notify never goes out). Keys cross only inside TLS and are wiped.
 *
 * Needs the session's read-ahead off: what OpenSSL would read past the
 * peer's last message is PSP data; and SIGPIPE ignored, as any SSL_write
 * to a peer that may vanish does. On failure nothing is left installed;
 * out says which end refused, the peer's reason, and whether both ends
 * stopped at the same message, so that the session can go on as TLS. h
 * may be one pspbpf_open() failed to open: the peer is told that reason.
 */
#define PSPBPF_UPGRADE_FORMAT		1	/* the newest message format */
#define PSPBPF_UPGRADE_TIMEOUT_MS	10000

struct ssl_st;

struct pspbpf_upgrade_opts {
	uint32_t versions;	/* allowed, 1 << version; 0: the device's enabled ones */
	uint32_t timeout_ms;	/* the whole exchange; 0: PSPBPF_UPGRADE_TIMEOUT_MS */
};

enum pspbpf_upgrade_refusal {
	PSPBPF_UPGRADE_OK,
	PSPBPF_UPGRADE_LOCAL,	/* this end failed: pspbpf_errmsg() */
	PSPBPF_UPGRADE_PEER,	/* the peer refused: peer_err, peer_reason */
};

struct pspbpf_upgrade_info {
	uint32_t dev_id;
	char ifname[16];
	uint32_t version;		/* PSP version of both directions */
	uint32_t rx_spi, tx_spi;	/* this end's, the peer's */
	uint32_t format;		/* message format both speak */
	uint32_t peer_versions;		/* what the peer offered */
	enum pspbpf_upgrade_refusal refused;
	int peer_err;			/* errno the peer sent */
	char peer_reason[256];
	int tls_usable;			/* on failure: the session can carry on */
};

int pspbpf_tls_upgrade(struct pspbpf *h, struct ssl_st *ssl, const struct pspbpf_upgrade_opts *o,
		       struct pspbpf_upgrade_info *out);

/* The receive policy state of a flow (include/psp/maps.h). */
enum pspbpf_assoc_state {
	PSPBPF_RX_PSP,		/* rx-assoc: clear and PSP accepted */
	PSPBPF_TX_PSP,		/* tx-assoc: PSP out, data in clear refused */
	PSPBPF_PSP_FULL,	/* the peer sends PSP too: nothing in clear */
};

struct pspbpf_assoc {
	struct pspbpf_flow flow;
	uint32_t dev_id;
	enum pspbpf_assoc_state state;
	int has_rx, has_tx, rx_stale;
	uint32_t rx_spi, tx_spi, version;
	uint8_t crypt_off, has_vc;
	uint64_t tx_iv;			/* IVs used so far */
};

/* The associations of a device (ifname) or of every device of this
 * namespace (NULL); *out is malloc'ed. */
int pspbpf_assoc_list(struct pspbpf *h, const char *ifname, struct pspbpf_assoc **out,
		      size_t *n);

/*
 * Reclaim of flows the datapath cannot see end (gc.c): flows with no
 * socket that are closing or idle for idle_s seconds, associations made
 * on a socket that never connected, host routes no Tx association needs.
 * Of one device (ifname) or of every device of this namespace (NULL).
 * rx-assoc runs it with the default idle time when the association maps
 * are full, and only then: an application calls it from a timer.
 */
#define PSPBPF_IDLE_DEFAULT_S	600
struct pspbpf_gc_stats {
	uint32_t flows, unbound, routes;	/* what went */
};
int pspbpf_gc(struct pspbpf *h, const char *ifname, uint32_t idle_s,
	      struct pspbpf_gc_stats *st);

/*
 * dev check (check.c): whether the pinned state of a device holds
 * together, so that nothing is left half made or half removed by a
 * command that was killed. The categories, X(ID, "name", "what it
 * counts"); docs/operations.md says what a repair does with each. The
 * first eight are the device's associations across psp_assocs,
 * psp_rx_sa, psp_rx_keys, psp_tx_sa and psp_tx_keys; the last three are
 * of no device in particular, and any device's check reports them.
 */
#define PSPBPF_ORPHANS(X)							\
	X(RX_SA_NO_ASSOC, "rx-sa-no-assoc",					\
	  "SPIs (psp_rx_sa) bound to a flow that has no association of theirs")	\
	X(ASSOC_NO_RX_SA, "assoc-no-rx-sa",					\
	  "associations (psp_assocs) whose Rx SPI has no Rx SA of their flow")	\
	X(RX_KEY_NO_SA, "rx-key-no-sa",						\
	  "Rx keys (psp_rx_keys) of no Rx SA")					\
	X(RX_SA_NO_KEY, "rx-sa-no-key",						\
	  "Rx SAs, not stale, without their Rx key (bpf and offload backends)")	\
	X(TX_KEY_NO_SA, "tx-key-no-sa",						\
	  "Tx keys (psp_tx_keys) of no Tx SA and no socket's waiting association") \
	X(TX_SA_NO_ASSOC, "tx-sa-no-assoc",					\
	  "Tx SAs (psp_tx_sa) of a flow with no association of their Rx SPI")	\
	X(TX_SA_NO_KEY, "tx-sa-no-key",						\
	  "Tx SAs without their Tx key")					\
	X(ASSOC_TX_MISMATCH, "assoc-tx-mismatch",				\
	  "associations in Tx PSP without a Tx SA, or with one and not in Tx PSP") \
	X(ROUTE_NO_PEER, "route-no-peer",					\
	  "PSP routes (proto 80) through the device that no Tx SA's peer needs") \
	X(STALE_UNCOUNTED, "stale-uncounted",					\
	  "Rx SAs marked stale that the device's key generation does not make "	\
	  "stale: a key-rotate that did not finish")				\
	X(XDP_MODE, "xdp-mode",							\
	  "the device's record of psp_rx's XDP mode (or its id in libxdp's "	\
	  "dispatcher) is not what is attached")				\
	X(DEV_HALF, "dev-half",							\
	  "a device without all its parts (psp_rx, psp_tx, the seal port and "	\
	  "its program): a dev add or dev del that did not finish")		\
	X(DEV_REMAINS, "dev-remains",						\
	  "what is left on a name that is no PSP device: psp_rx attached, its "	\
	  "pin directory, PSP routes through it")				\
	X(NO_DEVICE, "no-device",						\
	  "device keys and association entries of a device id no device has")	\
	X(SEAL_PORT_ORPHAN, "seal-port-orphan",					\
	  "seal ports (pspseg<N>, pspseal<N>, psp_seal_ports) of no device")	\
	X(STATE_NO_DEVICE, "state-no-device",					\
	  "the shared state pinned while no device exists: a first dev add or "	\
	  "a last dev del that did not finish")

#define __PSPBPF_ORPHAN_ENUM(id, name, help) PSPBPF_ORPHAN_##id,
enum pspbpf_orphan { PSPBPF_ORPHANS(__PSPBPF_ORPHAN_ENUM) PSPBPF_ORPHAN__MAX };
#undef __PSPBPF_ORPHAN_ENUM

const char *pspbpf_orphan_name(unsigned int which);
const char *pspbpf_orphan_help(unsigned int which);

struct pspbpf_check_report {
	uint32_t dev_id;			/* 0: no PSP device (any more) */
	uint32_t found[PSPBPF_ORPHAN__MAX];	/* what the check found */
	uint32_t left[PSPBPF_ORPHAN__MAX];	/* after a repair, what a check found
						 * then; without, found */
	int repaired;				/* a repair ran */
};

/*
 * Checks ifname's state under the lock exclusive, and with repair mends
 * what it found (in the order the reclaim path deletes) and checks
 * again. 0 with the report (consistent: left[] all 0), or -errno: ENODEV
 * for a name that is no network device and of which nothing is left.
 * Open the handle with PSPBPF_MEND to reach state a dev add left
 * unfinished.
 */
int pspbpf_dev_check(struct pspbpf *h, const char *ifname, int repair,
		     struct pspbpf_check_report *r);

/* Counters of a device, summed over CPUs. */
int pspbpf_stats(struct pspbpf *h, uint32_t dev_id, uint64_t cnt[PSP_CNT__MAX]);

/* Key derivation inside the kernel, from the device key (bpf backend). */
int pspbpf_derive(struct pspbpf *h, uint32_t dev_id, uint32_t spi, uint32_t version,
		  uint8_t key[PSP_KEY_MAX_LEN]);

#endif /* __PSPBPF_H */
