/*
 * auth_int.h - what auth.c (the mechanism table, the exchange,
 * PLAIN/LOGIN/CRAM-MD5) and auth_sasl.c (XOAUTH2, OAUTHBEARER,
 * SCRAM-SHA-256) share.  Nothing
 * outside src/core includes this.
 */
#ifndef SMTPSH_AUTH_INT_H
#define SMTPSH_AUTH_INT_H

#include "auth.h"

/* Append base64 of (p, n) to sb; the temporary copy is wiped. */
enum smtp_errkind auth_append_base64(struct strbuf *sb, const void *p, size_t n);

/* One mechanism (auth.c's table, indexed by enum auth_mech): its name
 * and a line about it, whether its secret is a bearer token, whether the
 * server must prove itself before a 235 counts (SCRAM), whether the
 * credentials go through SASLprep, the first client
 * message appended to out (NULL: none goes with AUTH, the first 334 asks
 * for the first answer), and the answer to one decoded challenge into
 * *line (an error means cancel, "*"). */
struct auth_mech_ops {
	const char *name, *describe;
	bool token, proves_server;
	bool saslprep;          /* user and password prepared (RFC 4013) first */
	enum smtp_errkind (*first)(struct auth_exchange *ax, struct strbuf *out,
	    struct smtp_error *err);
	enum smtp_errkind (*step)(struct auth_exchange *ax, const unsigned char *dec,
	    size_t declen, struct strbuf *line, struct smtp_error *err);
};

/* auth_sasl.c's mechanisms: XOAUTH2, OAUTHBEARER, SCRAM-SHA-256. */
enum smtp_errkind auth_xoauth2_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err);
enum smtp_errkind auth_oauthbearer_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err);
enum smtp_errkind auth_scram_first(struct auth_exchange *ax, struct strbuf *out,
    struct smtp_error *err);
/* XOAUTH2 and OAUTHBEARER: the first message if none went with AUTH, then
 * the error acknowledged (RFC 7628 3.2.3: an empty line, one ^A). */
enum smtp_errkind auth_xoauth2_step(struct auth_exchange *ax, const unsigned char *dec,
    size_t declen, struct strbuf *line, struct smtp_error *err);
enum smtp_errkind auth_oauthbearer_step(struct auth_exchange *ax, const unsigned char *dec,
    size_t declen, struct strbuf *line, struct smtp_error *err);
/* SCRAM-SHA-256: client-first if none went with AUTH, client-final, then
 * the server's signature checked (RFC 5802, RFC 7677). */
enum smtp_errkind auth_scram_step(struct auth_exchange *ax, const unsigned char *dec,
    size_t declen, struct strbuf *line, struct smtp_error *err);

#endif
