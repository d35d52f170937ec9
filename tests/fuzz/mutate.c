// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <string.h>
#include <linux/if_ether.h>

#include "bytes.h"
#include "ip.h"
#include "mutate.h"
#include "pktgen.h"
#include <psp/wire.h>

const char *const fz_mutation_name[FZ__MAX] = {
#define __FZ_NAME(id, name) [FZ_##id] = name,
	FZ_MUTATIONS(__FZ_NAME)
#undef __FZ_NAME
};

static uint32_t below(uint32_t *rng, uint32_t n)
{
	return n ? rnd(rng) % n : 0;
}

/* Leniently: a mutated frame is still walked as far as it goes. */
void fz_layout(const struct fz_frame *f, struct fz_layout *l)
{
	const uint8_t *ip = f->b + ETH_HLEN;
	size_t room = f->len > ETH_HLEN ? f->len - ETH_HLEN : 0, off;
	uint8_t nh;

	memset(l, 0, sizeof(*l));
	if (room < IPV4_MIN_HLEN)
		return;
	if (get_be16(f->b + 12) == ETH_P_IP) {
		l->family = 4;
		l->ip_hlen = (size_t)(ip[0] & 0xf) * 4;
		l->proto = ip[9];
	} else if (get_be16(f->b + 12) == ETH_P_IPV6 && room >= IPV6_HLEN) {
		l->family = 6;
		nh = ip[6];
		for (off = IPV6_HLEN; off + 8 <= room; off += (size_t)(ip[off + 1] + 1) * 8) {
			if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING && nh != IPPROTO_DSTOPTS)
				break;
			nh = ip[off];
		}
		l->ip_hlen = off;
		l->proto = nh;
	} else {
		return;
	}
	if (l->ip_hlen < IPV4_MIN_HLEN || l->ip_hlen > room)
		return;
	l->l4 = ETH_HLEN + l->ip_hlen;
	if (l->proto == IPPROTO_UDP && l->l4 + PSP_UDP_HLEN <= f->len &&
	    get_be16(f->b + l->l4 + 2) == PSP_UDP_PORT)
		l->psp = l->l4 + PSP_UDP_HLEN;
}

void fz_fix_lengths(struct fz_frame *f)
{
	struct fz_layout l;
	size_t ip_len = f->len - ETH_HLEN;

	fz_layout(f, &l);
	if (l.family == 4) {
		put_be16(f->b + ETH_HLEN + 2, (uint16_t)ip_len);
		ipv4_set_csum(f->b + ETH_HLEN);
	} else if (l.family == 6) {
		put_be16(f->b + ETH_HLEN + 4, (uint16_t)(ip_len - IPV6_HLEN));
	}
	if (l.l4 && l.proto == IPPROTO_UDP && l.l4 + PSP_UDP_HLEN <= f->len)
		put_be16(f->b + l.l4 + 4, (uint16_t)(f->len - l.l4));
}

/* A header field: its offset in the frame and width, 0 if it has none. */
struct field {
	size_t off, width;
};

static struct field pick_field(const struct fz_frame *f, const struct fz_layout *l,
			       uint32_t *rng)
{
	/* offsets from the IP header (v4, v6), the L4 header, the PSP header */
	static const struct { uint8_t at, off, width; } v4[] = {
		{ 0, 0, 1 }, { 0, 1, 1 }, { 0, 2, 2 }, { 0, 4, 2 }, { 0, 6, 2 },
		{ 0, 8, 1 }, { 0, 9, 1 }, { 0, 10, 2 },
	}, v6[] = {
		{ 0, 0, 1 }, { 0, 4, 2 }, { 0, 6, 1 }, { 0, 7, 1 }, { 0, 40, 1 }, { 0, 41, 1 },
	}, l4[] = {
		{ 1, 0, 2 }, { 1, 2, 2 }, { 1, 4, 2 }, { 1, 6, 2 }, { 1, 12, 1 }, { 1, 13, 1 },
		{ 2, 0, 1 }, { 2, 1, 1 }, { 2, 2, 1 }, { 2, 3, 1 }, { 2, 4, 4 }, { 2, 8, 4 },
		{ 2, 12, 4 }, { 2, 16, 4 }, { 2, 20, 4 },
	};
	struct field fl = { 0, 0 };
	size_t base[3] = { ETH_HLEN, l->l4, l->psp };
	unsigned int which;

	switch (below(rng, 4)) {
	case 0:
		if (l->family == 4) {
			which = below(rng, sizeof(v4) / sizeof(v4[0]));
			fl = (struct field){ base[0] + v4[which].off, v4[which].width };
		} else if (l->family == 6) {
			which = below(rng, sizeof(v6) / sizeof(v6[0]));
			fl = (struct field){ base[0] + v6[which].off, v6[which].width };
		} else {
			fl = (struct field){ 12, 2 };	/* the EtherType */
		}
		break;
	case 1:		/* the ICV, or the last bytes anyway */
		if (f->len > PSP_ICV_LEN)
			fl = (struct field){ f->len - 1 - below(rng, PSP_ICV_LEN), 1 };
		break;
	default:
		which = below(rng, sizeof(l4) / sizeof(l4[0]));
		if (!base[l4[which].at])
			which = below(rng, 6);	/* no PSP header: an L4 field */
		if (base[l4[which].at])
			fl = (struct field){ base[l4[which].at] + l4[which].off, l4[which].width };
	}
	if (fl.off + fl.width > f->len)
		fl.width = 0;
	return fl;
}

static uint32_t get_field(const uint8_t *p, size_t width)
{
	return width == 1 ? p[0] : width == 2 ? get_be16(p) : get_be32(p);
}

static void put_field(uint8_t *p, size_t width, uint32_t v)
{
	if (width == 1)
		p[0] = (uint8_t)v;
	else if (width == 2)
		put_be16(p, (uint16_t)v);
	else
		put_be32(p, v);
}

/* A value worth trying in a field: boundaries, neighbours, the frame's
 * lengths, the device's SPIs, PSP's version and flag bits. */
static uint32_t interesting(uint32_t *rng, uint32_t cur, size_t width, size_t frame_len,
			    const uint32_t *spis, size_t n_spis)
{
	uint32_t max = width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;

	switch (below(rng, 10)) {
	case 0: return 0;
	case 1: return max;
	case 2: return cur + 1;
	case 3: return cur - 1;
	case 4: return cur + below(rng, 64) - 32;
	case 5: return (uint32_t)frame_len - below(rng, 80);
	case 6: return n_spis && width == 4 ? spis[below(rng, (uint32_t)n_spis)] ^
						   (below(rng, 3) ? 0 : PSP_SPI_PHASE) : cur ^ 0x80;
	case 7: return psphdr_verfl(below(rng, 16), below(rng, 2)) | (below(rng, 4) << 6);
	case 8: return 1u << below(rng, 8 * (uint32_t)width);
	default: return rnd(rng);
	}
}

static void mutate_field(struct fz_frame *f, const struct fz_layout *l, uint32_t *rng,
			 const uint32_t *spis, size_t n_spis)
{
	struct field fl = pick_field(f, l, rng);
	uint8_t *p = f->b + fl.off;

	if (!fl.width)
		return;
	put_field(p, fl.width, interesting(rng, get_field(p, fl.width), fl.width, f->len,
					   spis, n_spis));
}

/* Cut near a header boundary mostly: that is where parsers slip. */
static void truncate_frame(struct fz_frame *f, const struct fz_layout *l, uint32_t *rng)
{
	size_t marks[] = { ETH_HLEN, l->l4, l->psp, l->psp + PSP_HDR_LEN,
			   l->psp + PSP_HDR_LEN + PSP_VC_LEN, f->len - PSP_ICV_LEN, f->len };
	size_t at = marks[below(rng, sizeof(marks) / sizeof(marks[0]))];

	at = at + below(rng, 9) - 4;
	if (below(rng, 4) == 0)
		at = below(rng, (uint32_t)f->len + 1);
	/* an Ethernet header at least: test_run takes no less, nor does
	 * a driver deliver less */
	if (at < f->len)
		f->len = at < ETH_HLEN ? ETH_HLEN : at;
}

static void insert_bytes(struct fz_frame *f, size_t at, size_t n, uint32_t *rng)
{
	if (at > f->len || f->len + n > FZ_LEN_MAX)
		return;
	memmove(f->b + at + n, f->b + at, f->len - at);
	for (size_t i = 0; i < n; i++)
		f->b[at + i] = (uint8_t)rnd(rng);
	f->len += n;
}

static void splice(struct fz_frame *f, const struct fz_layout *l, uint32_t *rng)
{
	size_t at = l->l4 && below(rng, 2) ? l->l4 + below(rng, 40) : below(rng, (uint32_t)f->len);
	size_t n = 1 + below(rng, 24);

	if (at > f->len)
		return;
	if (below(rng, 2)) {
		insert_bytes(f, at, n, rng);
	} else {
		if (at + n > f->len)
			n = f->len - at;
		if (f->len - n < ETH_HLEN)
			return;
		memmove(f->b + at, f->b + at + n, f->len - at - n);
		f->len -= n;
	}
}

/* IPv4 options in front of the L4 header, the header length and total
 * length made to agree (or not), the sum made again. */
static void v4_options(struct fz_frame *f, const struct fz_layout *l, uint32_t *rng)
{
	uint8_t *ip = f->b + ETH_HLEN;
	size_t n = 4 * (1 + below(rng, 10)), hlen = l->ip_hlen;

	if (l->family != 4 || !l->l4 || hlen + n > 60)
		return;
	insert_bytes(f, l->l4, n, rng);
	if (below(rng, 2))
		memset(ip + hlen, below(rng, 2) ? 1 : 0, n);	/* NOPs, or EOL */
	ip[0] = (uint8_t)(0x40 | (hlen + n) / 4);
	if (below(rng, 4))
		put_be16(ip + 2, (uint16_t)(get_be16(ip + 2) + n));
	ipv4_set_csum(ip);
}

/* IPv6 extension headers in front of the L4 header: a chain of one to
 * four of any type, of any length, linked or not. */
static void v6_chain(struct fz_frame *f, const struct fz_layout *l, uint32_t *rng)
{
	static const uint8_t types[] = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS,
					 IPPROTO_FRAGMENT, IPPROTO_AH, IPPROTO_NONE, 135, 139 };
	uint8_t *ip = f->b + ETH_HLEN, *nh;
	size_t at = l->l4, count = 1 + below(rng, 4), size;

	if (l->family != 6 || !at)
		return;
	/* the byte that names the L4 protocol: the IPv6 header's, or the
	 * last extension header's */
	nh = at == ETH_HLEN + IPV6_HLEN ? ip + 6 : NULL;
	if (!nh)
		for (size_t off = IPV6_HLEN; ETH_HLEN + off < at; off += (size_t)(ip[off + 1] + 1) * 8)
			nh = ip + off;
	if (!nh)
		return;
	for (size_t i = 0; i < count; i++) {
		uint8_t type = types[below(rng, sizeof(types) / sizeof(types[0]))];
		uint8_t len8 = (uint8_t)below(rng, 4);

		size = (size_t)(len8 + 1) * 8;
		if (f->len + size > FZ_LEN_MAX)
			break;
		insert_bytes(f, at, size, rng);
		nh = at == ETH_HLEN + IPV6_HLEN ? ip + 6 : nh;
		f->b[at] = *nh;		/* it names what came after */
		f->b[at + 1] = below(rng, 8) ? len8 : (uint8_t)rnd(rng);
		if (below(rng, 2))
			memcpy(f->b + at + 2, (uint8_t[]){ 1, 4, 0, 0, 0, 0 }, 6);	/* PadN */
		*nh = type;
		nh = f->b + at;
		at += size;
	}
	if (below(rng, 4))
		put_be16(ip + 4, (uint16_t)(f->len - ETH_HLEN - IPV6_HLEN));
}

void fz_mutate(struct fz_frame *f, uint32_t *rng, const uint32_t *spis, size_t n_spis,
	       uint64_t done[FZ__MAX])
{
	unsigned int n = 1 + below(rng, 4);
	struct fz_layout l;

	while (n--) {
		enum fz_mutation m = (enum fz_mutation)below(rng, FZ__MAX);

		fz_layout(f, &l);
		switch (m) {
		case FZ_FIELD:
			mutate_field(f, &l, rng, spis, n_spis);
			break;
		case FZ_TRUNCATE:
			truncate_frame(f, &l, rng);
			break;
		case FZ_EXTEND:
			insert_bytes(f, f->len, 1 + below(rng, 64), rng);
			break;
		case FZ_FLIP:
			if (f->len)
				f->b[below(rng, (uint32_t)f->len)] ^= (uint8_t)(1 << below(rng, 8));
			break;
		case FZ_SPLICE:
			splice(f, &l, rng);
			break;
		case FZ_V4_OPTIONS:
			v4_options(f, &l, rng);
			break;
		case FZ_V6_CHAIN:
			v6_chain(f, &l, rng);
			break;
		case FZ_FIX_LENGTHS:
			fz_fix_lengths(f);
			break;
		default:
			break;
		}
		done[m]++;
	}
}
