/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * psp-tls: a netcat whose connections are TLS, then PSP
 * (docs/psp-tls.1). main.c the command line and the connections, tls.c
 * the TLS side (certificates, peer checks), pump.c the data.
 */
#ifndef __PSP_TLS_H
#define __PSP_TLS_H

#include <stdint.h>
#include <openssl/ssl.h>

struct tls_opts {
	const char *cert, *key;	/* PEM: this end's certificate and key */
	const char *ca;		/* PEM: the CAs the peer's certificate must chain to */
	const uint8_t *pin;	/* 32 bytes: SHA-256 of the peer's certificate (DER) */
	int insecure;		/* neither: the peer goes unchecked */
};

/* A context for either end; NULL after printing why. */
SSL_CTX *tls_ctx(const struct tls_opts *o, int server);
/* The handshake on a connected socket, the peer checked (host: the name
 * or address connected to, matched against the certificate with --ca).
 * NULL after printing why. */
SSL *tls_handshake(SSL_CTX *ctx, int fd, int server, const char *host, unsigned int timeout_s);

/*
 * Pipes in_fd to the connection and the connection to out_fd until both
 * are done: the connection is the socket itself (ssl NULL: PSP, sealed
 * by the datapath) or the TLS session on it. The write side is shut at
 * in_fd's end, out_fd closed at the connection's. 0, or 1 after printing
 * why.
 */
int pump(int in_fd, int out_fd, int sock, SSL *ssl);

#endif /* __PSP_TLS_H */
