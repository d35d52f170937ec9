// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * What a snapshot reads, and why:
 *
 * - The BPF filesystem, walked whole (the fuzzer's own instance): each
 *   pin's path, object type and id, a link's program and target. A failed
 *   command must not leave, remove or replace a pin.
 * - Each pinned map once (by id): its entries sorted by key; of an array,
 *   the entries that are not zero. psp_scratch is left out: the datapath's
 *   per-CPU scratch, not state. A map whose entries cannot be read (socket
 *   storage has no iteration) is named in snap->unread. The hand-out
 *   counters (struct snap_counter) are taken out of their entries and
 *   compared apart.
 * - Device keys: no map gives them back (their kptrs read as zero), so
 *   each is fingerprinted by a hash of what psp_kdf derives from it for a
 *   fixed SPI of its phase, as pspbpf_derive() does; never the key.
 * - In each namespace, by rtnetlink: links (name, MTU, up, master, XDP
 *   program, GSO limits), routes of protocol 80 (tx-assoc's), the policy
 *   rules; and each link's tcx programs. The kernel's own counters and
 *   timestamps are left out. psp-bpf's counters (psp_stats) are in: they
 *   change only with traffic, and the fuzzer's world has none.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <psp/maps.h>

#include "cli_snap.h"
#include "map_iter.h"	/* map_entries() */
#include "pspbpf_int.h"	/* PSPBPF_RTPROT */

#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46	/* Linux 6.6; libbpf 1.1.2 predates them (libpspbpf/tc.c) */
#define BPF_TCX_EGRESS 47
#endif

#define BPFFS		"/sys/fs/bpf"
#define KDF_PIN		BPFFS "/psp/progs/psp_kdf"
#define MAPS_MAX	64

/* The snapshot being taken. */
struct taking {
	struct snap *s;
	struct snap_part *pins;
	uint32_t map_ids[MAPS_MAX];
	size_t n_maps;
	int err;
};

static struct snap_part *part_new(struct snap *s, int text, uint32_t key_size,
				  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct snap_part *part_new(struct snap *s, int text, uint32_t key_size,
				  const char *fmt, ...)
{
	struct snap_part *p;
	va_list ap;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;

		p = realloc(s->parts, cap * sizeof(*p));
		if (!p)
			return NULL;
		s->parts = p;
		s->cap = cap;
	}
	p = &s->parts[s->n++];
	memset(p, 0, sizeof(*p));
	p->text = text;
	p->key_size = key_size;
	va_start(ap, fmt);
	vsnprintf(p->name, sizeof(p->name), fmt, ap);
	va_end(ap);
	return p;
}

/* One record: a, then b. */
static void rec_add(struct snap_part *p, const void *a, size_t alen, const void *b, size_t blen)
{
	uint32_t len = (uint32_t)(alen + blen);

	if (!p)
		return;
	if (p->len + sizeof(len) + len > p->cap) {
		size_t cap = (p->len + sizeof(len) + len) * 2;
		uint8_t *buf = realloc(p->buf, cap);

		if (!buf)
			return;
		p->buf = buf;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, &len, sizeof(len));
	memcpy(p->buf + p->len + sizeof(len), a, alen);
	if (blen)
		memcpy(p->buf + p->len + sizeof(len) + alen, b, blen);
	p->len += sizeof(len) + len;
}

static void rec_text(struct snap_part *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rec_text(struct snap_part *p, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rec_add(p, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1, NULL, 0);
}

/* Map entries, sorted by key. */
struct entry {
	uint8_t *kv;
	uint32_t key_size;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return memcmp(x->kv, y->kv, x->key_size);
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void unread(struct snap *s, const char *name, const char *why)
{
	size_t n = strlen(s->unread);

	if (strstr(s->unread, name))
		return;
	snprintf(s->unread + n, sizeof(s->unread) - n, "%s%s (%s)", n ? ", " : "", name, why);
}

static void counter(struct snap *s, uint8_t *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A hand-out counter (struct snap_counter) out of an entry: kept apart,
 * zero in the entry. */
static void counter(struct snap *s, uint8_t *field, const char *fmt, ...)
{
	struct snap_counter *c;
	uint32_t v;
	va_list ap;

	memcpy(&v, field, sizeof(v));
	memset(field, 0, sizeof(v));
	if (s->n_ctr == SNAP_COUNTERS_MAX)
		return;
	c = &s->ctr[s->n_ctr++];
	c->v = v;
	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
}

/* The hand-out counters of an entry of map name (key, then value). */
static void counters_of(struct snap *s, const char *name, uint8_t *kv, uint32_t key_size,
			size_t vsize)
{
	uint8_t *v = kv + key_size;

	if (!strcmp(name, "psp_devs") && vsize >= sizeof(struct psp_dev_cfg)) {
		uint32_t id;

		memcpy(&id, v + offsetof(struct psp_dev_cfg, id), sizeof(id));
		counter(s, v + offsetof(struct psp_dev_cfg, spi_last), "device %u spi_last", id);
	} else if (!strcmp(name, "psp_ctl_state") && vsize >= sizeof(struct psp_ctl_state)) {
		counter(s, v + offsetof(struct psp_ctl_state, last_dev_id), "last_dev_id");
		counter(s, v + offsetof(struct psp_ctl_state, devs_gen), "devs_gen");
	}
}

/* A device, from a psp_devs entry. */
static void note_dev(struct snap *s, const uint8_t *kv)
{
	const struct psp_netdev_key *k = (const void *)kv;
	const struct psp_dev_cfg *c = (const void *)(kv + sizeof(*k));
	struct snap_dev *d;

	if (s->n_devs == SNAP_DEVS_MAX)
		return;
	d = &s->devs[s->n_devs++];
	d->netns_cookie = k->netns_cookie;
	d->id = c->id;
	memcpy(d->ifname, c->ifname, sizeof(d->ifname));
	d->ifname[sizeof(d->ifname) - 1] = 0;
}

/*
 * A map's entries (the library's batched read, a few system calls a map),
 * sorted by key; of an array, those that are not zero.
 */
static void read_entries(struct snap *s, struct snap_part *p, int fd,
			 const struct bpf_map_info *in, size_t vsize, int array)
{
	size_t n, rec = in->key_size + vsize;
	void *values;
	uint8_t *keys = map_entries(fd, in->key_size, vsize, &n, &values), *kv = malloc(rec);
	struct entry *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	if (!keys || !kv || !v) {
		rec_text(p, "cannot read it: %s", strerror(errno));
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *val = (uint8_t *)values + i * vsize;

		if (array && all_zero(val, vsize))
			continue;
		v[k].kv = malloc(rec);
		if (!v[k].kv)
			break;
		memcpy(v[k].kv, keys + i * in->key_size, in->key_size);
		memcpy(v[k].kv + in->key_size, val, vsize);
		v[k++].key_size = in->key_size;
	}
	qsort(v, k, sizeof(*v), entry_cmp);
	for (size_t i = 0; i < k; i++) {
		if (!strcmp(in->name, "psp_devs") && vsize >= sizeof(struct psp_dev_cfg) &&
		    in->key_size == sizeof(struct psp_netdev_key))
			note_dev(s, v[i].kv);
		counters_of(s, in->name, v[i].kv, in->key_size, vsize);
		rec_add(p, v[i].kv, rec, NULL, 0);
		free(v[i].kv);
	}
	free(v);
	free(kv);
	free(keys);
	free(values);
}

static void read_map(struct taking *t, int fd, const struct bpf_map_info *in)
{
	struct snap *s = t->s;
	int percpu = in->type == BPF_MAP_TYPE_PERCPU_ARRAY || in->type == BPF_MAP_TYPE_PERCPU_HASH ||
		     in->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	int cpus = libbpf_num_possible_cpus();
	size_t vsize = percpu ? ((in->value_size + 7) & ~7u) * (size_t)(cpus > 0 ? cpus : 1) :
		       in->value_size;
	struct snap_part *p;

	for (size_t i = 0; i < t->n_maps; i++)
		if (t->map_ids[i] == in->id)
			return;		/* pinned twice: psp/maps and xdp/globals */
	if (t->n_maps < MAPS_MAX)
		t->map_ids[t->n_maps++] = in->id;
	if (!strcmp(in->name, "psp_scratch"))
		return;
	p = part_new(s, 0, in->key_size, "map %s (id %u)", in->name, in->id);
	switch (in->type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		read_entries(s, p, fd, in, vsize, 0);
		break;
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		read_entries(s, p, fd, in, vsize, 1);
		break;
	default:
		unread(s, in->name, "no iteration");
	}
}

/* The kind of BPF object an fd holds. */
static char fd_kind(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return '?';
	link[n] = 0;
	return strstr(link, "bpf-map") ? 'm' : strstr(link, "bpf-prog") ? 'p' :
	       strstr(link, "bpf_link") ? 'l' : '?';
}

static void pin(struct taking *t, const char *path)
{
	int fd = bpf_obj_get(path);
	const char *rel = path + strlen(BPFFS);

	if (fd < 0) {
		rec_text(t->pins, "%s: %s", rel, strerror(errno));
		return;
	}
	switch (fd_kind(fd)) {
	case 'm': {
		struct bpf_map_info in = { 0 };
		uint32_t len = sizeof(in);

		if (bpf_obj_get_info_by_fd(fd, &in, &len))
			break;
		rec_text(t->pins, "%s: map %u %s type %u key %u value %u max %u flags 0x%x", rel,
			 in.id, in.name, in.type, in.key_size, in.value_size, in.max_entries,
			 in.map_flags);
		read_map(t, fd, &in);
		break;
	}
	case 'p': {
		struct bpf_prog_info in = { 0 };
		uint32_t len = sizeof(in);

		if (bpf_obj_get_info_by_fd(fd, &in, &len))
			break;
		rec_text(t->pins, "%s: prog %u %s type %u tag %02x%02x%02x%02x%02x%02x%02x%02x",
			 rel, in.id, in.name, in.type, in.tag[0], in.tag[1], in.tag[2], in.tag[3],
			 in.tag[4], in.tag[5], in.tag[6], in.tag[7]);
		break;
	}
	case 'l': {
		struct bpf_link_info in = { 0 };
		uint32_t len = sizeof(in), target[2];

		if (bpf_obj_get_info_by_fd(fd, &in, &len))
			break;
		/* the target: xdp's and tcx's ifindex, tcx's attach type (these
		 * headers' bpf_link_info has no tcx member) */
		memcpy(target, (const uint8_t *)&in + offsetof(struct bpf_link_info, xdp),
		       sizeof(target));
		rec_text(t->pins, "%s: link %u type %u prog %u target %u/%u", rel, in.id, in.type,
			 in.prog_id, target[0], target[1]);
		break;
	}
	default:
		rec_text(t->pins, "%s: not a BPF object", rel);
	}
	close(fd);
}

static void walk(struct taking *t, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		rec_text(t->pins, "%s: %s", dir, strerror(errno));
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[1024];

		if (strcmp(name, ".") && strcmp(name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (names[i]->d_type == DT_DIR) {
				rec_text(t->pins, "%s/", path + strlen(BPFFS));
				walk(t, path);
			} else {
				pin(t, path);
			}
		}
		free(names[i]);
	}
	free(names);
}

/* Each device key by its fingerprint: a hash of the key psp_kdf derives
 * from it for SPI 1 of its phase. */
static void dev_keys(struct snap *s)
{
	struct snap_part *p = part_new(s, 1, 0, "device keys");
	int fd = bpf_obj_get(KDF_PIN);

	if (fd < 0) {
		rec_text(p, "%s: %s", KDF_PIN, strerror(errno));
		return;
	}
	for (size_t i = 0; i < s->n_devs; i++) {
		for (uint32_t phase = 0; phase < 2; phase++) {
			struct psp_kdf_req req = { .dev_id = s->devs[i].id,
						   .spi = phase << 31 | 1, .version = 1 };
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &req, .data_out = &req,
				    .data_size_in = sizeof(req), .data_size_out = sizeof(req),
				    .repeat = 1);
			uint8_t md[32];
			unsigned int mdlen = 0;
			int err = bpf_prog_test_run_opts(fd, &o) ? -errno : req.err;

			if (!err)
				EVP_Digest(req.key, sizeof(req.key), md, &mdlen, EVP_sha256(), NULL);
			OPENSSL_cleanse(&req, sizeof(req));
			rec_text(p, "device %u phase %u: %s %02x%02x%02x%02x%02x%02x%02x%02x",
				 s->devs[i].id, phase, err ? strerror(-err) : "key", md[0], md[1],
				 md[2], md[3], md[4], md[5], md[6], md[7]);
		}
	}
	close(fd);
}

/* rtnetlink dumps */
typedef void (*nl_fn)(struct snap_part *p, const struct nlmsghdr *h);

static int nl_dump(int fd, uint16_t type, uint8_t family, struct snap_part *p, nl_fn fn)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg m;	/* its family is where rtmsg's and fib_rule_hdr's are */
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = type,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.m = { .ifi_family = family },
	};
	static char buf[64 * 1024];

	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			fn(p, h);
		}
	}
}

static void attrs(struct rtattr *a, int len, struct rtattr **tb, int max)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if ((a->rta_type & NLA_TYPE_MASK) <= max)
			tb[a->rta_type & NLA_TYPE_MASK] = a;
}

static uint32_t u32_of(const struct rtattr *a)
{
	uint32_t v = 0;

	if (a && RTA_PAYLOAD(a) >= sizeof(v))
		memcpy(&v, RTA_DATA(a), sizeof(v));
	return v;
}

static uint8_t u8_of(const struct rtattr *a)
{
	return a && RTA_PAYLOAD(a) >= 1 ? *(const uint8_t *)RTA_DATA(a) : 0;
}

/* The ifindexes a link dump found, for the tcx queries. */
static int link_ifindex[256], n_links;

static void on_link(struct snap_part *p, const struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct rtattr *tb[IFLA_MAX + 1], *xdp[IFLA_XDP_MAX + 1];

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	attrs(IFLA_RTA(ifi), (int)IFLA_PAYLOAD(h), tb, IFLA_MAX);
	if (tb[IFLA_XDP])
		attrs(RTA_DATA(tb[IFLA_XDP]), (int)RTA_PAYLOAD(tb[IFLA_XDP]), xdp, IFLA_XDP_MAX);
	else
		memset(xdp, 0, sizeof(xdp));
	if (n_links < (int)(sizeof(link_ifindex) / sizeof(link_ifindex[0])))
		link_ifindex[n_links++] = ifi->ifi_index;
	rec_text(p, "%d %s mtu %u %s link %u master %u xdp %u/%u gso %u/%u gro %u", ifi->ifi_index,
		 tb[IFLA_IFNAME] ? (char *)RTA_DATA(tb[IFLA_IFNAME]) : "?", u32_of(tb[IFLA_MTU]),
		 ifi->ifi_flags & IFF_UP ? "up" : "down", u32_of(tb[IFLA_LINK]),
		 u32_of(tb[IFLA_MASTER]), u8_of(xdp[IFLA_XDP_ATTACHED]),
		 u32_of(xdp[IFLA_XDP_PROG_ID]), u32_of(tb[IFLA_GSO_MAX_SEGS]),
		 u32_of(tb[IFLA_GSO_MAX_SIZE]), u32_of(tb[IFLA_GRO_MAX_SIZE]));
}

static const char *addr_str(int family, const struct rtattr *a, char *buf, size_t size)
{
	if (!a)
		return "-";
	return inet_ntop(family, RTA_DATA(a), buf, (socklen_t)size) ?: "?";
}

static void on_route(struct snap_part *p, const struct nlmsghdr *h)
{
	struct rtmsg *rt = NLMSG_DATA(h);
	struct rtattr *tb[RTA_MAX + 1];
	char dst[64], src[64], metrics[129] = "";

	if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_protocol != PSPBPF_RTPROT)
		return;
	attrs(RTM_RTA(rt), (int)RTM_PAYLOAD(h), tb, RTA_MAX);
	if (tb[RTA_METRICS]) {
		const uint8_t *m = RTA_DATA(tb[RTA_METRICS]);
		size_t len = RTA_PAYLOAD(tb[RTA_METRICS]);

		for (size_t i = 0; i < len && i < 64; i++)
			snprintf(metrics + 2 * i, 3, "%02x", m[i]);
	}
	rec_text(p, "family %u table %u %s/%u oif %u type %u scope %u src %s metrics %s",
		 rt->rtm_family, tb[RTA_TABLE] ? u32_of(tb[RTA_TABLE]) : rt->rtm_table,
		 addr_str(rt->rtm_family, tb[RTA_DST], dst, sizeof(dst)), rt->rtm_dst_len,
		 u32_of(tb[RTA_OIF]), rt->rtm_type, rt->rtm_scope,
		 addr_str(rt->rtm_family, tb[RTA_PREFSRC], src, sizeof(src)), metrics);
}

static void on_rule(struct snap_part *p, const struct nlmsghdr *h)
{
	struct fib_rule_hdr *r = NLMSG_DATA(h);
	struct rtattr *tb[FRA_MAX + 1];

	if (h->nlmsg_type != RTM_NEWRULE)
		return;
	attrs(RTM_RTA(r), (int)RTM_PAYLOAD(h), tb, FRA_MAX);
	rec_text(p, "family %u pref %u table %u action %u fwmark 0x%x/0x%x proto %u",
		 r->family, u32_of(tb[FRA_PRIORITY]),
		 tb[FRA_TABLE] ? u32_of(tb[FRA_TABLE]) : r->table, r->action,
		 u32_of(tb[FRA_FWMARK]), u32_of(tb[FRA_FWMASK]), u8_of(tb[FRA_PROTOCOL]));
}

static void tcx(struct snap_part *p)
{
	static const struct { enum bpf_attach_type type; const char *name; } at[] = {
		{ BPF_TCX_INGRESS, "ingress" }, { BPF_TCX_EGRESS, "egress" },
	};

	for (int i = 0; i < n_links; i++) {
		for (size_t a = 0; a < sizeof(at) / sizeof(at[0]); a++) {
			uint32_t progs[16];
			LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = progs, .prog_cnt = 16);
			char list[256] = "";
			size_t n = 0;

			if (bpf_prog_query_opts(link_ifindex[i], at[a].type, &q)) {
				rec_text(p, "%d %s: %s", link_ifindex[i], at[a].name, strerror(errno));
				continue;
			}
			for (uint32_t k = 0; k < q.prog_cnt && k < 16 && n < sizeof(list); k++)
				n += (size_t)snprintf(list + n, sizeof(list) - n, " %u", progs[k]);
			if (q.prog_cnt)
				rec_text(p, "%d %s:%s", link_ifindex[i], at[a].name, list);
		}
	}
}

/* The namespace we are in: links, routes, rules, tcx. */
static int netns_parts(struct snap *s, size_t k)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct snap_part *links = part_new(s, 1, 0, "netns %zu links", k);
	struct snap_part *routes = part_new(s, 1, 0, "netns %zu routes of protocol 80", k);
	struct snap_part *rules = part_new(s, 1, 0, "netns %zu rules", k);
	int err;

	if (fd < 0)
		return -errno;
	n_links = 0;
	err = nl_dump(fd, RTM_GETLINK, AF_UNSPEC, links, on_link);
	if (!err)
		err = nl_dump(fd, RTM_GETROUTE, AF_INET, routes, on_route);
	if (!err)
		err = nl_dump(fd, RTM_GETROUTE, AF_INET6, routes, on_route);
	if (!err)
		err = nl_dump(fd, RTM_GETRULE, AF_INET, rules, on_rule);
	if (!err)
		err = nl_dump(fd, RTM_GETRULE, AF_INET6, rules, on_rule);
	close(fd);
	if (!err)
		tcx(part_new(s, 1, 0, "netns %zu tcx", k));
	return err;
}

int snap_take(struct snap *s, const int *netns_fds, size_t n_netns)
{
	struct taking t = { .s = s };
	int err = 0;

	memset(s, 0, sizeof(*s));
	t.pins = part_new(s, 1, 0, "pins");
	walk(&t, BPFFS);
	dev_keys(s);
	for (size_t k = 0; k < n_netns && !err; k++) {
		if (k && setns(netns_fds[k], CLONE_NEWNET)) {
			err = -errno;
			break;
		}
		err = netns_parts(s, k);
	}
	if (n_netns > 1 && setns(netns_fds[0], CLONE_NEWNET) && !err)
		err = -errno;
	return err;
}

static const struct snap_part *part_named(const struct snap *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->parts[i].name, name))
			return &s->parts[i];
	return NULL;
}

static int part_equal(const struct snap_part *a, const struct snap_part *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

int snap_equal(const struct snap *a, const struct snap *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->parts[i].name, b->parts[i].name) || !part_equal(&a->parts[i], &b->parts[i]))
			return 0;
	return 1;
}

void snap_counters(const struct snap *a, const struct snap *b, int *down, int *up, char *what,
		   size_t size)
{
	size_t n = 0;

	*down = *up = 0;
	what[0] = 0;
	for (size_t i = 0; i < a->n_ctr; i++) {
		const struct snap_counter *x = &a->ctr[i], *y = NULL;

		for (size_t j = 0; j < b->n_ctr && !y; j++)
			if (!strcmp(b->ctr[j].name, x->name))
				y = &b->ctr[j];
		if (y && y->v == x->v)
			continue;
		if (!y || y->v < x->v)
			++*down;
		else
			++*up;
		if (n < size)
			n += (size_t)snprintf(what + n, size - n, "%s%s %llu -> %s%llu", n ? ", " : "",
					      x->name, (unsigned long long)x->v, y ? "" : "gone ",
					      (unsigned long long)(y ? y->v : 0));
	}
}

/* Record i of a part, or NULL. */
static const uint8_t *record(const struct snap_part *p, size_t i, uint32_t *len)
{
	size_t off = 0;

	while (off + sizeof(*len) <= p->len) {
		memcpy(len, p->buf + off, sizeof(*len));
		if (!i--)
			return p->buf + off + sizeof(*len);
		off += sizeof(*len) + *len;
	}
	return NULL;
}

static size_t show(char *out, size_t size, const struct snap_part *p, const char *label,
		   const uint8_t *r, uint32_t len)
{
	size_t n = 0;

	if (!r)
		return (size_t)snprintf(out, size, "\n  %s: (none)", label);
	if (p->text)
		return (size_t)snprintf(out, size, "\n  %s: %.*s", label, (int)len, r);
	n += (size_t)snprintf(out + n, size - n, "\n  %s: key ", label);
	for (uint32_t i = 0; i < len && n + 4 < size; i++) {
		if (i == p->key_size)
			n += (size_t)snprintf(out + n, size - n, " value ");
		if (i > p->key_size + 64) {
			n += (size_t)snprintf(out + n, size - n, "...");
			break;
		}
		n += (size_t)snprintf(out + n, size - n, "%02x", r[i]);
	}
	return n;
}

void snap_diff(const struct snap *a, const struct snap *b, char *out, size_t size)
{
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; i < a->n && n < size; i++) {
		const struct snap_part *pa = &a->parts[i], *pb = part_named(b, pa->name);
		const uint8_t *ra, *rb;
		uint32_t la = 0, lb = 0;
		size_t k = 0;

		if (!pb) {
			n += (size_t)snprintf(out + n, size - n, "%s%s: gone", n ? "\n" : "", pa->name);
			continue;
		}
		if (part_equal(pa, pb))
			continue;
		/* the first record that differs */
		for (;; k++) {
			ra = record(pa, k, &la);
			rb = record(pb, k, &lb);
			if (!ra || !rb || la != lb || memcmp(ra, rb, la))
				break;
		}
		n += (size_t)snprintf(out + n, size - n, "%s%s: differs at entry %zu", n ? "\n" : "",
				      pa->name, k);
		if (n < size)
			n += show(out + n, size - n, pa, "before", ra, la);
		if (n < size)
			n += show(out + n, size - n, pb, "after ", rb, lb);
	}
	for (size_t i = 0; i < b->n && n < size; i++)
		if (!part_named(a, b->parts[i].name))
			n += (size_t)snprintf(out + n, size - n, "%s%s: new", n ? "\n" : "",
					      b->parts[i].name);
}

void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->parts[i].buf);
	free(s->parts);
	memset(s, 0, sizeof(*s));
}
