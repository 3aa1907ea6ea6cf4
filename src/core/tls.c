/*
 * tls.c - OpenSSL 3 as a transport layer (see tls.h): the handshake with
 * verification, the TLS read/write/pending/close ops, and the certificate
 * summary in struct tls_info.  RFC 3207 (STARTTLS), RFC 8314 (implicit TLS),
 * RFC 6125 / RFC 7817 (name checks, done by OpenSSL's X509_VERIFY_PARAM),
 * RFC 6066 section 3 (SNI), RFC 8997 (TLS 1.2 minimum).
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
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define TLS_DEFAULT_TIMEOUT_MS 30000u

struct tls_state {
	SSL_CTX *ctx;
	SSL *ssl;
	const struct transport_ops *lower;  /* the plain layer, closed last */
	unsigned failures;                  /* enum tls_verify_fail */
	int other_error;                    /* first X509_V_ERR_* not classified */
};

static const struct transport_ops tls_ops;

bool tls_active(const struct transport *t)
{
	return t->ops == &tls_ops && t->tls != NULL;
}

/* Copy untrusted bytes as printable ASCII (others as \xNN), cut to fit. */
static void copy_printable(char *dst, size_t cap, size_t *pos, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = *pos;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	if (cap > 0)
		dst[o < cap ? o : cap - 1] = '\0';
	*pos = o;
}

static void set_text(char *dst, size_t cap, const char *src)
{
	size_t pos = 0;
	copy_printable(dst, cap, &pos, src, strlen(src));
}

/* ---- verification ---- */

static int verify_record(int preverify_ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_state *st = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

	if (st == NULL)
		return preverify_ok;   /* not ours: do not weaken anything */
	if (preverify_ok)
		return 1;
	switch (X509_STORE_CTX_get_error(x)) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		st->failures |= TLS_FAIL_SELF_SIGNED;
		break;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		st->failures |= TLS_FAIL_UNTRUSTED;
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		st->failures |= TLS_FAIL_HOSTNAME;
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		st->failures |= TLS_FAIL_EXPIRED;
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		st->failures |= TLS_FAIL_NOT_YET;
		break;
	default:
		if (!(st->failures & TLS_FAIL_OTHER))
			st->other_error = X509_STORE_CTX_get_error(x);
		st->failures |= TLS_FAIL_OTHER;
		break;
	}
	/* Go on, so every failed check is seen; tls_start() decides after the
	 * handshake, before a single SMTP byte is sent. */
	return 1;
}

static void append_reason(char *dst, size_t cap, const char *text)
{
	size_t len = strlen(dst);

	if (len > 0 && len + 2 < cap) {
		memcpy(dst + len, "; ", 3);
		len += 2;
	}
	if (len < cap)
		snprintf(dst + len, cap - len, "%s", text);
}

static void describe_failures(const struct tls_state *st, struct tls_info *in)
{
	char *d = in->verify_text;
	size_t cap = sizeof in->verify_text;
	char tmp[sizeof in->verify_text];

	d[0] = '\0';
	if (st->failures == 0) {
		snprintf(d, cap, "ok (chain trusted, name %.180s matches, dates valid)",
		    in->checked_name);
		return;
	}
	if (st->failures & TLS_FAIL_NO_CERT)
		append_reason(d, cap, "the server sent no certificate");
	if (st->failures & TLS_FAIL_SELF_SIGNED)
		append_reason(d, cap, "self-signed certificate (not trusted)");
	if (st->failures & TLS_FAIL_UNTRUSTED)
		append_reason(d, cap, "untrusted chain (issuer not in the trust store)");
	if (st->failures & TLS_FAIL_HOSTNAME) {
		snprintf(tmp, sizeof tmp, "host name mismatch (certificate is not for %.180s)",
		    in->checked_name);
		append_reason(d, cap, tmp);
	}
	if (st->failures & TLS_FAIL_EXPIRED) {
		snprintf(tmp, sizeof tmp, "expired (not after %s)", in->not_after);
		append_reason(d, cap, tmp);
	}
	if (st->failures & TLS_FAIL_NOT_YET) {
		snprintf(tmp, sizeof tmp, "not yet valid (not before %s)", in->not_before);
		append_reason(d, cap, tmp);
	}
	if (st->failures & TLS_FAIL_OTHER)
		append_reason(d, cap, X509_verify_cert_error_string(st->other_error));
}

/* ---- certificate summary ---- */

static void name_text(const X509_NAME *n, char *dst, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;
	size_t pos = 0;

	dst[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0 && p != NULL)
			copy_printable(dst, cap, &pos, p, (size_t)len);
	}
	BIO_free(b);
}

static void time_text(const ASN1_TIME *a, char *dst, size_t cap)
{
	struct tm tm;

	dst[0] = '\0';
	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1 ||
	    strftime(dst, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		set_text(dst, cap, "?");
}

static void sans_text(X509 *cert, char *dst, size_t cap)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t pos = 0;

	dst[0] = '\0';
	if (gens == NULL)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const char *tag = NULL;
		const ASN1_STRING *s = NULL;
		char ip[INET6_ADDRSTRLEN] = "";

		switch (g->type) {
		case GEN_DNS: tag = "DNS:"; s = g->d.dNSName; break;
		case GEN_EMAIL: tag = "email:"; s = g->d.rfc822Name; break;
		case GEN_URI: tag = "URI:"; s = g->d.uniformResourceIdentifier; break;
		case GEN_IPADD: {
			const ASN1_OCTET_STRING *o = g->d.iPAddress;
			int af = o->length == 4 ? AF_INET : o->length == 16 ? AF_INET6 : 0;
			tag = "IP:";
			if (af == 0 || inet_ntop(af, o->data, ip, sizeof ip) == NULL)
				snprintf(ip, sizeof ip, "?");
			break;
		}
		default: tag = "other:"; break;
		}
		if (pos > 0)
			copy_printable(dst, cap, &pos, ", ", 2);
		copy_printable(dst, cap, &pos, tag, strlen(tag));
		if (s != NULL)
			copy_printable(dst, cap, &pos, (const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
		else
			copy_printable(dst, cap, &pos, ip, strlen(ip));
	}
	GENERAL_NAMES_free(gens);
}

static void fill_info(struct tls_state *st, struct tls_info *in)
{
	X509 *cert = SSL_get0_peer_certificate(st->ssl);

	set_text(in->version, sizeof in->version, SSL_get_version(st->ssl));
	set_text(in->cipher, sizeof in->cipher, SSL_get_cipher_name(st->ssl));
	if (cert == NULL) {
		st->failures |= TLS_FAIL_NO_CERT;
	} else {
		name_text(X509_get_subject_name(cert), in->subject, sizeof in->subject);
		name_text(X509_get_issuer_name(cert), in->issuer, sizeof in->issuer);
		sans_text(cert, in->sans, sizeof in->sans);
		time_text(X509_get0_notBefore(cert), in->not_before, sizeof in->not_before);
		time_text(X509_get0_notAfter(cert), in->not_after, sizeof in->not_after);
	}
	/* Belt and braces: OpenSSL's own verdict must agree with ours. */
	if (SSL_get_verify_result(st->ssl) != X509_V_OK && st->failures == 0) {
		st->failures |= TLS_FAIL_OTHER;
		st->other_error = (int)SSL_get_verify_result(st->ssl);
	}
	in->failures = st->failures;
	in->verified = st->failures == 0;
	describe_failures(st, in);
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

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd readiness, or cancel, or the deadline. */
static enum smtp_errkind handshake_wait(struct transport *t, bool want_write,
    long long deadline, struct smtp_error *err)
{
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = t->fd, .events = want_write ? POLLOUT : POLLIN },
			{ .fd = t->cancel_fd, .events = POLLIN },
		};
		nfds_t n = t->cancel_fd >= 0 ? 2 : 1;
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return smtp_error_set(err, SMTP_ERR_TIMEOUT, 0,
			    "TLS handshake timed out");
		r = poll(p, n, left > 60000 ? 60000 : (int)left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return smtp_error_set(err, SMTP_ERR_IO, errno,
			    "poll during TLS handshake: %s", strerror(errno));
		}
		if (n == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
			return smtp_error_set(err, SMTP_ERR_CANCELLED, 0,
			    "TLS handshake cancelled");
		if (r > 0 && p[0].revents != 0)
			return SMTP_OK;   /* ready, or an error SSL_connect will see */
	}
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
	char bare[256];
	bool ip;

	st->ctx = SSL_CTX_new(TLS_client_method());
	if (st->ctx == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "TLS: cannot create a context");
	if (SSL_CTX_set_min_proto_version(st->ctx, TLS1_2_VERSION) != 1)
		return smtp_error_set(err, SMTP_ERR_TLS, 0, "TLS: cannot set TLS 1.2 minimum");
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
	SSL_CTX_set_verify(st->ctx, SSL_VERIFY_PEER, verify_record);

	st->ssl = SSL_new(st->ctx);
	if (st->ssl == NULL || SSL_set_fd(st->ssl, t->fd) != 1)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "TLS: cannot create a connection");
	SSL_set_app_data(st->ssl, st);

	ip = host_is_ip(o->host, bare, sizeof bare);
	set_text(in->checked_name, sizeof in->checked_name, bare);
	in->name_is_ip = ip;
	if (ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(st->ssl), bare) != 1)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0,
			    "TLS: cannot check address %s", in->checked_name);
	} else {
		/* The name the user typed: no wildcard in the reference, no
		 * partial-label wildcards in certificates (RFC 6125 6.4.3). */
		SSL_set_hostflags(st->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(st->ssl, bare) != 1 ||
		    SSL_set_tlsext_host_name(st->ssl, bare) != 1)
			return smtp_error_set(err, SMTP_ERR_USAGE, 0,
			    "TLS: cannot use host name %s", in->checked_name);
	}
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
	deadline = now_ms() + (o->timeout_ms ? o->timeout_ms : TLS_DEFAULT_TIMEOUT_MS);
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

	fill_info(st, in);
	if (!in->verified && !o->insecure) {
		tls_state_free(t, false);
		transport_close(t);
		return smtp_error_set(err, SMTP_ERR_TLS, 0,
		    "certificate verification failed: %s; connection closed "
		    "(--insecure to probe anyway)", in->verify_text);
	}
	return SMTP_OK;
}
