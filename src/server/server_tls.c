/*
 * server_tls.c - the teaching server's TLS (RFC 3207 STARTTLS, server
 * side): a throw-away self-signed certificate (EC P-256, valid from an
 * hour ago to a week and an hour from now: "7 days left") made in memory the first time it is needed -- the first
 * STARTTLS, or --serve's start, or the --demo shell asking for it to trust
 * it -- named for the server's hostname with 127.0.0.1 and ::1 as IP SANs;
 * the SSL_CTX that serves it (TLS 1.2 at least, RFC 8996/8997); and a
 * connection's non-blocking handshake, reads and writes.
 *
 * OpenSSL is loaded then (libs.h), not before: a --demo that never says
 * STARTTLS never loads it.  The certificate, key and context live in
 * struct srv_tls, made once under its mutex (the shell's thread may ask
 * for the PEM while the server's thread serves) and freed with the server;
 * each connection's SSL is its own and freed by srv_tls_conn_free.  When
 * OpenSSL cannot be loaded or the certificate cannot be made, the reason
 * is kept and every STARTTLS gets 454 with it (RFC 3207 4).
 *
 * A leaf: calls no other server file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include "libs_openssl.h"
#include "server_int.h"

#define SRV_CERT_DAYS 7                 /* a throw-away: a week is plenty */
#define SRV_CERT_PEM_MAX 4096           /* an EC P-256 certificate is ~700 */

static void srv_tls_why(struct srv_tls *t, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;
	snprintf(t->why, sizeof t->why, "%s%s%s", what, r != NULL ? ": " : "", r != NULL ? r : "");
	ERR_clear_error();
}

/* The certificate for host, self-signed with a new P-256 key. */
static X509 *srv_tls_make_cert(struct srv_tls *t, const char *host, EVP_PKEY **keyp)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	unsigned char rnd[8];
	long serial = 1;
	if (RAND_bytes(rnd, sizeof rnd) == 1) {
		serial = 0;
		for (size_t i = 0; i < sizeof rnd - 1; i++)
			serial = (serial << 8) | rnd[i];
		serial = serial > 0 ? serial : 1;
	}
	char san[SMTP_DOMAIN_MAX + 64];
	snprintf(san, sizeof san, "DNS:%s,IP:127.0.0.1,IP:::1", host);
	X509_EXTENSION *ext = NULL;
	bool ok = key != NULL && x != NULL && X509_set_version(x, 2) == 1 &&
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * SRV_CERT_DAYS + 3600) != NULL &&
	    X509_set_pubkey(x, key) == 1 &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_ASC,
	        (const unsigned char *)"smtpsh teaching server (throw-away)", -1, -1, 0) == 1 &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	        (const unsigned char *)host, -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x, X509_get_subject_name(x)) == 1;
	if (ok) {
		X509V3_CTX v3;
		memset(&v3, 0, sizeof v3);
		X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
		ok = ext != NULL && X509_add_ext(x, ext, -1) == 1 &&
		    X509_sign(x, key, EVP_sha256()) > 0;
	}
	if (ext != NULL)
		X509_EXTENSION_free(ext);
	if (!ok) {
		srv_tls_why(t, "the throw-away certificate could not be made");
		X509_free(x);
		EVP_PKEY_free(key);
		return NULL;
	}
	*keyp = key;
	return x;
}

/* The certificate as PEM text into t->pem. */
static bool srv_tls_keep_pem(struct srv_tls *t, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n = b != NULL && PEM_write_bio_X509(b, x) == 1 ? BIO_get_mem_data(b, &p) : 0;
	bool ok = n > 0 && (size_t)n < SRV_CERT_PEM_MAX && (t->pem = malloc((size_t)n + 1)) != NULL;
	if (ok) {
		memcpy(t->pem, p, (size_t)n);
		t->pem[n] = '\0';
	} else {
		srv_tls_why(t, "the certificate could not be written as PEM");
	}
	BIO_free(b);
	return ok;
}

static void srv_tls_make(struct srv_tls *t, const char *host)
{
	struct smtp_error err;
	if (libs_need_openssl("STARTTLS", &err) != SMTP_OK) {
		snprintf(t->why, sizeof t->why, "%s", err.msg);
		return;
	}
	EVP_PKEY *key = NULL;
	X509 *x = srv_tls_make_cert(t, host, &key);
	if (x == NULL)
		return;
	SSL_CTX *ctx = NULL;
	if (srv_tls_keep_pem(t, x)) {
		ctx = SSL_CTX_new(TLS_server_method());
		if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
		    SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
			srv_tls_why(t, "the TLS context could not be set up");
			SSL_CTX_free(ctx);
			ctx = NULL;
		} else {
			/* The output buffer moves (srv_out_compact) and a write may
			 * take part of it, as send() does. */
			SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		}
	}
	X509_free(x);
	EVP_PKEY_free(key);
	t->ctx = ctx;
}

bool srv_tls_ready(struct srv *s, const char **why)
{
	struct srv_tls *t = &s->tls;
	pthread_mutex_lock(&t->lock);
	if (!t->tried) {
		t->tried = true;
		srv_tls_make(t, s->hostname);
	}
	bool ok = t->ctx != NULL;
	pthread_mutex_unlock(&t->lock);
	*why = ok ? NULL : t->why;
	return ok;
}

const char *srv_tls_pem(struct srv *s, const char **why)
{
	return srv_tls_ready(s, why) ? s->tls.pem : NULL;
}

int srv_tls_init(struct srv_tls *t)
{
	memset(t, 0, sizeof *t);
	return pthread_mutex_init(&t->lock, NULL) == 0 ? 0 : -1;
}

void srv_tls_free(struct srv_tls *t)
{
	if (t->ctx != NULL)
		SSL_CTX_free(t->ctx);
	free(t->pem);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof *t);
}

bool srv_tls_conn_begin(struct srv *s, struct srv_conn *c)
{
	c->ssl = SSL_new(s->tls.ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		ERR_clear_error();
		return false;
	}
	SSL_set_accept_state(c->ssl);
	c->tls = SRV_TLS_HANDSHAKE;
	c->tls_want = POLLIN;
	return true;
}

/* After an SSL call returned rc <= 0: 0 and c->tls_want set when it only
 * waits for the socket, -1 when the connection is over. */
static int srv_tls_wait(struct srv_conn *c, int rc)
{
	int e = SSL_get_error(c->ssl, rc);
	ERR_clear_error();
	if (e == SSL_ERROR_WANT_READ) {
		c->tls_want = POLLIN;
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		c->tls_want = POLLOUT;
		return 0;
	}
	return -1;
}

int srv_tls_handshake(struct srv_conn *c)
{
	int rc = SSL_do_handshake(c->ssl);
	if (rc == 1) {
		c->tls = SRV_TLS_ON;
		c->tls_want = 0;
		return 1;
	}
	return srv_tls_wait(c, rc);
}

ssize_t srv_tls_recv(struct srv_conn *c, void *buf, size_t cap)
{
	size_t n = 0;
	int rc = SSL_read_ex(c->ssl, buf, cap, &n);
	if (rc == 1)
		return (ssize_t)n;
	if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN) {
		ERR_clear_error();
		return 0;
	}
	if (srv_tls_wait(c, rc) == 0) {
		errno = EAGAIN;
		return -1;
	}
	errno = EIO;
	return 0;                 /* the peer broke TLS: as good as gone */
}

ssize_t srv_tls_send(struct srv_conn *c, const void *buf, size_t len)
{
	size_t n = 0;
	int rc = SSL_write_ex(c->ssl, buf, len, &n);
	if (rc == 1)
		return (ssize_t)n;
	errno = srv_tls_wait(c, rc) == 0 ? EAGAIN : EPIPE;
	return -1;
}

const char *srv_tls_version(const struct srv_conn *c)
{
	return c->ssl != NULL ? SSL_get_version(c->ssl) : "";
}

bool srv_tls_pending(const struct srv_conn *c)
{
	return c->tls == SRV_TLS_ON && SSL_pending(c->ssl) > 0;
}

void srv_tls_conn_free(struct srv_conn *c)
{
	if (c->ssl == NULL)
		return;
	if (c->tls == SRV_TLS_ON)
		(void)SSL_shutdown(c->ssl);     /* close_notify, if the socket takes it */
	SSL_free(c->ssl);
	ERR_clear_error();
	c->ssl = NULL;
	c->tls = SRV_TLS_NONE;
}
