// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * pspbpf_tls_upgrade(): a TCP connection that carries a TLS session moved
 * onto PSP, the SPIs and keys exchanged inside the session, as Linux
 * net/psp leaves it to its applications (docs/psp-tls.md: the messages).
 *
 * Two rounds, in each of which both ends send their message and then read
 * the peer's, so that both stop at the same one: HELLO (the PSP versions
 * each takes) and ASSOC (SPI and key, after rx-assoc). An end that cannot
 * go on sends ERROR, with its errno and reason, in place of its message.
 * The peer's ASSOC is the last data it sends in clear, and this end has
 * read it whole when tx-assoc checks that no clear data waits unread
 * (sock.c), the rule Linux keeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "clock.h"
#include "pspbpf_int.h"

enum { MSG_HELLO = 1, MSG_ASSOC = 2, MSG_ERROR = 3 };

#define MSG_HDR_LEN	4	/* format, type, body length */
#define HELLO_LEN	4	/* versions */
#define ASSOC_HDR_LEN	6	/* version, key length, SPI; the key follows */
#define ERROR_HDR_LEN	5	/* errno, reason length; the reason follows */
#define REASON_MAX	255
#define MSG_BODY_MAX	(ERROR_HDR_LEN + REASON_MAX)

struct msg {
	uint8_t format, type;
	uint16_t len;
	uint8_t body[MSG_BODY_MAX];
};

struct upg {
	struct pspbpf *h;
	SSL *ssl;
	int fd;
	uint32_t timeout_ms;
	int64_t deadline;	/* CLOCK_MONOTONIC, ms */
	uint8_t format;		/* what this end's messages carry */
	uint32_t versions;	/* what this end's HELLO offered */
	struct pspbpf_upgrade_info *out;
};

static int64_t now_ms(void)
{
	return (int64_t)(monotonic_ns() / 1000000);
}

/* After a failed SSL_read_ex or SSL_write_ex: 0 once the socket is ready
 * for another try, else -errno. */
static int ssl_wait(struct upg *u, int ret, const char *what)
{
	struct pollfd p = { .fd = u->fd };
	int64_t left = u->deadline - now_ms();
	const char *why;
	unsigned long e;
	int n;

	switch (SSL_get_error(u->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		p.events = POLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		p.events = POLLOUT;
		break;
	case SSL_ERROR_ZERO_RETURN:
		return set_err(u->h, ECONNRESET, "%s: the peer closed the TLS session", what);
	case SSL_ERROR_SYSCALL:
		if (errno)
			return set_err(u->h, errno, "%s: %s", what, strerror(errno));
		return set_err(u->h, ECONNRESET, "%s: the peer closed the connection", what);
	default:
		e = ERR_get_error();
		if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			return set_err(u->h, ECONNRESET, "%s: the peer closed the connection",
				       what);
		why = e ? ERR_reason_error_string(e) : NULL;
		return set_err(u->h, EPROTO, "%s: TLS: %s", what, why ? why : "error");
	}
	n = left > 0 ? poll(&p, 1, (int)left) : 0;
	if (n < 0 && errno != EINTR)
		return set_err(u->h, errno, "%s: poll: %s", what, strerror(errno));
	if (!n)
		return set_err(u->h, ETIMEDOUT, "%s: timed out (%u ms)", what, u->timeout_ms);
	return 0;
}

/* All of buf through the session, or -errno. */
static int ssl_xfer(struct upg *u, int write, uint8_t *buf, size_t len, const char *what)
{
	size_t done = 0, n;
	int ret, err;

	while (done < len) {
		ERR_clear_error();
		errno = 0;
		ret = write ? SSL_write_ex(u->ssl, buf + done, len - done, &n) :
			      SSL_read_ex(u->ssl, buf + done, len - done, &n);
		if (ret) {
			done += n;
			continue;
		}
		err = ssl_wait(u, ret, what);
		if (err)
			return err;
	}
	return 0;
}

/* One message, one TLS record; the copy that held it (a key) wiped. */
static int msg_send(struct upg *u, uint8_t type, const uint8_t *body, size_t len,
		    const char *what)
{
	uint8_t buf[MSG_HDR_LEN + MSG_BODY_MAX];
	uint16_t blen = htons((uint16_t)len);
	int err;

	buf[0] = u->format;
	buf[1] = type;
	memcpy(buf + 2, &blen, sizeof(blen));
	memcpy(buf + MSG_HDR_LEN, body, len);
	err = ssl_xfer(u, 1, buf, MSG_HDR_LEN + len, what);
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

/*
 * ERROR with err and the current reason, which stays the one reported
 * whatever the sending does. Its outcome only: the reason is this end's.
 */
static int send_error(struct upg *u, int err)
{
	uint8_t body[MSG_BODY_MAX];
	uint32_t e = htonl((uint32_t)err);
	char why[sizeof(u->h->err)];
	size_t n;
	int ret;

	memcpy(why, u->h->err, sizeof(why));
	n = strnlen(why, REASON_MAX);
	memcpy(body, &e, sizeof(e));
	body[4] = (uint8_t)n;
	memcpy(body + ERROR_HDR_LEN, why, n);
	ret = msg_send(u, MSG_ERROR, body, ERROR_HDR_LEN + n, "sending ERROR");
	memcpy(u->h->err, why, sizeof(why));
	return ret;
}

/*
 * The peer's message breaks the format: refused with ERROR, to a peer
 * that reads it still (one that went on to tx-assoc drops it, as clear
 * data), and the session is out of step.
 */
static int malformed(struct upg *u, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(u->h->err, sizeof(u->h->err), "malformed exchange message from the peer: ");
	va_start(ap, fmt);
	vsnprintf(u->h->err + n, sizeof(u->h->err) - (size_t)n, fmt, ap);
	va_end(ap);
	send_error(u, EBADMSG);
	return -EBADMSG;
}

static int msg_recv(struct upg *u, struct msg *m, const char *what)
{
	uint8_t hdr[MSG_HDR_LEN];
	int err = ssl_xfer(u, 0, hdr, sizeof(hdr), what);

	if (err)
		return err;
	m->format = hdr[0];
	m->type = hdr[1];
	m->len = (uint16_t)(hdr[2] << 8 | hdr[3]);
	if (!m->format || m->len > MSG_BODY_MAX)
		return malformed(u, "%s header of format %u, length %u", what, m->format, m->len);
	return ssl_xfer(u, 0, m->body, m->len, what);
}

/* The peer's ERROR: its errno and reason, control characters shown as '?'. */
static int peer_refused(struct upg *u, const struct msg *m)
{
	struct pspbpf_upgrade_info *out = u->out;
	uint32_t e;

	if (m->len < ERROR_HDR_LEN || m->len != ERROR_HDR_LEN + m->body[4])
		return malformed(u, "ERROR of length %u", m->len);
	memcpy(&e, m->body, sizeof(e));
	out->refused = PSPBPF_UPGRADE_PEER;
	out->peer_err = (int)ntohl(e);
	memcpy(out->peer_reason, m->body + ERROR_HDR_LEN, m->body[4]);
	out->peer_reason[m->body[4]] = '\0';
	for (char *p = out->peer_reason; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	out->tls_usable = 1;
	if (out->peer_err <= 0 || out->peer_err > 4095)
		out->peer_err = EPROTO;
	return set_err(u->h, out->peer_err, "the peer refused: %s", out->peer_reason);
}

/*
 * A round: this end's message, or, if err, an ERROR saying why; then the
 * peer's, which m holds if it is of the type sent. -errno else, and
 * out says which end refused.
 */
static int round_trip(struct upg *u, int err, uint8_t type, const uint8_t *body, size_t len,
		      struct msg *m, const char *what)
{
	char why[sizeof(u->h->err)];
	int ret;

	ret = err ? send_error(u, -err) : msg_send(u, type, body, len, what);
	if (err)
		memcpy(why, u->h->err, sizeof(why));
	if (!ret)
		ret = msg_recv(u, m, what);
	u->out->refused = PSPBPF_UPGRADE_LOCAL;
	if (err) {
		/* this end's reason, whatever the peer sent meanwhile */
		memcpy(u->h->err, why, sizeof(why));
		u->out->tls_usable = !ret;
		return err;
	}
	if (ret)
		return ret;
	if (m->type == MSG_ERROR)
		return peer_refused(u, m);
	if (m->type != type)
		return malformed(u, "type %u where %s was due", m->type, what);
	return 0;
}

/* Round one: the versions both ends take (the device of the socket's
 * route enables and opts allow), and the message format both speak. */
static int hello(struct upg *u, const struct pspbpf_upgrade_opts *o, struct psp_dev_cfg *cfg,
		 struct pspbpf_flow *flow, uint32_t *common)
{
	uint32_t allowed = o->versions ? o->versions : PSP_VERSIONS_ALL;
	uint32_t mine = 0, theirs;
	uint8_t body[HELLO_LEN];
	struct msg m;
	/* a handle pspbpf_open() could not open: the peer learns its reason */
	int err = u->h->root_fd < 0 ? -ENODEV : sk_route_dev(u->h, u->fd, cfg, flow);

	if (!err) {
		mine = cfg->versions_ena & allowed;
		if (!mine)
			err = set_err(u->h, EPROTONOSUPPORT, "%s enables none of the PSP versions "
				      "allowed (0x%x of 0x%x)", cfg->ifname, cfg->versions_ena,
				      allowed);
	}
	u->versions = mine;
	theirs = htonl(mine);
	memcpy(body, &theirs, sizeof(theirs));
	err = round_trip(u, err, MSG_HELLO, body, sizeof(body), &m, "HELLO");
	if (err)
		return err;
	/* a newer format may add to HELLO; ours has it exact */
	if (m.format >= u->format ? m.len < HELLO_LEN : m.len != HELLO_LEN)
		return malformed(u, "HELLO of length %u", m.len);
	if (m.format < u->format)
		u->format = m.format;
	memcpy(&theirs, m.body, sizeof(theirs));
	u->out->peer_versions = ntohl(theirs);
	u->out->format = u->format;
	*common = mine & u->out->peer_versions;
	return 0;
}

/* The peer's ASSOC, checked against what round one agreed. */
static int parse_assoc(struct upg *u, const struct msg *m, uint32_t version,
		       struct pspbpf_tx_params *tx, uint8_t key[PSP_KEY_MAX_LEN])
{
	uint32_t spi;

	if (m->format != u->format)
		return malformed(u, "ASSOC in format %u, not the agreed %u", m->format, u->format);
	if (m->len < ASSOC_HDR_LEN)
		return malformed(u, "ASSOC of length %u", m->len);
	if (m->body[0] != version)
		return malformed(u, "ASSOC of PSP version %u, not the agreed %u", m->body[0],
				 version);
	if (m->body[1] != psp_key_len(version) || m->len != ASSOC_HDR_LEN + m->body[1])
		return malformed(u, "ASSOC with a key of %u bytes in %u (version %u: %u)",
				 m->body[1], m->len, version, psp_key_len(version));
	memcpy(&spi, m->body + 2, sizeof(spi));
	spi = ntohl(spi);
	if (!(spi & PSP_SPI_INDEX_MASK))
		return malformed(u, "ASSOC with SPI %08x", spi);
	/* what OpenSSL would hold past it came in clear, and is no
	 * message of the exchange */
	if (SSL_pending(u->ssl) || SSL_has_pending(u->ssl))
		return malformed(u, "data after ASSOC");
	memcpy(key, m->body + ASSOC_HDR_LEN, m->body[1]);
	*tx = (struct pspbpf_tx_params){ .spi = spi, .version = version, .key = key,
					 .key_len = m->body[1] };
	return 0;
}

/* This end's association of the flow taken away, the reason kept. */
static void forget(struct upg *u, const struct psp_dev_cfg *cfg, const struct pspbpf_flow *flow)
{
	char why[sizeof(u->h->err)];

	memcpy(why, u->h->err, sizeof(why));
	pspbpf_assoc_del(u->h, cfg->ifname, flow);
	memcpy(u->h->err, why, sizeof(why));
}

/*
 * The version both take. Not simply the highest, as the design first
 * had it: versions 2 and 3 (GMAC) authenticate and leave the data in
 * clear, so they come only after both that encrypt, the stronger first.
 */
static uint32_t pick_version(uint32_t common)
{
	static const uint8_t order[] = { PSP_VERSION_GCM_256, PSP_VERSION_GCM_128,
					 PSP_VERSION_GMAC_256, PSP_VERSION_GMAC_128 };

	for (size_t i = 0; i < sizeof(order); i++)
		if (common & 1u << order[i])
			return order[i];
	return 0;
}

/* Round two, after rx-assoc on the version picked: the peer's SPI and
 * key in tx, its key in key. On failure nothing of this end's is left. */
static int assoc(struct upg *u, uint32_t common, const struct psp_dev_cfg *cfg,
		 const struct pspbpf_flow *flow, struct pspbpf_tx_params *tx,
		 uint8_t key[PSP_KEY_MAX_LEN])
{
	uint8_t body[ASSOC_HDR_LEN + PSP_KEY_MAX_LEN];
	uint32_t version = 0, dev_id = cfg->id, spi = 0, be;
	struct msg m;
	int err = 0;

	if (!common)
		err = set_err(u->h, EPROTONOSUPPORT, "no PSP version in common (this end 0x%x, "
			      "the peer 0x%x)", u->versions, u->out->peer_versions);
	else
		version = pick_version(common);
	if (!err)
		err = pspbpf_sk_rx_assoc(u->h, u->fd, &dev_id, version, &spi,
					 body + ASSOC_HDR_LEN);
	body[0] = (uint8_t)version;
	body[1] = (uint8_t)psp_key_len(version);
	be = htonl(spi);
	memcpy(body + 2, &be, sizeof(be));
	u->out->version = version;
	u->out->rx_spi = spi;
	err = round_trip(u, err, MSG_ASSOC, body, ASSOC_HDR_LEN + body[1], &m,
			 "ASSOC");
	OPENSSL_cleanse(body, sizeof(body));
	if (!err)
		err = parse_assoc(u, &m, version, tx, key);
	OPENSSL_cleanse(&m, sizeof(m));
	if (err && spi)
		forget(u, cfg, flow);
	return err;
}

static int upgrade(struct upg *u, const struct pspbpf_upgrade_opts *o)
{
	struct pspbpf_upgrade_info *out = u->out;
	uint8_t key[PSP_KEY_MAX_LEN];
	struct pspbpf_tx_params tx;
	struct psp_dev_cfg cfg;
	struct pspbpf_flow flow;
	struct linger abort = { .l_onoff = 1, .l_linger = 0 };
	uint32_t common = 0;
	int err;

	err = hello(u, o, &cfg, &flow, &common);
	if (!err)
		err = assoc(u, common, &cfg, &flow, &tx, key);
	if (err)
		return err;
	err = pspbpf_sk_tx_assoc(u->h, u->fd, cfg.id, &tx);
	OPENSSL_cleanse(key, sizeof(key));
	if (err) {
		/*
		 * Too late to tell the peer: it has done its tx-assoc and
		 * drops what this end sends in clear. Reset instead (in
		 * clear too, so most likely dropped as well): the peer's
		 * side ends at its own timeout, TCP's or the application's.
		 */
		forget(u, &cfg, &flow);
		setsockopt(u->fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
		out->refused = PSPBPF_UPGRADE_LOCAL;
		return err;
	}
	out->dev_id = cfg.id;
	memcpy(out->ifname, cfg.ifname, sizeof(out->ifname));
	out->tx_spi = tx.spi;
	out->refused = PSPBPF_UPGRADE_OK;
	return 0;
}

int pspbpf_tls_upgrade(struct pspbpf *h, SSL *ssl, const struct pspbpf_upgrade_opts *o,
		       struct pspbpf_upgrade_info *out)
{
	static const struct pspbpf_upgrade_opts defaults;
	struct upg u = { .h = h, .ssl = ssl, .format = PSPBPF_UPGRADE_FORMAT, .out = out };
	int flags, err;

	memset(out, 0, sizeof(*out));
	if (!o)
		o = &defaults;
	u.fd = SSL_get_fd(ssl);
	if (u.fd < 0 || !SSL_is_init_finished(ssl))
		return set_err(h, EINVAL, "the TLS session has no socket or no finished handshake");
	if (SSL_get_read_ahead(ssl))
		return set_err(h, EINVAL, "the TLS session reads ahead: it would take PSP "
			       "data for TLS (SSL_set_read_ahead 0)");
	/* no copy of a key left in OpenSSL's record buffer */
	SSL_set_options(ssl, SSL_OP_CLEANSE_PLAINTEXT);
	u.timeout_ms = o->timeout_ms ? o->timeout_ms : PSPBPF_UPGRADE_TIMEOUT_MS;
	u.deadline = now_ms() + u.timeout_ms;
	flags = fcntl(u.fd, F_GETFL);
	if (flags < 0 || fcntl(u.fd, F_SETFL, flags | O_NONBLOCK))
		return set_err(h, errno, "fd %d: %s", u.fd, strerror(errno));
	err = upgrade(&u, o);
	fcntl(u.fd, F_SETFL, flags);
	if (!err) {
		/* the session stays as it is: a close_notify now would go
		 * out as PSP, inside a stream the peer reads as its own */
		SSL_set_quiet_shutdown(ssl, 1);
		SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	}
	return err;
}
