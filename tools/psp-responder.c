// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-responder: the far end of the PSP selftests, speaking the control
 * protocol of the Linux kernel's psp_responder (tools/testing/selftests/
 * drivers/net), with psp-bpf's socket API in place of the psp netlink
 * family.
 *
 * It listens on PORT (IPv6, IPv4 too). The first connection is the
 * control connection; it carries commands, each a NUL-terminated string:
 *
 *   conn clr          the next connection is a data connection in clear
 *   conn psp TX RX    ... upgraded to PSP of versions TX and RX (one byte
 *                     each): rx-assoc on it, the SPI (u32, host order)
 *                     and key sent on it, the peer's read from it the
 *                     same way, tx-assoc
 *   data echo         send "echo\0" on the data connection
 *   data close        close the data connection
 *   read len          the bytes read from the data connection, in decimal
 *   exit              stop once the control connection closes
 *
 * Answers are "ack\0" (or "err\0"), and the number for read len. Data
 * read on the data connection is counted and dropped. On start, the PSP
 * device accepts every version it can (psp-versions-ena = cap), as it was
 * again at exit.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "pspbpf.h"

struct responder {
	struct pspbpf *h;
	int verbose;
	int listen_fd, ctl_fd, data_fd;
	enum { NEXT_NONE, NEXT_CLEAR, NEXT_PSP } next;
	uint8_t tx_version, rx_version;
	size_t data_read;
	int quit;
	char buf[4096];		/* control bytes not yet taken */
	size_t len;
};

#define dbg(r, ...) do { if ((r)->verbose) fprintf(stderr, "responder: " __VA_ARGS__); } while (0)

static void reply(const struct responder *r, const char *s)
{
	if (send(r->ctl_fd, s, strlen(s) + 1, MSG_NOSIGNAL) < 0)
		perror("responder: control");
}

static void close_data(struct responder *r)
{
	if (r->data_fd >= 0)
		close(r->data_fd);
	r->data_fd = -1;
}

/* rx-assoc, SPI and key out and in on the data connection, tx-assoc. */
static int upgrade(struct responder *r)
{
	uint8_t mine[4 + PSP_KEY_MAX_LEN], theirs[4 + PSP_KEY_MAX_LEN];
	size_t len = 4 + psp_key_len(r->rx_version);
	struct pspbpf_tx_params tx = { .version = r->tx_version };
	uint32_t dev_id = 0, spi;
	int err;

	err = pspbpf_sk_rx_assoc(r->h, r->data_fd, &dev_id, r->rx_version, &spi, mine + 4);
	if (err) {
		fprintf(stderr, "responder: rx-assoc: %s\n", pspbpf_errmsg(r->h));
		return err;
	}
	memcpy(mine, &spi, 4);
	err = send(r->data_fd, mine, len, MSG_NOSIGNAL) == (ssize_t)len &&
	      recv(r->data_fd, theirs, len, MSG_WAITALL) == (ssize_t)len ? 0 : -EIO;
	OPENSSL_cleanse(mine, sizeof(mine));
	if (err) {
		fprintf(stderr, "responder: key exchange failed\n");
		return err;
	}
	memcpy(&tx.spi, theirs, 4);
	tx.key = theirs + 4;
	tx.key_len = len - 4;
	err = pspbpf_sk_tx_assoc(r->h, r->data_fd, dev_id, &tx);
	OPENSSL_cleanse(theirs, sizeof(theirs));
	if (err)
		fprintf(stderr, "responder: tx-assoc: %s\n", pspbpf_errmsg(r->h));
	return err;
}

/* Takes the first command of the buffer if it is whole: its length, or 0. */
static size_t take(struct responder *r, const char *cmd)
{
	size_t n = strlen(cmd) + 1;

	if (r->len < n || memcmp(r->buf, cmd, n))
		return 0;
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
	dbg(r, "%s\n", cmd);
	return n;
}

static void accept_data(struct responder *r)
{
	int fd = accept(r->listen_fd, NULL, NULL);

	if (fd < 0) {
		perror("responder: accept");
		return;
	}
	close_data(r);
	r->data_fd = fd;
	r->data_read = 0;
	if (r->next == NEXT_PSP && upgrade(r))
		close_data(r);
	r->next = NEXT_NONE;
}

/* The data connection, if a conn command wants one and it has come: the
 * client's connect() returns before the responder accepts, and it may send
 * the commands that use it meanwhile. Never blocks. */
static void accept_pending(struct responder *r)
{
	struct pollfd p = { .fd = r->listen_fd, .events = POLLIN };

	if (r->next != NEXT_NONE && poll(&p, 1, 0) == 1)
		accept_data(r);
}

/* Runs the whole commands in the buffer. */
static void commands(struct responder *r)
{
	char num[32];

	accept_pending(r);
	while (r->len) {
		if (take(r, "read len")) {
			snprintf(num, sizeof(num), "%zu", r->data_read);
			reply(r, num);
		} else if (take(r, "data echo")) {
			if (r->data_fd < 0 || send(r->data_fd, "echo", 5, MSG_NOSIGNAL) != 5)
				fprintf(stderr, "responder: echo without a data connection\n");
			reply(r, "ack");
		} else if (take(r, "data close")) {
			reply(r, r->data_fd >= 0 ? "ack" : "err");
			close_data(r);
		} else if (r->len >= sizeof("conn psp") + 2 &&
			   !memcmp(r->buf, "conn psp", sizeof("conn psp"))) {
			r->tx_version = (uint8_t)r->buf[sizeof("conn psp")];
			r->rx_version = (uint8_t)r->buf[sizeof("conn psp") + 1];
			take(r, "conn psp");
			memmove(r->buf, r->buf + 2, r->len - 2);
			r->len -= 2;
			r->next = NEXT_PSP;
			reply(r, "ack");
		} else if (take(r, "conn clr")) {
			r->next = NEXT_CLEAR;
			reply(r, "ack");
		} else if (take(r, "exit")) {
			r->quit = 1;
		} else if (memchr(r->buf, 0, r->len) &&
			   memcmp(r->buf, "conn psp", sizeof("conn psp"))) {
			fprintf(stderr, "responder: unknown command '%s'\n", r->buf);
			take(r, r->buf);
		} else {
			break;	/* the rest is still on its way */
		}
	}
}

/* One control connection, until it closes. */
static void session(struct responder *r)
{
	while (1) {
		/* connections are data connections only after a conn command:
		 * until then one is the next control connection, queued */
		struct pollfd p[3] = {
			{ .fd = r->next != NEXT_NONE ? r->listen_fd : -1, .events = POLLIN },
			{ .fd = r->ctl_fd, .events = POLLIN },
			{ .fd = r->data_fd, .events = POLLIN },
		};
		char data[65536];
		ssize_t n;

		if (poll(p, r->data_fd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("responder: poll");
			return;
		}
		if (r->data_fd >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			n = recv(r->data_fd, data, sizeof(data), 0);
			if (n > 0)
				r->data_read += (size_t)n;
			else
				close_data(r);
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(r->ctl_fd, r->buf + r->len, sizeof(r->buf) - r->len, 0);
			if (n <= 0)
				return;
			r->len += (size_t)n;
			commands(r);
		}
		if (p[0].revents & POLLIN)
			accept_pending(r);	/* unless commands() took it */
	}
}

static int listen_on(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, zero = 0;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8)) {
		perror("responder: listen");
		return -1;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: psp-responder -p PORT [-d DEV] [-v]\n"
		   "Answers the PSP selftests' control protocol on PORT; DEV is the PSP\n"
		   "device whose versions it enables (the only one, by default).\n");
}

int main(int argc, char **argv)
{
	struct responder r = { .listen_fd = -1, .ctl_fd = -1, .data_fd = -1 };
	struct pspbpf_dev_info *devs = NULL, dev;
	const char *ifname = NULL;
	int port = 0, c, err;
	size_t n = 0;

	while ((c = getopt(argc, argv, "p:d:vh")) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'd':
			ifname = optarg;
			break;
		case 'v':
			r.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	err = pspbpf_open(&r.h, 0);
	if (!err)
		err = ifname ? pspbpf_dev_info(r.h, ifname, &dev) : pspbpf_dev_list(r.h, &devs, &n);
	if (!err && !ifname) {
		err = n == 1 ? 0 : -ENODEV;
		if (n == 1)
			dev = devs[0];
		free(devs);
	}
	if (err) {
		fprintf(stderr, "responder: %s\n",
			r.h && *pspbpf_errmsg(r.h) ? pspbpf_errmsg(r.h) : "not one PSP device");
		pspbpf_close(r.h);
		return 1;
	}
	pspbpf_dev_set_versions(r.h, dev.cfg.ifname, dev.cfg.versions_cap);
	r.listen_fd = listen_on(port);
	while (r.listen_fd >= 0 && !r.quit) {
		r.ctl_fd = accept(r.listen_fd, NULL, NULL);
		if (r.ctl_fd < 0) {
			perror("responder: accept");
			break;
		}
		session(&r);
		close(r.ctl_fd);
		close_data(&r);
		r.len = 0;
	}
	pspbpf_dev_set_versions(r.h, dev.cfg.ifname, dev.cfg.versions_ena);
	pspbpf_close(r.h);
	return r.listen_fd >= 0 ? 0 : 1;
}
