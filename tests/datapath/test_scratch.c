// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Key hygiene of the `bpf` backend's per-CPU keystream buffer (psp_scratch,
 * a map userspace can read): after psp_tx seals a packet and psp_rx opens
 * it, or refuses it forged, no block of its keystream, no E(J0) and no H
 * may be left in any slot on any CPU. The blocks are recomputed with
 * OpenSSL from the association's key, and checked against the sealed
 * packet first, so that the search looks for what the datapath made.
 *
 * And where the GHASH tables of H are: in psp_ghash, each program's own
 * map, and in no pinned map.
 */
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/evp.h>

#include <psp/maps.h>

#include "env.h"
#include "pktgen.h"
#include "tap.h"

#define ENOTSUPP	524	/* the kernel's own, for an op a map type lacks */

#define L4_LEN	1400	/* 88 keystream blocks, the last one partial */
#define HDR_OFF	(14 + 20 + 8)	/* the PSP header in the sealed frame */

/* AES-ECB of n blocks with the key (16 or 32 bytes). */
static int aes_ecb(const uint8_t *key, size_t key_len, const uint8_t *in, uint8_t *out,
		   size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len, ok;

	ok = c && EVP_EncryptInit_ex(c, key_len == 32 ? EVP_aes_256_ecb() : EVP_aes_128_ecb(),
				     NULL, key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(c, 0) &&
	     EVP_EncryptUpdate(c, out, &len, in, (int)(n * 16));
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* H = E(0), then E(J0), E(J0 + 1) ... for the nonce of the PSP header
 * hdr: n + 2 blocks into out. */
static int secrets(const uint8_t *key, size_t key_len, const uint8_t *hdr, uint8_t *out,
		   size_t n)
{
	static uint8_t ctr[(PSP_MAX_BLOCKS + 2) * 16];

	memset(ctr, 0, 16);
	for (size_t i = 0; i <= n; i++) {
		uint8_t *b = ctr + 16 * (i + 1);

		memcpy(b, hdr + 4, 12);
		b[12] = (uint8_t)((i + 1) >> 24);
		b[13] = (uint8_t)((i + 1) >> 16);
		b[14] = (uint8_t)((i + 1) >> 8);
		b[15] = (uint8_t)(i + 1);
	}
	return aes_ecb(key, key_len, ctr, out, n + 2);
}

/* How many of the n 16-byte secrets appear anywhere in any slot of the
 * scratch map, on any CPU; -1 if it cannot be read. */
static int scratch_hits(const uint8_t *secret, size_t n)
{
	int fd = bpf_obj_get(PSPBPF_PIN_MAPS "/psp_scratch"), ncpu = libbpf_num_possible_cpus();
	size_t vsz = (sizeof(struct psp_scratch) + 7) & ~(size_t)7;
	uint8_t *v = ncpu > 0 ? calloc((size_t)ncpu, vsz) : NULL;
	int hits = 0;

	if (fd < 0 || !v) {
		hits = -1;
		goto out;
	}
	for (uint32_t slot = 0; hits >= 0 && slot < PSP_SCRATCH__MAX; slot++) {
		if (bpf_map_lookup_elem(fd, &slot, v)) {
			hits = -1;
			break;
		}
		for (size_t i = 0; i < n; i++)
			hits += memmem(v, (size_t)ncpu * vsz, secret + 16 * i, 16) != NULL;
	}
out:
	free(v);
	if (fd >= 0)
		close(fd);
	return hits;
}

/* psp0's flow of port lport, sealed with the key it opens its own SPI
 * spi with, so that one packet goes through both directions: the key in
 * key[16]; 0, or -1 said. */
static int loop_assoc(struct dev_env *e, struct pspbpf_flow *flow, uint16_t lport,
		      uint32_t spi, uint8_t key[32])
{
	struct pspbpf_tx_params tx = { .spi = spi, .version = 0, .key_len = 16, .key = key };

	*flow = (struct pspbpf_flow){ .family = AF_INET, .lport = lport, .rport = 80,
				      .laddr = { 10, 0, 0, 1 }, .raddr = { 10, 0, 0, 2 } };
	if (pspbpf_rx_assoc_spi(e->h, "psp0", flow, 0, spi, key)) {
		tap_ok(0, "assoc: %s", pspbpf_errmsg(e->h));
		return -1;
	}
	if (pspbpf_tx_assoc(e->h, "psp0", flow, &tx)) {
		tap_ok(0, "assoc: %s", pspbpf_errmsg(e->h));
		pspbpf_assoc_del(e->h, "psp0", flow);
		return -1;
	}
	return 0;
}

/* A segment of loop_assoc()'s flow: an ACK's TCP header and zeros, L4_LEN
 * bytes. The flow's addresses are frame_build()'s. */
static size_t flow_frame(uint8_t *b, const struct pspbpf_flow *f)
{
	return frame_build(b, &(struct frame_spec){
		.ip = { .family = 4, .l4_len = L4_LEN, .proto = IPPROTO_TCP, .bare = 1 },
		.sport = f->lport, .dport = f->rport, .tcp_flags = TH_ACK });
}

TEST(scratch_keeps_no_keystream)
{
	struct dev_env *e = test_env();
	static uint8_t frame[2048], out[4096], back[4096], secret[(PSP_MAX_BLOCKS + 2) * 16];
	struct pspbpf_flow flow;
	size_t len, out_len, back_len, n = (L4_LEN + 15) / 16;
	const uint8_t *ct = out + HDR_OFF + 16;
	uint8_t key[32];
	int ok;

	if (!e)
		return;
	/* the module seals in kernel memory: no map to leave a key in */
	if (e->backend != PSP_BACKEND_BPF) {
		int fd = bpf_obj_get(PSPBPF_PIN_MAPS "/psp_scratch");

		tap_ok(fd < 0 && errno == ENOENT, "the %s backend pins no keystream map",
		       pspbpf_backend_name(e->backend));
		if (fd >= 0)
			close(fd);
		return;
	}
	if (loop_assoc(e, &flow, 5656, 0x5151, key))
		return;
	len = flow_frame(frame, &flow);
	ok = run_tx(e, frame, len, out, &out_len) == TC_ACT_OK && out_len == len + 40 &&
	     !secrets(key, 16, out + HDR_OFF, secret, n);
	/* the recomputed keystream is the one the packet was sealed with:
	 * its first block XORed into the TCP header's zeros */
	for (size_t i = 0; ok && i < 16; i++)
		ok = (ct[i] ^ frame[34 + i]) == secret[32 + i];
	if (!tap_ok(ok, "a %d-byte segment sealed; OpenSSL's keystream of its key is the one used",
		    L4_LEN))
		goto out;
	tap_ok(scratch_hits(secret, n + 2) == 0,
	       "after psp_tx: no keystream block, E(J0) or H in the scratch map");

	memcpy(back, out, out_len);
	run_rx(e, back, out_len, frame, &back_len);
	tap_ok(scratch_hits(secret, n + 2) == 0,
	       "after psp_rx opened it: no keystream block, E(J0) or H in the scratch map");
	memcpy(back, out, out_len);
	back[out_len - 1] ^= 1;
	tap_ok(run_rx(e, back, out_len, frame, &back_len) == XDP_DROP &&
	       scratch_hits(secret, n + 2) == 0,
	       "after psp_rx refused it forged: none either");
out:
	pspbpf_assoc_del(e->h, "psp0", &flow);
}

/* How many entries of the map hold H (h, 16 bytes) as bytes or as the
 * two native words the datapath keeps; maps whose keys cannot be walked
 * from userspace (socket storage) count 0 and set *skipped. */
static int map_hits(int fd, const uint8_t *h, int *skipped)
{
	struct bpf_map_info info = { 0 };
	uint32_t info_len = sizeof(info);
	uint8_t words[16], *key = NULL, *next = NULL, *v = NULL;
	int ncpu = libbpf_num_possible_cpus(), hits = 0, err;
	size_t vsz;

	for (int i = 0; i < 16; i++)
		words[i] = h[(i & ~7) + 7 - (i & 7)];
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len) || ncpu <= 0)
		return -1;
	vsz = (info.value_size + 7) & ~7u;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_HASH)
		vsz *= (size_t)ncpu;
	key = calloc(1, info.key_size);
	next = calloc(1, info.key_size);
	v = calloc(1, vsz);
	if (!key || !next || !v) {
		hits = -1;
		goto out;
	}
	for (err = bpf_map_get_next_key(fd, NULL, next); !err;
	     err = bpf_map_get_next_key(fd, key, next)) {
		memcpy(key, next, info.key_size);
		if (bpf_map_lookup_elem(fd, key, v))
			continue;	/* deleted meanwhile */
		hits += memmem(v, vsz, h, 16) || memmem(v, vsz, words, 16);
	}
	if (errno == EOPNOTSUPP || errno == ENOTSUPP)
		*skipped += 1;
	else if (errno != ENOENT)
		hits = -1;
out:
	free(key);
	free(next);
	free(v);
	return hits;
}

/* map_hits() over every pinned map; *maps counts those searched. */
static int pinned_hits(const uint8_t *h, int *maps, int *skipped)
{
	DIR *d = opendir(PSPBPF_PIN_MAPS);
	struct dirent *de;
	int hits = 0;

	if (!d)
		return -1;
	while (hits >= 0 && (de = readdir(d))) {
		char path[512];
		int fd, n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", PSPBPF_PIN_MAPS, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* a program, not a map */
		n = map_hits(fd, h, skipped);
		hits = n < 0 ? -1 : hits + n;
		*maps += 1;
		close(fd);
	}
	closedir(d);
	return hits;
}

/* How many of the host's maps called name hold H (map_hits()). */
static int named_maps_with(const char *name, const uint8_t *h, int *skipped)
{
	uint32_t id = 0;
	int found = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info mi = { 0 };
		uint32_t mi_len = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mi_len) && !strcmp(mi.name, name))
			found += map_hits(fd, h, skipped) == 1;
		close(fd);
	}
	return found;
}

/*
 * After a packet each way, H is in the GHASH table map of psp_tx and of
 * psp_rx (the search finds it there, so it would find it elsewhere), and
 * in no pinned map.
 */
TEST(ghash_tables_unpinned)
{
	struct dev_env *e = test_env();
	static uint8_t frame[2048], out[4096], back[4096], secret[(PSP_MAX_BLOCKS + 2) * 16];
	struct pspbpf_flow flow;
	int maps = 0, skipped = 0, hits, fd;
	size_t len, out_len, back_len;
	uint8_t key[32];

	if (!e)
		return;
	fd = bpf_obj_get(PSPBPF_PIN_MAPS "/psp_ghash");
	tap_ok(fd < 0 && errno == ENOENT, "no GHASH table map is pinned (%s backend)",
	       pspbpf_backend_name(e->backend));
	if (fd >= 0)
		close(fd);
	if (e->backend != PSP_BACKEND_BPF)
		return;
	if (loop_assoc(e, &flow, 5757, 0x5252, key))
		return;
	len = flow_frame(frame, &flow);
	/* psp_rx opens it (and then drops it: psp0's own flow comes back
	 * with its addresses the wrong way round) */
	if (!tap_ok(run_tx(e, frame, len, out, &out_len) == TC_ACT_OK &&
		    run_rx(e, out, out_len, back, &back_len) >= 0 &&
		    !secrets(key, 16, out + HDR_OFF, secret, 0),
		    "a segment sealed and opened"))
		goto out;
	/* by name among all maps: where libxdp's dispatcher runs psp_rx,
	 * the device's XDP program is the dispatcher */
	tap_ok(named_maps_with("psp_ghash", secret, &skipped) == 2,
	       "psp_tx and psp_rx each hold H's tables in a psp_ghash map of their own");
	hits = pinned_hits(secret, &maps, &skipped);
	tap_ok(hits == 0 && maps >= 10, "H is in none of the %d pinned maps (%d not walkable)",
	       maps, skipped);
out:
	pspbpf_assoc_del(e->h, "psp0", &flow);
}
