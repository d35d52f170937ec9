// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * The data of a connection, both ways at once: the socket non-blocking,
 * so that two ends writing more than their buffers hold never wait on
 * each other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/err.h>

#include "cli.h"
#include "psp-tls.h"

/* > 0 bytes, 0 at the end, -EAGAIN, or -errno */
static ssize_t conn_io(int sock, SSL *ssl, int write, void *buf, size_t len)
{
	size_t n;
	ssize_t r;

	if (!ssl) {
		r = write ? send(sock, buf, len, MSG_NOSIGNAL) : recv(sock, buf, len, 0);
		return r < 0 ? -errno : r;
	}
	ERR_clear_error();
	if (write ? SSL_write_ex(ssl, buf, len, &n) : SSL_read_ex(ssl, buf, len, &n))
		return (ssize_t)n;
	switch (SSL_get_error(ssl, 0)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		return errno ? -errno : -ECONNRESET;
	default:
		return -EPROTO;
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int pump(int in_fd, int out_fd, int sock, SSL *ssl)
{
	static char up[1 << 16], down[1 << 16];
	size_t up_len = 0, up_off = 0;
	int in_eof = 0, shut = 0, sock_eof = 0, err = 0;
	ssize_t n;

	fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
	while (!err && (!shut || !sock_eof)) {
		struct pollfd p[2] = { { .fd = -1 }, { .fd = sock } };

		if (!in_eof && up_off == up_len)
			p[0] = (struct pollfd){ .fd = in_fd, .events = POLLIN };
		p[1].events = (short)((sock_eof ? 0 : POLLIN) | (up_off < up_len ? POLLOUT : 0));
		/* what OpenSSL holds already, poll cannot see */
		if (!(ssl && SSL_has_pending(ssl)) && poll(p, 2, -1) < 0 && errno != EINTR)
			return op_error(errno, "poll: %s", strerror(errno));
		if (p[0].revents) {
			n = read(in_fd, up, sizeof(up));
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return op_error(errno, "reading input: %s", strerror(errno));
			in_eof = !n;
			up_len = n > 0 ? (size_t)n : 0;
			up_off = 0;
		}
		if (up_off < up_len) {
			n = conn_io(sock, ssl, 1, up + up_off, up_len - up_off);
			if (n > 0)
				up_off += (size_t)n;
			else if (n != -EAGAIN)
				err = n ? (int)-n : EPIPE;
		}
		if (in_eof && up_off == up_len && !shut) {
			if (ssl)
				SSL_shutdown(ssl);	/* close_notify */
			else
				shutdown(sock, SHUT_WR);
			shut = 1;
		}
		if (!sock_eof) {
			n = conn_io(sock, ssl, 0, down, sizeof(down));
			if (n > 0 && write_all(out_fd, down, (size_t)n))
				return op_error(errno, "writing output: %s", strerror(errno));
			if (!n) {
				sock_eof = 1;
				close(out_fd);
			} else if (n < 0 && n != -EAGAIN) {
				err = (int)-n;
			}
		}
	}
	if (err)
		return op_error(err, "connection: %s", strerror(err));
	return 0;
}
