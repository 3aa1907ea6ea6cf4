/*
 * tls_cert.c - what the TLS layer found out about the server's certificates
 * (tls.h's struct tls_info): the verify callback that records every failed
 * check instead of stopping at the first, the failures in words, and each
 * certificate of the chain as sent -- subject, issuer, names, dates, days
 * left, SHA-256 fingerprint, key type and size, signature algorithm -- as
 * text.
 *
 * Certificate text is untrusted and kept as it came (UTF-8 unescaped by
 * OpenSSL, cut to fit): the sinks escape it, once (escape.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "libs_openssl.h"

#include "tls_int.h"

/* Append untrusted bytes as they are, cut to fit.  No escaping here: every
 * sink escapes (escape.h), once.  A NUL, which a C string cannot hold, is
 * kept as DEL (0x7f), so the escaper shows it instead of letting it cut the
 * text short (a "good.example\0.evil.example" name stays visible). */
static void copy_text(char *dst, size_t cap, size_t *pos, const char *src, size_t len)
{
	size_t o = *pos;

	for (size_t i = 0; i < len && o + 1 < cap; i++)
		dst[o++] = src[i] != '\0' ? src[i] : (char)0x7f;
	if (cap > 0)
		dst[o < cap ? o : cap - 1] = '\0';
	*pos = o;
}

void tls_text_copy(char *dst, size_t cap, const char *src, size_t len)
{
	size_t pos = 0;
	copy_text(dst, cap, &pos, src, len);
}

static void set_text(char *dst, size_t cap, const char *src)
{
	tls_text_copy(dst, cap, src, strlen(src));
}

/* ---- verification ---- */

int tls_verify_record(int preverify_ok, X509_STORE_CTX *x)
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

/* The first certificate of the chain whose dates fail: not_after passed
 * (expired) or not_before ahead; the leaf when none is found. */
static const struct tls_cert_info *dated(const struct tls_info *in, const bool *ahead,
    bool expired)
{
	for (size_t i = 0; i < in->nchain; i++)
		if (expired ? in->chain[i].days_left < 0 : ahead[i])
			return &in->chain[i];
	return &in->chain[0];
}

static void describe_failures(const struct tls_state *st, struct tls_info *in,
    const bool *ahead)
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
		snprintf(tmp, sizeof tmp, "expired (not after %s)", dated(in, ahead, true)->not_after);
		append_reason(d, cap, tmp);
	}
	if (st->failures & TLS_FAIL_NOT_YET) {
		snprintf(tmp, sizeof tmp, "not yet valid (not before %s)",
		    dated(in, ahead, false)->not_before);
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
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0 && p != NULL)
			copy_text(dst, cap, &pos, p, (size_t)len);
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
			copy_text(dst, cap, &pos, ", ", 2);
		copy_text(dst, cap, &pos, tag, strlen(tag));
		if (s != NULL)
			copy_text(dst, cap, &pos, (const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
		else
			copy_text(dst, cap, &pos, ip, strlen(ip));
	}
	GENERAL_NAMES_free(gens);
}

/* Whole days from now to t, rounded down (negative once t has passed). */
static long days_until(const ASN1_TIME *t)
{
	int day = 0, sec = 0;
	if (t == NULL || ASN1_TIME_diff(&day, &sec, NULL, t) != 1)
		return 0;
	long long total = (long long)day * 86400 + sec;
	return (long)(total >= 0 ? total / 86400 : -((-total + 86399) / 86400));
}

static void fingerprint_text(X509 *cert, char *dst, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	size_t o = 0;

	dst[0] = '\0';
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned i = 0; i < n && o + 3 < cap; i++) {
		if (i > 0)
			dst[o++] = ':';
		dst[o++] = hex[md[i] >> 4];
		dst[o++] = hex[md[i] & 15];
	}
	dst[o] = '\0';
}

/* The public key's type and size, and the signature's algorithm: what the
 * audit's tls-certificate check weighs (RSA under 2048 bits, SHA-1). */
static void key_text(X509 *cert, struct tls_cert_info *c)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	int id = key != NULL ? EVP_PKEY_get_base_id(key) : NID_undef;
	const char *type = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" :
	    id == EVP_PKEY_DSA ? "DSA" : id == EVP_PKEY_ED25519 ? "ED25519" :
	    id == EVP_PKEY_ED448 ? "ED448" : "?";
	set_text(c->key_type, sizeof c->key_type, type);
	c->key_bits = key != NULL ? EVP_PKEY_get_bits(key) : 0;
	const char *sig = OBJ_nid2sn(X509_get_signature_nid(cert));
	set_text(c->signature, sizeof c->signature, sig != NULL ? sig : "?");
}

static void cert_summary(X509 *cert, struct tls_cert_info *c)
{
	key_text(cert, c);
	name_text(X509_get_subject_name(cert), c->subject, sizeof c->subject);
	name_text(X509_get_issuer_name(cert), c->issuer, sizeof c->issuer);
	sans_text(cert, c->sans, sizeof c->sans);
	time_text(X509_get0_notBefore(cert), c->not_before, sizeof c->not_before);
	time_text(X509_get0_notAfter(cert), c->not_after, sizeof c->not_after);
	c->days_left = days_until(X509_get0_notAfter(cert));
	fingerprint_text(cert, c->sha256, sizeof c->sha256);
}

void tls_fill_info(struct tls_state *st, struct tls_info *in)
{
	/* On the client side the chain as sent starts with the leaf. */
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(st->ssl);
	X509 *leaf = SSL_get0_peer_certificate(st->ssl);
	bool ahead[TLS_CHAIN_MAX] = { false };

	set_text(in->version, sizeof in->version, SSL_get_version(st->ssl));
	set_text(in->cipher, sizeof in->cipher, SSL_get_cipher_name(st->ssl));
	in->nchain = in->chain_dropped = 0;
	int n = chain != NULL ? sk_X509_num(chain) : 0;
	for (int i = 0; i < n; i++) {
		if (in->nchain == TLS_CHAIN_MAX) {
			in->chain_dropped++;
			continue;
		}
		X509 *c = sk_X509_value(chain, i);
		ahead[in->nchain] = X509_cmp_current_time(X509_get0_notBefore(c)) > 0;
		cert_summary(c, &in->chain[in->nchain++]);
	}
	if (in->nchain == 0 && leaf != NULL) {
		ahead[0] = X509_cmp_current_time(X509_get0_notBefore(leaf)) > 0;
		cert_summary(leaf, &in->chain[in->nchain++]);
	}
	if (leaf == NULL)
		st->failures |= TLS_FAIL_NO_CERT;
	/* Belt and braces: OpenSSL's own verdict must agree with ours. */
	if (SSL_get_verify_result(st->ssl) != X509_V_OK && st->failures == 0) {
		st->failures |= TLS_FAIL_OTHER;
		st->other_error = (int)SSL_get_verify_result(st->ssl);
	}
	in->failures = st->failures;
	in->verified = st->failures == 0;
	describe_failures(st, in, ahead);
}
