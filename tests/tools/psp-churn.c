// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-churn: new PSP connections at a steady rate between two network
 * namespaces, for the soak (tests/bats/soak.bats). Each connection opens
 * in clear, is upgraded as an application upgrades one (rx-assoc on both
 * ends, the SPIs and keys exchanged, then tx-assoc), carries a message
 * each way that is checked byte for byte, and closes one of the ways
 * connections end (the client's FIN first, the server's, or a RST). The
 * version goes round all four; IPv4 and IPv6 take turns when both are
 * given.
 *
 *   psp-churn --ns NS_A,NS_B --dev DEV_A,DEV_B --addr ADDR_A,ADDR_B
 *             [--addr6 ADDR_A,ADDR_B] [--rate N] [--seconds N] [--workers N]
 *             [--plain]
 *
 * WORKERS processes (3) share RATE connections a second (5000) for
 * SECONDS (60), as many as they can where that is more than the CPUs
 * give, each with its own server ports and client ports, so that a flow
 * comes back only after its TIME_WAIT and its PSP state's reclaim (a
 * minute). Prints one line, "churn: N connections in S s (R a
 * second), F failed", and the first failures; exits 1 if any failed.
 * --plain: the same connections and messages without the upgrade, what
 * the host's TCP over the same devices allows (the baseline the churn's
 * rate is read against: make bench's assoc-churn).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "pspbpf.h"

#define SERVER_PORT0	9000
#define SERVERS		32	/* server ports a worker listens on */
/* Client ports, shared out among the workers: below Linux's ephemeral
 * range (32768 up), whose ports other connections of the namespace take
 * and leave in TIME_WAIT. With SERVERS, 704,000 flows: at 6000 a second,
 * a flow comes back after two minutes. */
#define CLIENT_PORT0	10000
#define CLIENT_PORTS	22000
#define MSG_LEN		64
#define FAILS_SHOWN	5

enum close_how { CLIENT_FIRST, SERVER_FIRST, CLIENT_RST, CLOSES };

struct side {
	int nsfd;
	const char *dev;
	struct pspbpf *h;
	struct sockaddr_storage addr[2];	/* IPv4, IPv6 */
};

struct worker {
	int id;
	struct side a, b;	/* client, server */
	int families;		/* 1: IPv4; 2: IPv4 and IPv6 */
	int listeners[2][SERVERS];
	uint16_t client_port0, client_ports;
	double rate, seconds;
	int plain;		/* no upgrade: the baseline */
	unsigned long conns, failed;
};

static void fail(struct worker *w, unsigned long i, const char *fmt, ...)
{
	va_list ap;

	if (w->failed++ >= FAILS_SHOWN)
		return;
	fprintf(stderr, "psp-churn: worker %d, connection %lu: ", w->id, i);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int in_ns(const struct side *s)
{
	return setns(s->nsfd, CLONE_NEWNET);
}

/* ADDR,ADDR into the sides' addresses of family (index f). */
static int parse_pair(const char *arg, struct side *a, struct side *b, int f)
{
	char buf[128], *comma;
	int af = f ? AF_INET6 : AF_INET;
	struct side *s[2] = { a, b };
	const char *part[2];

	snprintf(buf, sizeof(buf), "%s", arg);
	comma = strchr(buf, ',');
	if (!comma)
		return -1;
	*comma = 0;
	part[0] = buf;
	part[1] = comma + 1;
	for (int i = 0; i < 2; i++) {
		struct sockaddr_storage *ss = &s[i]->addr[f];

		memset(ss, 0, sizeof(*ss));
		ss->ss_family = (sa_family_t)af;
		if (inet_pton(af, part[i], af == AF_INET ?
			      (void *)&((struct sockaddr_in *)ss)->sin_addr :
			      (void *)&((struct sockaddr_in6 *)ss)->sin6_addr) != 1)
			return -1;
	}
	return 0;
}

static socklen_t addr_with_port(const struct sockaddr_storage *ss, uint16_t port,
				struct sockaddr_storage *out)
{
	*out = *ss;
	if (ss->ss_family == AF_INET) {
		((struct sockaddr_in *)out)->sin_port = htons(port);
		return sizeof(struct sockaddr_in);
	}
	((struct sockaddr_in6 *)out)->sin6_port = htons(port);
	return sizeof(struct sockaddr_in6);
}

static void flow_of(struct pspbpf_flow *f, const struct sockaddr_storage *l, uint16_t lport,
		    const struct sockaddr_storage *r, uint16_t rport)
{
	memset(f, 0, sizeof(*f));
	f->family = l->ss_family;
	if (f->family == AF_INET) {
		memcpy(f->laddr, &((const struct sockaddr_in *)l)->sin_addr, 4);
		memcpy(f->raddr, &((const struct sockaddr_in *)r)->sin_addr, 4);
	} else {
		memcpy(f->laddr, &((const struct sockaddr_in6 *)l)->sin6_addr, 16);
		memcpy(f->raddr, &((const struct sockaddr_in6 *)r)->sin6_addr, 16);
	}
	f->lport = lport;
	f->rport = rport;
}

static int listeners_up(struct worker *w)
{
	int one = 1;

	if (in_ns(&w->b))
		return -1;
	for (int f = 0; f < w->families; f++) {
		for (int j = 0; j < SERVERS; j++) {
			struct sockaddr_storage sa;
			socklen_t len = addr_with_port(&w->b.addr[f],
						       (uint16_t)(SERVER_PORT0 + w->id * SERVERS + j),
						       &sa);
			int fd = socket(sa.ss_family, SOCK_STREAM, 0);

			if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
			    bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 4096)) {
				perror("psp-churn: listen");
				return -1;
			}
			w->listeners[f][j] = fd;
		}
	}
	return 0;
}

/* recv exactly len bytes, or fail */
static int recv_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* A message of connection i from one end: the connection's number, its
 * direction, and bytes that follow from both. */
static void message(uint8_t *m, unsigned long i, int dir)
{
	for (int k = 0; k < MSG_LEN; k++)
		m[k] = (uint8_t)(i * 131 + (unsigned long)dir * 7 + (unsigned long)k * 29);
}

/* One message each way, checked; then the close. */
static int talk(struct worker *w, unsigned long i, int c, int s)
{
	uint8_t want[MSG_LEN], got[MSG_LEN];

	for (int dir = 0; dir < 2; dir++) {
		int from = dir ? s : c, to = dir ? c : s;

		message(want, i, dir);
		if (send(from, want, MSG_LEN, 0) != MSG_LEN || recv_all(to, got, MSG_LEN)) {
			fail(w, i, "%s: %s", dir ? "server to client" : "client to server",
			     strerror(errno));
			return -1;
		}
		if (memcmp(want, got, MSG_LEN)) {
			fail(w, i, "%s: the message came out changed",
			     dir ? "server to client" : "client to server");
			return -1;
		}
	}
	return 0;
}

static void rst(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/* The second end closes once it has read the first's FIN. */
static void close_after_fin(struct worker *w, unsigned long i, int first, int second)
{
	uint8_t b;

	close(first);
	if (recv(second, &b, 1, 0) != 0)
		fail(w, i, "no FIN after the close");
	close(second);
}

static int assoc_pair(struct worker *w, unsigned long i, uint32_t version,
		      const struct pspbpf_flow *fa, const struct pspbpf_flow *fb, int *accepted,
		      int listener)
{
	struct pspbpf_tx_params ta = { .version = version, .key_len = psp_key_len(version) };
	struct pspbpf_tx_params tb = ta;
	uint8_t ka[PSP_KEY_MAX_LEN], kb[PSP_KEY_MAX_LEN];
	int err;

	/* the client's Rx first, then the server's, which then sends PSP */
	err = pspbpf_rx_assoc(w->a.h, w->a.dev, fa, version, &tb.spi, ka);
	if (err) {
		fail(w, i, "rx-assoc on the client: %s", pspbpf_errmsg(w->a.h));
		return -1;
	}
	err = in_ns(&w->b);
	*accepted = err ? -1 : accept(listener, NULL, NULL);
	if (*accepted < 0) {
		fail(w, i, "accept: %s", strerror(errno));
		return -1;
	}
	tb.key = ka;
	err = pspbpf_rx_assoc(w->b.h, w->b.dev, fb, version, &ta.spi, kb);
	if (err)
		fail(w, i, "rx-assoc on the server: %s", pspbpf_errmsg(w->b.h));
	if (!err && (err = pspbpf_tx_assoc(w->b.h, w->b.dev, fb, &tb)))
		fail(w, i, "tx-assoc on the server: %s", pspbpf_errmsg(w->b.h));
	ta.key = kb;
	if (!err && (err = in_ns(&w->a)))
		fail(w, i, "setns: %s", strerror(errno));
	if (!err && (err = pspbpf_tx_assoc(w->a.h, w->a.dev, fa, &ta)))
		fail(w, i, "tx-assoc on the client: %s", pspbpf_errmsg(w->a.h));
	OPENSSL_cleanse(ka, sizeof(ka));
	OPENSSL_cleanse(kb, sizeof(kb));
	return err ? -1 : 0;
}

/* --plain: the server's end, no upgrade */
static int plain_accept(struct worker *w, unsigned long i, int *accepted, int listener)
{
	*accepted = in_ns(&w->b) ? -1 : accept(listener, NULL, NULL);
	if (*accepted < 0) {
		fail(w, i, "accept: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void conn_once(struct worker *w, unsigned long i)
{
	int f = (int)(i % (unsigned long)w->families), j = (int)((i / w->client_ports) % SERVERS);
	uint16_t cport = (uint16_t)(w->client_port0 + i % w->client_ports);
	uint16_t sport = (uint16_t)(SERVER_PORT0 + w->id * SERVERS + j);
	struct sockaddr_storage ca, sa;
	socklen_t clen = addr_with_port(&w->a.addr[f], cport, &ca);
	socklen_t slen = addr_with_port(&w->b.addr[f], sport, &sa);
	struct pspbpf_flow fa, fb;
	int c, s = -1, one = 1;

	if (in_ns(&w->a)) {
		fail(w, i, "setns: %s", strerror(errno));
		return;
	}
	c = socket(ca.ss_family, SOCK_STREAM, 0);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(c, (struct sockaddr *)&ca, clen) || connect(c, (struct sockaddr *)&sa, slen)) {
		fail(w, i, "connect from port %u to %u: %s", cport, sport, strerror(errno));
		if (c >= 0)
			close(c);
		return;
	}
	flow_of(&fa, &w->a.addr[f], cport, &w->b.addr[f], sport);
	flow_of(&fb, &w->b.addr[f], sport, &w->a.addr[f], cport);
	if ((w->plain ? plain_accept(w, i, &s, w->listeners[f][j]) :
			assoc_pair(w, i, (uint32_t)(i / (unsigned long)w->families % 4), &fa,
				   &fb, &s, w->listeners[f][j])) ||
	    talk(w, i, c, s)) {
		rst(c);
		if (s >= 0)
			rst(s);
		return;
	}
	switch ((enum close_how)(i / 8 % CLOSES)) {
	case CLIENT_FIRST:
		close_after_fin(w, i, c, s);
		break;
	case SERVER_FIRST:
		close_after_fin(w, i, s, c);
		break;
	default:
		rst(c);
		close(s);
	}
}

static int side_open(const struct worker *w, struct side *s)
{
	if (in_ns(s) || (!w->plain && pspbpf_open(&s->h, 0))) {
		fprintf(stderr, "psp-churn: cannot open the PSP state: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int work(struct worker *w)
{
	struct timespec pause;
	double t0;

	if (side_open(w, &w->b) || listeners_up(w) || side_open(w, &w->a))
		return 1;
	t0 = now_s();
	while (now_s() < t0 + w->seconds) {
		double wait = t0 + (double)w->conns / w->rate - now_s();

		if (wait > 0) {
			pause.tv_sec = (time_t)wait;
			pause.tv_nsec = (long)((wait - (double)pause.tv_sec) * 1e9);
			nanosleep(&pause, NULL);
		}
		conn_once(w, w->conns++);
	}
	printf("%lu %lu\n", w->conns, w->failed);
	fflush(stdout);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: psp-churn --ns NS_A,NS_B --dev DEV_A,DEV_B --addr ADDR_A,ADDR_B "
			"[--addr6 ADDR_A,ADDR_B] [--rate N] [--seconds N] [--workers N] [--plain]\n");
	return 2;
}

static int split2(const char *arg, char *a, char *b, size_t size)
{
	const char *comma = strchr(arg, ',');

	if (!comma || (size_t)(comma - arg) >= size || strlen(comma + 1) >= size)
		return -1;
	snprintf(a, size, "%.*s", (int)(comma - arg), arg);
	snprintf(b, size, "%s", comma + 1);
	return 0;
}

static int ns_open(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ns", required_argument, NULL, 'n' },
		{ "dev", required_argument, NULL, 'd' },
		{ "addr", required_argument, NULL, '4' },
		{ "addr6", required_argument, NULL, '6' },
		{ "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "plain", no_argument, NULL, 'p' },
		{ 0 }
	};
	static char ns_a[64], ns_b[64], dev_a[32], dev_b[32];
	struct worker w = { .families = 0, .rate = 5000, .seconds = 60 };
	unsigned long conns = 0, failed = 0;
	int nworkers = 3, o, have4 = 0, pipes[2];
	double t0;
	FILE *results;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			if (split2(optarg, ns_a, ns_b, sizeof(ns_a)))
				return usage();
			break;
		case 'd':
			if (split2(optarg, dev_a, dev_b, sizeof(dev_a)))
				return usage();
			break;
		case '4':
			if (parse_pair(optarg, &w.a, &w.b, 0))
				return usage();
			have4 = 1;
			break;
		case '6':
			if (parse_pair(optarg, &w.a, &w.b, 1))
				return usage();
			w.families = 2;
			break;
		case 'r':
			w.rate = atof(optarg);
			break;
		case 's':
			w.seconds = atof(optarg);
			break;
		case 'w':
			nworkers = atoi(optarg);
			break;
		case 'p':
			w.plain = 1;
			break;
		default:
			return usage();
		}
	}
	if (!*ns_a || !*dev_a || !have4 || w.rate <= 0 || w.seconds <= 0 || nworkers < 1 ||
	    nworkers > 16 || optind != argc)
		return usage();
	w.families = w.families ?: 1;
	w.a.dev = dev_a;
	w.b.dev = dev_b;
	w.a.nsfd = ns_open(ns_a);
	w.b.nsfd = ns_open(ns_b);
	if (w.a.nsfd < 0 || w.b.nsfd < 0 || pipe(pipes)) {
		fprintf(stderr, "psp-churn: network namespaces %s, %s: %s\n", ns_a, ns_b,
			strerror(errno));
		return 1;
	}
	w.rate /= nworkers;
	w.client_ports = (uint16_t)(CLIENT_PORTS / nworkers);
	t0 = now_s();
	for (int i = 0; i < nworkers; i++) {
		if (fork() == 0) {
			close(pipes[0]);
			dup2(pipes[1], STDOUT_FILENO);
			w.id = i;
			w.client_port0 = (uint16_t)(CLIENT_PORT0 + i * w.client_ports);
			_exit(work(&w));
		}
	}
	close(pipes[1]);
	results = fdopen(pipes[0], "r");
	for (int i = 0; i < nworkers; i++) {
		unsigned long c, f;

		if (!results || fscanf(results, "%lu %lu", &c, &f) != 2) {
			failed++;
			continue;
		}
		conns += c;
		failed += f;
	}
	while (wait(&o) > 0)
		failed += !WIFEXITED(o) || WEXITSTATUS(o);
	printf("churn: %lu connections in %.0f s (%.0f a second), %lu failed\n", conns,
	       now_s() - t0, (double)conns / (now_s() - t0), failed);
	return failed ? 1 : 0;
}
