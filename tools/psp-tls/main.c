// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-tls: a netcat whose every connection is TLS, then PSP: after the
 * handshake, pspbpf_tls_upgrade() moves it onto PSP, and the data goes
 * raw on the socket, sealed by the datapath (docs/psp-tls.1).
 *
 *   psp-tls [OPTIONS] listen [ADDR:]PORT | connect HOST:PORT
 *
 * Fail closed: without --allow-tls, a connection that is not upgraded
 * carries no byte of data.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "cli.h"
#include "json.h"
#include "pspbpf.h"
#include "psp-tls.h"

static struct {
	struct tls_opts tls;
	uint8_t pin[32];
	struct pspbpf_upgrade_opts upg;
	unsigned int timeout_s;
	int allow_tls, keep;
	const char *exec;
} opt;

static void usage(void)
{
	printf("Usage: psp-tls [OPTIONS] listen [ADDR:]PORT\n"
	       "       psp-tls [OPTIONS] connect HOST:PORT\n"
	       "\n"
	       "Pipes stdin to the connection and the connection to stdout; the\n"
	       "connection is TLS, then, once upgraded, PSP.\n"
	       "\n"
	       "Options:\n"
	       "  --cert FILE --key FILE  this end's certificate and key (PEM)\n"
	       "  --ca FILE               the peer's certificate must chain to these CAs\n"
	       "  --pin SHA256            ... or be this one (hex SHA-256 of its DER form)\n"
	       "  --insecure              the peer goes unchecked (neither --ca nor --pin)\n"
	       "  --versions LIST         the PSP versions allowed (default: the device's)\n"
	       "  --allow-tls             a connection not upgraded stays on TLS\n"
	       "  --timeout S             TLS handshake and PSP upgrade, each (default 10)\n"
	       "  -k, --keep              listen: serve connections until killed\n"
	       "  -e, --exec CMD          a connection's data to and from sh -c CMD\n"
	       "  -j, --json              status as JSON, one object a connection\n"
	       "  -n, --netns NAME        work in network namespace NAME, as 'ip -n' does\n"
	       "  -h, --help              this text\n"
	       "\n"
	       "Status goes to stderr (never a key). Exit status: 0 success, 1 a\n"
	       "failure (one line on stderr), 2 bad usage.\n");
}

/* [ADDR:]PORT or HOST:PORT (an IPv6 address in brackets) */
static int parse_addr(const char *cmd, const char *s, int host_needed, char *host, size_t size,
		      const char **port)
{
	const char *colon = strrchr(s, ':'), *arg = s;
	size_t len = colon ? (size_t)(colon - s) : 0;

	*port = colon ? colon + 1 : s;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if ((host_needed && !len) || len >= size || !**port)
		return usage_error(NULL, "%s: '%s' is not %s", cmd, arg,
				   host_needed ? "HOST:PORT" : "[ADDR:]PORT");
	memcpy(host, s, len);
	host[len] = '\0';
	return 0;
}

static struct addrinfo *resolve(const char *host, const char *port, int passive)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = passive ? AI_PASSIVE : 0 }, *ai = NULL;
	int ret = getaddrinfo(*host ? host : NULL, port, &hints, &ai);

	if (ret) {
		op_error(ret == EAI_SYSTEM ? errno : ENOENT, "%s:%s: %s", host, port,
			 gai_strerror(ret));
		return NULL;
	}
	return ai;
}

static void peer_name(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	int v6 = 0;

	if (!getpeername(fd, (struct sockaddr *)&ss, &len)) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;
		const struct sockaddr_in *s4 = (const void *)&ss;

		/* an IPv4 peer of the dual-stack listener as IPv4 */
		v6 = ss.ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
		if (v6)
			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		else
			inet_ntop(AF_INET, ss.ss_family == AF_INET ? (const void *)&s4->sin_addr :
				  (const void *)&s6->sin6_addr.s6_addr[12], a, sizeof(a));
		port = ntohs(s4->sin_port);	/* where sin6_port is too */
	}
	snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* The connection's outcome, one line or one JSON object; never a key. */
static void status(const char *peer, const struct pspbpf_upgrade_info *in, int err,
		   const char *reason, int on_tls)
{
	const char *name = strerrorname_np(err);

	out_open_object(NULL);
	out_string("peer", NULL, peer);
	out_bool("upgraded", NULL, !err);
	if (!err) {
		out_text("%s: upgraded: ", cli.prog);
		out_string("ifname", "dev %s", in->ifname);
		out_uint("dev-id", " (id %llu)", in->dev_id);
		out_uint("version", " version %llu", in->version);
		out_hex32("rx-spi", " rx-spi 0x%s", in->rx_spi);
		out_hex32("tx-spi", " tx-spi 0x%s", in->tx_spi);
		out_uint("format", " format %llu", in->format);
		out_text(" peer %s\n", peer);
	} else {
		out_string("error", NULL, name ? name : "EIO");
		out_string("reason", NULL, reason);
		out_string("refused-by", NULL,
			   in->refused == PSPBPF_UPGRADE_PEER ? "peer" : "local");
		out_bool("tls", NULL, on_tls);
		if (on_tls)
			out_text("%s: not upgraded, staying on TLS (--allow-tls): %s\n", cli.prog,
				 reason);
	}
	out_close_object();
	out_end();
}

/* sh -c CMD with its stdin and stdout on pipes: *to (its input), *from. */
static pid_t spawn(const char *cmd, int *to, int *from)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) || pipe(out))
		return -1;
	pid = fork();
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to = in[1];
	*from = out[0];
	return pid;
}

/* A connection, from the handshake to its end: the exit code. */
static int serve(SSL_CTX *ctx, int fd, int server, const char *host)
{
	struct pspbpf_upgrade_info info;
	struct pspbpf *h = NULL;
	char peer[INET6_ADDRSTRLEN + 8];
	int err, ret, in_fd = 0, out_fd = 1;
	pid_t child = 0;
	SSL *ssl;

	peer_name(fd, peer, sizeof(peer));
	ssl = tls_handshake(ctx, fd, server, host, opt.timeout_s);
	if (!ssl)
		return EXIT_FAILED;
	/* failed, h goes to the upgrade still: the peer learns why */
	pspbpf_open(&h, 0);
	if (!h)
		return op_error(ENOMEM, "out of memory");
	err = pspbpf_tls_upgrade(h, ssl, &opt.upg, &info);
	if (err && !(opt.allow_tls && info.tls_usable)) {
		if (out_is_json())
			status(peer, &info, -err, pspbpf_errmsg(h), 0);
		else
			op_error(-err, "no PSP upgrade: %s", pspbpf_errmsg(h));
		ret = EXIT_FAILED;
		goto out;
	}
	status(peer, &info, -err, pspbpf_errmsg(h), !!err);
	if (!err) {
		SSL_free(ssl);		/* no close_notify: the session is over */
		ssl = NULL;
	}
	if (opt.exec) {
		child = spawn(opt.exec, &out_fd, &in_fd);
		if (child < 0) {
			ret = op_error(errno, "--exec: %s", strerror(errno));
			goto out;
		}
	}
	ret = pump(in_fd, out_fd, fd, ssl);
	if (child > 0) {
		/* a connection that failed leaves it reading still */
		if (ret)
			kill(child, SIGTERM);
		close(in_fd);
		waitpid(child, NULL, 0);
	}
out:
	SSL_free(ssl);
	pspbpf_close(h);
	close(fd);
	return ret;
}

static int do_connect(SSL_CTX *ctx, const char *host, const char *port)
{
	struct addrinfo *ai = resolve(host, port, 0), *a;
	int fd = -1, err = 0;

	if (!ai)
		return EXIT_FAILED;
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen)) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return op_error(err, "connect %s:%s: %s", host, port, strerror(err));
	return serve(ctx, fd, 0, host);
}

static int do_listen(SSL_CTX *ctx, const char *addr, const char *port)
{
	struct addrinfo *ai = resolve(addr, port, 1);
	int fd, conn, one = 1, zero = 0;

	if (!ai)
		return EXIT_FAILED;
	/* no address: IPv6 and IPv4 both */
	if (!*addr && ai->ai_next && ai->ai_family != AF_INET6 &&
	    ai->ai_next->ai_family == AF_INET6) {
		struct addrinfo *v6 = ai->ai_next;

		ai->ai_next = v6->ai_next;
		v6->ai_next = ai;
		ai = v6;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
		freeaddrinfo(ai);
		return op_error(errno, "listen %s:%s: %s", addr, port, strerror(errno));
	}
	freeaddrinfo(ai);
	if (opt.keep)
		signal(SIGCHLD, SIG_IGN);	/* the connections reap themselves */
	for (;;) {
		conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && errno == EINTR)
			continue;
		if (conn < 0)
			return op_error(errno, "accept: %s", strerror(errno));
		if (!opt.keep) {
			close(fd);
			return serve(ctx, conn, 1, addr);
		}
		if (!fork()) {
			signal(SIGCHLD, SIG_DFL);
			close(fd);
			exit(serve(ctx, conn, 1, addr));
		}
		close(conn);
	}
}

/* hex, colons between bytes allowed (openssl x509 -fingerprint) */
static int parse_pin(const char *s, uint8_t *out)
{
	char hex[2 * 32 + 1];
	size_t n = 0;

	for (; *s && n < sizeof(hex) - 1; s++)
		if (*s != ':')
			hex[n++] = *s;
	hex[n] = '\0';
	if (*s)
		return usage_error(NULL, "--pin: more than a SHA-256");
	return parse_hex_bytes(NULL, "--pin", hex, out, 32);
}

enum { OPT_CERT = 256, OPT_KEY, OPT_CA, OPT_PIN, OPT_INSECURE, OPT_VERSIONS, OPT_ALLOW_TLS,
       OPT_TIMEOUT };

static int parse_opts(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "ca", required_argument, NULL, OPT_CA },
		{ "pin", required_argument, NULL, OPT_PIN },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "versions", required_argument, NULL, OPT_VERSIONS },
		{ "allow-tls", no_argument, NULL, OPT_ALLOW_TLS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "keep", no_argument, NULL, 'k' },
		{ "exec", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t v;
	int c;

	while ((c = cli_getopt(NULL, argc, argv, "+jn:ke:", opts, usage)) > 0) {
		switch (c) {
		case OPT_CERT:
			opt.tls.cert = optarg;
			break;
		case OPT_KEY:
			opt.tls.key = optarg;
			break;
		case OPT_CA:
			opt.tls.ca = optarg;
			break;
		case OPT_PIN:
			if (parse_pin(optarg, opt.pin))
				return EXIT_USAGE;
			opt.tls.pin = opt.pin;
			break;
		case OPT_INSECURE:
			opt.tls.insecure = 1;
			break;
		case OPT_VERSIONS:
			if (parse_versions(NULL, "--versions", optarg, &opt.upg.versions))
				return EXIT_USAGE;
			break;
		case OPT_ALLOW_TLS:
			opt.allow_tls = 1;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(NULL, "--timeout", optarg, 3600, &v))
				return EXIT_USAGE;
			if (!v)
				return usage_error(NULL, "--timeout: 0 seconds");
			opt.timeout_s = (unsigned int)v;
			break;
		case 'k':
			opt.keep = 1;
			break;
		case 'e':
			opt.exec = optarg;
			break;
		case 'j':
			cli.json = 1;
			break;
		case 'n':
			cli.netns = optarg;
			break;
		}
	}
	if (c == CLI_OPTS_HELP)
		exit(0);
	if (c != CLI_OPTS_END)
		return EXIT_USAGE;
	if (!opt.tls.cert != !opt.tls.key)
		return usage_error(NULL, "--cert and --key go together");
	if (opt.tls.ca && opt.tls.pin)
		return usage_error(NULL, "--ca or --pin, not both");
	if (!opt.tls.ca && !opt.tls.pin && !opt.tls.insecure)
		return usage_error(NULL, "the peer must be checked: --ca or --pin (or --insecure)");
	if ((opt.tls.ca || opt.tls.pin) && opt.tls.insecure)
		return usage_error(NULL, "--insecure with --ca or --pin");
	return 0;
}

int main(int argc, char **argv)
{
	static char stderr_buf[4096];
	const char *port;
	char host[256];
	SSL_CTX *ctx;
	int server, ret;

	cli.prog = "psp-tls";
	cli_keep_keys_in();
	/* each status line in one write: the connections of --keep share stderr */
	setvbuf(stderr, stderr_buf, _IOLBF, sizeof(stderr_buf));
	signal(SIGPIPE, SIG_IGN);
	opt.timeout_s = 10;
	ret = parse_opts(argc, argv);
	if (ret)
		return ret;
	if (optind + 2 != argc)
		return usage_error(NULL, "listen [ADDR:]PORT or connect HOST:PORT");
	server = !strcmp(argv[optind], "listen");
	if (!server && strcmp(argv[optind], "connect"))
		return usage_error(NULL, "unknown command '%s'", argv[optind]);
	if (parse_addr(argv[optind], argv[optind + 1], !server, host, sizeof(host), &port))
		return EXIT_USAGE;
	if (server && !opt.tls.cert)
		return usage_error(NULL, "listen: a server needs --cert and --key");
	if (opt.keep && !server)
		return usage_error(NULL, "connect: --keep is for listen");
	opt.upg.timeout_ms = opt.timeout_s * 1000;
	out_init(stderr, cli.json, 0);
	if (cli.netns) {
		ret = cli_enter_netns(cli.netns);
		if (ret)
			return ret;
	}
	ctx = tls_ctx(&opt.tls, server);
	if (!ctx)
		return EXIT_FAILED;
	ret = server ? do_listen(ctx, host, port) : do_connect(ctx, host, port);
	SSL_CTX_free(ctx);
	return ret;
}
