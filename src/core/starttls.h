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
 * session_open_tls: session_open() with the TLS handshake between connect
 * and the greeting.
 */
#ifndef SMTPSH_STARTTLS_H
#define SMTPSH_STARTTLS_H

#include <stddef.h>

#include "error.h"
#include "reply.h"
#include "session.h"
#include "strbuf.h"
#include "tls.h"

enum smtp_errkind session_starttls(struct session *s, const struct tls_options *o,
    struct smtp_reply *out, struct tls_info *info, size_t *discarded,
    struct strbuf *injected, struct smtp_error *err);

#endif
