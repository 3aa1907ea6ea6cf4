/*
 * session.h - one client SMTP session: the connection, the reply reader, the
 * state after RFC 821's diagram, the EHLO extensions, and the counters.  The
 * struct is passed explicitly; the core keeps no globals.
 *
 * session_set_state() is the only writer of `state`.  Each call that talks
 * to the server returns an smtp_errkind: SMTP_OK means a reply (possibly a
 * 600/621 local reply) is in *out; anything else is a local failure with a
 * one-line message in *err and no reply.  A connection that drops without
 * 221/421 leaves the session SMTP_ST_CLOSED and the caller is told so
 * (SMTP_ERR_CLOSED, and a 621 reply when it dropped inside a reply).
 */
#ifndef SMTPSH_SESSION_H
#define SMTPSH_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "ehlo.h"
#include "error.h"
#include "reply.h"
#include "state.h"
#include "transport.h"
#include "verbs.h"

struct session_options {
	int family;                  /* AF_UNSPEC, AF_INET, AF_INET6 */
	unsigned connect_timeout_s;  /* 0: SMTP_TIMEOUT_CONNECT */
	unsigned reply_timeout_s;    /* 0: each verb's RFC 5321 default */
	int cancel_fd;               /* -1 or readable-on-cancel */
	wire_hook_fn wire_hook;      /* transcript; may be NULL */
	void *wire_ctx;
	/* Called by session_open() after the connect and before the greeting
	 * is read: implicit TLS (RFC 8314 3.3; starttls.h's
	 * implicit_tls_after_connect runs tls_start()).  May be NULL.  An error
	 * closes the connection, leaves the session CLOSED and is returned by
	 * session_open(). */
	enum smtp_errkind (*after_connect)(void *ctx, struct transport *t,
	    struct smtp_error *err);
	void *after_connect_ctx;
};

struct session {
	struct session_options opt;
	struct transport tr;
	struct reply_parser parser;
	char inbuf[16384];           /* bytes read but not yet parsed */
	size_t inpos, inlen;
	enum smtp_state state;
	unsigned nrcpt;              /* recipients accepted in this transaction */
	struct ehlo_set ehlo;
	char host[256];              /* as the user typed it (for TLS names) */
	char port[16];
	char helo_domain[256];       /* last HELO/EHLO argument sent */
	unsigned long replies_read;
	/* Observer for state changes (logging/teaching); may be NULL. */
	void (*on_state)(void *ctx, enum smtp_state from, enum smtp_state to);
	void *on_state_ctx;
};

void session_init(struct session *s, const struct session_options *opt);
void session_free(struct session *s);     /* closes if open */

/* Connect and read the greeting into *greeting. */
enum smtp_errkind session_open(struct session *s, const char *host, const char *port,
    struct smtp_reply *greeting, struct smtp_error *err);
void session_close(struct session *s);
bool session_is_open(const struct session *s);

/* Send one command line (no CRLF; already formatted by verb_format_command,
 * or a raw line), then read its reply and apply it to the state.  v may be
 * NULL for a raw line (the verb is then looked up from the line's first
 * word, if any, to keep the state right).  Refuses CR/LF/NUL in line. */
enum smtp_errkind session_command(struct session *s, const struct verb *v,
    const char *line, size_t len, struct smtp_reply *out, enum verdict *vd,
    struct smtp_error *err);

/* After a 354: stream a body.  read_body fills buf with up to cap bytes and
 * sets *got (0 = end of body); returns SMTP_OK or an error (e.g. SMTP_ERR_FILE),
 * which abandons the body: the connection is then closed, because a half
 * body cannot be taken back.  The body is dot-stuffed in constant memory,
 * ended with CRLF.CRLF, and the final reply read into *out. */
typedef enum smtp_errkind (*body_reader_fn)(void *ctx, char *buf, size_t cap,
    size_t *got, struct smtp_error *err);
enum smtp_errkind session_send_body(struct session *s, body_reader_fn read_body,
    void *ctx, struct smtp_reply *out, enum verdict *vd, struct smtp_error *err);

/* Read one reply (e.g. an unsolicited one) within timeout_s. */
enum smtp_errkind session_read_reply(struct session *s, unsigned timeout_s,
    struct smtp_reply *out, struct smtp_error *err);
/* True if bytes from the server are waiting that no command asked for
 * (call before sending; read them with session_read_reply). */
bool session_unsolicited_pending(struct session *s);
/* Discard buffered, unread bytes (STARTTLS: RFC 3207 says they must not be
 * used); returns how many were dropped. */
size_t session_discard_buffered(struct session *s);

/* The only writer of s->state. */
void session_set_state(struct session *s, enum smtp_state st);
/* Apply a reply to the state machine (exported for the unit tests). */
void session_apply_reply(struct session *s, const struct verb *v, const struct smtp_reply *r);

#endif
