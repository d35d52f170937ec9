// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-cases: the cases of the Linux kernel's PSP selftest
 * (tools/testing/selftests/drivers/net/psp.py) and of its packetdrill PSP
 * tests, against a psp-responder, through libpspbpf's socket API where
 * the kernel's cases use the psp netlink family. One case a run, named
 * as the kernel names it; each check it makes is printed, and it exits 0
 * only if all of them held.
 *
 *   psp-cases --remote ADDR [--remote6 ADDR] --port PORT --dev DEV CASE
 *             [--version N] [--ip 4|6] [--seconds N]
 *
 * One case is not the kernel's: soak, connections opening, upgrading and
 * closing every way a connection ends, for --seconds.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pspbpf.h"

struct cfg {
	struct pspbpf *h;
	const char *remote, *remote6, *port, *dev;
	uint32_t dev_id;
	uint32_t version;
	int ipver;
	unsigned int seconds;	/* of the soak */
	int comm;		/* the control connection to the responder */
};

static int failed;
static int quiet;	/* print failed checks only */

/* A check: printed either way, remembered if it failed. */
static int check(int ok, const char *fmt, ...)
{
	va_list ap;

	failed |= !ok;
	if (ok && quiet)
		return ok;
	printf("# %s: ", ok ? "ok" : "FAILED");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return ok;
}

/* A call that must succeed: its reason said if it did not. */
static int check_call(int err, struct cfg *c, const char *what)
{
	return err ? check(0, "%s: %s", what, pspbpf_errmsg(c->h)) : check(1, "%s", what);
}

static int check_eq(const char *what, long long got, long long want)
{
	return check(got == want, "%s: %lld (want %lld)", what, got, want);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai)) {
		check(0, "resolve %s", host);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		check(0, "connect to %s port %s: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* A command to the responder, which must answer ack. */
static int send_with_ack(struct cfg *c, const void *msg, size_t len)
{
	char resp[4];

	if (send(c->comm, msg, len, 0) != (ssize_t)len ||
	    recv(c->comm, resp, sizeof(resp), MSG_WAITALL) != sizeof(resp) ||
	    memcmp(resp, "ack", 4))
		return check(0, "responder acknowledges '%s'", (const char *)msg) - 1;
	return 0;
}

static long remote_read_len(struct cfg *c)
{
	char buf[32] = { 0 };
	ssize_t n;

	if (send(c->comm, "read len", 9, 0) != 9)
		return -1;
	n = recv(c->comm, buf, sizeof(buf) - 1, 0);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* A data connection, in clear or to be upgraded (the responder does its
 * half as the connection comes in). */
static int make_conn(struct cfg *c, int psp, uint32_t version, int ipver)
{
	char cmd[sizeof("conn psp") + 2] = "conn psp";

	if (psp) {
		cmd[sizeof("conn psp")] = (char)version;
		cmd[sizeof("conn psp") + 1] = (char)version;
		if (send_with_ack(c, cmd, sizeof(cmd)))
			return -1;
	} else if (send_with_ack(c, "conn clr", sizeof("conn clr"))) {
		return -1;
	}
	return connect_to(ipver == 6 ? c->remote6 : c->remote, c->port);
}

static void close_conn(struct cfg *c, int fd)
{
	send_with_ack(c, "data close", sizeof("data close"));
	close(fd);
}

/* rx-assoc on the socket; dev_id 0 leaves the device to the socket. */
static int rx_assoc(struct cfg *c, int fd, uint32_t dev_id, uint32_t version, uint32_t *spi,
		    uint8_t *key)
{
	int err = pspbpf_sk_rx_assoc(c->h, fd, &dev_id, version, spi, key);

	if (err)
		return err;
	check_eq("rx-assoc: dev-id", dev_id, c->dev_id);
	check(*spi & 0x7fffffff, "rx-assoc: spi %08x, lower 31 bits not 0", *spi);
	return 0;
}

static int tx_assoc(struct cfg *c, int fd, uint32_t dev_id, uint32_t version, uint32_t spi,
		    const uint8_t *key)
{
	struct pspbpf_tx_params p = {
		.spi = spi, .version = version, .key = key, .key_len = psp_key_len(version),
	};

	return pspbpf_sk_tx_assoc(c->h, fd, dev_id, &p);
}

static int expect_err(int err, int want, struct cfg *c, const char *what)
{
	return check(err == -want, "%s fails with %s: %s (%s)", what, strerrorname_np(want),
		     err ? strerrorname_np(-err) : "success", err ? pspbpf_errmsg(c->h) : "");
}

/* Our SPI and key out on the connection, the peer's in. */
static int spi_xchg(int fd, uint32_t version, uint32_t spi, const uint8_t *key,
		    uint32_t *tx_spi, uint8_t *tx_key)
{
	size_t len = 4 + psp_key_len(version);
	uint8_t buf[4 + PSP_KEY_MAX_LEN];

	memcpy(buf, &spi, 4);
	memcpy(buf + 4, key, len - 4);
	if (send(fd, buf, len, 0) != (ssize_t)len ||
	    recv(fd, buf, len, MSG_WAITALL) != (ssize_t)len)
		return check(0, "SPI and key exchange") - 1;
	memcpy(tx_spi, buf, 4);
	memcpy(tx_key, buf + 4, len - 4);
	return 0;
}

/* rx-assoc, exchange, tx-assoc on a connection. */
static int upgrade(struct cfg *c, int fd, uint32_t version, int flip_key)
{
	uint8_t key[PSP_KEY_MAX_LEN], tx_key[PSP_KEY_MAX_LEN];
	uint32_t spi, tx_spi;
	int err;

	err = rx_assoc(c, fd, c->dev_id, version, &spi, key);
	if (!err)
		err = spi_xchg(fd, version, spi, key, &tx_spi, tx_key);
	tx_key[0] ^= flip_key ? 0xff : 0;
	if (!err)
		err = tx_assoc(c, fd, c->dev_id, version, tx_spi, tx_key);
	return check_call(err, c, "PSP connection: rx-assoc, key exchange, tx-assoc") ? 0 : -1;
}

/* A whole PSP connection. */
static int psp_conn(struct cfg *c, uint32_t version, int ipver, int flip_key)
{
	int fd = make_conn(c, 1, version, ipver);

	if (fd >= 0 && upgrade(c, fd, version, flip_key)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int outq(int fd)
{
	int n = -1;

	ioctl(fd, SIOCOUTQ, &n);
	return n;
}

/* rounds of 2000 bytes, as the kernel's _send_careful */
static long send_careful(struct cfg *c, int fd, int rounds)
{
	static const char chunk[] = "0123456789";
	char data[2000];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = chunk[i % 10];
	for (int i = 0; i < rounds; i++) {
		size_t n = 0;

		for (int tries = 0; n < sizeof(data) && tries < 10; tries++) {
			ssize_t s = send(fd, data + n, sizeof(data) - n, MSG_DONTWAIT);

			if (s > 0)
				n += (size_t)s;
			else
				sleep_ms(50);
		}
		if (n < sizeof(data))
			return check(0, "sent %ld, remote read %ld, outq %d",
				     (long)(i * sizeof(data) + n), remote_read_len(c), outq(fd)) - 1;
	}
	return (long)sizeof(data) * rounds;
}

static void check_data_rx(struct cfg *c, long want)
{
	long got = -1;

	for (int i = 0; i < 300 && got != want; i++) {
		got = remote_read_len(c);
		if (got != want)
			sleep_ms(10);
	}
	check_eq("bytes the responder read", got, want);
}

static void check_outq(int fd, int want, int force_wait)
{
	int got = -1;

	for (int i = 0; i < 100; i++) {
		got = outq(fd);
		if (!force_wait && got == want)
			break;
		sleep_ms(10);
	}
	check_eq("bytes unacknowledged in the send queue", got, want);
}

static int mss(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, &len);
	return v;
}

/* ---- psp.py ---- */

static void dev_rotate_spi(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	uint32_t a, b;
	int s = socket(AF_INET6, SOCK_STREAM, 0), s2 = socket(AF_INET6, SOCK_STREAM, 0);

	if (rx_assoc(c, s, c->dev_id, 0, &a, key) || pspbpf_key_rotate(c->h, c->dev, NULL) ||
	    rx_assoc(c, s2, c->dev_id, 0, &b, key))
		check(0, "rx-assoc, key-rotate, rx-assoc: %s", pspbpf_errmsg(c->h));
	else
		check(a >> 31 != b >> 31, "SPI bit 31 before (%08x) and after (%08x) a rotation "
		      "differ", a, b);
	close(s);
	close(s2);
}

static void assoc_basic(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	uint32_t spi;

	if (check_call(rx_assoc(c, s, c->dev_id, 0, &spi, key), c,
		       "rx-assoc on an unconnected socket"))
		check_call(tx_assoc(c, s, c->dev_id, 0, spi, key), c, "tx-assoc with that key");
	close(s);
}

static void assoc_bad_dev(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	uint32_t spi, id = c->dev_id + 1234567;
	int s = socket(AF_INET6, SOCK_STREAM, 0);

	expect_err(pspbpf_sk_rx_assoc(c->h, s, &id, 0, &spi, key), ENODEV, c,
		   "rx-assoc with a device id no device has");
	close(s);
}

static void assoc_sk_only_conn(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	int s = make_conn(c, 0, 0, 4);
	uint32_t spi;

	if (s < 0)
		return;
	if (check_call(rx_assoc(c, s, 0, 0, &spi, key), c, "rx-assoc without dev-id"))
		check_call(tx_assoc(c, s, 0, 0, spi, key), c, "tx-assoc without dev-id");
	close_conn(c, s);
}

static void assoc_sk_only_mismatch(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	uint32_t spi, id = c->dev_id + 1234567;
	int s = make_conn(c, 0, 0, 4);

	if (s < 0)
		return;
	expect_err(pspbpf_sk_rx_assoc(c->h, s, &id, 0, &spi, key), EINVAL, c,
		   "rx-assoc with another device id than the socket's");
	check(strstr(pspbpf_errmsg(c->h), "Device id vs socket mismatch") != NULL,
	      "the reason names the device id");
	close_conn(c, s);
}

static void assoc_sk_only_mismatch_tx(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	int s = make_conn(c, 0, 0, 4);
	uint32_t spi;

	if (s < 0)
		return;
	if (check_call(rx_assoc(c, s, 0, 0, &spi, key), c, "rx-assoc without dev-id")) {
		expect_err(tx_assoc(c, s, c->dev_id + 1234567, 0, spi, key), EINVAL, c,
			   "tx-assoc with another device id than the socket's");
		check(strstr(pspbpf_errmsg(c->h), "Device id vs socket mismatch") != NULL,
		      "the reason names the device id");
	}
	close_conn(c, s);
}

static void assoc_sk_only_unconn(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	uint32_t spi, id = 0;

	expect_err(pspbpf_sk_rx_assoc(c->h, s, &id, 0, &spi, key), EINVAL, c,
		   "rx-assoc on an unconnected socket without dev-id");
	check(strstr(pspbpf_errmsg(c->h), "dev-id") != NULL, "the reason names dev-id");
	close(s);
}

static void assoc_version_mismatch(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	uint32_t spi;

	if (check_call(rx_assoc(c, s, c->dev_id, 0, &spi, key), c, "rx-assoc of version 0"))
		for (uint32_t v = 1; v <= PSP_VERSION_MAX; v++) {
			uint8_t k[PSP_KEY_MAX_LEN] = { 0 };
			char what[64];

			snprintf(what, sizeof(what), "tx-assoc of version %u", v);
			expect_err(tx_assoc(c, s, c->dev_id, v, spi, k), EINVAL, c, what);
		}
	close(s);
}

static void assoc_twice(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN], key2[PSP_KEY_MAX_LEN];
	int s = socket(AF_INET6, SOCK_STREAM, 0), s2 = socket(AF_INET6, SOCK_STREAM, 0);
	uint32_t spi, spi2;

	if (check_call(rx_assoc(c, s, c->dev_id, 0, &spi, key), c, "rx-assoc, first socket") &&
	    check_call(tx_assoc(c, s, c->dev_id, 0, spi, key), c, "tx-assoc, first socket") &&
	    check_call(rx_assoc(c, s2, c->dev_id, 0, &spi2, key2), c, "rx-assoc, second socket"))
		check_call(tx_assoc(c, s2, c->dev_id, 0, spi, key), c,
			   "the first socket's Tx key on the second socket");
	close(s2);
	close(s);
}

static void data_basic_send(struct cfg *c)
{
	int s = psp_conn(c, c->version, c->ipver, 0);

	if (s < 0)
		return;
	check_data_rx(c, send_careful(c, s, 100));
	close_conn(c, s);
}

static void data_send_bad_key(struct cfg *c)
{
	int s = psp_conn(c, 0, 4, 1);
	long n;

	if (s < 0)
		return;
	n = send_careful(c, s, 20);
	check_outq(s, (int)n, 1);
	check_data_rx(c, 0);
	close_conn(c, s);
}

static void data_send_disconnect(struct cfg *c)
{
	int s = psp_conn(c, 0, 4, 0);

	if (s < 0)
		return;
	check_data_rx(c, send_careful(c, s, 100));
	check(!shutdown(s, SHUT_RDWR), "shutdown");
	check(!close(s), "close");
}

static void data_mss_adjust(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN], tx_key[PSP_KEY_MAX_LEN];
	char data[16 * 1024];
	uint32_t spi, tx_spi;
	int s, base;

	/* the MSS without PSP first */
	s = make_conn(c, 0, 0, c->ipver);
	if (s < 0)
		return;
	memset(data, 'm', sizeof(data));
	check(send(s, data, sizeof(data), 0) == sizeof(data), "send 16 KiB in clear");
	check_data_rx(c, sizeof(data));
	base = mss(s);
	close_conn(c, s);

	s = make_conn(c, 1, 0, c->ipver);
	if (s < 0)
		return;
	if (!check_call(rx_assoc(c, s, c->dev_id, 0, &spi, key), c, "rx-assoc") ||
	    spi_xchg(s, 0, spi, key, &tx_spi, tx_key))
		goto out;
	check_eq("MSS after rx-assoc", mss(s), base);
	if (!check_call(tx_assoc(c, s, c->dev_id, 0, tx_spi, tx_key), c, "tx-assoc"))
		goto out;
	check_eq("MSS after tx-assoc", mss(s), base - 40);
	check_data_rx(c, send_careful(c, s, 100));
out:
	close_conn(c, s);
}

static void data_stale_key(struct cfg *c)
{
	static const char more[2000] = { '0' };
	int s = psp_conn(c, 0, 4, 0);

	if (s < 0)
		return;
	check_data_rx(c, send_careful(c, s, 100));
	check_outq(s, 0, 0);
	check(!pspbpf_key_rotate(c->h, c->dev, NULL) && !pspbpf_key_rotate(c->h, c->dev, NULL),
	      "two key rotations");
	check(send(s, more, sizeof(more), 0) == sizeof(more), "send 2000 more bytes");
	check_outq(s, sizeof(more), 1);
	close_conn(c, s);
}

/* Linux re-registers a netdevsim PSP device; here the device is deleted
 * and added again under the connection. */
static void rereg(struct cfg *c)
{
	struct pspbpf_dev_opts o = { .versions_ena = PSP_VERSIONS_ALL };
	struct pspbpf_dev_info *before, *after;
	size_t nb = 0, na = 0, fresh = 0;
	struct psp_dev_cfg cfg;

	pspbpf_dev_list(c->h, &before, &nb);
	check_call(pspbpf_dev_del(c->h, c->dev), c, "dev del with live associations");
	check_call(pspbpf_dev_add(c->h, c->dev, &o, &cfg), c, "dev add again");
	pspbpf_dev_list(c->h, &after, &na);
	for (size_t i = 0; i < na; i++) {
		size_t j = 0;

		while (j < nb && before[j].cfg.id != after[i].cfg.id)
			j++;
		fresh += j == nb;
	}
	check_eq("new device ids", (long long)fresh, 1);
	check(cfg.id != c->dev_id, "the device came back with a new id (%u, was %u)", cfg.id,
	      c->dev_id);
	c->dev_id = cfg.id;
	free(before);
	free(after);
}

static void removal(struct cfg *c, int bi)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	int s = make_conn(c, 0, 0, 4);
	uint32_t spi;

	if (s < 0)
		return;
	if (check_call(rx_assoc(c, s, c->dev_id, 0, &spi, key), c, "rx-assoc") &&
	    (!bi || check_call(tx_assoc(c, s, c->dev_id, 0, spi, key), c, "tx-assoc")))
		rereg(c);
	close_conn(c, s);
}

/* Not a kernel case (its devices are there before any socket): a
 * connection opened before its device was added, upgraded after, makes
 * room for PSP in its MSS as any other, and nothing it sends is too big. */
static void data_mss_preexisting(struct cfg *c)
{
	struct pspbpf_dev_opts o = { .versions_ena = PSP_VERSIONS_ALL };
	uint64_t cnt[PSP_CNT__MAX];
	struct psp_dev_cfg cfg;
	int s, base;

	if (!check_call(pspbpf_dev_del(c->h, c->dev), c, "dev del"))
		return;
	s = make_conn(c, 1, 0, c->ipver);
	base = mss(s);
	if (!check_call(pspbpf_dev_add(c->h, c->dev, &o, &cfg), c, "dev add under the connection"))
		goto out;
	c->dev_id = cfg.id;
	if (s < 0 || upgrade(c, s, 0, 0))
		goto out;
	check_eq("MSS after tx-assoc", mss(s), base - 40);
	check_data_rx(c, send_careful(c, s, 100));
	check_outq(s, 0, 0);
	if (check_call(pspbpf_stats(c->h, c->dev_id, cnt), c, "stats"))
		check_eq("tx-error", (long long)cnt[PSP_CNT_TX_ERROR], 0);
out:
	if (s >= 0)
		close_conn(c, s);
}

static void removal_device_rx(struct cfg *c)
{
	removal(c, 0);
}

static void removal_device_bi(struct cfg *c)
{
	removal(c, 1);
}

/* ---- packetdrill's PSP cases, on real connections ---- */

/* A connection in clear that this side upgrades alone: the responder
 * keeps sending in clear. */
static int upgraded_alone(struct cfg *c, int *s)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	uint32_t spi;

	*s = make_conn(c, 0, 0, 4);
	if (*s < 0)
		return -1;
	if (!check_call(rx_assoc(c, *s, c->dev_id, 0, &spi, key), c, "rx-assoc") ||
	    !check_call(tx_assoc(c, *s, c->dev_id, 0, spi, key), c, "tx-assoc"))
		return -1;
	return 0;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* psp-tx-drop-plaintext-data: data in clear after the upgrade is dropped */
static void tx_drop_plaintext_data(struct cfg *c)
{
	int s;

	if (!upgraded_alone(c, &s)) {
		send_with_ack(c, "data echo", sizeof("data echo"));
		check(!readable(s, 1000), "the responder's data in clear never arrives");
	}
	if (s >= 0)
		close_conn(c, s);
}

/* psp-tx-accept-fin: a FIN in clear at the latched sequence closes */
static void tx_accept_fin(struct cfg *c)
{
	char b;
	int s;

	if (!upgraded_alone(c, &s)) {
		send_with_ack(c, "data close", sizeof("data close"));
		check(readable(s, 3000) && recv(s, &b, 1, 0) == 0,
		      "the responder's FIN in clear at the latch closes the connection");
	}
	if (s >= 0)
		close(s);
}

/* ... and a FIN in clear past it (after data the upgrade refused) does not */
static void tx_drop_late_fin(struct cfg *c)
{
	int s;

	if (!upgraded_alone(c, &s)) {
		send_with_ack(c, "data echo", sizeof("data echo"));
		send_with_ack(c, "data close", sizeof("data close"));
		check(!readable(s, 1500), "a FIN in clear past the latch is dropped");
	}
	if (s >= 0)
		close(s);
}

/* psp-tx-key-retry: tx-assoc refused while data in clear waits unread,
 * then accepted once it is read */
static void tx_key_retry(struct cfg *c)
{
	uint8_t key[PSP_KEY_MAX_LEN];
	char echo[5];
	uint32_t spi;
	int s = make_conn(c, 0, 0, 4);

	if (s < 0)
		return;
	if (check_call(rx_assoc(c, s, c->dev_id, 0, &spi, key), c, "rx-assoc") &&
	    !send_with_ack(c, "data echo", sizeof("data echo")) &&
	    check(readable(s, 3000), "the responder's data in clear arrives")) {
		expect_err(tx_assoc(c, s, c->dev_id, 0, spi, key), EBUSY, c,
			   "tx-assoc with it unread");
		check(recv(s, echo, sizeof(echo), MSG_WAITALL) == sizeof(echo), "read it");
		check_call(tx_assoc(c, s, c->dev_id, 0, spi, key), c, "tx-assoc again");
	}
	close_conn(c, s);
}

/* psp-key-rotate-basic: a connection lives through one rotation */
static void key_rotate_basic(struct cfg *c)
{
	int s = psp_conn(c, 0, 4, 0);
	long n;

	if (s < 0)
		return;
	check_call(pspbpf_key_rotate(c->h, c->dev, NULL), c, "key-rotate");
	n = send_careful(c, s, 20);
	check_data_rx(c, n);
	check_outq(s, 0, 0);
	close_conn(c, s);
}

/* ---- soak ---- */

#define SOAK_PACE_MS	15

enum soak_close { SOAK_PEER_FIRST, SOAK_FIN_FIRST, SOAK_RST, SOAK_CLOSES };

/* Ends a data connection one of the ways connections end. The responder
 * may have closed its side already, seeing ours go: "err" is an answer. */
static void soak_close(struct cfg *c, int fd, enum soak_close how)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	char resp[4];

	if (how == SOAK_PEER_FIRST) {
		close_conn(c, fd);
		return;
	}
	if (how == SOAK_RST)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
	check(send(c->comm, "data close", sizeof("data close"), 0) == sizeof("data close") &&
	      recv(c->comm, resp, sizeof(resp), MSG_WAITALL) == sizeof(resp) &&
	      (!memcmp(resp, "ack", 4) || !memcmp(resp, "err", 4)),
	      "responder answers 'data close'");
}

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Connections of random versions and IP versions, upgraded, carrying a
 * little data, and closed at random, until the time is up; only failed
 * checks print, and a summary. Paced: a closed flow's state stays for its
 * TIME_WAIT, as a socket's does, and a minute of connections at full speed
 * would fill the maps of both ends (PSP_MAX_ASSOCS). */
static void soak(struct cfg *c)
{
	uint64_t end = now_s() + c->seconds;
	unsigned long conns = 0, bad = 0;

	srand((unsigned int)getpid());
	quiet = 1;
	while (now_s() < end) {
		int ipver = c->remote6 && rand() % 2 ? 6 : 4, before = failed, s;
		long n;

		failed = 0;
		s = psp_conn(c, (uint32_t)(rand() % 4), ipver, 0);
		if (s >= 0) {
			n = send_careful(c, s, 1 + rand() % 8);
			if (n > 0)
				check_data_rx(c, n);
			soak_close(c, s, (enum soak_close)(rand() % SOAK_CLOSES));
		}
		sleep_ms(SOAK_PACE_MS);
		conns++;
		bad += (unsigned long)failed;
		failed |= before;
	}
	quiet = 0;
	check(conns && !bad, "soak: %lu connections, %lu failed", conns, bad);
}

static const struct {
	const char *name;
	void (*run)(struct cfg *c);
} cases[] = {
#define CASE(n) { #n, n }
	CASE(dev_rotate_spi), CASE(assoc_basic), CASE(assoc_bad_dev), CASE(assoc_sk_only_conn),
	CASE(assoc_sk_only_mismatch), CASE(assoc_sk_only_mismatch_tx),
	CASE(assoc_sk_only_unconn), CASE(assoc_version_mismatch), CASE(assoc_twice),
	CASE(data_basic_send), CASE(data_send_bad_key), CASE(data_send_disconnect),
	CASE(data_mss_adjust), CASE(data_mss_preexisting), CASE(data_stale_key), CASE(removal_device_rx),
	CASE(removal_device_bi), CASE(tx_drop_plaintext_data), CASE(tx_accept_fin),
	CASE(tx_drop_late_fin), CASE(tx_key_retry), CASE(key_rotate_basic), CASE(soak),
#undef CASE
};

static int usage(void)
{
	fprintf(stderr, "Usage: psp-cases --remote ADDR [--remote6 ADDR] --port PORT --dev DEV "
			"CASE [--version N] [--ip 4|6] [--seconds N]\nCases:");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		fprintf(stderr, " %s", cases[i].name);
	fputc('\n', stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remote", required_argument, NULL, 'r' },
		{ "remote6", required_argument, NULL, '6' },
		{ "port", required_argument, NULL, 'p' },
		{ "dev", required_argument, NULL, 'd' },
		{ "version", required_argument, NULL, 'v' },
		{ "ip", required_argument, NULL, 'i' },
		{ "seconds", required_argument, NULL, 's' },
		{ 0 }
	};
	struct cfg c = { .ipver = 4, .seconds = 60, .comm = -1 };
	struct pspbpf_dev_info info;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': c.remote = optarg; break;
		case '6': c.remote6 = optarg; break;
		case 'p': c.port = optarg; break;
		case 'd': c.dev = optarg; break;
		case 'v': c.version = (uint32_t)atoi(optarg); break;
		case 'i': c.ipver = atoi(optarg); break;
		case 's': c.seconds = (unsigned int)atoi(optarg); break;
		default: return usage();
		}
	}
	signal(SIGPIPE, SIG_IGN);	/* a peer that went shows as EPIPE */
	if (!c.remote || !c.port || !c.dev || optind != argc - 1 ||
	    (c.ipver == 6 && !c.remote6))
		return usage();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(cases[i].name, argv[optind]))
			continue;
		if (pspbpf_open(&c.h, 0) || pspbpf_dev_info(c.h, c.dev, &info)) {
			fprintf(stderr, "psp-cases: %s\n", pspbpf_errmsg(c.h));
			return 1;
		}
		c.dev_id = info.cfg.id;
		c.comm = connect_to(c.remote, c.port);
		if (c.comm >= 0)
			cases[i].run(&c);
		else
			failed = 1;
		if (c.comm >= 0)
			close(c.comm);
		pspbpf_close(c.h);
		return failed;
	}
	return usage();
}
