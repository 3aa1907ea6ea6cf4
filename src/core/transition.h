/*
 * transition.h - one step of RFC 821's state diagram (RFC 821 4.3, with
 * RFC 5321 4.3.2's codes): what a reply does to a client session, as a pure
 * function of the state, what the reply answers (the greeting, a command, the
 * end of a body, nothing), the command's verb and the reply code.  It gives
 * the state the reply leads to, its S/I/F/E verdict, and the one thing the
 * session must do beside moving (close, keep the extensions, start TLS...).
 *
 * The session (session.c) applies every credited reply through this, so a
 * table of (state, verb, code) -> (state, verdict) rows tests the diagram as
 * the client walks it.
 */
#ifndef SMTPSH_TRANSITION_H
#define SMTPSH_TRANSITION_H

#include <stdbool.h>

#include "state.h"
#include "verbs.h"

/* What a reply answers. */
enum smtp_answers {
	SMTP_ANSWERS_NOTHING,      /* unsolicited: credited to no command */
	SMTP_ANSWERS_GREETING,     /* the connection's greeting */
	SMTP_ANSWERS_COMMAND,      /* a command (its verb, or NULL: a raw line) */
	SMTP_ANSWERS_BODY,         /* the end of a DATA body, or BDAT LAST */
};

/* What the session does beside taking the new state. */
enum smtp_effect {
	SMTP_EFFECT_NONE,
	SMTP_EFFECT_CLOSE_421,     /* the server closes (421, RFC 5321 3.8) */
	SMTP_EFFECT_CLOSE_EOF,     /* the connection was lost (621) */
	SMTP_EFFECT_CLOSE_QUIT,    /* success to a closing verb (221 to QUIT) */
	SMTP_EFFECT_GREETED,       /* 220 greeting: keep its domain */
	SMTP_EFFECT_HELLO,         /* HELO/EHLO/LHLO accepted: keep (or clear)
	                            * the extensions */
	SMTP_EFFECT_RECIPIENT,     /* RCPT accepted: keep the recipient */
	SMTP_EFFECT_TLS_PENDING,   /* 220 to STARTTLS: the handshake is next; the
	                            * state moves (to greeted) after it */
	SMTP_EFFECT_CHALLENGE,     /* 3xx to AUTH: a response line is owed */
};

struct smtp_step {
	enum smtp_state state;     /* the state after the reply */
	enum verdict verdict;      /* for the command it answers (greeting: 220
	                            * success, 554/521 failure, else error;
	                            * unsolicited: by the digits, verb_verdict) */
	enum smtp_effect effect;
};

/* The step for a reply with `code` answering `what` (v: the command's verb,
 * for SMTP_ANSWERS_COMMAND and _BODY; NULL for a raw line) in state `from`.
 * `trusted`: the reply parsed cleanly (100..599, no mixed codes, not
 * malformed); an untrusted reply never moves a command's state.  421 and
 * 621 close from any state (to closed; disconnected stays so).  The end of
 * a body ends the transaction (rcpt or data -> ready) whatever its code. */
struct smtp_step smtp_transition(enum smtp_state from, enum smtp_answers what,
    const struct verb *v, int code, bool trusted);

#endif
