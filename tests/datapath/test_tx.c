// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp_tx (BPF_PROG_TEST_RUN) on generated TCP packets of many sizes, every
 * version, crypt offsets and VC, IPv4 and IPv6: the output must be the
 * userspace reference's encapsulation of the same packet with the same IV,
 * byte for byte, and decrypt with the reference; psp_rx must then give
 * the packet back.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#include "bytes.h"
#include "env.h"
#include "ip.h"
#include "pktgen.h"
#include "psp_ref.h"
#include "tap.h"

/* up to what fits a 1500-byte MTU as IPv6 with a VC: 1500 - 40 - 48 */
static const size_t l4_lens[] = { 20, 21, 31, 32, 33, 47, 48, 100, 536, 1000, 1399, 1412 };

struct combo {
	int family, version, has_vc, crypt_off;
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The IV of a sealed frame (Ethernet, IP without options): 1, or 0 if
 * the frame is too short to hold one. */
static int wire_iv(const uint8_t *out, size_t len, int family, uint64_t *iv)
{
	size_t iv_off = 14 + (family == 4 ? 20 : 40) + PSP_UDP_HLEN + 8;

	if (len < iv_off + 8)
		return 0;
	*iv = get_be64(out + iv_off);
	return 1;
}

/* The IV of packet 0 of an association installed at installed (ns of
 * CLOCK_REALTIME), read from the first: after the install's time and no
 * later than now (libpspbpf/assoc.c seeds it from the clock). */
static int first_iv(const uint8_t *out, size_t len, int family, size_t i, uint64_t installed,
		    uint64_t *iv0)
{
	if (i > 0)
		return 1;
	if (!wire_iv(out, len, family, iv0))
		return 0;
	if (*iv0 <= installed || *iv0 > realtime_ns()) {
		tap_diag("first IV %llu, installed at %llu ns", (unsigned long long)*iv0,
			 (unsigned long long)installed);
		return 0;
	}
	return 1;
}

/* A frame: Ethernet + a TCP ACK segment of l4_len bytes. */
static size_t make_frame(uint8_t *buf, int family, size_t l4_len, uint32_t seed)
{
	return frame_build(buf, &(struct frame_spec){
		.dst = { 0, 0, 0, 0, 0, 1 }, .src = { 0, 0, 0, 0, 0, 2 },
		.ip = { .family = family, .l4_len = l4_len, .proto = IPPROTO_TCP, .seed = seed },
		.tcp_flags = TH_ACK });
}

static void flow_of(const uint8_t *frame, int family, struct pspbpf_flow *f)
{
	const uint8_t *ip = frame + 14, *l4 = ip + (family == 4 ? 20 : 40);

	memset(f, 0, sizeof(*f));
	f->family = family == 4 ? AF_INET : AF_INET6;
	memcpy(f->laddr, ip + (family == 4 ? 12 : 8), family == 4 ? 4 : 16);
	memcpy(f->raddr, ip + (family == 4 ? 16 : 24), family == 4 ? 4 : 16);
	f->lport = get_be16(l4);
	f->rport = get_be16(l4 + 2);
}

static int check_combo(struct dev_env *e, const struct combo *c, uint32_t spi)
{
	static uint8_t frame[2048], out[16384], want[16384], back[16384];
	const uint8_t master[32] = { 0x42, 1, 2, 3 };
	struct psp_rx_keys *keys = psp_rx_keys_new();
	struct psp_tx_params ref = { .spi = spi, .version = (uint8_t)c->version,
				     .crypt_off = (uint8_t)c->crypt_off,
				     .has_vc = (uint8_t)c->has_vc, .vc = { 9, 8, 7 } };
	struct pspbpf_tx_params tx = { .spi = spi, .version = (uint32_t)c->version,
				       .crypt_off = (uint8_t)c->crypt_off, .has_vc = c->has_vc,
				       .vc = { 9, 8, 7 } };
	uint8_t key[32], rxkey[32];
	struct pspbpf_flow flow;
	struct psp_aead *aead;
	uint64_t installed = realtime_ns(), iv0 = 0;
	int ok = 1;

	psp_derive_key(master, spi, (uint32_t)c->version, key);
	aead = psp_aead_new((uint32_t)c->version, key);
	psp_rx_keys_set(keys, spi >> 31, master);
	tx.key = key;
	tx.key_len = psp_key_len((uint32_t)c->version);
	/* one flow for all sizes: the IV counts up packet by packet, from
	 * where the install's clock seeded it */
	make_frame(frame, c->family, 100, spi);
	flow_of(frame, c->family, &flow);
	if (pspbpf_rx_assoc_spi(e->h, "psp0", &flow, (uint32_t)c->version, spi, rxkey) ||
	    pspbpf_tx_assoc(e->h, "psp0", &flow, &tx)) {
		tap_diag("assoc: %s", pspbpf_errmsg(e->h));
		ok = 0;
	}
	for (size_t i = 0; ok && i < sizeof(l4_lens) / sizeof(l4_lens[0]); i++) {
		size_t len = make_frame(frame, c->family, l4_lens[i], spi), out_len = 0,
		       want_len = 0, back_len = 0;
		struct psp_rx_info info;

		ok = run_tx(e, frame, len, out, &out_len) == TC_ACT_OK &&
		     first_iv(out, out_len, c->family, i, installed, &iv0) &&
		     psp_encap_frame(aead, &ref, iv0 + i, frame, len, want, &want_len) == PSP_TX_OK &&
		     bytes_equal(want, want_len, out, out_len) &&
		     psp_decap_frame(keys, out, out_len, back, &back_len, &info) == PSP_RX_OK &&
		     bytes_equal(frame, len, back, back_len);
		if (!ok)
			tap_diag("L4 length %zu", l4_lens[i]);
	}
	pspbpf_assoc_del(e->h, "psp0", &flow);
	psp_aead_free(aead);
	psp_rx_keys_free(keys);
	return ok;
}

TEST(tc_encrypt_matches_reference)
{
	struct dev_env *e = test_env();
	uint32_t spi = 0x100;

	if (!e)
		return;
	for (int family = 4; family <= 6; family += 2)
		for (int version = 0; version <= 3; version++)
			for (int vc = 0; vc < 2; vc++)
				for (int co = 0; co <= (vc ? 7 : 5); co += vc ? 7 : 5) {
					struct combo c = { family, version, vc, co };

					tap_ok(check_combo(e, &c, spi++),
					       "psp_tx IPv%d v%d%s crypt-off %d: %zu sizes as the "
					       "reference encrypts them", family, version,
					       vc ? " vc" : "", co,
					       sizeof(l4_lens) / sizeof(l4_lens[0]));
				}
}

/* The flow the other end sees: what psp0 sends, it receives. */
static void reverse(const struct pspbpf_flow *f, struct pspbpf_flow *r)
{
	*r = *f;
	memcpy(r->laddr, f->raddr, sizeof(r->laddr));
	memcpy(r->raddr, f->laddr, sizeof(r->raddr));
	r->lport = f->rport;
	r->rport = f->lport;
}

/*
 * What psp_rx gave back is the frame sent. In generic XDP mode it is
 * followed by the 3-byte trailer (psp_rx.bpf.c) that keeps the frame's
 * ones' complement sum from the IP header on what it was on arrival, as
 * a CHECKSUM_COMPLETE skb->csum has it: the IP layer trims it off.
 */
static int back_right(const struct dev_env *e, const uint8_t *frame, size_t len,
		      const uint8_t *wire, size_t wire_len, const uint8_t *back, size_t back_len)
{
	uint16_t in, out;

	if (!e->xdp_generic)
		return back_len == len && !memcmp(back, frame, len);
	if (back_len != len + 3 || memcmp(back, frame, len))
		return 0;
	in = inet_sum(wire + 14, wire_len - 14);
	out = inet_sum(back + 14, back_len - 14);
	return in == out || (in | out) == 0xffff;	/* +0 and -0 alike */
}

/*
 * psp_tx then psp_rx on the same device, as if psp0 talked to itself: the
 * flow out has an Rx SPI of its own and sends to the SPI of the flow back,
 * whose key the device derived; the packet comes back. Every TCP length
 * that fits the MTU with PSP, every version, IPv4 and IPv6: TCP sends any
 * length when a window or the send buffer cuts a segment short.
 */
static unsigned int tc_then_xdp_all(struct dev_env *e, int family, uint32_t version,
				    unsigned int *n)
{
	static uint8_t frame[2048], wire[16384], back[16384];
	struct pspbpf_tx_params tx = { .spi = 0x80000777, .version = version };
	size_t max = 1500 - (family == 4 ? 20 : 40) - PSP_ENCAP_HLEN - PSP_ICV_LEN;
	struct pspbpf_flow flow, back_flow;
	uint8_t key[32], own[32];
	unsigned int bad = 0;

	make_frame(frame, family, 100, 7);
	flow_of(frame, family, &flow);
	reverse(&flow, &back_flow);
	if (pspbpf_rx_assoc_spi(e->h, e->ifname, &back_flow, version, tx.spi, key) ||
	    pspbpf_rx_assoc_spi(e->h, e->ifname, &flow, version, 0x778, own)) {
		tap_diag("rx assoc: %s", pspbpf_errmsg(e->h));
		return 1;
	}
	tx.key = key;
	tx.key_len = psp_key_len(version);
	pspbpf_tx_assoc(e->h, e->ifname, &flow, &tx);
	for (size_t l = 20; l <= max; l++, (*n)++) {
		size_t len = make_frame(frame, family, l, 7), wire_len, back_len;

		if (run_tx(e, frame, len, wire, &wire_len) != TC_ACT_OK ||
		    run_rx(e, wire, wire_len, back, &back_len) != XDP_PASS ||
		    !back_right(e, frame, len, wire, wire_len, back, back_len)) {
			if (!bad++)
				tap_diag("%s IPv%d v%u: L4 length %zu", e->ifname, family, version,
					 l);
		}
	}
	pspbpf_assoc_del(e->h, e->ifname, &flow);
	pspbpf_assoc_del(e->h, e->ifname, &back_flow);
	return bad;
}

TEST(tc_then_xdp)
{
	struct dev_env *e = test_env();
	unsigned int bad = 0, n = 0;

	if (!e)
		return;
	for (int family = 4; family <= 6; family += 2)
		for (uint32_t version = 0; version <= PSP_VERSION_MAX; version++)
			bad += tc_then_xdp_all(e, family, version, &n);
	tap_ok(!bad, "%u packets of every length through psp_tx and back through psp_rx, %u wrong",
	       n, bad);
}

/*
 * The same on a device without native XDP (an ifb device: built into more
 * kernels than dummy, this development host's among them): dev add falls
 * back to generic XDP and says so, and psp_rx leaves the frame with the
 * trailer that keeps the skb's checksum state and tail right.
 */
TEST(tc_then_xdp_generic)
{
	struct pspbpf_dev_opts o = { .versions_ena = PSP_VERSIONS_ALL };
	struct dev_env *e = test_env(), g;
	unsigned int bad = 0, n = 0;
	int err;

	if (!e)
		return;
	err = system("ip link add pspg0 type ifb && ip link set pspg0 up") ||
	      pspbpf_dev_add(e->h, "pspg0", &o, NULL) || dev_env_dev(e, "pspg0", &g);
	if (!tap_ok(!err, "dev add on an ifb device%s%s", err ? ": " : "",
		    err ? pspbpf_errmsg(e->h) : ""))
		return;
	tap_ok(g.xdp_generic, "ifb device: psp_rx in generic XDP mode, dev info says so");
	for (int family = 4; family <= 6; family += 2)
		for (uint32_t version = 0; version <= PSP_VERSION_MAX; version++)
			bad += tc_then_xdp_all(&g, family, version, &n);
	tap_ok(!bad, "generic XDP: %u packets of every length through psp_tx and back through "
	       "psp_rx with the checksum trailer, %u wrong", n, bad);
	pspbpf_dev_del(e->h, "pspg0");
	if (system("ip link del pspg0"))
		tap_diag("pspg0 left behind");
}

/*
 * Associations installed by several processes at once (the loader's lock
 * shared): each must seal with its own key. The control program puts a
 * key into the parameters of its AES context and may sleep making it; a
 * second installer on that CPU meanwhile must not find them (they are
 * per task: bpf/lib/ctl_bpf.h). That window is microseconds wide and
 * rarely met; what this checks is the end of it, every key in place.
 */
#define INSTALLERS	4
#define INSTALLS	256

static void installed_key(unsigned int w, unsigned int i, uint8_t key[16])
{
	memset(key, 0, 16);
	key[0] = (uint8_t)w;
	put_be16(key + 1, (uint16_t)i);
	key[15] = 0xa5;
}

static size_t installed_frame(unsigned int w, unsigned int i, uint8_t *frame,
			      struct pspbpf_flow *f)
{
	size_t len = make_frame(frame, 4, 100, 7);

	put_be16(frame + 14 + 20, (uint16_t)(20000 + w * 1000 + i));
	flow_of(frame, 4, f);
	return len;
}

/* A child's installs, through a handle of its own: 0 if all went in. */
static int install_many(unsigned int w)
{
	static uint8_t frame[2048];
	struct pspbpf_tx_params tx = { .version = 0, .key_len = 16 };
	uint8_t key[16], rxkey[32];
	struct pspbpf *h;
	int bad = 0;

	if (pspbpf_open(&h, 0))
		return 1;
	for (unsigned int i = 0; i < INSTALLS; i++) {
		struct pspbpf_flow f;
		uint32_t spi;

		installed_frame(w, i, frame, &f);
		installed_key(w, i, key);
		tx.key = key;
		tx.spi = 0x100000 + w * INSTALLS + i;
		if (pspbpf_rx_assoc(h, "psp0", &f, 0, &spi, rxkey) ||
		    pspbpf_tx_assoc(h, "psp0", &f, &tx)) {
			fprintf(stderr, "installer %u: %s\n", w, pspbpf_errmsg(h));
			bad = 1;
			break;
		}
	}
	pspbpf_close(h);
	return bad;
}

TEST(tx_keys_installed_at_once)
{
	static uint8_t frame[2048], out[16384], want[16384];
	struct dev_env *e = test_env();
	unsigned int wrong = 0, failed = 0;
	pid_t pid[INSTALLERS];

	if (!e)
		return;
	for (unsigned int w = 0; w < INSTALLERS; w++) {
		pid[w] = fork();
		if (!pid[w])
			_exit(install_many(w));
	}
	for (unsigned int w = 0; w < INSTALLERS; w++) {
		int st;

		if (pid[w] < 0 || waitpid(pid[w], &st, 0) != pid[w] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			failed++;
	}
	tap_ok(!failed, "%u processes installed %u associations each at once, %u failed",
	       INSTALLERS, INSTALLS, failed);
	for (unsigned int w = 0; w < INSTALLERS; w++) {
		for (unsigned int i = 0; i < INSTALLS; i++) {
			struct psp_tx_params ref = { .spi = 0x100000 + w * INSTALLS + i };
			size_t len, out_len = 0, want_len = 0;
			struct psp_aead *aead;
			struct pspbpf_flow f;
			uint8_t key[16];
			uint64_t iv;

			len = installed_frame(w, i, frame, &f);
			installed_key(w, i, key);
			aead = psp_aead_new(0, key);
			if (run_tx(e, frame, len, out, &out_len) != TC_ACT_OK ||
			    !wire_iv(out, out_len, 4, &iv) ||
			    psp_encap_frame(aead, &ref, iv, frame, len, want, &want_len) != PSP_TX_OK ||
			    !bytes_equal(want, want_len, out, out_len)) {
				if (!wrong++)
					tap_diag("installer %u, association %u: not sealed with its key",
						 w, i);
			}
			psp_aead_free(aead);
			pspbpf_assoc_del(e->h, "psp0", &f);
		}
	}
	tap_ok(!wrong, "each of their %u associations seals with its own key, %u do not",
	       INSTALLERS * INSTALLS, wrong);
}
