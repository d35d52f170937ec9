// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_crypto.ko's kfuncs on their own, from XDP and TC test runs
 * (kfuncs.bpf.c): what they seal equals the userspace reference byte for
 * byte, for association keys and for device keys (which derive the key
 * from the packet's SPI); open gives the clear region back; and every
 * misuse is refused with its errno, the packet left as it was: a forged
 * ICV, an op past the packet or the linear data, a header too short, an
 * unknown version, a key of the wrong size, a key id the module does not
 * know. Needs the module loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <psp/kmod.h>

#include "kfuncs.skel.h"
#include "psp_ref.h"
#include "tap.h"

#define HDR_OFF	42		/* Ethernet, IPv4, UDP */
#define MAX_PKT	(HDR_OFF + PSP_HDR_LEN + 1500 + PSP_ICV_LEN)

static struct kfuncs *skel;

struct key_req {
	__u32 kind;
	__u32 len;
	__s32 err;
	__u8 key[PSP_KEY_MAX_LEN];
};

static int set_key(uint32_t kind, uint32_t len, const uint8_t *key)
{
	struct key_req r = { .kind = kind, .len = len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &r, .ctx_size_in = sizeof(r));

	memcpy(r.key, key, len < sizeof(r.key) ? len : sizeof(r.key));
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.set_key), &o))
		return -errno;
	return r.err;
}

/* One op on pkt (len bytes) from XDP or TC; the packet comes back in pkt. */
static int run(int tc, int do_seal, const struct pspk_op *op, uint8_t *pkt, size_t len)
{
	uint8_t out[MAX_PKT + 64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int prog = bpf_program__fd(tc ? skel->progs.run_skb : skel->progs.run_xdp);

	skel->bss->op = *op;
	skel->bss->seal = do_seal;
	skel->bss->result = -ENOSYS;
	if (bpf_prog_test_run_opts(prog, &o))
		return -errno;
	if (o.data_size_out == len)
		memcpy(pkt, out, len);
	return skel->bss->result;
}

/* A packet: headers, a PSP header of spi and version, region_len bytes. */
static size_t make_packet(uint8_t *pkt, uint32_t spi, uint32_t version, size_t region_len)
{
	struct psphdr *h = (struct psphdr *)(pkt + HDR_OFF);

	for (size_t i = 0; i < MAX_PKT; i++)
		pkt[i] = (uint8_t)(i * 7 + 3);
	memset(h, 0, sizeof(*h));
	h->nexthdr = 6;
	h->hdrlen = PSP_HDRLEN_NOVC;
	h->verfl = psphdr_verfl(version, 0);
	h->spi = htobe32(spi);
	h->iv = htobe64(0x0102030405060708ull);
	return HDR_OFF + PSP_HDR_LEN + region_len + PSP_ICV_LEN;
}

static struct pspk_op op_of(uint32_t version, size_t region_len, size_t crypt_off)
{
	struct pspk_op op = { .hdr_off = HDR_OFF, .version = version };

	if (psp_version_is_gmac(version))
		crypt_off = region_len;
	op.aad_len = (__u32)(PSP_HDR_LEN + crypt_off);
	op.ct_len = (__u32)(region_len - crypt_off);
	return op;
}

/* The reference's seal of the same packet, with key. */
static int reference(const uint8_t *key, uint32_t version, uint8_t *pkt, size_t region_len,
		     size_t crypt_off)
{
	struct psp_aead *a = psp_aead_new(version, key);
	uint8_t *psp = pkt + HDR_OFF;
	int err;

	if (!a)
		return -ENOMEM;
	err = psp_aead_seal(a, psp, region_len, crypt_off, psp + PSP_HDR_LEN + region_len);
	psp_aead_free(a);
	return err;
}

static const uint8_t dev_key[32] = {
	0x31, 0x11, 0x21, 0x41, 0x51, 0x61, 0x71, 0x81, 0x91, 0xa1, 0xb1, 0xc1, 0xd1, 0xe1, 0xf1, 0x01,
	0x32, 0x12, 0x22, 0x42, 0x52, 0x62, 0x72, 0x82, 0x92, 0xa2, 0xb2, 0xc2, 0xd2, 0xe2, 0xf2, 0x02,
};

/* Seal from XDP and TC at several sizes and crypt offsets, each as the
 * reference does; open gives the clear packet back. */
static void seal_open(const char *what, uint32_t kind, uint32_t version, const uint8_t *key,
		      const uint8_t *ref_key)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 64, 100, 1024, 1500 };
	static uint8_t pkt[MAX_PKT], want[MAX_PKT], clear[MAX_PKT];
	unsigned int wrong = 0, n = 0;

	if (!tap_ok(set_key(kind, kind == PSPK_KEY_DEVICE ? 32 : psp_key_len(version), key) == 0,
		    "%s v%u: key made", what, version))
		return;
	for (int tc = 0; tc < 2; tc++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (size_t co = 0; co <= 8 && co <= sizes[i]; co += 8, n++) {
				size_t len = make_packet(pkt, 0x80000123u, version, sizes[i]);
				struct pspk_op op = op_of(version, sizes[i], co);

				memcpy(want, pkt, len);
				memcpy(clear, pkt, len);
				if (reference(ref_key, version, want, sizes[i], co) ||
				    run(tc, 1, &op, pkt, len) || memcmp(pkt, want, len) ||
				    run(tc, 0, &op, pkt, len) ||
				    memcmp(pkt, clear, len - PSP_ICV_LEN))
					wrong++;
			}
	tap_ok(!wrong, "%s v%u: %u seals equal the reference's and open back (%u wrong)", what,
	       version, n, wrong);
}

static void misuse(void)
{
	static uint8_t pkt[MAX_PKT], copy[MAX_PKT], forged[MAX_PKT];
	uint8_t key[32] = { 1, 2, 3 };
	size_t len = make_packet(pkt, 0x123, 0, 64);
	struct pspk_op op = op_of(0, 64, 0), bad;

	tap_ok(set_key(PSPK_KEY_ASSOC, 8, key) == -EINVAL, "an 8-byte key is refused");
	tap_ok(set_key(PSPK_KEY_DEVICE, 16, key) == -EINVAL, "a 16-byte device key is refused");
	tap_ok(set_key(7, 16, key) == -EINVAL, "a key of no known kind is refused");
	set_key(PSPK_KEY_ASSOC, 16, key);
	for (int tc = 0; tc < 2; tc++) {
		const char *prog = tc ? "TC" : "XDP";

		run(tc, 1, &op, pkt, len);
		memcpy(copy, pkt, len);
		/* the module's fast path decrypts before it checks: it must
		 * put the packet back byte for byte, the ICV too */
		pkt[HDR_OFF + PSP_HDR_LEN + 5] ^= 1;
		memcpy(forged, pkt, len);
		tap_ok(run(tc, 0, &op, pkt, len) == -EBADMSG && !memcmp(pkt, forged, len),
		       "%s: a forged ciphertext: -EBADMSG, the packet left as it came", prog);
		memcpy(pkt, copy, len);

		bad = op;
		bad.ct_len += 1;
		tap_ok(run(tc, 1, &bad, pkt, len) == -ERANGE && !memcmp(pkt, copy, len),
		       "%s: one byte past the packet: -ERANGE, untouched", prog);
		bad = op;
		bad.hdr_off = 0xfffffff0u;
		tap_ok(run(tc, 1, &bad, pkt, len) == -ERANGE, "%s: an offset that wraps: -ERANGE",
		       prog);
		bad = op;
		bad.ct_len = 0xffffffffu;
		tap_ok(run(tc, 0, &bad, pkt, len) == -ERANGE, "%s: a length that wraps: -ERANGE",
		       prog);
		bad = op;
		bad.aad_len = PSP_HDR_LEN - 1;
		tap_ok(run(tc, 1, &bad, pkt, len) == -EINVAL, "%s: AAD shorter than the header: "
		       "-EINVAL", prog);
		bad = op;
		bad.version = 4;
		tap_ok(run(tc, 1, &bad, pkt, len) == -EINVAL, "%s: version 4: -EINVAL", prog);
		bad = op;
		bad.version = PSP_VERSION_GCM_256;
		tap_ok(run(tc, 1, &bad, pkt, len) == -EINVAL && !memcmp(pkt, copy, len),
		       "%s: a 128-bit key for a 256-bit version: -EINVAL, untouched", prog);
		skel->bss->other_id = 0xfffffff0u;
		tap_ok(run(tc, 1, &op, pkt, len) == -ENOENT && !memcmp(pkt, copy, len),
		       "%s: a key id the module does not know: -ENOENT, untouched", prog);
		skel->bss->other_id = 0;
	}
}

/* The programs, loaded once for all the tests. */
static int loaded(void)
{
	static int tried;

	if (!tried++)
		skel = kfuncs__open_and_load();
	return tap_ok(skel != NULL, "the kfuncs test programs load (psp_crypto.ko loaded?)");
}

TEST(seal_open)
{
	uint8_t key128[16], key256[32], derived[32];

	if (!loaded())
		return;
	for (int i = 0; i < 32; i++) {
		key256[i] = (uint8_t)(0xa0 + i);
		if (i < 16)
			key128[i] = (uint8_t)(0x40 + i);
	}
	for (uint32_t v = 0; v <= PSP_VERSION_MAX; v++) {
		const uint8_t *k = psp_key_len(v) == 16 ? key128 : key256;

		seal_open("association key", PSPK_KEY_ASSOC, v, k, k);
		psp_derive_key(dev_key, 0x80000123u, v, derived);
		seal_open("device key", PSPK_KEY_DEVICE, v, dev_key, derived);
	}
}

TEST(misuse)
{
	if (loaded())
		misuse();
}
