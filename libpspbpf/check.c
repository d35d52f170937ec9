// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * dev check: whether a device's pinned state holds together, and the
 * repair of what does not.
 *
 * The invariants come from what each writer puts in the maps, and in
 * what order:
 *
 *   rx-assoc     one psp_assoc_set run (RX_ADD): the Rx key, the SPI's Rx
 *                SA bound to the flow, the flow's association, each undone
 *                in the run if a later one fails
 *   tx-assoc     the route to the peer (route.c), then one run (TX_ADD):
 *                the Tx key, the flow's Tx SA, the association's has_tx
 *   add-assoc    both, and if the Tx half fails, del-assoc of the Rx half
 *   del-assoc,   assocs_forget(): the Tx SAs, a wait for the packets, then
 *   gc           the Tx keys, Rx SAs, Rx keys and associations; gc then
 *                the routes no Tx SA needs, under the lock exclusive
 *   key-rotate   the new device key, STALE_MARK (the Rx SAs two
 *                generations back marked stale and their Rx keys deleted,
 *                in one run), then the device's record
 *   dev add/del  devparts.c
 *   datapath     a flow's reclaim deletes in assocs_forget()'s order in
 *                one run, or its Tx SA first and the rest a second later
 *                (the association marked PSP_CLOSING_TX_GONE meanwhile);
 *                a socket's SYN binds its waiting association: the Tx SA,
 *                the association, then the Rx SA's flow
 *
 * A program run is never half done as userspace sees it, but a command
 * killed between two of its system calls is. No command runs beside the
 * check (the lock exclusive); the datapath does, and an entry it leaves
 * half done for the length of a run is no orphan: each one the maps as
 * read show is looked up again after a wait for the packets, and counted
 * if it is one still.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "map_iter.h"
#include "pspbpf_int.h"

static const struct {
	const char *name, *help;
} orphans[PSPBPF_ORPHAN__MAX] = {
#define __PSPBPF_ORPHAN_NAME(id, name, help) [PSPBPF_ORPHAN_##id] = { name, help },
	PSPBPF_ORPHANS(__PSPBPF_ORPHAN_NAME)
#undef __PSPBPF_ORPHAN_NAME
};

const char *pspbpf_orphan_name(unsigned int which)
{
	return which < PSPBPF_ORPHAN__MAX ? orphans[which].name : "unknown";
}

const char *pspbpf_orphan_help(unsigned int which)
{
	return which < PSPBPF_ORPHAN__MAX ? orphans[which].help : "";
}

/* The association maps, each keyed by a struct that starts with the
 * device id. */
enum { M_ASSOCS, M_RX_SA, M_RX_KEYS, M_TX_SA, M_TX_KEYS, M_DEV_KEYS, M__MAX };

static const struct {
	size_t key, value;
} sizes[M__MAX] = {
	[M_ASSOCS] = { sizeof(struct psp_flow), sizeof(struct psp_assoc) },
	[M_RX_SA] = { sizeof(struct psp_spi_key), sizeof(struct psp_rx_sa) },
	[M_RX_KEYS] = { sizeof(struct psp_spi_key), sizeof(struct psp_key) },
	[M_TX_SA] = { sizeof(struct psp_flow), sizeof(struct psp_tx_sa) },
	[M_TX_KEYS] = { sizeof(struct psp_spi_key), sizeof(struct psp_key) },
	[M_DEV_KEYS] = { sizeof(struct psp_dev_key_id), sizeof(struct psp_dev_key_val) },
};

static int map_fd(const struct pspbpf *h, int m)
{
	switch (m) {
	case M_ASSOCS:
		return h->map.assocs;
	case M_RX_SA:
		return h->map.rx_sa;
	case M_RX_KEYS:
		return h->map.rx_keys;
	case M_TX_SA:
		return h->map.tx_sa;
	case M_TX_KEYS:
		return h->map.tx_keys;
	default:
		return h->map.dev_keys;
	}
}

/* One map as read: n entries, each its key then its value, by key. */
struct table {
	char *rec;
	size_t n, stride;
};

/* The maps as read at once, and which device ids have a record. */
struct snapshot {
	bool read;
	struct table t[M__MAX];
	uint8_t has_dev[PSP_MAX_DEVS];
	size_t devices;
};

/*
 * An invariant reads the maps through a view: the snapshot, to find the
 * orphans, or the maps themselves, to confirm each one after the wait.
 */
struct view {
	struct pspbpf *h;
	const struct snapshot *s;	/* NULL: the maps */
	const struct psp_dev_cfg *cfg;
};

static int key_cmp(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(size_t *)len);
}

static void *entry(const struct table *t, size_t i)
{
	return t->rec + i * t->stride;
}

static uint32_t dev_of(const void *key)
{
	uint32_t id;

	memcpy(&id, key, sizeof(id));	/* every key starts with it */
	return id;
}

static int table_read(struct pspbpf *h, int m, struct table *t)
{
	size_t ksz = sizes[m].key, vsz = sizes[m].value;
	char *vals;
	char *keys = map_entries(map_fd(h, m), ksz, vsz, &t->n, (void **)&vals);

	if (!keys)
		return -errno;
	t->stride = ksz + vsz;
	t->rec = malloc(t->n ? t->n * t->stride : 1);
	for (size_t i = 0; t->rec && i < t->n; i++) {
		memcpy(entry(t, i), keys + i * ksz, ksz);
		memcpy((char *)entry(t, i) + ksz, vals + i * vsz, vsz);
	}
	free(keys);
	free(vals);
	if (!t->rec)
		return -ENOMEM;
	qsort_r(t->rec, t->n, t->stride, key_cmp, &ksz);
	return 0;
}

static void snapshot_free(struct snapshot *s)
{
	for (int m = 0; m < M__MAX; m++)
		free(s->t[m].rec);
	memset(s, 0, sizeof(*s));
}

/* Every map whole, or none: an entry missing from what was read would
 * be taken for an orphan. */
static int snapshot_read(struct pspbpf *h, struct snapshot *s)
{
	struct psp_dev_cfg *cfgs;
	size_t n;
	struct psp_netdev_key *keys = map_entries(h->map.devs, sizeof(*keys), sizeof(*cfgs), &n,
					       (void **)&cfgs);
	int err = keys ? 0 : -errno;

	for (size_t i = 0; i < n; i++)
		if (cfgs[i].id < PSP_MAX_DEVS && !s->has_dev[cfgs[i].id]++)
			s->devices++;
	free(keys);
	free(cfgs);
	for (int m = 0; !err && m < M__MAX; m++)
		err = table_read(h, m, &s->t[m]);
	if (err) {
		snapshot_free(s);
		return set_err(h, -err, "cannot read the maps: %s", strerror(-err));
	}
	s->read = true;
	return 0;
}

/* The entry of key in map m, its value in val (NULL: only whether). */
static bool get(const struct view *v, int m, const void *key, void *val)
{
	size_t ksz = sizes[m].key, lo = 0, hi;
	const struct table *t;
	union {
		struct psp_assoc a;
		struct psp_rx_sa rx;
		struct psp_tx_sa tx;
		struct psp_key k;
	} scratch;

	if (!v->s)
		return !bpf_map_lookup_elem(map_fd(v->h, m), key, val ?: &scratch);
	t = &v->s->t[m];
	for (hi = t->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(entry(t, mid), key, ksz);

		if (!c) {
			if (val)
				memcpy(val, (char *)entry(t, mid) + ksz, sizes[m].value);
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool flow_eq(const struct psp_flow *a, const struct psp_flow *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Whether spi's Rx SA is bound to flow f. */
static bool rx_sa_of(const struct view *v, const struct psp_flow *f, uint32_t spi)
{
	struct psp_spi_key k = { .dev_id = f->dev_id, .spi = spi };
	struct psp_rx_sa rx;

	return get(v, M_RX_SA, &k, &rx) && flow_eq(&rx.flow, f);
}

/* Whether the association of flow f is spi's. */
static bool assoc_of(const struct view *v, const struct psp_flow *f, uint32_t spi,
		     struct psp_assoc *a)
{
	return get(v, M_ASSOCS, f, a) && a->rx_spi == spi;
}

/* The invariants, one a category: true if the entry of key breaks it. */

static bool rx_sa_no_assoc(const struct view *v, const void *key)
{
	const struct psp_spi_key *k = key;
	struct psp_rx_sa rx;
	struct psp_assoc a;

	/* unbound: a socket's, waiting for its connection (gc's) */
	return get(v, M_RX_SA, k, &rx) && rx.flow.family && !assoc_of(v, &rx.flow, k->spi, &a);
}

static bool assoc_no_rx_sa(const struct view *v, const void *key)
{
	struct psp_assoc a;

	return get(v, M_ASSOCS, key, &a) && !rx_sa_of(v, key, a.rx_spi);
}

static bool rx_key_no_sa(const struct view *v, const void *key)
{
	return get(v, M_RX_KEYS, key, NULL) && !get(v, M_RX_SA, key, NULL);
}

/* The kmod backend keeps no Rx key: the module derives each packet's. A
 * stale SA has lost its key at the rotation. */
static bool rx_sa_no_key(const struct view *v, const void *key)
{
	struct psp_rx_sa rx;

	return v->h->backend != PSP_BACKEND_KMOD && get(v, M_RX_SA, key, &rx) &&
	       !(rx.generation & PSP_GEN_STALE) && !get(v, M_RX_KEYS, key, NULL);
}

static bool tx_key_no_sa(const struct view *v, const void *key)
{
	const struct psp_spi_key *k = key;
	struct psp_rx_sa rx;
	struct psp_tx_sa tx;
	struct psp_assoc a;

	if (!get(v, M_TX_KEYS, k, NULL))
		return false;
	if (!get(v, M_RX_SA, k, &rx))
		return true;
	if (!rx.flow.family)
		return false;	/* a socket's, its Tx SA made when it connects */
	if (get(v, M_TX_SA, &rx.flow, &tx) && tx.rx_spi == k->spi)
		return false;
	/* the datapath's reclaim: the Tx SA went a second before the rest */
	return !(assoc_of(v, &rx.flow, k->spi, &a) && (a.closing & PSP_CLOSING_TX_GONE));
}

static bool tx_sa_no_assoc(const struct view *v, const void *key)
{
	struct psp_tx_sa tx;
	struct psp_assoc a;

	return get(v, M_TX_SA, key, &tx) && !assoc_of(v, key, tx.rx_spi, &a);
}

static bool tx_sa_no_key(const struct view *v, const void *key)
{
	struct psp_spi_key k = { .dev_id = dev_of(key) };
	struct psp_tx_sa tx;

	if (!get(v, M_TX_SA, key, &tx))
		return false;
	k.spi = tx.rx_spi;
	return !get(v, M_TX_KEYS, &k, NULL);
}

static bool assoc_tx_mismatch(const struct view *v, const void *key)
{
	struct psp_assoc a;

	return get(v, M_ASSOCS, key, &a) && !(a.closing & PSP_CLOSING_TX_GONE) &&
	       !!a.has_tx != get(v, M_TX_SA, key, NULL);
}

/*
 * STALE_MARK marks what is two generations behind the generation the
 * rotation is making, one ahead of the record's: an SA marked stale and
 * one generation behind the record is what a key-rotate killed between
 * marking and recording leaves. (An SA marked 129 rotations ago and never
 * reclaimed looks the same: the generation has 7 bits.)
 */
static bool stale_uncounted(const struct view *v, const void *key)
{
	struct psp_rx_sa rx;

	return get(v, M_RX_SA, key, &rx) && (rx.generation & PSP_GEN_STALE) &&
	       ((v->cfg->generation - rx.generation) & PSP_GEN_MASK) == 1;
}

/* What a repair deletes: pairs of a flow and an Rx SPI, for
 * assocs_forget(), in the order the reclaim path deletes. */
struct doomed {
	struct psp_flow *flows;
	uint32_t *spis;
	size_t n, cap;
};

static void doom(struct doomed *d, const struct psp_flow *f, uint32_t spi)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct psp_flow *flows = realloc(d->flows, cap * sizeof(*flows));
		uint32_t *spis = flows ? realloc(d->spis, cap * sizeof(*spis)) : NULL;

		if (flows)
			d->flows = flows;
		if (!spis)
			return;	/* left for the check after the repair to say */
		d->spis = spis;
		d->cap = cap;
	}
	d->flows[d->n] = *f;
	d->spis[d->n++] = spi;
}

/* A flow's association whole: its Tx SA and entry, and its SPI's entries
 * unless the SPI is bound to another flow (0: no SPI's). */
static void doom_flow(struct doomed *d, const struct view *v, const void *key)
{
	const struct psp_flow *f = key;
	struct psp_spi_key k = { .dev_id = f->dev_id };
	struct psp_rx_sa rx;
	struct psp_tx_sa tx;
	struct psp_assoc a;

	k.spi = get(v, M_ASSOCS, f, &a) ? a.rx_spi : get(v, M_TX_SA, f, &tx) ? tx.rx_spi : 0;
	if (k.spi && get(v, M_RX_SA, &k, &rx) && rx.flow.family && !flow_eq(&rx.flow, f))
		k.spi = 0;
	doom(d, f, k.spi);
}

/* An SPI's entries, and its flow's association whole if that is the SPI's. */
static void doom_spi(struct doomed *d, const struct view *v, const void *key)
{
	const struct psp_spi_key *k = key;
	struct psp_flow none = { .dev_id = k->dev_id };	/* no flow has family 0 */
	struct psp_rx_sa rx;
	struct psp_assoc a;

	if (get(v, M_RX_SA, k, &rx) && rx.flow.family && assoc_of(v, &rx.flow, k->spi, &a))
		doom(d, &rx.flow, k->spi);
	else
		doom(d, &none, k->spi);
}

/*
 * The association categories: the map whose entries each judges, and
 * what of an orphan a repair deletes. An association that lost a part
 * goes whole, as del-assoc would take it (the application makes a new
 * one): its keys cannot be made again here, and a Tx SA without its key
 * only drops the flow's packets. A stale SA not counted is the
 * rotation's to finish (rotation_finish()), nothing to delete.
 */
static const struct {
	int map;
	bool (*orphan)(const struct view *v, const void *key);
	void (*doom)(struct doomed *d, const struct view *v, const void *key);
} rules[PSPBPF_ORPHAN__MAX] = {
	[PSPBPF_ORPHAN_RX_SA_NO_ASSOC] = { M_RX_SA, rx_sa_no_assoc, doom_spi },
	[PSPBPF_ORPHAN_ASSOC_NO_RX_SA] = { M_ASSOCS, assoc_no_rx_sa, doom_flow },
	[PSPBPF_ORPHAN_RX_KEY_NO_SA] = { M_RX_KEYS, rx_key_no_sa, doom_spi },
	[PSPBPF_ORPHAN_RX_SA_NO_KEY] = { M_RX_SA, rx_sa_no_key, doom_spi },
	[PSPBPF_ORPHAN_TX_KEY_NO_SA] = { M_TX_KEYS, tx_key_no_sa, doom_spi },
	[PSPBPF_ORPHAN_TX_SA_NO_ASSOC] = { M_TX_SA, tx_sa_no_assoc, doom_flow },
	[PSPBPF_ORPHAN_TX_SA_NO_KEY] = { M_TX_SA, tx_sa_no_key, doom_flow },
	[PSPBPF_ORPHAN_ASSOC_TX_MISMATCH] = { M_ASSOCS, assoc_tx_mismatch, doom_flow },
	[PSPBPF_ORPHAN_STALE_UNCOUNTED] = { M_RX_SA, stale_uncounted, NULL },
};

/* An entry the snapshot shows orphaned, to be looked at again. */
struct suspect {
	int which;
	uint8_t key[sizeof(struct psp_flow)];
};

/* The snapshot's suspects among the device's entries, in *out. */
static size_t suspects_find(const struct view *v, struct suspect **out)
{
	struct suspect *s = NULL;
	size_t n = 0, cap = 0;

	for (int c = 0; c < PSPBPF_ORPHAN__MAX; c++) {
		const struct table *t = &v->s->t[rules[c].map];

		for (size_t i = 0; rules[c].orphan && i < t->n; i++) {
			const void *key = entry(t, i);

			if (dev_of(key) != v->cfg->id || !rules[c].orphan(v, key))
				continue;
			if (n == cap) {
				struct suspect *more = realloc(s, (cap = cap ? 2 * cap : 16) *
								  sizeof(*s));

				if (!more)
					break;
				s = more;
			}
			s[n].which = c;
			memcpy(s[n++].key, key, sizes[rules[c].map].key);
		}
	}
	*out = s;
	return n;
}

/* A key-rotate that marked stale and was killed before it recorded the
 * rotation: its new key is in, so the record is made as it would have
 * made it (keys.c), the SAs it marked counted. */
static void rotation_finish(struct pspbpf *h, const struct psp_netdev_key *k,
			    struct psp_dev_cfg *cfg, uint32_t marked)
{
	key_rotated(cfg);
	cfg->stale_events += marked;
	bpf_map_update_elem(h->map.devs, k, cfg, BPF_EXIST);
}

/* The device's association categories: counted, and mended with mend. */
static void check_assocs(struct pspbpf *h, const struct snapshot *s, const struct psp_netdev_key *k,
			 struct psp_dev_cfg *cfg, bool mend, uint32_t count[])
{
	struct view v = { .h = h, .s = s, .cfg = cfg };
	struct doomed d = { 0 };
	struct suspect *sus;
	unsigned int closed;
	size_t n = suspects_find(&v, &sus);

	if (!n)
		return;
	/* what the datapath was doing as the maps were read is done */
	packets_done();
	v.s = NULL;
	for (size_t i = 0; i < n; i++) {
		int c = sus[i].which;

		if (!rules[c].orphan(&v, sus[i].key))
			continue;
		count[c]++;
		if (mend && rules[c].doom)
			rules[c].doom(&d, &v, sus[i].key);
	}
	free(sus);
	/* their connections first, which would go on in clear (conns.c) */
	if (d.n && !conns_close(h, cfg, d.flows, d.n, &closed))
		assocs_forget(h, d.flows, d.spis, d.n);
	if (mend && count[PSPBPF_ORPHAN_STALE_UNCOUNTED])
		rotation_finish(h, k, cfg, count[PSPBPF_ORPHAN_STALE_UNCOUNTED]);
	free(d.flows);
	free(d.spis);
}

/* The checks of a device: its parts against its record, then its
 * associations and routes. A device without all its parts goes whole, as
 * dev del takes it (its connections closed first, or nothing done): it
 * cannot be told whether a dev add or a dev del did not finish, and a
 * dev add makes it again. */
static void check_device(struct pspbpf *h, const struct snapshot *s, const struct psp_netdev_key *k,
			 struct psp_dev_cfg *cfg, bool mend, uint32_t count[])
{
	unsigned int closed;
	int routes;

	count[PSPBPF_ORPHAN_DEV_HALF] = !!dev_parts_missing(h, cfg);
	if (!count[PSPBPF_ORPHAN_DEV_HALF])
		count[PSPBPF_ORPHAN_XDP_MODE] = dev_xdp_record_off(h, k, cfg, mend);
	check_assocs(h, s, k, cfg, mend && !count[PSPBPF_ORPHAN_DEV_HALF], count);
	routes = routes_prune(h, cfg->ifindex, 0, 1);
	count[PSPBPF_ORPHAN_ROUTE_NO_PEER] = routes > 0 ? (uint32_t)routes : 0;
	if (!mend)
		return;
	if (count[PSPBPF_ORPHAN_DEV_HALF]) {
		if (!conns_close(h, cfg, NULL, 0, &closed))
			dev_remove(h, k, cfg);
		return;
	}
	if (routes > 0)
		routes_prune(h, cfg->ifindex, 0, 0);
	devs_changed(h);	/* a dev set killed before it said so */
}

/*
 * Entries of a device id no record has: a dev add killed after it put
 * the device's keys in and before it recorded the device leaves its keys.
 * No packet finds them (it finds no device first).
 */
static uint32_t no_device(struct pspbpf *h, const struct snapshot *s, bool mend)
{
	struct view v = { .h = h, .s = s };
	struct doomed d = { 0 };
	uint32_t found = 0;

	for (int m = 0; m < M__MAX; m++) {
		const struct table *t = &s->t[m];

		for (size_t i = 0; i < t->n; i++) {
			const void *key = entry(t, i);
			uint32_t id = dev_of(key);

			if (id < PSP_MAX_DEVS && s->has_dev[id])
				continue;
			found++;
			if (!mend)
				continue;
			if (m == M_ASSOCS || m == M_TX_SA)
				doom_flow(&d, &v, key);
			else if (m == M_DEV_KEYS)
				bpf_map_delete_elem(h->map.dev_keys, key);
			else
				doom_spi(&d, &v, key);
		}
	}
	if (d.n)
		assocs_forget(h, d.flows, d.spis, d.n);
	free(d.flows);
	free(d.spis);
	return found;
}

void mend_leftovers(struct pspbpf *h, const char *ifname)
{
	struct snapshot s = { 0 };

	dev_leftovers(h, ifname, true);
	seal_port_orphans(h, true);
	/* an id of the entries of no device may be the new device's */
	if (!snapshot_read(h, &s))
		no_device(h, &s, true);
	snapshot_free(&s);
}

/*
 * The shared state pinned with no device record anywhere and no device
 * directory whose network device is there: a first dev add that did not
 * record its device, or a last dev del that did not unpin. The next dev
 * add would make the state afresh; a repair unpins it, as the last dev
 * del does.
 */
static uint32_t state_no_device(const struct snapshot *s, bool mend)
{
	if (s->devices || !state_pinned() || state_live_devices(false))
		return 0;
	if (mend) {
		state_live_devices(true);
		state_unpin();
	}
	return 1;
}

static bool any(const uint32_t count[])
{
	for (int i = 0; i < PSPBPF_ORPHAN__MAX; i++)
		if (count[i])
			return true;
	return false;
}

/*
 * One check of ifname, and with mend a repair of what it found; count[]
 * what it found, *dev_id the device's id (0: no device). No state pinned,
 * or a dev add's unfinished, is none, unless devices are alive on it:
 * then it is another build's, not this one's to judge.
 */
static int check_once(struct pspbpf *h, const char *ifname, bool mend, uint32_t count[],
		      uint32_t *dev_id)
{
	struct snapshot s = { 0 };
	struct psp_netdev_key k;
	struct psp_dev_cfg cfg;
	int err = state_reopen(h);
	bool device;

	memset(count, 0, PSPBPF_ORPHAN__MAX * sizeof(count[0]));
	*dev_id = 0;
	if (err && state_live_devices(false))
		return set_err(h, -err, err == -ESTALE ? "%s was made by another psp-bpf build" :
			       "%s is incomplete while devices use it", PSPBPF_PIN_ROOT);
	if (!err) {
		err = snapshot_read(h, &s);
		if (err)
			return err;
	}
	device = s.read && !dev_find(h, ifname, &k, &cfg);
	if (device) {
		*dev_id = cfg.id;
		check_device(h, &s, &k, &cfg, mend, count);
	} else {
		count[PSPBPF_ORPHAN_DEV_REMAINS] = dev_leftovers(h, ifname, mend);
	}
	if (s.read)
		count[PSPBPF_ORPHAN_NO_DEVICE] = no_device(h, &s, mend);
	count[PSPBPF_ORPHAN_SEAL_PORT_ORPHAN] = seal_port_orphans(h, mend);
	count[PSPBPF_ORPHAN_STATE_NO_DEVICE] = state_no_device(&s, mend);
	snapshot_free(&s);
	if (!device && !if_nametoindex(ifname) && !any(count))
		return set_err(h, ENODEV, "no network device '%s' in this namespace, and nothing "
			       "of it is left", ifname);
	return 0;
}

/* Repairs that uncover more (an association's entries going makes
 * another's route needless): a check after each, a few at most. */
#define MEND_ROUNDS	3

int check_locked(struct pspbpf *h, const char *ifname, int repair,
		 struct pspbpf_check_report *r)
{
	uint32_t id;
	int err;

	memset(r, 0, sizeof(*r));
	err = check_once(h, ifname, repair, r->found, &r->dev_id);
	memcpy(r->left, r->found, sizeof(r->left));
	if (err || !repair || !any(r->found))
		return err;
	r->repaired = 1;
	for (int i = 1; !err && any(r->left) && i <= MEND_ROUNDS; i++)
		err = check_once(h, ifname, i < MEND_ROUNDS, r->left, &id);
	return err;
}

int pspbpf_dev_check(struct pspbpf *h, const char *ifname, int repair,
		     struct pspbpf_check_report *r)
{
	LOCK_GUARD(h);
	int err = pspbpf_lock(h);

	return err ? err : check_locked(h, ifname, repair, r);
}
