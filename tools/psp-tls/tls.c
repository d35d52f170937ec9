// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * psp-tls's TLS: both ends present a certificate; the peer's is checked
 * against --ca (a chain to one of its CAs, and the name or address
 * connected to) or --pin (the SHA-256 of its DER form, any issuer), in
 * the handshake, so that a peer refused learns it from the alert.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cli.h"
#include "psp-tls.h"

/* --pin's digest: one a process, as the callback has nowhere else to
 * find it */
static uint8_t pin[32];

static int verify_pin(int ok, X509_STORE_CTX *x)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	X509 *cert;

	/* a pin takes the certificate, whoever issued it */
	if (X509_STORE_CTX_get_error_depth(x) > 0)
		return 1;
	cert = X509_STORE_CTX_get_current_cert(x);
	if (!cert || !X509_digest(cert, EVP_sha256(), md, &len) || len != sizeof(pin) ||
	    CRYPTO_memcmp(md, pin, sizeof(pin))) {
		X509_STORE_CTX_set_error(x, X509_V_ERR_CERT_REJECTED);
		return 0;
	}
	X509_STORE_CTX_set_error(x, X509_V_OK);
	return 1;
}

/* OpenSSL's reason for the last error, or fallback. */
static const char *ssl_why(const char *fallback)
{
	unsigned long e = ERR_peek_last_error();

	return e && ERR_reason_error_string(e) ? ERR_reason_error_string(e) : fallback;
}

SSL_CTX *tls_ctx(const struct tls_opts *o, int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	const int check = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;

	if (!ctx) {
		op_error(ENOMEM, "TLS: %s", ssl_why("cannot make a context"));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* no resumption here: tickets would only be more TLS data ahead of
	 * the exchange (which tolerates them) */
	SSL_CTX_set_num_tickets(ctx, 0);
	if (o->cert && (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1 ||
			SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
			SSL_CTX_check_private_key(ctx) != 1)) {
		op_error(EINVAL, "--cert %s --key %s: %s", o->cert, o->key, ssl_why("unusable"));
		goto fail;
	}
	if (o->ca) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca, NULL) != 1) {
			op_error(EINVAL, "--ca %s: %s", o->ca, ssl_why("unusable"));
			goto fail;
		}
		SSL_CTX_set_verify(ctx, check, NULL);
	} else if (o->pin) {
		memcpy(pin, o->pin, sizeof(pin));
		SSL_CTX_set_verify(ctx, check, verify_pin);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static void handshake_failed(SSL *ssl, int ret)
{
	long v = SSL_get_verify_result(ssl);

	if (v == X509_V_ERR_CERT_REJECTED && SSL_CTX_get_verify_callback(SSL_get_SSL_CTX(ssl)))
		op_error(EACCES, "TLS handshake: the peer's certificate does not match --pin");
	else if (v != X509_V_OK)
		op_error(EACCES, "TLS handshake: the peer's certificate: %s",
			 X509_verify_cert_error_string(v));
	else if (SSL_get_error(ssl, ret) == SSL_ERROR_SYSCALL && errno == EAGAIN)
		op_error(ETIMEDOUT, "TLS handshake: timed out");
	else if (SSL_get_error(ssl, ret) == SSL_ERROR_SYSCALL && errno)
		op_error(errno, "TLS handshake: %s", strerror(errno));
	else
		op_error(EPROTO, "TLS handshake: %s", ssl_why("the peer closed the connection"));
}

/*
 * After a failed handshake, its alert sent: what the peer sends still is
 * read and dropped until it closes (within the timeout), so that this
 * end's close is a FIN behind the alert, not a RST that may overtake it.
 * A TLS 1.3 client learns that its certificate was refused only then,
 * from its first read.
 */
static void drain(int fd)
{
	char buf[4096];

	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

SSL *tls_handshake(SSL_CTX *ctx, int fd, int server, const char *host, unsigned int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s }, none = { 0 };
	SSL *ssl = SSL_new(ctx);
	X509_VERIFY_PARAM *param;
	int ret;

	if (!ssl || !SSL_set_fd(ssl, fd)) {
		op_error(ENOMEM, "TLS: %s", ssl_why("cannot make a session"));
		SSL_free(ssl);
		return NULL;
	}
	/* --ca: the certificate names what was connected to */
	param = SSL_get0_param(ssl);
	if (!server && !SSL_CTX_get_verify_callback(ctx) &&
	    (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) &&
	    !X509_VERIFY_PARAM_set1_ip_asc(param, host))
		X509_VERIFY_PARAM_set1_host(param, host, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ERR_clear_error();
	errno = 0;
	ret = server ? SSL_accept(ssl) : SSL_connect(ssl);
	if (ret != 1) {
		handshake_failed(ssl, ret);
		drain(fd);
		SSL_free(ssl);
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
	return ssl;
}
