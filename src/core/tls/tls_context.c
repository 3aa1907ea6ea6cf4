/*
 * tls_context.c - the client's SSL_CTX made from struct tls_options
 * (tls.h): the protocol versions (TLS 1.2 at least, RFC 8997; an audit's
 * probe lowers it), the cipher list, the trust anchors (the system store,
 * --cafile, --demo's own certificate), the client certificate, and the
 * verify callback that records every failure (tls_cert.c).  Also the
 * option checks done before connecting, and whether this OpenSSL can offer
 * a protocol and suites at all.  tls.c makes the connection on top.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "libs_openssl.h"

#include "tls_int.h"

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

/* One more trust anchor, given as PEM text (o->anchor_pem: --demo's
 * own certificate), beside the CA file or the system store. */
static enum smtp_errkind tls_add_anchor(SSL_CTX *ctx, const char *pem, struct smtp_error *err)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b != NULL ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	bool ok = x != NULL && X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x) == 1;
	X509_free(x);
	BIO_free(b);
	ERR_clear_error();
	return ok ? SMTP_OK : smtp_error_set(err, SMTP_ERR_FILE, 0,
	    "TLS: the certificate to trust is not PEM");
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

enum smtp_errkind tls_context_new(const struct tls_options *o, SSL_CTX **out,
    struct smtp_error *err)
{
	enum smtp_errkind k;
	SSL_CTX *ctx = *out = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "TLS: cannot create a context");
	if ((k = tls_set_protocol(ctx, o, err)) != SMTP_OK)
		return k;
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (o->cafile != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) != 1) {
			ERR_clear_error();
			return smtp_error_set(err, SMTP_ERR_FILE, 0,
			    "cannot load CA file %s (PEM certificates expected)", o->cafile);
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ERR_clear_error();
		return smtp_error_set(err, SMTP_ERR_FILE, 0, "cannot load the system CA store");
	}
	const char *anchor = o->anchor_pem != NULL ? o->anchor_pem(o->anchor_ctx) : NULL;
	if (anchor != NULL && (k = tls_add_anchor(ctx, anchor, err)) != SMTP_OK)
		return k;
	if (o->cert_file != NULL &&
	    (k = tls_load_client_cert(ctx, o->cert_file, o->key_file, err)) != SMTP_OK)
		return k;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_record);
	if (o->ntlsa > 0 && SSL_CTX_dane_enable(ctx) <= 0)
		return smtp_error_set(err, SMTP_ERR_TLS, 0, "TLS: cannot enable DANE");
	return SMTP_OK;
}
