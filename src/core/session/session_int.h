/*
 * session_int.h - the session's private parts, shared by the core files
 * that implement session.h: session.c (lifecycle, sending, the state
 * machine), session_read.c (reading and crediting replies, deadlines,
 * budgets), session_body.c (the DATA body) and starttls.c (STARTTLS).
 * Nothing outside src/core includes this.
 */
#ifndef SMTPSH_SESSION_INT_H
#define SMTPSH_SESSION_INT_H

#include "secret_mask.h"
#include "session.h"
#include "smtp_limits.h"
#include "transition.h"

/* Accepted recipients whose address is kept for LMTP's replies, and the
 * longest address kept (RFC 5321 4.5.3.1.3: a path is at most 256). */
#define SESSION_RCPT_KEEP 256
#define SESSION_ADDR_MAX 260

/* A command sent and not yet answered. */
struct session_owed {
	unsigned long seq;
	const struct verb *verb;       /* NULL: greeting, or a raw unknown line */
	bool greeting;
	bool body_end;
	bool abandoned;                /* its wait was cancelled: a late reply */
	bool pipelined;                /* sent behind an unanswered command */
	char shown[SESSION_SHOWN_MAX];
	size_t shown_len;
	unsigned long long sent_offset;/* bytes received before it was sent */
	long long sent_ms;
	long long sent_us;             /* the same, finer: elapsed times */
	long long deadline_ms;         /* absolute (clock_now_ms clock) */
};

struct session {
	struct session_options opt;
	struct transport tr;
	struct reply_parser parser;
	char inbuf[16384];             /* bytes read but not yet parsed */
	size_t inpos, inlen;
	unsigned long long received;   /* bytes read from the server in all */
	unsigned long long reply_start;/* stream offset of the reply being read */
	size_t reply_bytes;            /* its bytes so far (the budget) */
	struct session_owed owed[SESSION_OWED_MAX]; /* a ring */
	size_t owed_head, owed_count;
	unsigned long next_seq;
	unsigned unsolicited_run;      /* unsolicited replies since the last send */
	enum smtp_state state;
	unsigned nrcpt;                /* recipients accepted in this transaction */
	struct ehlo_set ehlo;
	/* The host as the user typed it (for TLS names), the last HELO/EHLO
	 * argument sent, the 220 greeting's domain (ehlo_domain_word). */
	char host[SMTP_DOMAIN_MAX + 1];
	char port[16];
	char helo_domain[SMTP_DOMAIN_MAX + 1];
	char greeting_domain[SMTP_DOMAIN_MAX + 1];
	bool in_auth;                  /* a 334 awaits its response line */
	bool tls_pending;              /* a 220 to STARTTLS: handshake next */
	bool body_cut;                 /* the server spoke mid-body: close after
	                                * its reply */
	bool body_done;                /* the final dot of the body was written */
	bool lmtp;                     /* LHLO was accepted: LMTP (RFC 2033) */
	/* The recipients accepted in this transaction (LMTP: one reply each
	 * after the body), the first SESSION_RCPT_KEEP of them. */
	char rcpt_addr[SESSION_RCPT_KEEP][SESSION_ADDR_MAX];
	/* The secrets to mask in every reply (session_mask_add): copies,
	 * wiped by session_mask_clear and session_free. */
	struct secret_mask mask;
	int last_code;                 /* the last trusted reply's code */
	char last_command[16];         /* and the verb it answered */
	enum session_end end;
	char proxy_shown[PROXY_SHOWN_MAX];  /* the PROXY header sent, shown; "" none */
};

/* session.c */
void session_owed_clear(struct session *s);
struct session_owed *session_owed_head(struct session *s);
void session_owed_pop(struct session *s);
struct session_owed *session_owed_push(struct session *s);
/* Apply a credited reply (o NULL: unsolicited) to the state machine; the
 * step taken (its verdict is the reply's). */
struct smtp_step session_apply_reply(struct session *s, const struct session_owed *o,
    const struct smtp_reply *r);
/* Close, recording why. */
void session_end_with(struct session *s, enum session_end why);
/* The reply deadline for a verb from now. */
long long session_deadline(const struct session *s, unsigned verb_default_s);
/* Read what the server has already sent into inbuf, without waiting.
 * False when the server has closed the connection (or reset it). */
bool session_pull_available(struct session *s);

/* session_send.c */
/* Owe the reply (LMTP: the replies) to the end of a body, credited to DATA
 * (data true) or to BDAT LAST. */
void session_owe_body(struct session *s, bool data, long long deadline);
/* session_body.c: a body may go now -- a 354 read, nothing owed, nothing
 * the server said since (else SMTP_ERR_STATE; a lost connection said). */
enum smtp_errkind session_body_ready(struct session *s, struct smtp_error *err);

/* session_read.c */
/* The connection ended with no reply in progress: close, work out why,
 * and say so in *err (SMTP_ERR_CLOSED). */
enum smtp_errkind session_lost(struct session *s, struct smtp_error *err);
/* More than SESSION_UNSOLICITED_MAX unsolicited replies in a row: close,
 * SMTP_ERR_LIMIT. */
enum smtp_errkind session_check_flood(struct session *s, struct smtp_error *err);

#endif
