/*
 * tls.c - OpenSSL 3 as a transport layer (see tls.h): the handshake with
 * verification, the TLS read/write/pending/close ops, and the certificate
 * summary in struct tls_info.  RFC 3207 (STARTTLS), RFC 8314 (implicit TLS),
 * RFC 6125 / RFC 7817 (name checks, done by OpenSSL's X509_VERIFY_PARAM),
 * RFC 6066 section 3 (SNI), RFC 8997 (TLS 1.2 minimum).
 *
 * The certificate summary and the verification record are tls_cert.c's.
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

/* Never ask for a passphrase on the terminal: an encrypted key fails. */
static int tls_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

static enum smtp_errkind tls_load_client_cert(SSL_CTX *ctx, const char *cert,
    const char *key, struct smtp_error *err)
{
	if (key == NULL)
		key = cert;
	SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase);
	enum smtp_errkind k = SMTP_OK;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		k = smtp_error_set(err, SMTP_ERR_FILE, 0, "cannot load the client certificate "
		    "%.100s (PEM expected)", cert);
	else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH)
		k = smtp_error_set(err, SMTP_ERR_FILE, 0, "cannot load the private key %.100s "
		    "(PEM, not encrypted)", key);
	else if (SSL_CTX_check_private_key(ctx) != 1)
		k = smtp_error_set(err, SMTP_ERR_FILE, 0, "the key %.100s is not the certificate's "
		    "(%.100s)", key, cert);
	ERR_clear_error();
	return k;
}


/* The versions --tls-protocol accepts: one table for the parse and the
 * shell completion's list. */
static const struct {
	const char *name;
	unsigned version;
} tls_versions[] = {
	{ "1.2", TLS_VERSION_1_2 },
	{ "1.3", TLS_VERSION_1_3 },
};

const char *tls_version_name_at(size_t i)
{
	return i < sizeof tls_versions / sizeof tls_versions[0] ? tls_versions[i].name : NULL;
}

bool tls_version_parse(const char *s, unsigned *version)
{
	if (strncasecmp(s, "tlsv", 4) == 0)
		s += 4;
	else if (strncasecmp(s, "tls", 3) == 0)
		s += 3;
	for (size_t i = 0; tls_version_name_at(i) != NULL; i++)
		if (strcmp(s, tls_versions[i].name) == 0) {
			*version = tls_versions[i].version;
			return true;
		}
	return false;
}

/* Versions and ciphers.  A TLS 1.2 cipher list cannot choose among TLS 1.3
 * suites, so it also caps the version at 1.2: the cipher asked for is the
 * one used, or the handshake fails. */
static enum smtp_errkind tls_set_protocol(SSL_CTX *ctx, const struct tls_options *o,
    struct smtp_error *err)
{
	int min = o->min_version == TLS_VERSION_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
	if (o->probe) {
		/* The wire values are OpenSSL's version numbers. */
		min = o->min_version != 0 ? (int)o->min_version : TLS1_VERSION;
		SSL_CTX_set_security_level(ctx, 0);
		if (o->max_version != 0 && SSL_CTX_set_max_proto_version(ctx, (int)o->max_version) != 1)
			return smtp_error_set(err, SMTP_ERR_TLS, 0, "TLS: cannot set the maximum version");
	}
	if (SSL_CTX_set_min_proto_version(ctx, min) != 1)
		return smtp_error_set(err, SMTP_ERR_TLS, 0, "TLS: cannot set the minimum version");
	if (o->ciphers == NULL)
		return SMTP_OK;
	bool v13 = strncmp(o->ciphers, "TLS_", 4) == 0;
	if (o->probe && !v13) {
		/* A probe's weak suites: TLS 1.2 and older, at level 0. */
		int ok = SSL_CTX_set_cipher_list(ctx, o->ciphers) &&
		    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
		SSL_CTX_set_security_level(ctx, 0);
		ERR_clear_error();
		return ok == 1 ? SMTP_OK : smtp_error_set(err, SMTP_ERR_USAGE, 0,
		    "TLS: no cipher of %.80s is known here", o->ciphers);
	}
	if (!v13 && min == TLS1_3_VERSION)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "--tls-cipher %.80s names TLS 1.2 "
		    "ciphers, and TLS 1.3 is the minimum asked for", o->ciphers);
	int ok = v13 ? SSL_CTX_set_ciphersuites(ctx, o->ciphers) :
	    (SSL_CTX_set_cipher_list(ctx, o->ciphers) &&
	     SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION));
	ERR_clear_error();
	if (ok != 1)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "--tls-cipher %.80s: OpenSSL knows "
		    "no such cipher (openssl ciphers -v lists them)", o->ciphers);
	return SMTP_OK;
}

enum smtp_errkind tls_check_options(const struct tls_options *o, struct smtp_error *err)
{
	if (libs_need_openssl("TLS", err) != SMTP_OK)
		return err->kind;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "TLS: cannot create a context");
	enum smtp_errkind k = tls_set_protocol(ctx, o, err);
	if (k == SMTP_OK && o->cert_file != NULL)
		k = tls_load_client_cert(ctx, o->cert_file, o->key_file, err);
	SSL_CTX_free(ctx);
	return k;
}

bool tls_can_offer(const struct tls_options *o)
{
	struct smtp_error err;
	if (libs_need_openssl("TLS", &err) != SMTP_OK)
		return false;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return false;
	bool can = false;
	SSL *ssl = NULL;
	if (tls_set_protocol(ctx, o, &err) == SMTP_OK && (ssl = SSL_new(ctx)) != NULL) {
		/* The suites a client hello would carry, for the versions
		 * enabled: none when this OpenSSL was built without them. */
		STACK_OF(SSL_CIPHER) *suites = SSL_get1_supported_ciphers(ssl);
		can = suites != NULL && sk_SSL_CIPHER_num(suites) > 0;
		sk_SSL_CIPHER_free(suites);
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return can;
}

static enum smtp_errkind tls_setup(struct tls_state *st, struct transport *t,
    const struct tls_options *o, struct tls_info *in, struct smtp_error *err)
{
	char bare[SMTP_DOMAIN_MAX + 1];
	bool ip;
	enum smtp_errkind k;

	st->ctx = SSL_CTX_new(TLS_client_method());
	if (st->ctx == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "TLS: cannot create a context");
	if ((k = tls_set_protocol(st->ctx, o, err)) != SMTP_OK)
		return k;
	SSL_CTX_set_options(st->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (o->cafile != NULL) {
		if (SSL_CTX_load_verify_locations(st->ctx, o->cafile, NULL) != 1) {
			ERR_clear_error();
			return smtp_error_set(err, SMTP_ERR_FILE, 0,
			    "cannot load CA file %s (PEM certificates expected)", o->cafile);
		}
	} else if (SSL_CTX_set_default_verify_paths(st->ctx) != 1) {
		ERR_clear_error();
		return smtp_error_set(err, SMTP_ERR_FILE, 0, "cannot load the system CA store");
	}
	if (o->cert_file != NULL &&
	    (k = tls_load_client_cert(st->ctx, o->cert_file, o->key_file, err)) != SMTP_OK)
		return k;
	in->client_cert = o->cert_file != NULL;
	SSL_CTX_set_verify(st->ctx, SSL_VERIFY_PEER, tls_verify_record);

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
	if (!in->verified && !o->insecure) {
		tls_state_free(t, false);
		transport_close(t);
		return smtp_error_set(err, SMTP_ERR_TLS, 0,
		    "certificate verification failed: %s; connection closed "
		    "(--insecure to probe anyway)", in->verify_text);
	}
	return SMTP_OK;
}
