/*
 * server.h - the teaching server engine behind `smtpsh --demo` and
 * `smtpsh --serve`: a real SMTP server on a real socket that answers all of
 * RFC 821 (TURN, SEND, SOML, SAML included) with a small built-in directory,
 * many clients at once in one poll() loop, bounded memory per connection.
 * STARTTLS (RFC 3207) with a throw-away certificate and AUTH (RFC 4954:
 * PLAIN, LOGIN, CRAM-MD5, demo accounts) after it.
 * It shares the core's code table (codes.h), verb table and state diagram
 * (verbs.h, state.h), line reading (linebuf.h) and dot-stuffing (dotstuff.h).
 *
 * Like the core, it never prints and never exits: errors are values, and the
 * shell decides what to show.  The inspection calls are thread-safe, so the
 * shell can run the server in a thread (--demo) and look into its mailboxes.
 */
#ifndef SMTPSH_SERVER_H
#define SMTPSH_SERVER_H

#include <stddef.h>

#include "error.h"
#include "state.h"
#include "strbuf.h"

/* One event of the teaching server, for --serve's log (the teacher's
 * view): a client connected, sent a command (or ended a message body with
 * "."), finished a STARTTLS handshake (the session is back at the
 * greeting), was refused before a session, or left. */
enum server_event_kind {
	SERVER_EV_CONNECT, SERVER_EV_COMMAND, SERVER_EV_TLS, SERVER_EV_REFUSED, SERVER_EV_CLOSE,
};
struct server_event {
	enum server_event_kind kind;
	unsigned long session;       /* numbered from 1 since start; 0: refused */
	const char *peer;            /* the client's address, numeric */
	const char *helo;            /* its HELO/EHLO name so far ("" none) */
	const char *line;            /* COMMAND: the line as received (untrusted
	                              * bytes; AUTH's secrets replaced); REFUSED:
	                              * why; TLS: the version ("TLSv1.3"); NULL
	                              * otherwise */
	size_t len;
	int code;                    /* the last reply's code (0: none) */
	enum smtp_state state;       /* where the session stands after it */
	unsigned errors;             /* 4xx/5xx replies so far in the session */
};
typedef void (*server_event_fn)(void *ctx, const struct server_event *e);

struct server_config {
	const char *listen_host;     /* NULL: "127.0.0.1" (loopback by default) */
	const char *listen_port;     /* NULL or "0": an ephemeral port */
	const char *hostname;        /* domain in the 220/221/250 replies; NULL: "demo.smtpsh.test" */
	size_t max_message_bytes;    /* 0: default; larger bodies get 552 */
	unsigned idle_timeout_s;     /* 0: 120 (teaching), SMTP_TIMEOUT_SERVER (turned);
	                              * a client silent this long gets 421 */
	unsigned command_timeout_s;  /* 0: 30 (teaching), SMTP_TIMEOUT_SERVER (turned);
	                              * a line unfinished this long after its first
	                              * byte gets 421 (slowloris) */
	unsigned max_clients;        /* 0: 256; when full, the client stalled the
	                              * longest makes way for a new one */
	unsigned max_per_addr;       /* 0: 64 connections per client address */
	unsigned disabled_verbs;     /* (1u << verb_id) bits: those get 502 */
	size_t max_memory_bytes;     /* 0: 64 MiB for stored mail and buffers; past
	                              * it, 452 at MAIL/RCPT, 552 after DATA */
	unsigned error_limit;        /* 0: 20; after this many 4xx/5xx replies
	                              * in one session, 421 and close */
	server_event_fn on_event;    /* NULL: nothing told; called on the
	                              * server's thread, must not block long */
	void *event_ctx;
};

struct demo_server;

enum smtp_errkind demo_server_create(struct demo_server **out,
    const struct server_config *cfg, struct smtp_error *err);
/* The address and port actually bound (numeric). */
const char *demo_server_host(const struct demo_server *srv);
const char *demo_server_port(const struct demo_server *srv);
/* Serve until stop_fd (if >= 0) becomes readable.  Blocking. */
enum smtp_errkind demo_server_run(struct demo_server *srv, int stop_fd,
    struct smtp_error *err);
/* The same loop in a thread of this process (for --demo). */
enum smtp_errkind demo_server_start_thread(struct demo_server *srv,
    struct smtp_error *err);
void demo_server_stop_thread(struct demo_server *srv);
void demo_server_free(struct demo_server *srv);

/* Thread-safe inspection, as human-readable text appended to out:
 * the messages in a user's mailbox (all mailboxes when user is NULL), and the
 * "terminal" log that SEND/SOML/SAML wrote to. */
enum smtp_errkind demo_server_mailbox(struct demo_server *srv, const char *user,
    struct strbuf *out);
enum smtp_errkind demo_server_terminal(struct demo_server *srv, const char *user,
    struct strbuf *out);

/* The throw-away certificate STARTTLS presents (self-signed, EC P-256,
 * for the hostname, 127.0.0.1 and ::1), as PEM: made on the first call or
 * the first STARTTLS, whichever comes first (OpenSSL is loaded then).
 * *pem stays valid until demo_server_free.  SMTP_ERR_STATE (with why)
 * when OpenSSL cannot be loaded or the certificate made: STARTTLS then
 * gets 454.  Thread-safe. */
enum smtp_errkind demo_server_cert_pem(struct demo_server *srv, const char **pem,
    struct smtp_error *err);

/* The one-screen guide printed by --demo (what to try, which input gives
 * which code). */
const char *demo_server_guide(void);

/* TURN, receiving side (RFC 821 4.1.1 TURN): serve one already-connected
 * socket as a receiving SMTP server with the same engine, until QUIT or EOF.
 * `pre` holds bytes already read from the socket by the client session (they
 * are processed first).  Every command received and the reply given is
 * reported through on_exchange, so the shell can print them.  The same
 * limits apply (cfg NULL: the defaults): a peer that answers every reply
 * with a reply of its own runs into the error limit and gets 421. */
typedef void (*server_exchange_fn)(void *ctx, const char *command, size_t command_len,
    const char *reply, size_t reply_len);
enum smtp_errkind demo_server_receive_turned(int fd, const char *pre, size_t pre_len,
    const struct server_config *cfg, server_exchange_fn on_exchange, void *ctx,
    int cancel_fd, struct smtp_error *err);

#endif
