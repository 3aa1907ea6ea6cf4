/*
 * tls_int.h - the TLS layer's private state, shared by tls.c (handshake and
 * ops), tls_context.c (the SSL_CTX from the options) and tls_cert.c
 * (verification record and certificate summary).
 */
#ifndef SMTPSH_TLS_INT_H
#define SMTPSH_TLS_INT_H

#include <openssl/ssl.h>

#include "tls.h"

struct tls_state {
	SSL_CTX *ctx;
	SSL *ssl;
	const struct transport_ops *lower;  /* the plain layer, closed last */
	unsigned failures;                  /* enum tls_verify_fail */
	int other_error;                    /* first X509_V_ERR_* not classified */
};

/* SSL_CTX_set_verify callback: records each failed check in the state. */
int tls_verify_record(int preverify_ok, X509_STORE_CTX *x);
/* After the handshake: the certificate summary and the verdict in *in. */
void tls_fill_info(struct tls_state *st, struct tls_info *in);
/* tls_context.c: the client's SSL_CTX for o (freed by the caller, also
 * on failure: *out is set as soon as it exists). */
enum smtp_errkind tls_context_new(const struct tls_options *o, SSL_CTX **out,
    struct smtp_error *err);
/* Copy untrusted text, cut to fit, NUL kept visible as DEL. */
void tls_text_copy(char *dst, size_t cap, const char *src, size_t len);

#endif
