// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <string.h>
#include <linux/if_ether.h>

#include "bytes.h"
#include "ip.h"
#include "pktgen.h"

uint32_t rnd(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static size_t v6_ext(uint8_t *p, int which, uint8_t proto)
{
	if (which == 1) {		/* hop-by-hop, PadN to 8 bytes */
		memcpy(p, (uint8_t[]){ proto, 0, 1, 4, 0, 0, 0, 0 }, 8);
		return 8;
	}
	/* hop-by-hop -> routing (type 0 style, 24 bytes) -> destination options */
	memcpy(p, (uint8_t[]){ IPPROTO_ROUTING, 0, 1, 4, 0, 0, 0, 0 }, 8);
	memset(p + 8, 0, 24);
	p[8] = IPPROTO_DSTOPTS;
	p[9] = 2;
	memcpy(p + 32, (uint8_t[]){ proto, 0, 1, 4, 0, 0, 0, 0 }, 8);
	return 40;
}

size_t pkt_build(uint8_t *buf, const struct pkt_spec *s, size_t *l4_off)
{
	uint32_t seed = s->seed;
	size_t hlen;

	if (s->family == 4) {
		hlen = IPV4_MIN_HLEN + s->opt_len;
		memset(buf, 0, hlen);
		buf[0] = (uint8_t)(0x40 | hlen / 4);
		put_be16(buf + 2, (uint16_t)(hlen + s->l4_len));
		buf[8] = 64;
		buf[9] = s->proto;
		memcpy(buf + 12, (uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
		for (size_t i = IPV4_MIN_HLEN; i < hlen; i++)
			buf[i] = 1;			/* NOP options */
		if (!s->bare) {
			buf[1] = 0x10;
			put_be16(buf + 4, (uint16_t)s->seed);
			buf[6] = 0x40;			/* DF */
			ipv4_set_csum(buf);
		}
	} else {
		memset(buf, 0, IPV6_HLEN);
		buf[0] = 0x60;
		if (!s->bare) {
			buf[1] = 0x0a;
			buf[3] = 0x42;			/* flow label */
		}
		buf[6] = s->v6_ext ? IPPROTO_HOPOPTS : s->proto;
		buf[7] = 64;
		buf[8] = 0x20;
		buf[9] = 0x01;
		buf[23] = 1;
		buf[24] = 0x20;
		buf[25] = 0x01;
		buf[39] = 2;
		hlen = IPV6_HLEN + (s->v6_ext ? v6_ext(buf + IPV6_HLEN, s->v6_ext, s->proto) : 0);
		put_be16(buf + 4, (uint16_t)(hlen - IPV6_HLEN + s->l4_len));
	}
	*l4_off = hlen;
	if (s->bare) {
		memset(buf + hlen, 0, s->l4_len);
		return hlen + s->l4_len;
	}
	for (size_t i = 0; i < s->l4_len; i++)
		buf[hlen + i] = (uint8_t)rnd(&seed);
	if (s->l4_len >= 4)	/* ports, so the UDP source port varies per flow */
		put_be16(buf + hlen, (uint16_t)(1024 + s->seed % 50000));
	return hlen + s->l4_len;
}

/* Swaps the source and destination addresses of the IP header at ip; an
 * IPv4 header's checksum stays right, as a sum does not depend on the
 * order. */
static void swap_addrs(uint8_t *ip, int family)
{
	size_t n = family == 4 ? 4 : 16;
	uint8_t *src = ip + (family == 4 ? 12 : 8), t[16];

	memcpy(t, src, n);
	memcpy(src, src + n, n);
	memcpy(src + n, t, n);
}

size_t frame_build(uint8_t *buf, const struct frame_spec *s)
{
	uint8_t *ip = buf + ETH_HLEN, *l4;
	size_t l4_off, len;

	memcpy(buf, s->dst, 6);
	memcpy(buf + 6, s->src, 6);
	put_be16(buf + 12, s->ip.family == 4 ? ETH_P_IP : ETH_P_IPV6);
	len = pkt_build(ip, &s->ip, &l4_off);
	l4 = ip + l4_off;
	if (s->reverse)
		swap_addrs(ip, s->ip.family);
	if (s->sport)
		put_be16(l4, s->sport);
	if (s->dport)
		put_be16(l4 + 2, s->dport);
	if (s->seq)
		put_be32(l4 + 4, s->seq);
	if (s->ack)
		put_be32(l4 + 8, s->ack);
	if (s->tcp_flags) {
		l4[12] = 0x50;
		l4[13] = s->tcp_flags;
	}
	return ETH_HLEN + len;
}
