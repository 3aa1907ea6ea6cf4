/*
 * server_int.h - the teaching server's internals, shared by its files.  They
 * form a chain, each calling only files below it (test/server/
 * file_cycles.py checks there is no circle):
 *
 *   server_show.c    what the shell may look at: mailboxes, terminals,
 *                    the certificate, the --demo guide
 *   server.c         the poll loop, socket I/O, --demo's thread
 *   server_turned.c  TURN received: smtpsh serving one socket (uses
 *                    server.c's defaults)
 *   server_conn.c    a connection's buffers, limits and input loop
 *   server_cmd.c     one command line in: the checks, the handler table
 *                    indexed by verb id, the commands that change the session
 *   server_ask.c     VRFY, EXPN, HELP, TURN; local domains, address split,
 *                    which verbs are implemented
 *   server_data.c    the mail transaction's buffers, DATA's body, delivery
 *   server_turn.c    TURN sent: the server as sender on the same connection
 *   server_auth.c    AUTH (RFC 4954): PLAIN, LOGIN, CRAM-MD5 against the
 *                    demo accounts, after STARTTLS only
 *   server_reply.c   a leaf: the replies a connection queues (standard
 *                    wordings from the core's code table) and its state,
 *                    written only by srv_set_state
 *
 * below which are demo_dir.c (the directory and queue), msgstore.c and
 * server_tls.c (the certificate, the context, a connection's TLS: a leaf
 * that server.c, server_conn.c and server_cmd.c call).
 * Not a public header.
 */
#ifndef SMTPSH_SERVER_INT_H
#define SMTPSH_SERVER_INT_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth.h"
#include "clock.h"
#include "error.h"
#include "demo_dir.h"
#include "dotstuff.h"
#include "linebuf.h"
#include "reply.h"
#include "server.h"
#include "smtp_limits.h"
#include "state.h"
#include "strbuf.h"
#include "verbs.h"

#define SRV_DEFAULT_HOSTNAME "demo.smtpsh.test"
#define SRV_DEFAULT_MAX_MESSAGE (10u * 1024 * 1024)
#define SRV_DEFAULT_MAX_CLIENTS 256
/* Connections one client address may hold: a classroom behind one NAT
 * shares an address, so a quarter of the slots, not one or two. */
#define SRV_DEFAULT_MAX_PER_ADDR 64
/* RFC 5321 4.5.3.2.7 gives a server 5 minutes (SMTP_TIMEOUT_SERVER) to wait
 * for the next command; the turned receiver keeps that.  The teaching
 * server (--demo, --serve) shortens it: two minutes is long enough to read
 * a reply and think, short enough that an abandoned session does not hold
 * a classroom's slot. */
#define SRV_TEACHING_IDLE_S 120
/* A line (command or body line) must arrive whole within this many seconds
 * of its first byte: smtpsh, nc and telnet send a line at once, a person
 * typing into a raw socket needs a few seconds; a client dripping a byte
 * at a time (slowloris) is cut off with 421.  RFC 5321 has no such limit;
 * outside teaching mode it is SMTP_TIMEOUT_SERVER. */
#define SRV_TEACHING_COMMAND_S 30
/* When every slot is taken, a new client gets the slot of the client that
 * has gone longest without completing a line, if that is at least this
 * long (so busy clients are never cut off mid-transaction; then the
 * newcomer gets 421 and accept goes on). */
#define SRV_EVICT_AFTER_MS 1000
/* Slots kept for a client whose address holds none yet (an eighth, at
 * least one): a crowd reconnecting from its addresses as fast as it is
 * refused leaves room for a newcomer. */
#define SRV_RESERVE_NEW(max) ((max) / 8 > 0 ? (max) / 8 : 1u)
/* A closing connection whose client does not read its last reply is closed
 * anyway after this long. */
#define SRV_CLOSE_GRACE_MS 5000
#define SRV_RCPT_MAX 100            /* RFC 5321 4.5.3.1.8: at least 100 */
#define SRV_OUT_MAX (1u << 20)      /* pending output per connection */
#define SRV_OUT_PAUSE (256u * 1024) /* stop reading while this much is unsent */
#define SRV_TURN_CHUNK (16u * 1024)  /* TURN streams the body in pieces this big */
/* A body buffer grows by doubling from this, each step taken from the
 * memory ceiling (msgstore.h). */
#define SRV_BODY_STEP (64u * 1024)
/* MAIL and RCPT get 452 (insufficient system storage) while the bodies
 * being received leave less than this under the ceiling: a new
 * transaction would have no room for even a modest message. */
#define SRV_MEM_MIN_FREE (256u * 1024)
/* Error replies (4xx/5xx) one session may collect before 421 and close:
 * Postfix's smtpd_hard_error_limit default.  It also ends a turned session
 * whose peer answers our replies as if they were its commands. */
#define SRV_DEFAULT_ERROR_LIMIT 20

struct srv_rcpt {
	char addr[SMTP_COMMAND_LINE_MAX];   /* as given, without <> */
	char local[DEMO_NAME_MAX];
	char domain[SMTP_DOMAIN_MAX + 1];
	bool remote;
	const struct demo_entry *entry;     /* NULL when remote */
};

enum turn_step {
	TURN_NONE = 0, TURN_WAIT_GREETING, TURN_HELO, TURN_MAIL, TURN_RCPT,
	TURN_DATA, TURN_BODY, TURN_QUIT,
};

typedef void (*srv_exchange_fn)(void *ctx, const char *command, size_t command_len,
    const char *reply, size_t reply_len);

struct srv;
struct ssl_st;          /* OpenSSL's SSL and SSL_CTX, only server_tls.c */
struct ssl_ctx_st;      /* looks inside */

/* Where a connection's STARTTLS stands (RFC 3207). */
enum srv_tls_phase {
	SRV_TLS_NONE = 0,     /* in clear */
	SRV_TLS_FLUSH,        /* 220 queued: write it, read nothing, then handshake */
	SRV_TLS_HANDSHAKE,    /* SSL_accept under way (tls_want: what it waits for) */
	SRV_TLS_ON,           /* reads and writes go through TLS */
};

/* The server's TLS, made once when first needed (server_tls.c). */
struct srv_tls {
	pthread_mutex_t lock;         /* the shell's thread may ask for the PEM */
	bool tried;                   /* made, or failed (why says why) */
	struct ssl_ctx_st *ctx;       /* NULL: no TLS; STARTTLS gets 454 */
	char *pem;                    /* the certificate, PEM text */
	char why[SMTP_ERROR_MSG_MAX];
};

/* The AUTH exchange under way (server_auth.c). */
enum srv_auth_step {
	SRV_AUTH_NONE = 0,
	SRV_AUTH_PLAIN,               /* 334 sent: the PLAIN message is next */
	SRV_AUTH_LOGIN_USER,          /* 334 Username: sent */
	SRV_AUTH_LOGIN_PASS,          /* 334 Password: sent */
	SRV_AUTH_CRAM,                /* 334 challenge sent */
};
#define SRV_AUTH_USER_MAX 64

struct srv_conn {
	int fd;
	enum smtp_state state;
	struct linebuf line;          /* commands and body lines */
	struct strbuf out;            /* replies not yet written */
	size_t outpos;
	uint64_t last_io_ms;          /* last byte read or written (idle limit) */
	uint64_t line_start_ms;       /* first byte of the unfinished line; 0: none */
	uint64_t progress_ms;         /* last complete line, or the accept */
	uint64_t close_by_ms;         /* closing: close at this time even if unsent */
	unsigned char peer[16];       /* client address (4 or 16 bytes), per-address cap */
	unsigned char peer_len;
	bool closing;                 /* close once out is flushed */
	unsigned errors;              /* 4xx/5xx replies sent this session */
	int last_code;                /* the code of the last reply queued */
	unsigned long session;        /* numbered from 1 (the log) */
	char peer_text[48];           /* the client's address, numeric */
	const char *domain;           /* the server's name, for "<domain>" in the
	                               * standard replies (struct srv's hostname) */
	char helo[SMTP_DOMAIN_MAX + 1];
	char from[SMTP_COMMAND_LINE_MAX];
	enum verb_id mode;            /* MAIL, SEND, SOML or SAML */
	struct srv_mem *mem;          /* the server's ceiling; every buffer below counts */
	size_t fixed_charge;          /* the line buffer, taken at accept */
	size_t out_charge;            /* out's capacity, as counted */
	struct srv_rcpt *rcpt;        /* rcpt_cap entries, grown as RCPTs arrive */
	size_t nrcpt;
	size_t rcpt_cap;
	struct strbuf body;           /* body.max: the room taken for it so far */
	bool body_no_room;            /* the ceiling was reached: 552 at the end */
	bool body_too_big;
	bool body_line_too_long;
	/* TURN (server as sender): */
	enum turn_step turn;
	struct reply_parser *turn_parser;
	char turn_rcpt[DEMO_NAME_MAX * 3];
	struct demo_message turn_msg;
	struct dotstuff turn_ds;      /* the body streams: stuffing state, */
	size_t turn_off;              /* bytes of turn_msg encoded so far, */
	bool turn_body_done;          /* the final "." queued */
	unsigned turn_sent;
	/* Reporting (receive_turned): */
	srv_exchange_fn on_exchange;
	void *exchange_ctx;
	size_t reply_mark;            /* out.len before the current command */
	/* STARTTLS and AUTH: */
	enum srv_tls_phase tls;
	short tls_want;               /* POLLIN or POLLOUT while handshaking */
	struct ssl_st *ssl;           /* owned; srv_tls_conn_free */
	enum srv_auth_step auth;
	bool authed;                  /* 235 given this session */
	char auth_user[SRV_AUTH_USER_MAX];   /* who (LOGIN: the name given) */
	char auth_challenge[SMTP_DOMAIN_MAX + 64];  /* CRAM-MD5's, sent */
};

/* One command line, parsed: what a handler in server_cmd.c's table gets. */
struct srv_cmd {
	struct srv *s;
	struct srv_conn *c;
	const struct verb *v;         /* the verb; its id chose the handler */
	const char *arg;              /* after the verb and one space; "" if none */
};
typedef void (*srv_cmd_fn)(const struct srv_cmd *cmd);

struct srv {
	struct server_config cfg;
	char hostname[SMTP_DOMAIN_MAX + 1];
	struct demo_dir dir;
	struct srv_mem mem;           /* the ceiling on mail and buffers */
	bool accept_all;              /* receive_turned: every recipient is local */
	unsigned nclients;
	unsigned long messages;       /* accepted since start */
	unsigned long sessions;       /* accepted since start (session numbers) */
	struct srv_tls tls;
};

/* server.h's handle: the server, its socket and its thread (server.c;
 * server_show.c reads srv for the shell). */
struct demo_server {
	struct srv srv;
	int listen_fd;
	char host[64];
	char port[16];
	struct srv_conn *conns;      /* cfg.max_clients slots; fd -1 = free */
	pthread_t thread;
	bool thread_running;
	int stop_pipe[2];
};

/* server.c (demo_server_* are server.h's; demo_server_receive_turned is
 * server_turned.c's) */
/* Fill in cfg's zero fields; teaching: --demo/--serve (else the turned
 * receiver, with RFC 5321's timeouts).  hostname gets the reply domain. */
void srv_apply_defaults(struct server_config *cfg, char *hostname, size_t cap, bool teaching);

/* server_reply.c: a leaf, calling no other server file */
void srv_reply(struct srv_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void srv_reply_more(struct srv_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The code table's own wording for code (codes.h), "<domain>" filled in
 * with c->domain; srv_reply_stdf adds fmt's text right after it (fmt
 * starts with its own separator: " (NOOP)", ": %s"). */
void srv_reply_std(struct srv_conn *c, int code);
void srv_reply_stdf(struct srv_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the wording code has after the verb `context` (a verb id:
 * STARTTLS's 220 and 454, AUTH's 503; codes.h code_explain_in). */
void srv_reply_std_in(struct srv_conn *c, int code, int context, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Tell cfg.on_event (when set) what just happened on c; line/len: the
 * command (SERVER_EV_COMMAND). */
void srv_tell(const struct srv *s, const struct srv_conn *c, enum server_event_kind kind,
    const char *line, size_t len);
/* The one writer of c->state; SMTP_ST_CLOSED also marks c closing (it
 * closes once its output is written). */
void srv_set_state(struct srv_conn *c, enum smtp_state st);
/* 421 and close after it (RFC 5321 3.8). */
void srv_shutdown_reply(struct srv_conn *c);
/* Move unsent output to the front of c->out (room for more). */
void srv_out_compact(struct srv_conn *c);

/* server_conn.c */
enum srv_limit { SRV_LIMIT_IDLE, SRV_LIMIT_COMMAND };
/* The one clock (clock.h), unsigned as the server's times are. */
static inline uint64_t srv_now_ms(void)
{
	return (uint64_t)clock_now_ms();
}
/* When c's next limit falls due (idle, or the unfinished line's deadline),
 * and which one. */
uint64_t srv_conn_deadline(const struct srv *s, const struct srv_conn *c, enum srv_limit *why);
/* The limit fell due: 421 (reported like any reply) and close. */
void srv_conn_expire(struct srv *s, struct srv_conn *c, enum srv_limit why);
void srv_conn_greet(struct srv_conn *c);       /* 220 */
/* Feed received bytes; replies go to c->out.  Returns bytes consumed (all,
 * unless the connection started closing). */
size_t srv_conn_input(struct srv *s, struct srv_conn *c, const char *in, size_t len);
/* A new session on fd, its buffers counted under s's ceiling. */
int srv_conn_init(struct srv_conn *c, int fd, struct srv *s);
/* Count growth of c's output buffer against the ceiling. */
void srv_conn_charge_out(struct srv_conn *c);
void srv_conn_free(struct srv_conn *c);

/* server_cmd.c */
/* One complete command line (cut: bytes beyond the kept ones). */
void srv_command(struct srv *s, struct srv_conn *c, const char *line, size_t len, size_t cut);

/* After the handshake: the session starts again from the greeting (RFC
 * 3207 4.2): no HELO, no transaction, not authenticated. */
void srv_conn_tls_done(struct srv *s, struct srv_conn *c);

/* server_auth.c */
/* AUTH's handler (server_cmd.c's table), and each response line of the
 * exchange it starts (c->auth != SRV_AUTH_NONE). */
void srv_cmd_auth(const struct srv_cmd *cmd);
void srv_auth_line(struct srv_conn *c, const char *line, size_t len, size_t cut);
/* The mechanisms, as EHLO lists them. */
#define SRV_AUTH_MECHS "PLAIN LOGIN CRAM-MD5"

/* server_tls.c: a leaf */
int srv_tls_init(struct srv_tls *t);
void srv_tls_free(struct srv_tls *t);
/* Make the certificate and context if not yet tried; false (and *why)
 * when TLS cannot be offered. */
bool srv_tls_ready(struct srv *s, const char **why);
/* The certificate's PEM (made if need be), or NULL and *why. */
const char *srv_tls_pem(struct srv *s, const char **why);
/* c's SSL on its socket, accept side: c->tls becomes SRV_TLS_HANDSHAKE. */
bool srv_tls_conn_begin(struct srv *s, struct srv_conn *c);
/* One handshake step: 1 done (SRV_TLS_ON), 0 waiting (c->tls_want), -1 failed. */
int srv_tls_handshake(struct srv_conn *c);
/* As recv/send on a non-blocking socket: -1 with EAGAIN to wait. */
ssize_t srv_tls_recv(struct srv_conn *c, void *buf, size_t cap);
ssize_t srv_tls_send(struct srv_conn *c, const void *buf, size_t len);
/* The protocol agreed ("TLSv1.3"). */
const char *srv_tls_version(const struct srv_conn *c);
/* Bytes decrypted and not yet read (poll does not see them). */
bool srv_tls_pending(const struct srv_conn *c);
void srv_tls_conn_free(struct srv_conn *c);

/* server_ask.c */
/* The verbs the teaching server implements: RFC 821's fourteen, EHLO,
 * STARTTLS and AUTH (not BDAT or LMTP's LHLO). */
bool srv_implements(const struct verb *v);
bool srv_is_local_domain(const struct srv *s, const char *domain);
/* "local@domain" -> local, domain (domain "" when there is no '@'). */
void srv_split(const char *addr, char *local, size_t lcap, char *domain, size_t dcap);
/* Handlers in server_cmd.c's table. */
void srv_cmd_vrfy(const struct srv_cmd *cmd);
void srv_cmd_expn(const struct srv_cmd *cmd);
void srv_cmd_help(const struct srv_cmd *cmd);
void srv_cmd_turn(const struct srv_cmd *cmd);

/* server_data.c */
/* No transaction: sender, recipients and body gone (the body's bytes given
 * back to the ceiling). */
void srv_reset_transaction(struct srv_conn *c);
/* Take n bytes under the ceiling, dropping the oldest stored mail to make
 * room if need be; false when even that is not enough. */
bool srv_mem_reserve(struct srv *s, size_t n);
/* DATA accepted (354): an empty body, nothing taken yet. */
void srv_body_begin(struct srv *s, struct srv_conn *c);
/* One complete body line, still stuffed; the lone "." ends the body. */
void srv_body_line(struct srv *s, struct srv_conn *c, const char *line, size_t len, size_t cut);

/* server_turn.c */
void srv_turn_begin(struct srv *s, struct srv_conn *c);
size_t srv_turn_input(struct srv *s, struct srv_conn *c, const char *in, size_t len);
/* Queue more of the body being sent while little output is pending. */
void srv_turn_pump(struct srv *s, struct srv_conn *c);
/* A connection ends with a message in flight: put it back in the queue. */
void srv_turn_requeue(struct srv *s, struct srv_conn *c);

#endif
