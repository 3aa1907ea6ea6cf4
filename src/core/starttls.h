/*
 * starttls.h - STARTTLS on a session (RFC 3207) and implicit TLS at connect
 * (RFC 8314 section 3.3, port 465), on top of session.h and tls.h.
 *
 * session_starttls: sends exactly "STARTTLS\r\n" (nothing pipelined after
 * it, ST-08) and reads the reply.
 *  - Not 220: SMTP_ERR_REFUSED, the reply in *out, the session unchanged
 *    (still plaintext; a 421 has closed it).  The caller must not go on as
 *    if TLS were up (ST-01, ST-02).
 *  - 220: every byte the server sent after the 220 and before the handshake
 *    (already buffered, or readable now) is discarded, never parsed as a
 *    reply (ST-03, ST-04: a partial line too); *discarded says how many,
 *    and the first ones are copied into *injected (may be NULL) as evidence
 *    to show escaped.  Then tls_start(); on failure the connection is closed
 *    and the session is SMTP_ST_CLOSED (ST-07: never plaintext after 220).
 *    On success the EHLO extensions are forgotten and the state is back to
 *    GREETED: the client must EHLO again (RFC 3207 section 4.2, ST-05).
 *  - TLS already active: SMTP_ERR_STATE, nothing sent (ST-06).
 * o->host may be NULL: the host the user typed (s->host) is checked.
 *
 * Implicit TLS (--tls, port 465): set session_options.after_connect to
 * implicit_tls_after_connect and after_connect_ctx to a struct implicit_tls;
 * session_open() then runs tls_start() between connect and the greeting,
 * with the same verification and the same failures as STARTTLS.
 */
#ifndef SMTPSH_STARTTLS_H
#define SMTPSH_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "reply.h"
#include "session.h"
#include "strbuf.h"
#include "tls.h"

enum smtp_errkind session_starttls(struct session *s, const struct tls_options *o,
    struct smtp_reply *out, struct tls_info *info, size_t *discarded,
    struct strbuf *injected, struct smtp_error *err);

struct implicit_tls {
	struct tls_options opt;     /* opt.host: the host the user typed */
	struct tls_info info;       /* filled by the handshake */
	bool done;                  /* the handshake ran (info is meaningful) */
};

/* An after_connect hook (session.h); ctx is a struct implicit_tls. */
enum smtp_errkind implicit_tls_after_connect(void *ctx, struct transport *t,
    struct smtp_error *err);

#endif
