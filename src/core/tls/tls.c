/*
 * tls.c - OpenSSL 3 as a transport layer (see tls.h): the handshake with
 * verification, the TLS read/write/pending/close ops, and the certificate
 * summary in struct tls_info.  RFC 3207 (STARTTLS), RFC 8314 (implicit TLS),
 * RFC 6125 / RFC 7817 (name checks, done by OpenSSL's X509_VERIFY_PARAM),
 * RFC 6066 section 3 (SNI), RFC 8997 (TLS 1.2 minimum).
 *
 * The SSL_CTX made from the options is tls_context.c's, the certificate
 * summary and the verification record tls_cert.c's; the chain as PEM
 * (tls --save) is written here, from the live connection.
 *
 * Ownership: tls_start() allocates one struct tls_state (SSL_CTX, SSL and
 * the layer below), stores it in t->tls and swaps t->ops; the TLS close op
 * frees it and then closes the layer below.  No globals: the state reaches
 * the verify callback through SSL's app data.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "libs_openssl.h"

#define TLS_DEFAULT_TIMEOUT_MS 30000u
#include "clock.h"
#include "tls_int.h"


static const struct transport_ops tls_ops;

bool tls_active(const struct transport *t)
{
	return t->ops == &tls_ops && t->tls != NULL;
}

/* ---- ops ---- */

static struct tls_state *state_of(struct transport *t)
{
	return t->tls;
}

static ssize_t tls_map_error(struct tls_state *st, int r, bool *want_write)
{
	switch (SSL_get_error(st->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*want_write = false;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want_write = true;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			errno = EPIPE;
		ERR_clear_error();
		return -1;
	default:
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
}

static ssize_t tls_read(struct transport *t, void *buf, size_t len, bool *want_write)
{
	struct tls_state *st = state_of(t);
	size_t n = 0;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_read_ex(st->ssl, buf, len, &n);
	if (r == 1)
		return (ssize_t)n;
	return tls_map_error(st, r, want_write);
}

static ssize_t tls_write(struct transport *t, const void *buf, size_t len, bool *want_write)
{
	struct tls_state *st = state_of(t);
	size_t n = 0;
	int r;

	ERR_clear_error();
	errno = 0;
	r = SSL_write_ex(st->ssl, buf, len, &n);
	if (r == 1)
		return (ssize_t)n;
	if (tls_map_error(st, r, want_write) == 0) {
		errno = EPIPE;  /* close_notify while writing: the peer is gone */
	}
	return -1;
}

static size_t tls_pending(struct transport *t)
{
	struct tls_state *st = state_of(t);
	int n = SSL_pending(st->ssl);
	return n > 0 ? (size_t)n : 0;
}

/* Free the TLS layer; with notify, try once to send close_notify. */
static void tls_state_free(struct transport *t, bool notify)
{
	struct tls_state *st = state_of(t);

	if (st == NULL)
		return;
	if (st->lower != NULL)
		t->ops = st->lower;
	if (st->ssl != NULL) {
		if (notify)
			(void)SSL_shutdown(st->ssl);  /* non-blocking: best effort */
		SSL_free(st->ssl);
	}
	SSL_CTX_free(st->ctx);
	ERR_clear_error();
	free(st);
	t->tls = NULL;
}

static void tls_close(struct transport *t)
{
	tls_state_free(t, true);
	/* Now t->ops is the plain layer again. */
	if (t->ops != NULL && t->ops != &tls_ops && t->ops->close != NULL)
		t->ops->close(t);
}

static const struct transport_ops tls_ops = {
	.name = "tls",
	.read = tls_read,
	.write = tls_write,
	.pending = tls_pending,
	.close = tls_close,
};

/* ---- handshake ---- */

/* Wait for fd readiness, or cancel, or the deadline. */
static enum smtp_errkind handshake_wait(struct transport *t, bool want_write,
    long long deadline, struct smtp_error *err)
{
	struct pollfd p = { .fd = t->fd, .events = want_write ? POLLOUT : POLLIN };
	switch (clock_wait(&p, 1, deadline, t->cancel_fd)) {
	case CLOCK_TIMEOUT:
		return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0, "TLS handshake timed out");
	case CLOCK_CANCELLED:
		return smtp_error_set(err, SMTP_ERR_CANCELLED, 0, "TLS handshake cancelled");
	case CLOCK_ERROR:
		return smtp_error_set(err, SMTP_ERR_IO, errno,
		    "poll during TLS handshake: %s", strerror(errno));
	case CLOCK_READY:
		break;
	}
	return SMTP_OK;   /* ready, or an error SSL_connect will see */
}

static enum smtp_errkind handshake_failed(struct tls_state *st, int r,
    struct smtp_error *err)
{
	int e = SSL_get_error(st->ssl, r);
	unsigned long code = ERR_peek_error();
	int saved = errno;

	if (e == SSL_ERROR_SYSCALL && code == 0) {
		ERR_clear_error();
		if (saved == 0 || saved == ECONNRESET || saved == EPIPE)
			return smtp_error_set(err, SMTP_ERR_CLOSED, saved,
			    "the server closed the connection during the TLS handshake");
		return smtp_error_set(err, SMTP_ERR_IO, saved,
		    "TLS handshake: %s", strerror(saved));
	}
	if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		ERR_clear_error();
		return smtp_error_set(err, SMTP_ERR_CLOSED, 0,
		    "the server closed the connection during the TLS handshake");
	}
	const char *why = ERR_reason_error_string(code);
	const char *hint = "";
	if (ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER ||
	    ERR_GET_REASON(code) == SSL_R_PACKET_LENGTH_TOO_LONG)
		hint = " (the server did not answer with TLS)";
	ERR_clear_error();
	return smtp_error_set(err, SMTP_ERR_TLS, 0, "TLS handshake failed: %s%s",
	    why != NULL ? why : "unknown error", hint);
}

/* Strip [] from an address literal; true when host is an IP address. */
static bool host_is_ip(const char *host, char *bare, size_t cap)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		snprintf(bare, cap, "%.*s", (int)(len - 2), host + 1);
	else
		snprintf(bare, cap, "%s", host);
	return inet_pton(AF_INET, bare, tmp) == 1 || inet_pton(AF_INET6, bare, tmp) == 1;
}

static enum smtp_errkind tls_setup(struct tls_state *st, struct transport *t,
    const struct tls_options *o, struct tls_info *in, struct smtp_error *err)
{
	char bare[SMTP_DOMAIN_MAX + 1];
	bool ip;
	enum smtp_errkind k;

	if ((k = tls_context_new(o, &st->ctx, err)) != SMTP_OK)
		return k;
	in->client_cert = o->cert_file != NULL;

	st->ssl = SSL_new(st->ctx);
	if (st->ssl == NULL || SSL_set_fd(st->ssl, t->fd) != 1)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "TLS: cannot create a connection");
	SSL_set_app_data(st->ssl, st);

	ip = host_is_ip(o->host, bare, sizeof bare);
	tls_text_copy(in->checked_name, sizeof in->checked_name, bare, strlen(bare));
	in->name_is_ip = ip;
	if (ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(st->ssl), bare) != 1)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0,
			    "TLS: cannot check address %s", in->checked_name);
	} else {
		/* The name the user typed: no wildcard in the reference, no
		 * partial-label wildcards in certificates (RFC 6125 6.4.3). */
		SSL_set_hostflags(st->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(st->ssl, bare) != 1)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0,
			    "TLS: cannot use host name %s", in->checked_name);
	}
	in->dane = -1;
	if (o->ntlsa > 0 && !ip) {
		/* RFC 7672: the chain against the TLSA records, the MX host's
		 * name as the reference identifier (DANE-TA). */
		if (SSL_dane_enable(st->ssl, bare) <= 0)
			return smtp_error_set(err, SMTP_ERR_TLS, 0, "TLS: cannot enable DANE");
		/* RFC 7672 3.1.1: a DANE-EE(3) match needs no name match. */
		(void)SSL_dane_set_flags(st->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
		for (size_t i = 0; i < o->ntlsa; i++) {
			const struct tls_tlsa *r = &o->tlsa[i];
			if (r->len > 0 && SSL_dane_tlsa_add(st->ssl, r->usage, r->selector, r->mtype,
			    r->data, r->len) > 0)
				in->dane_usable++;
		}
	}
	/* SNI: the name asked for, else the host unless it is an address. */
	const char *sni = o->sni != NULL ? o->sni : ip ? NULL : bare;
	if (sni != NULL && SSL_set_tlsext_host_name(st->ssl, sni) != 1)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "TLS: cannot send %.100s as SNI", sni);
	if (sni != NULL)
		tls_text_copy(in->sni, sizeof in->sni, sni, strlen(sni));
	return SMTP_OK;
}

enum smtp_errkind tls_start(struct transport *t, const struct tls_options *o,
    struct tls_info *info, struct smtp_error *err)
{
	struct tls_info scratch;
	struct tls_info *in = info != NULL ? info : &scratch;
	struct tls_state *st;
	enum smtp_errkind k;
	long long deadline;
	int r;

	memset(in, 0, sizeof *in);
	if (libs_need_openssl("TLS", err) != SMTP_OK)
		return err->kind;
	if (!transport_is_open(t))
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "not connected");
	if (tls_active(t))
		return smtp_error_set(err, SMTP_ERR_STATE, 0,
		    "TLS is already active (RFC 3207 4.2: never start it twice)");
	if (o == NULL || o->host == NULL || o->host[0] == '\0')
		return smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "TLS needs the host name to verify the certificate against");

	st = calloc(1, sizeof *st);
	if (st == NULL) {
		transport_close(t);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	st->lower = t->ops;
	t->tls = st;
	t->ops = &tls_ops;

	k = tls_setup(st, t, o, in, err);
	deadline = clock_now_ms() + (o->timeout_ms ? o->timeout_ms : TLS_DEFAULT_TIMEOUT_MS);
	while (k == SMTP_OK) {
		ERR_clear_error();
		errno = 0;
		r = SSL_connect(st->ssl);
		if (r == 1)
			break;
		int e = SSL_get_error(st->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			k = handshake_wait(t, e == SSL_ERROR_WANT_WRITE, deadline, err);
		else
			k = handshake_failed(st, r, err);
	}
	if (k != SMTP_OK) {
		/* The peer is in an undefined state: no further I/O (ST-07). */
		tls_state_free(t, false);
		transport_close(t);
		return k;
	}

	tls_fill_info(st, in);
	if (in->dane_usable > 0) {
		uint8_t usage = 0;
		in->dane_depth = SSL_get0_dane_tlsa(st->ssl, &usage, NULL, NULL, NULL, NULL);
		in->dane = in->dane_depth >= 0;
		in->dane_usage = usage;
	}
	if (!in->verified && !o->insecure) {
		tls_state_free(t, false);
		transport_close(t);
		return smtp_error_set(err, SMTP_ERR_TLS, 0,
		    "certificate verification failed: %s; connection closed "
		    "(--insecure to probe anyway)", in->verify_text);
	}
	return SMTP_OK;
}

enum smtp_errkind tls_chain_pem(const struct transport *t, struct strbuf *out, size_t *count,
    struct smtp_error *err)
{
	*count = 0;
	if (!tls_active(t))
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "no TLS on this connection now");
	const struct tls_state *st = t->tls;
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(st->ssl);
	int n = chain != NULL ? sk_X509_num(chain) : 0;
	if (n == 0)
		return smtp_error_set(err, SMTP_ERR_STATE, 0, "the server sent no certificate");
	BIO *bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	enum smtp_errkind k = SMTP_OK;
	for (int i = 0; i < n && k == SMTP_OK; i++) {
		if (PEM_write_bio_X509(bio, sk_X509_value(chain, i)) != 1)
			k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "cannot write certificate %d as PEM",
			    i + 1);
		else
			(*count)++;
	}
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	if (k == SMTP_OK && (len <= 0 || strbuf_append(out, data, (size_t)len) != SMTP_OK))
		k = smtp_error_set(err, SMTP_ERR_NOMEM, 0, "the chain does not fit in memory");
	BIO_free(bio);
	return k;
}
