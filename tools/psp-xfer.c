// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-xfer: move bytes over one TCP connection with both ends' addresses
 * and ports fixed, so that a PSP association can be installed for the
 * flow before it starts. A test helper.
 *
 *   psp-xfer recv ADDR PORT                    one connection to stdout
 *   psp-xfer send LADDR LPORT RADDR RPORT      stdin to the connection
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int resolve(const char *addr, const char *port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai;

	if (getaddrinfo(addr, port, &hints, &ai)) {
		fprintf(stderr, "psp-xfer: '%s' port '%s' is not an address\n", addr, port);
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int bound_socket(const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	if (resolve(addr, port, &ss, &len))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len)) {
		perror("psp-xfer: bind");
		return -1;
	}
	return fd;
}

/* Copies from in to out until end of file; 0 or -1. */
static int copy(int in, int out)
{
	static char buf[1 << 16];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));

			if (w < 0) {
				perror("psp-xfer: write");
				return -1;
			}
			done += w;
		}
	if (n < 0)
		perror("psp-xfer: read");
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, conn;

	if (argc == 4 && !strcmp(argv[1], "recv")) {
		fd = bound_socket(argv[2], argv[3]);
		if (fd < 0 || listen(fd, 1))
			return 1;
		conn = accept(fd, NULL, NULL);
		if (conn < 0) {
			perror("psp-xfer: accept");
			return 1;
		}
		return copy(conn, 1) ? 1 : 0;
	}
	if (argc == 6 && !strcmp(argv[1], "send")) {
		fd = bound_socket(argv[2], argv[3]);
		if (fd < 0 || resolve(argv[4], argv[5], &ss, &len))
			return 1;
		if (connect(fd, (struct sockaddr *)&ss, len)) {
			perror("psp-xfer: connect");
			return 1;
		}
		if (copy(0, fd) || shutdown(fd, SHUT_WR))
			return 1;
		/* wait for the peer to close: everything was received */
		return copy(fd, 1) ? 1 : 0;
	}
	fprintf(stderr, "usage: psp-xfer recv ADDR PORT | send LADDR LPORT RADDR RPORT\n");
	return 2;
}
