/*
 * auth_int.h - what auth.c (base64, the exchange, PLAIN/LOGIN/CRAM-MD5) and
 * auth_sasl.c (XOAUTH2, OAUTHBEARER, SCRAM-SHA-256) share.  Nothing
 * outside src/core includes this.
 */
#ifndef SMTPSH_AUTH_INT_H
#define SMTPSH_AUTH_INT_H

#include "auth.h"

/* Append base64 of (p, n) to sb; the temporary copy is wiped. */
enum smtp_errkind auth_append_base64(struct strbuf *sb, const void *p, size_t n);

/* The first client message of XOAUTH2, OAUTHBEARER or SCRAM-SHA-256,
 * base64, appended to out (a fresh SCRAM nonce is drawn for it). */
enum smtp_errkind auth_sasl_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err);

/* Answer one decoded challenge of those mechanisms into *line (base64, or
 * the empty line); an error means cancel ("*"). */
enum smtp_errkind auth_sasl_step(struct auth_exchange *ax, const unsigned char *dec,
    size_t declen, struct strbuf *line, struct smtp_error *err);

#endif
