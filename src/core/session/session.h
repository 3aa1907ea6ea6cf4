/*
 * session.h - one client SMTP session: the connection, the one reply reader,
 * the commands still owed a reply, the state after RFC 821's diagram, the
 * EHLO extensions and what the session knows of AUTH and STARTTLS.
 *
 * The struct is private to the core (session_int.h): callers hold a pointer
 * from session_new() and read it through the accessors below, so nothing
 * outside the core can put the session in a state the core did not choose.
 * session_set_state() is the only writer of the state.
 *
 * Reply attribution (issue 9).  Every command sent is owed exactly one
 * reply, in order (RFC 5321 4.2; RFC 2920 for pipelined groups).  The
 * session keeps the owed commands in a queue, and each reply it reads is
 * credited by one rule: a reply answers the oldest owed command only if its
 * first byte arrived after that command was sent.  A reply that started
 * earlier -- a partial unsolicited line already buffered when the command
 * went out -- or one that arrives when nothing is owed answers no command
 * (SESSION_REPLY_UNSOLICITED).  A wait abandoned by a cancel (Ctrl-C) keeps
 * the command owed; its reply, when it comes, is SESSION_REPLY_LATE and
 * still credited to it, never to the next command.
 *
 * Deadlines and budgets.  Each owed reply has one absolute deadline,
 * counted from the moment its command was sent (RFC 5321 4.5.3.2 per verb,
 * or session_options.reply_timeout_s): a server that drips a byte a second
 * cannot stretch it.  Each reply has a budget of bytes and lines
 * (SMTP_REPLY_BUDGET_BYTES / _LINES): an endless "250-" stream or a line
 * with no LF ends at the budget.  Past either, the connection is closed and
 * the caller gets SMTP_ERR_TIMEOUT or SMTP_ERR_LIMIT: a half-read reply
 * cannot be trusted to end where the next one starts.
 *
 * Secrets.  Whether a line is secret is decided here, from the wire text:
 * "AUTH MECH initial-response" and every line sent while an AUTH challenge
 * (334) is waiting for its response.  Such a line is shown (in the owed
 * command's text, in every session_reply, and through
 * session_options.wire_redact before its bytes reach the wire hook) in its
 * redacted form (auth.h's AUTH_PLACEHOLDER).  The other way, a secret the
 * caller registered (session_mask_add) is masked in every reply's text
 * before the reply is handed out, whatever the server echoes.
 *
 * Errors: SMTP_OK means a reply is in *out; otherwise *err has one line and
 * no reply was read.  SMTP_ERR_CLOSED: the connection is gone, and
 * session_end() says how (after a refusal, after the final dot, without
 * 221/421, ...).  SMTP_ERR_CANCELLED: the wait was abandoned and nothing
 * was lost.  SMTP_ERR_AGAIN: no complete reply within the wait asked for,
 * and nothing was lost.
 */
#ifndef SMTPSH_SESSION_H
#define SMTPSH_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "ehlo.h"
#include "error.h"
#include "proxy.h"
#include "reply.h"
#include "state.h"
#include "strbuf.h"
#include "tls.h"
#include "transport.h"
#include "verbs.h"

/* The most commands that may be sent and not yet answered (a pipelined
 * group of RCPTs fits). */
#define SESSION_OWED_MAX 256
/* A command as it may be shown: the line, or its redacted form. */
#define SESSION_SHOWN_MAX 520
/* Replies in a row that answer no command before the server is cut off. */
#define SESSION_UNSOLICITED_MAX 64

struct session;

struct session_options {
	int family;                  /* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *bind_address;    /* numeric source address, or NULL */
	unsigned connect_timeout_s;  /* 0: SMTP_TIMEOUT_CONNECT */
	unsigned reply_timeout_s;    /* 0: each verb's RFC 5321 default */
	int cancel_fd;               /* -1 or readable-on-cancel */
	size_t reply_budget_bytes;   /* 0: SMTP_REPLY_BUDGET_BYTES */
	size_t reply_budget_lines;   /* 0: SMTP_REPLY_BUDGET_LINES */
	wire_hook_fn wire_hook;      /* transcript; may be NULL */
	void *wire_ctx;
	/* Called with wire_ctx and the shown form just before a secret line
	 * is written, so the wire hook records that instead (transcript.h's
	 * transcript_redact_next_out).  May be NULL. */
	void (*wire_redact)(void *wire_ctx, const char *shown);
	/* Called by session_open() after the connect and before the greeting
	 * is read: implicit TLS (RFC 8314 3.3; starttls.h's
	 * implicit_tls_after_connect runs tls_start()).  May be NULL.  An error
	 * closes the connection and is returned by session_open(). */
	enum smtp_errkind (*after_connect)(void *ctx, struct transport *t,
	    struct smtp_error *err);
	void *after_connect_ctx;
	/* A PROXY protocol header (proxy.h) to send right after the connect,
	 * before implicit TLS and the greeting; NULL or version 0: none.  Ends
	 * not given are the connection's own (getsockname, getpeername). */
	const struct proxy_config *proxy;
	/* Observer for state changes (logging/teaching); may be NULL. */
	void (*on_state)(void *ctx, enum smtp_state from, enum smtp_state to);
	void *on_state_ctx;
};

/* What a reply answers. */
enum session_origin {
	SESSION_REPLY_GREETING,     /* the connection-opening reply */
	SESSION_REPLY_COMMAND,      /* the command that was waited for */
	SESSION_REPLY_LATE,         /* a command whose wait was abandoned */
	SESSION_REPLY_UNSOLICITED,  /* no command */
};

/* One reply and what it answers. */
struct session_reply {
	struct smtp_reply reply;
	enum session_origin origin;
	unsigned long seq;          /* the command's number; 0 when none */
	const struct verb *verb;    /* its verb; NULL for the greeting, an
	                             * unsolicited reply, or a raw line whose
	                             * first word is no verb */
	bool body_end;              /* the reply to the end of a DATA body */
	bool pipelined;             /* its command went behind an unanswered one
	                             * (RFC 2920): a 503 may be the fruit of an
	                             * earlier refusal in the group */
	char command[SESSION_SHOWN_MAX]; /* the command as it may be shown */
	size_t command_len;         /* 0 for the greeting and unsolicited */
	enum verdict verdict;       /* for that command (greeting: 220 success,
	                             * 554 failure; unsolicited: by the digits) */
	enum smtp_state prior;      /* the state before the reply ... */
	enum smtp_state state;      /* ... and after it */
	double elapsed_ms;          /* from the send (or connect) to the reply */
	bool closed;                /* the connection ended with this reply */
	size_t masked;              /* secrets masked in its lines */
};

void session_reply_init(struct session_reply *r);
void session_reply_free(struct session_reply *r);

/* Why the connection ended (session_end()). */
enum session_end {
	SESSION_END_NONE,           /* open, or never opened */
	SESSION_END_QUIT,           /* 221 to QUIT */
	SESSION_END_421,            /* the server sent 421 */
	SESSION_END_AFTER_REFUSAL,  /* closed right after a 5xx: it ended the session */
	SESSION_END_AFTER_DOT,      /* lost after the final dot: the message may
	                             * or may not have been accepted */
	SESSION_END_DROPPED,        /* closed without 221/421 (treated as 421) */
	SESSION_END_LOCAL,          /* we closed it: timeout, budget, cancel,
	                             * TLS failure, a body cut short, close */
};

/* NULL when out of memory. */
struct session *session_new(const struct session_options *opt);
void session_free(struct session *s);     /* closes if open */

/* Connect; the greeting is then owed (read it with session_next_reply).
 * port NULL: 25.  A numeric port must be 1..65535 (SMTP_ERR_USAGE).  A
 * host "unix:/path" is a local socket (transport.h): no port then. */
/* A numeric port must be 1..65535; a service name is left to getaddrinfo. */
bool session_port_ok(const char *port);
enum smtp_errkind session_open(struct session *s, const char *host, const char *port,
    struct smtp_error *err);
/* Open the session on a transport the caller provides (--replay plays a
 * transcript's server side through replay.c's ops): fd must stay open and
 * is polled like a socket.  The greeting is then owed. */
enum smtp_errkind session_attach(struct session *s, const struct transport_ops *ops, void *ctx,
    int fd, const char *label, struct smtp_error *err);
/* --replay: the transcript says the TLS handshake after a 220 to STARTTLS
 * succeeded; the session goes on as session_start_tls would leave it. */
void session_tls_replayed(struct session *s);
/* The same, but connect to one numeric address while the session's host
 * (session_host(): shown, and the name TLS checks) is `host` -- an MX
 * host reached at one of its addresses.  address NULL: resolve host. */
enum smtp_errkind session_open_at(struct session *s, const char *host, const char *address,
    const char *port, struct smtp_error *err);
/* Drop the connection (no QUIT); every owed reply is forgotten. */
void session_close(struct session *s);
bool session_is_open(const struct session *s);

/* Send one command line (no CRLF; formatted by verb_format_command, or a
 * raw line); it is then owed a reply.  v NULL: looked up from the first
 * word (a line answering an AUTH challenge is AUTH's).  Refuses CR, LF and
 * NUL, a line over RFC 5321 4.5.3.1.4's 512 octets, a closed connection,
 * a pending TLS handshake and a full owed queue: nothing is sent then.
 * *seq (may be NULL) gets the command's number; shown (may be NULL, at
 * least SESSION_SHOWN_MAX bytes) the form that may be displayed. */
enum smtp_errkind session_send(struct session *s, const struct verb *v,
    const char *line, size_t len, unsigned long *seq, char *shown,
    struct smtp_error *err);

/* Wait for the next reply, whatever it answers, and apply it to the state.
 * until_ms (clock_now_ms() clock) bounds the wait: SESSION_WAIT_OWED
 * waits for the oldest owed reply until its deadline (SMTP_ERR_STATE when
 * nothing is owed); an earlier time returns SMTP_ERR_AGAIN when no reply
 * completed by then (0: only what has already arrived). */
#define SESSION_WAIT_OWED (-1LL)
enum smtp_errkind session_next_reply(struct session *s, long long until_ms,
    struct session_reply *out, struct smtp_error *err);

/* Pipelining (RFC 2920): send n command lines in one write; each is owed
 * its reply, credited in order.  Nothing is sent unless every line is
 * clean.  Each line's verb (NULL: from its first word), then its number
 * and its shown form, are filled in. */
#define SESSION_GROUP_MAX 128
struct session_line {
	const struct verb *verb;
	const char *line;
	size_t len;
	unsigned long seq;                  /* out */
	char shown[SESSION_SHOWN_MAX];      /* out */
};
enum smtp_errkind session_send_group(struct session *s, struct session_line *lines, size_t n,
    struct smtp_error *err);

/* CHUNKING (RFC 3030): send "BDAT len[ LAST]" and len bytes, as they are
 * (no dot-stuffing); the chunk is owed its reply (LAST: the body's, one
 * per recipient under LMTP).  Needs an accepted recipient.  *seq gets the
 * number of the last reply owed.  A chunk cut short closes the
 * connection. */
enum smtp_errkind session_send_chunk(struct session *s, const char *data, size_t len,
    bool last, unsigned long *seq, struct smtp_error *err);

/* Send a command and wait for its own reply, in one call, for callers that
 * have nothing to show in between (tests, the turned receiver's peer).
 * Replies that answer no command and arrive first are passed to
 * on_other (may be NULL: they are dropped, which a shell must never do). */
enum smtp_errkind session_command(struct session *s, const struct verb *v,
    const char *line, size_t len, struct session_reply *out,
    void (*on_other)(void *ctx, const struct session_reply *r), void *ctx,
    struct smtp_error *err);

/* After a 354: stream a body, dot-stuffed in constant memory, ended with
 * CRLF.CRLF; its reply is then owed (verb DATA, body_end).  read_body fills
 * buf with up to cap bytes and sets *got (0 = end of body).  Refused (with
 * nothing sent) unless the state is DATA, nothing is owed and the server has
 * not spoken since its 354.  If the server speaks in the middle of the body
 * (it has stopped reading), sending stops, *interrupted is set, and the
 * reply is still owed: read it, and the connection is then closed, so that
 * no half message is ever completed.  Any other failure closes the
 * connection too. */
typedef enum smtp_errkind (*body_reader_fn)(void *ctx, char *buf, size_t cap,
    size_t *got, struct smtp_error *err);
enum smtp_errkind session_send_body(struct session *s, body_reader_fn read_body,
    void *ctx, unsigned long *seq, bool *interrupted, struct smtp_error *err);

/* The one sanctioned exception to dot-stuffing: after a 354, send data
 * exactly as it is -- no dot-stuffing, no CRLF.CRLF added -- and owe the
 * body's reply.  For the audit's SMTP smuggling probe (audit_smuggle.c),
 * whose bodies must carry malformed ends of data; nothing else may use it.
 * At most SESSION_RAW_BODY_MAX bytes, written in one go (the server is
 * not watched while writing).  The same refusals as session_send_body;
 * a write that fails closes the connection. */
#define SESSION_RAW_BODY_MAX 2048
enum smtp_errkind session_send_raw_body(struct session *s, const char *data, size_t len,
    unsigned long *seq, struct smtp_error *err);

/* After a 220 to STARTTLS: drop every byte the server sent after the 220
 * (RFC 3207 5, never read as replies), counted in *discarded and the first
 * ones copied to *injected (may be NULL), then the handshake (tls.h), with
 * o->timeout_ms or the session's reply timeout.  Success: the EHLO
 * extensions are forgotten and the state is GREETED (RFC 3207 4.2).  Failure
 * closes the connection: never plaintext after a 220. */
enum smtp_errkind session_start_tls(struct session *s, const struct tls_options *o,
    struct tls_info *info, size_t *discarded, struct strbuf *injected,
    struct smtp_error *err);

/* TURN (RFC 821 4.1.1): after a 250 to TURN, hand the connection to the
 * caller, who becomes the receiver: the socket and the bytes already read.
 * The session is then closed (it owns nothing more).  Refused under TLS. */
enum smtp_errkind session_hand_over(struct session *s, int *fd, char *pre,
    size_t cap, size_t *pre_len, struct smtp_error *err);

/* Accessors. */
enum smtp_state session_state(const struct session *s);
unsigned session_recipients(const struct session *s);   /* in this transaction */
const struct ehlo_set *session_extensions(const struct session *s);
const char *session_host(const struct session *s);       /* as typed */
const char *session_port(const struct session *s);       /* "" for unix: */
const char *session_peer_address(const struct session *s);
/* The PROXY header sent on this connection, as it may be shown; "" none. */
const char *session_proxy_shown(const struct session *s);
const char *session_helo_domain(const struct session *s); /* last HELO/EHLO argument */
/* The 220 greeting's domain when it is a host name (ehlo_domain_word), else "". */
const char *session_greeting_domain(const struct session *s);
bool session_tls_active(const struct session *s);
/* The server's certificates on this TLS connection, as PEM (tls.h). */
enum smtp_errkind session_tls_chain_pem(const struct session *s, struct strbuf *out,
    size_t *count, struct smtp_error *err);
bool session_tls_pending(const struct session *s);  /* 220 to STARTTLS read */
bool session_in_auth(const struct session *s);      /* a challenge awaits its response */
/* An AUTH line (the command or a response) is still owed its reply -- a
 * wait abandoned with Ctrl-C: the next line typed may answer a challenge. */
bool session_auth_owed(const struct session *s);
bool session_lmtp(const struct session *s);         /* LHLO accepted: LMTP */
enum session_end session_end(const struct session *s);
/* Commands owed a reply, oldest first: how many, and the i-th as shown. */
size_t session_owed(const struct session *s);
const char *session_owed_command(const struct session *s, size_t i);
/* True if bytes from the server are waiting that no reply has used yet. */
/* The socket to poll while waiting for something else (the terminal): it
 * becomes readable when the server says something nobody asked for, or
 * closes.  -1 when not connected.  Read it with session_next_reply(s, 0,
 * ...) only. */
int session_watch_fd(const struct session *s);
bool session_input_pending(struct session *s);

/* Secrets a server may echo (secret_mask.h): while the caller holds a
 * secret it registers it here, and every reply's lines are handed out
 * with each occurrence replaced by AUTH_PLACEHOLDER (session_reply.masked
 * counts them).  with_base64 also masks its base64 form.  The caller
 * clears the list when it lets the secret go.  Errors as secret_mask_add. */
struct secret_mask;
enum smtp_errkind session_mask_add(struct session *s, const void *secret, size_t len,
    bool with_base64, struct smtp_error *err);
void session_mask_clear(struct session *s);
/* For the caller's other sinks of server text (a transcript, a decoded
 * challenge): the same list, borrowed. */
const struct secret_mask *session_mask(const struct session *s);

/* The only writer of the state (exported for the unit tests). */
void session_set_state(struct session *s, enum smtp_state st);

#endif
