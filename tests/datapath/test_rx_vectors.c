// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Every shared vector through the real XDP program (BPF_PROG_TEST_RUN):
 * the vector's device keys imported, its SPI's Rx state installed with the
 * key derived in the kernel (which must equal the vector's), then each PSP
 * frame must come out as the clear frame, or be dropped and counted under
 * the right counter.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "env.h"
#include "tap.h"
#include "testdata.h"

static const struct {
	const char *name;
	int counter;
} rejects[] = {
	{ "bad_icv_t4_v0_co1", PSP_CNT_RX_AUTH_FAIL },
	{ "bad_icv_t4e_v0_co2", PSP_CNT_RX_AUTH_FAIL },
	{ "bad_reserved_u6_v1_co11", PSP_CNT_RX_BAD },
};

static int reject_counter(const char *name)
{
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++)
		if (!strcmp(rejects[i].name, name))
			return rejects[i].counter;
	return -1;
}

static size_t unpadded_len(const struct frame *f)
{
	uint16_t type = f->data[12] << 8 | f->data[13];

	if (type == 0x0800)
		return 14 + (f->data[16] << 8 | f->data[17]);
	return 14 + 40 + (f->data[18] << 8 | f->data[19]);
}

/* The TCP flow, receiver's view, of the first TCP packet among the clear
 * frames: the receive policy checks the SPI against it. */
static void tcp_flow_of(const struct frame *clear, int n, struct pspbpf_flow *f)
{
	for (int i = 0; i < n; i++) {
		const uint8_t *ip = clear[i].data + 14;
		int v4 = clear[i].data[12] == 0x08;
		size_t hl = v4 ? (ip[0] & 0xf) * 4u : 40;
		const uint8_t *l4 = ip + hl;

		if ((v4 ? ip[9] : ip[6]) != IPPROTO_TCP)
			continue;
		memset(f, 0, sizeof(*f));
		f->family = v4 ? AF_INET : AF_INET6;
		memcpy(f->laddr, ip + (v4 ? 16 : 24), v4 ? 4 : 16);
		memcpy(f->raddr, ip + (v4 ? 12 : 8), v4 ? 4 : 16);
		f->lport = (uint16_t)(l4[2] << 8 | l4[3]);
		f->rport = (uint16_t)(l4[0] << 8 | l4[1]);
		return;
	}
}

struct ctx {
	struct dev_env *e;
	const char *dir;
	int n;
};

/* vectors.tsv: name clear psp master0 master1 spi version mode crypt_off
 *              vc vc_value iv_first expect */
static void check_vector(char **f, int n, void *arg)
{
	struct ctx *c = arg;
	struct dev_env *e = c->e;
	uint8_t m[2][32], key[32], want_key[32], out[16384];
	struct pspbpf_flow flow = { .family = AF_INET, .lport = (uint16_t)(40000 + c->n),
				    .rport = 9 };
	struct frame *clear = NULL, *psp = NULL;
	uint32_t spi, version;
	int nc, np, ok, drop, err;
	char path[4096];

	c->n++;
	if (n != 13 || unhex(f[3], m[0], 32) != 32 || unhex(f[4], m[1], 32) != 32) {
		tap_ok(0, "%s: manifest entry readable", f[0]);
		return;
	}
	spi = (uint32_t)strtoul(f[5], NULL, 16);
	version = (uint32_t)atoi(f[6]);
	drop = reject_counter(f[0]);
	snprintf(path, sizeof(path), "%s/%s", c->dir, f[1]);
	nc = pcap_load(path, &clear);
	snprintf(path, sizeof(path), "%s/%s", c->dir, f[2]);
	np = pcap_load(path, &psp);
	if (nc > 0)
		tcp_flow_of(clear, nc, &flow);

	err = pspbpf_key_import(e->h, "psp0", 0, m[0]) ?:
	      pspbpf_key_import(e->h, "psp0", 1, m[1]) ?:
	      pspbpf_rx_assoc_spi(e->h, "psp0", &flow, version, spi, key);
	ok = !err && nc == np && np > 0;
	if (!ok)
		tap_diag("%s: %s", f[0], pspbpf_errmsg(e->h));
	/* the key derived in the kernel from the imported device key */
	pspbpf_derive(e->h, e->dev_id, spi, version, want_key);
	ok = ok && !memcmp(key, want_key, psp_key_len(version));
	for (int i = 0; ok && i < np; i++) {
		uint64_t before = drop >= 0 ? counter(e, drop) : 0;
		size_t len = 0;
		int verdict = run_rx(e, psp[i].data, psp[i].len, out, &len);

		if (!strcmp(f[12], "accept")) {
			ok = verdict == XDP_PASS &&
			     bytes_equal(clear[i].data, unpadded_len(&clear[i]), out, len);
			if (verdict != XDP_PASS)
				tap_diag("verdict %d", verdict);
		} else {
			ok = verdict == XDP_DROP && drop >= 0 && counter(e, drop) == before + 1;
		}
	}
	tap_ok(ok, "%s: XDP %s %d frames", f[0],
	       !strcmp(f[12], "accept") ? "gives back the clear frames of" : "drops and counts",
	       np);
	pspbpf_assoc_del(e->h, "psp0", &flow);
	frames_free(clear, nc);
	frames_free(psp, np);
}

TEST(xdp_vectors)
{
	struct ctx c = { .e = test_env(), .dir = test_dir("PSP_VECTORS", "tests/vectors") };
	char path[4096];
	int n;

	if (!c.e)
		return;
	snprintf(path, sizeof(path), "%s/vectors.tsv", test_dir("PSP_TEST_DATA", "build/tests"));
	n = tsv_each(path, check_vector, &c);
	tap_ok(n == 23, "23 vectors through psp_rx (read %d)", n);
}
