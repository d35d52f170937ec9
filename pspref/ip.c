// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <errno.h>

#include "bytes.h"
#include "ip.h"
#include <psp/wire.h>

static int ipv4_parse(const uint8_t *ip, size_t buf_len, struct ip_view *v)
{
	size_t ihl;

	if (buf_len < IPV4_MIN_HLEN)
		return -EINVAL;
	ihl = (ip[0] & 0x0f) * 4u;
	v->len = get_be16(ip + 2);
	if (ihl < IPV4_MIN_HLEN || ihl > buf_len || ihl > v->len)
		return -EINVAL;
	v->hdr_len = ihl;
	v->nh_off = 9;
	v->proto = ip[9];
	/* MF set or a fragment offset: 0x3fff covers both */
	v->fragment = (get_be16(ip + 6) & 0x3fff) != 0;
	return 0;
}

static int ipv6_parse(const uint8_t *ip, size_t buf_len, struct ip_view *v)
{
	size_t off = IPV6_HLEN, end;
	int i;

	if (buf_len < IPV6_HLEN)
		return -EINVAL;
	v->len = IPV6_HLEN + get_be16(ip + 4);
	end = v->len < buf_len ? v->len : buf_len;
	v->nh_off = 6;
	v->proto = ip[6];
	/* PSP_IPV6_EXT_MAX headers, then the L4 header; a longer chain is
	 * malformed */
	for (i = 0; i <= PSP_IPV6_EXT_MAX; i++) {
		size_t ext_len;

		switch (v->proto) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (off + 2 > end)
				return -EINVAL;
			ext_len = (ip[off + 1] + 1u) * 8;
			break;
		case IPPROTO_FRAGMENT:
			ext_len = 8;
			v->fragment = 1;
			break;
		default:
			v->hdr_len = off;
			return 0;
		}
		if (off + ext_len > end)
			return -EINVAL;
		v->nh_off = off;
		v->proto = ip[off];
		off += ext_len;
		if (v->fragment) {
			v->hdr_len = off;
			return 0;
		}
	}
	return -EINVAL;
}

int ip_parse(const uint8_t *ip, size_t buf_len, struct ip_view *v)
{
	*v = (struct ip_view){ 0 };
	if (buf_len < 1)
		return -EINVAL;
	switch (ip[0] >> 4) {
	case 4:
		v->family = 4;
		return ipv4_parse(ip, buf_len, v);
	case 6:
		v->family = 6;
		return ipv6_parse(ip, buf_len, v);
	default:
		return -EPROTONOSUPPORT;
	}
}

uint16_t inet_sum(const uint8_t *b, size_t len)
{
	uint64_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get_be16(b + i);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

void ipv4_set_csum(uint8_t *hdr)
{
	hdr[10] = hdr[11] = 0;
	put_be16(hdr + 10, (uint16_t)~inet_sum(hdr, (hdr[0] & 0x0f) * 4u));
}
