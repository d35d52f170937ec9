// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * dev check through the library: orphans made in the maps, each as a
 * command killed half way leaves it (and a few only a hand makes), beside
 * associations that are whole; the report must count each category
 * exactly, a repair must take the orphans and nothing else, and a check
 * after it find nothing.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "env.h"
#include "pspbpf_int.h"
#include "tap.h"

/* Flow i of the test: 10.78.0.1:(7000 + i) -> 10.78.0.2:443. */
static void check_flow(struct pspbpf_flow *f, int i)
{
	flow_v4(f, "10.78.0.1", (uint16_t)(7000 + i), "10.78.0.2", 443);
}

/* An association of flow i, Rx alone or both ways; its key and SPI. */
static int make_assoc(struct dev_env *e, int i, int both, struct psp_flow *fk,
		      struct psp_spi_key *sk)
{
	static const uint8_t peer_key[16] = { 0x42 };
	struct pspbpf_tx_params tx = { .spi = 0x4200 + (uint32_t)i, .key = peer_key,
				       .key_len = sizeof(peer_key) };
	struct pspbpf_rx_added rx;
	struct pspbpf_flow f;

	check_flow(&f, i);
	if (pspbpf_add_assoc(e->h, "psp0", &f, 0, both ? &tx : NULL, &rx))
		return -1;
	flow_to_key(&f, e->dev_id, fk);
	*sk = (struct psp_spi_key){ .dev_id = e->dev_id, .spi = rx.spi };
	memset(rx.key, 0, sizeof(rx.key));
	return 0;
}

/* One field of an entry changed in place, by the caller's change(). */
#define MAP_EDIT(fd, key, type, change)						\
({										\
	type __v;								\
	!bpf_map_lookup_elem(fd, key, &__v) && ((change), 1) &&			\
		!bpf_map_update_elem(fd, key, &__v, BPF_EXIST);			\
})

static size_t assocs_of(struct dev_env *e)
{
	struct pspbpf_assoc *v;
	size_t n = 0;

	if (!pspbpf_assoc_list(e->h, "psp0", &v, &n))
		free(v);
	return n;
}

static int counts_are(const uint32_t got[], const uint32_t want[], const char *what)
{
	int same = 1;

	for (unsigned int c = 0; c < PSPBPF_ORPHAN__MAX; c++) {
		if (got[c] == want[c])
			continue;
		tap_diag("%s: %s %u, not %u", what, pspbpf_orphan_name(c), got[c], want[c]);
		same = 0;
	}
	return same;
}

TEST(check_orphans)
{
	struct dev_env *e = test_env();
	uint32_t want[PSPBPF_ORPHAN__MAX] = { 0 }, none[PSPBPF_ORPHAN__MAX] = { 0 };
	struct psp_flow fk[12];
	struct psp_spi_key sk[12];
	struct pspbpf_check_report r;
	struct psp_netdev_key dk;
	struct psp_dev_cfg cfg;
	struct psp_flow stray = { 0 };
	uint64_t rotations, stale;
	struct psp_assoc a;
	int bpf, ok = 1;
	size_t whole;

	if (!e)
		return;
	bpf = e->backend != PSP_BACKEND_KMOD;
	tap_ok(!pspbpf_dev_check(e->h, "psp0", 0, &r) && r.dev_id == e->dev_id &&
	       counts_are(r.found, none, "before"), "dev check: psp0 consistent to start with");
	for (int i = 0; i < 12; i++)
		ok &= !make_assoc(e, i, i >= 3 && i != 8 && i != 11, &fk[i], &sk[i]);
	/* flow 8 of a generation before: stale-uncounted below */
	ok &= !dev_find(e->h, "psp0", &dk, &cfg);
	rotations = cfg.key_rotations;
	stale = cfg.stale_events;
	ok &= !pspbpf_key_rotate(e->h, "psp0", NULL);
	whole = assocs_of(e);
	if (!tap_ok(ok && whole >= 12, "12 associations, 9 of them both ways")) {
		tap_diag("%s", pspbpf_errmsg(e->h));
		return;
	}

	/* rx-assoc's three entries, each without another */
	ok &= !bpf_map_delete_elem(e->h->map.assocs, &fk[0]);
	want[PSPBPF_ORPHAN_RX_SA_NO_ASSOC]++;
	ok &= !bpf_map_delete_elem(e->h->map.rx_sa, &sk[1]);
	bpf_map_delete_elem(e->h->map.rx_keys, &sk[1]);
	want[PSPBPF_ORPHAN_ASSOC_NO_RX_SA]++;
	ok &= !bpf_map_delete_elem(e->h->map.assocs, &fk[2]);
	ok &= !bpf_map_delete_elem(e->h->map.rx_sa, &sk[2]);
	want[PSPBPF_ORPHAN_RX_KEY_NO_SA] += bpf;	/* kmod: nothing is left */
	if (bpf) {
		ok &= !bpf_map_delete_elem(e->h->map.rx_keys, &sk[3]);
		want[PSPBPF_ORPHAN_RX_SA_NO_KEY]++;
	}
	/* del-assoc killed after the Tx SA: its key, the association in Tx PSP */
	ok &= !bpf_map_delete_elem(e->h->map.tx_sa, &fk[4]);
	want[PSPBPF_ORPHAN_TX_KEY_NO_SA]++;
	want[PSPBPF_ORPHAN_ASSOC_TX_MISMATCH]++;
	/* dev del killed after purging the associations */
	ok &= !bpf_map_delete_elem(e->h->map.assocs, &fk[5]);
	want[PSPBPF_ORPHAN_TX_SA_NO_ASSOC]++;
	want[PSPBPF_ORPHAN_RX_SA_NO_ASSOC]++;
	ok &= !bpf_map_delete_elem(e->h->map.tx_keys, &sk[6]);
	want[PSPBPF_ORPHAN_TX_SA_NO_KEY]++;
	ok &= MAP_EDIT(e->h->map.assocs, &fk[7], struct psp_assoc, __v.has_tx = 0);
	want[PSPBPF_ORPHAN_ASSOC_TX_MISMATCH]++;
	/* key-rotate killed between STALE_MARK and the record */
	ok &= MAP_EDIT(e->h->map.rx_sa, &sk[8], struct psp_rx_sa,
		       __v.generation |= PSP_GEN_STALE);
	want[PSPBPF_ORPHAN_STALE_UNCOUNTED]++;
	/* entries of a device id no device has: an association, its SPI */
	if (!bpf_map_lookup_elem(e->h->map.assocs, &fk[9], &a)) {
		stray = fk[9];
		stray.dev_id = 200;
		ok &= !bpf_map_update_elem(e->h->map.assocs, &stray, &a, BPF_NOEXIST);
		want[PSPBPF_ORPHAN_NO_DEVICE]++;
	}
	/* a dev add killed between the seal port and the record; a route
	 * tx-assoc made and a killed gc left; the XDP mode another took */
	ok &= !system("ip link add pspseg99 type veth peer name pspseal99 && "
		      "ip route add 10.78.9.9/32 dev psp0 proto 80 mtu 1400");
	want[PSPBPF_ORPHAN_SEAL_PORT_ORPHAN]++;
	want[PSPBPF_ORPHAN_ROUTE_NO_PEER]++;
	ok &= !dev_find(e->h, "psp0", &dk, &cfg);
	ok &= MAP_EDIT(e->h->map.devs, &dk, struct psp_dev_cfg,
		       __v.flags ^= PSP_DEV_F_XDP_GENERIC);
	want[PSPBPF_ORPHAN_XDP_MODE]++;
	if (!tap_ok(ok, "orphans made in the maps"))
		return;

	tap_ok(!pspbpf_dev_check(e->h, "psp0", 0, &r) && counts_are(r.found, want, "check") &&
	       counts_are(r.left, want, "left") && !r.repaired,
	       "dev check counts each category exactly");
	tap_ok(!pspbpf_dev_check(e->h, "psp0", 1, &r) && counts_are(r.found, want, "repair") &&
	       counts_are(r.left, none, "after the repair") && r.repaired,
	       "--repair mends every one, and checks again");
	tap_ok(!pspbpf_dev_check(e->h, "psp0", 0, &r) && counts_are(r.found, none, "again"),
	       "a check after it finds nothing");
	/* flows 0-7 went whole (3 not on kmod, where it lost nothing), the
	 * stray copy of 9 with them; 8 (its rotation finished) and 9-11 stayed */
	for (int i = 0; i < 12; i++)
		ok &= !bpf_map_lookup_elem(e->h->map.assocs, &fk[i], &a) ==
		      (i >= 8 || (i == 3 && !bpf));
	tap_ok(ok && bpf_map_lookup_elem(e->h->map.assocs, &stray, &a) &&
	       assocs_of(e) == whole - 8 + !bpf,
	       "the whole associations stayed, the broken ones went (%zu of %zu left)",
	       assocs_of(e), whole);
	tap_ok(!dev_find(e->h, "psp0", &dk, &cfg) && cfg.stale_events == stale + 1 &&
	       cfg.key_rotations == rotations + 2,
	       "the unfinished rotation recorded, the SA it marked counted");
	for (int i = 0; i < 12; i++) {
		struct pspbpf_flow f;

		check_flow(&f, i);
		pspbpf_assoc_del(e->h, "psp0", &f);
	}
}
