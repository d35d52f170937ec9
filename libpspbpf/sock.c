// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * rx-assoc and tx-assoc on a socket, as Linux net/psp takes them: the flow
 * comes from the socket, the device from its route (or dev-id), and
 * tx-assoc gets the checks only the socket can answer (has it clear data
 * not read yet?) and its MSS lowered at once.
 *
 * A socket not connected yet has no flow: its association waits in the
 * socket's storage (psp_sk_assocs) until psp_tx binds it to the flow of
 * its SYN, or until a call on the socket, connected by then, does.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>

#include "netlink.h"
#include "pspbpf_int.h"

struct sk_view {
	int connected;
	struct pspbpf_flow flow;	/* the local side only, if not connected */
	uint64_t cookie;
};

static void sa_to_flow(const struct sockaddr_storage *ss, uint8_t addr[16], uint16_t *port,
		       int *family)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		memcpy(addr, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		*family = AF_INET;
	} else {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		*port = ntohs(s6->sin6_port);
		/* an IPv6 socket talking to an IPv4 peer sends IPv4 */
		*family = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) ? AF_INET : AF_INET6;
		memcpy(addr, *family == AF_INET ? &s6->sin6_addr.s6_addr[12] :
						  s6->sin6_addr.s6_addr, *family == AF_INET ? 4 : 16);
	}
}

static int sk_view(struct pspbpf *h, int fd, struct sk_view *v)
{
	struct sockaddr_storage l = { 0 }, r = { 0 };
	socklen_t len = sizeof(int), ll = sizeof(l), rl = sizeof(r);
	int domain, type, proto;

	memset(v, 0, sizeof(*v));
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
	    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len))
		return set_err(h, errno, "fd %d: %s", fd, strerror(errno));
	if ((domain != AF_INET && domain != AF_INET6) || type != SOCK_STREAM ||
	    proto != IPPROTO_TCP)
		return set_err(h, EOPNOTSUPP, "Unsupported socket family and type");
	len = sizeof(v->cookie);
	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &v->cookie, &len) ||
	    getsockname(fd, (struct sockaddr *)&l, &ll))
		return set_err(h, errno, "fd %d: %s", fd, strerror(errno));
	sa_to_flow(&l, v->flow.laddr, &v->flow.lport, &v->flow.family);
	if (getpeername(fd, (struct sockaddr *)&r, &rl)) {
		if (errno != ENOTCONN)
			return set_err(h, errno, "fd %d: %s", fd, strerror(errno));
		return 0;
	}
	sa_to_flow(&r, v->flow.raddr, &v->flow.rport, &v->flow.family);
	v->connected = 1;
	return 0;
}

/*
 * The device, as Linux resolves it: that of the socket's route if it is a
 * PSP device (dev_id, if given, must be it), else the one dev_id names.
 */
static int sk_dev(struct pspbpf *h, const struct sk_view *v, uint32_t dev_id,
		  struct psp_netdev_key *dk, struct psp_dev_cfg *cfg)
{
	struct nl_route rt;

	if (v->connected &&
	    !nl_route_get(h->nl, v->flow.family, v->flow.raddr, v->flow.laddr, 0, &rt) &&
	    !dev_find_ifindex(h, rt.oif, dk, cfg)) {
		if (dev_id && dev_id != cfg->id)
			return set_err(h, EINVAL, "Device id vs socket mismatch "
				       "(the socket's PSP device is %u)", cfg->id);
		return 0;
	}
	if (!dev_id)
		return set_err(h, EINVAL, "missing dev-id: the socket is not connected "
			       "through a PSP device");
	return dev_find_id(h, dev_id, dk, cfg);
}

/*
 * The PSP device of a connected socket's route, as rx-assoc with no
 * dev-id picks it, and the socket's flow (tls_upgrade.c: the versions it
 * offers come before the rx-assoc). ENODEV naming the route's device if
 * that is no PSP device.
 */
int sk_route_dev(struct pspbpf *h, int fd, struct psp_dev_cfg *cfg, struct pspbpf_flow *flow)
{
	LOCK_GUARD(h);
	char name[IF_NAMESIZE] = "?";
	struct nl_route rt;
	struct sk_view v;
	int err = sk_view(h, fd, &v);

	if (!err && !v.connected)
		err = set_err(h, ENOTCONN, "the socket is not connected");
	if (!err)
		err = pspbpf_lock_shared(h);
	if (err)
		return err;
	err = nl_route_get(h->nl, v.flow.family, v.flow.raddr, v.flow.laddr, 0, &rt);
	if (err)
		return set_err(h, -err, "no route to the peer: %s", strerror(-err));
	if (dev_find_ifindex(h, rt.oif, NULL, cfg)) {
		if_indextoname(rt.oif, name);
		return set_err(h, ENODEV, "no PSP device on the route to the peer (via %s)", name);
	}
	*flow = v.flow;
	return 0;
}

/* Restores SO_REUSEADDR, which leaving TCP repair mode resets. */
static void sk_repair_off(int fd, int mode, int reuse)
{
	setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &mode, sizeof(mode));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
}

/*
 * What the socket has received (rcv_nxt), which only TCP repair mode shows
 * userspace (for a moment, and with no queue selected, so that a
 * concurrent call of the owner's cannot touch one), and how much of it is
 * unread. Segments go on arriving meanwhile, so rcv_nxt is read on both
 * sides of the unread count until it held still: only then do the two
 * tell where the unread data starts. -errno without CAP_NET_ADMIN, -EAGAIN
 * if it never held still.
 */
static int sk_rcv_seq(int fd, uint32_t *rcv_nxt, uint32_t *inq)
{
	int on = TCP_REPAIR_ON, q = TCP_RECV_QUEUE, none = TCP_NO_QUEUE, reuse = 0, n = 0;
	socklen_t len = sizeof(reuse);
	uint32_t before;
	int err = -EAGAIN;

	getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &len);
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)))
		return -errno;
	len = sizeof(*rcv_nxt);
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		err = -errno;
	for (int tries = 0; err == -EAGAIN && tries < 100; tries++) {
		if (getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, &before, &len) ||
		    ioctl(fd, SIOCINQ, &n) ||
		    getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, rcv_nxt, &len))
			err = -errno;
		else if (before == *rcv_nxt)
			err = 0;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &none, sizeof(none));
	sk_repair_off(fd, TCP_REPAIR_OFF_NO_WP, reuse);
	*inq = (uint32_t)n;
	return err;
}

/* The mark that routes the socket by PSPBPF_RT_TABLE (route.c). */
static int sk_mark(struct pspbpf *h, int fd)
{
	uint32_t mark = 0;
	socklen_t len = sizeof(mark);

	if (getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len))
		return set_err(h, errno, "cannot read the socket's mark: %s", strerror(errno));
	mark = (mark & ~PSPBPF_SK_MARK_MASK) | PSPBPF_SK_MARK;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		return set_err(h, errno, "cannot mark the socket: %s", strerror(errno));
	return 0;
}

/*
 * TCP takes a lower path MTU only when it next sends: leaving repair mode
 * sends a window probe (in PSP by now), for which the socket looks its
 * route up again (its mark dropped the one it had), and a send of nothing
 * then sizes its segments by the new one.
 */
static void sk_mss_sync(int fd)
{
	int on = TCP_REPAIR_ON, reuse = 0;
	socklen_t len = sizeof(reuse);

	getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &len);
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)))
		return;
	sk_repair_off(fd, TCP_REPAIR_OFF, reuse);
	send(fd, NULL, 0, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* A socket's waiting association, bound to its flow now that it has one. */
static int sk_bind(struct pspbpf *h, int fd, const struct psp_sk_assoc *sa,
		   const struct psp_flow *fk)
{
	struct psp_spi_key k = { .dev_id = sa->dev_id, .spi = sa->rx_spi };
	struct psp_assoc a = { .rx_spi = sa->rx_spi, .version = sa->version,
			       .has_tx = (uint8_t)!!sa->has_tx };
	struct psp_rx_sa rx;

	if (bpf_map_lookup_elem(h->map.rx_sa, &k, &rx) || rx.flow.family)
		return set_err(h, ENOENT, "the socket's association (SPI %08x) expired",
			       sa->rx_spi);
	if (sa->has_tx && bpf_map_update_elem(h->map.tx_sa, fk, &sa->tx, BPF_NOEXIST))
		return set_err(h, EBUSY, "Socket already has PSP state");
	if (bpf_map_update_elem(h->map.assocs, fk, &a, BPF_NOEXIST)) {
		if (sa->has_tx)
			bpf_map_delete_elem(h->map.tx_sa, fk);
		return set_err(h, EBUSY, "Socket already has PSP state");
	}
	rx.flow = *fk;
	bpf_map_update_elem(h->map.rx_sa, &k, &rx, BPF_EXIST);
	bpf_map_delete_elem(h->map.sk_assocs, &fd);
	return 0;
}

/*
 * The socket's association waiting for a flow: 0, or 1 if the socket has
 * one by now and the association was bound to it; -ENOENT if there is
 * none.
 */
static int sk_waiting(struct pspbpf *h, int fd, const struct sk_view *v,
		      const struct psp_dev_cfg *cfg, struct psp_sk_assoc *sa)
{
	struct psp_flow fk;
	int err;

	if (bpf_map_lookup_elem(h->map.sk_assocs, &fd, sa))
		return -ENOENT;
	if (sa->dev_id != cfg->id)
		return set_err(h, EINVAL, "Rx key from different device");
	if (!v->connected)
		return 0;
	flow_to_key(&v->flow, cfg->id, &fk);
	err = sk_bind(h, fd, sa, &fk);
	return err ? err : 1;
}

int pspbpf_sk_rx_assoc(struct pspbpf *h, int fd, uint32_t *dev_id, uint32_t version,
		       uint32_t *spi, uint8_t key[PSP_KEY_MAX_LEN])
{
	LOCK_GUARD(h);
	struct psp_sk_assoc sa;
	struct psp_netdev_key dk;
	struct psp_dev_cfg cfg;
	struct psp_assoc a;
	struct psp_kdf_req d = { .version = version };
	struct sk_view v;
	struct psp_flow fk;
	const uint32_t *clear_end = NULL;
	uint32_t rcv_nxt, inq;
	int err, unread = 0;

	err = sk_view(h, fd, &v);
	if (!err)
		err = pspbpf_lock(h);
	if (!err)
		err = sk_dev(h, &v, *dev_id, &dk, &cfg);
	if (err)
		return err;
	flow_to_key(&v.flow, cfg.id, &fk);
	if (!bpf_map_lookup_elem(h->map.sk_assocs, &fd, &sa) ||
	    (v.connected && !bpf_map_lookup_elem(h->map.assocs, &fk, &a)))
		return set_err(h, EBUSY, "Socket already has PSP state");
	/* whatever the socket has not read yet came in clear */
	if (v.connected && !ioctl(fd, SIOCINQ, &unread) && unread > 0 &&
	    !sk_rcv_seq(fd, &rcv_nxt, &inq))
		clear_end = &rcv_nxt;
	if (v.connected)
		d.flow = fk;
	err = assoc_rx_alloc(h, cfg.ifname, &d, key);
	if (!err)
		err = assoc_rx_put(h, &d, v.connected ? &d.flow : NULL, clear_end, v.cookie, key);
	if (err)
		return err;
	*spi = d.spi;
	*dev_id = cfg.id;
	if (v.connected)
		return 0;
	sa = (struct psp_sk_assoc){ .dev_id = cfg.id, .rx_spi = *spi, .version = version };
	if (bpf_map_update_elem(h->map.sk_assocs, &fd, &sa, BPF_NOEXIST)) {
		err = set_err(h, errno, "cannot keep the association with the socket: %s",
			      strerror(errno));
		fk.family = 0;
		assoc_forget(h, &fk, *spi);
		OPENSSL_cleanse(key, PSP_KEY_MAX_LEN);
	}
	return err;
}

/* Tx on a socket not connected yet: the key now, the flow at its SYN. */
static int sk_tx_waiting(struct pspbpf *h, int fd, const struct sk_view *v,
			 const struct psp_dev_cfg *cfg, struct psp_sk_assoc *sa,
			 const struct pspbpf_tx_params *p)
{
	struct psp_assoc_req r = {
		.op = PSP_ASSOC_TX_ADD, .dev_id = cfg->id, .spi = sa->rx_spi,
		.key_len = (uint32_t)p->key_len, .flags = cfg->flags, .version = p->version,
	};
	int err = assoc_tx_check(h, sa->version, sa->has_tx, p);
	int mss = (int)cfg->mtu - (v->flow.family == AF_INET ? 40 : 60) - PSP_ENCAP_HLEN -
		  PSP_ICV_LEN - (p->has_vc ? PSP_VC_LEN : 0);

	if (err)
		return err;
	r.flow.dev_id = cfg->id;	/* no flow: the key alone */
	memcpy(r.key, p->key, p->key_len);
	err = assoc_req_run(h, &r);
	if (err)
		return set_err(h, -err, "cannot add the Tx key: %s", strerror(-err));
	sa->has_tx = 1;
	assoc_tx_sa(p, sa->rx_spi, &sa->tx);
	if (bpf_map_update_elem(h->map.sk_assocs, &fd, sa, BPF_EXIST))
		return set_err(h, errno, "cannot keep the Tx state with the socket: %s",
			       strerror(errno));
	/* no path yet to make room on: the MSS the SYN will ask for, then */
	setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
	return 0;
}

int pspbpf_sk_tx_assoc(struct pspbpf *h, int fd, uint32_t dev_id,
		       const struct pspbpf_tx_params *p)
{
	LOCK_GUARD(h);
	struct psp_assoc_req latch = { .op = PSP_ASSOC_TX_LATCH };
	struct psp_sk_assoc sa;
	struct psp_netdev_key dk;
	struct psp_dev_cfg cfg;
	struct psp_assoc a;
	struct sk_view v;
	uint32_t rcv_nxt, inq;
	int err, busy;

	err = sk_view(h, fd, &v);
	if (!err)
		err = pspbpf_lock(h);
	if (!err)
		err = sk_dev(h, &v, dev_id, &dk, &cfg);
	if (err)
		return err;
	err = sk_waiting(h, fd, &v, &cfg, &sa);
	if (!err)
		return sk_tx_waiting(h, fd, &v, &cfg, &sa, p);
	if (err != -ENOENT && err != 1)
		return err;
	flow_to_key(&v.flow, cfg.id, &latch.flow);
	if (!v.connected || bpf_map_lookup_elem(h->map.assocs, &latch.flow, &a))
		return set_err(h, EINVAL, "Socket has no Rx key (rx-assoc first)");
	err = assoc_tx_check(h, a.version, a.has_tx, p);
	if (err)
		return err;

	/*
	 * Data in clear refused from here on; then none may wait unread, as
	 * Linux requires: what came in clear ended at clear_end, and the
	 * socket's unread data starts at rcv_nxt - inq (or is out of order,
	 * past rcv_nxt).
	 */
	latch.dev_id = cfg.id;
	err = assoc_req_run(h, &latch);
	if (err)
		return set_err(h, EINVAL, "Socket has no Rx key (rx-assoc first)");
	if (sk_rcv_seq(fd, &rcv_nxt, &inq))
		busy = 1;	/* cannot tell */
	else
		busy = latch.clear_end_set && (int32_t)(latch.clear_end - (rcv_nxt - inq)) > 0;
	if (busy)
		err = set_err(h, EBUSY, "Socket has incompatible segments already in the recv "
			      "queue (read them, then retry)");
	else
		err = route_sk_rule(h, v.flow.family);
	/*
	 * The route before the mark: marked, the socket looks its route up
	 * again at its next send, which may come first (a delayed ACK), and
	 * finds the main table's; IPv6 then keeps that one cached, as a route
	 * added to another table does not invalidate it.
	 */
	if (!err)
		err = assoc_tx_route(h, &cfg, &v.flow, p, PSPBPF_RT_TABLE);
	if (!err)
		err = sk_mark(h, fd);
	if (!err)
		err = assoc_tx_install(h, &cfg, &v.flow, &a, p, PSPBPF_RT_TABLE);
	if (err) {
		latch.op = PSP_ASSOC_TX_UNLATCH;
		assoc_req_run(h, &latch);
		return err;
	}
	sk_mss_sync(fd);
	return 0;
}
