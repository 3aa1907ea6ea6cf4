/*
 * transition.c - one step of RFC 821's state diagram (transition.h): the
 * state a reply leads to, its verdict, and the session's side effect, read
 * from the verb table's flags and codes (verbs.c), never from a verb's name.
 * Pure; no allocation, no errors.
 */
#include "transition.h"

#include "reply.h"

static struct smtp_step step(enum smtp_state st, enum verdict vd, enum smtp_effect fx)
{
	return (struct smtp_step){ .state = st, .verdict = vd, .effect = fx };
}

/* The greeting's verdict: RFC 5321 4.3.2 "S: 220 E: 554" (521: RFC 7504). */
static enum verdict greeting_verdict(int code)
{
	if (code == 220)
		return VERDICT_SUCCESS;
	if (code == 554 || code == 521)
		return VERDICT_FAILURE;
	return VERDICT_ERROR;
}

/* A trusted reply to a command with verb v. */
static struct smtp_step command_step(enum smtp_state from, const struct verb *v, int code)
{
	enum verdict vd = verb_verdict(v, code);
	enum smtp_effect challenge = (v->flags & VERB_F_CHALLENGE) && code / 100 == 3
	    ? SMTP_EFFECT_CHALLENGE : SMTP_EFFECT_NONE;
	if (v->flags & VERB_F_BODY)
		return step(vd == VERDICT_INTERMEDIATE ? SMTP_ST_DATA : from, vd, SMTP_EFFECT_NONE);
	if (vd != VERDICT_SUCCESS)
		return step(from, vd, challenge);
	if (v->flags & VERB_F_CLOSES)
		return step(from == SMTP_ST_DISCONNECTED ? from : SMTP_ST_CLOSED, vd,
		    SMTP_EFFECT_CLOSE_QUIT);
	if (v->flags & VERB_F_STARTS_TLS)
		return step(from, vd, SMTP_EFFECT_TLS_PENDING);
	if (v->flags & VERB_F_HELLO)
		return step(SMTP_ST_READY, vd, SMTP_EFFECT_HELLO);
	if (v->flags & VERB_F_RESETS)
		return step(from >= SMTP_ST_READY && from <= SMTP_ST_RCPT ? SMTP_ST_READY : from,
		    vd, SMTP_EFFECT_NONE);
	if (v->flags & VERB_F_RECIPIENT) {
		if (from == SMTP_ST_MAIL || from == SMTP_ST_RCPT)
			return step(SMTP_ST_RCPT, vd, SMTP_EFFECT_RECIPIENT);
		return step(from, vd, SMTP_EFFECT_NONE);
	}
	return step(v->success_state != SMTP_ST__COUNT ? v->success_state : from, vd,
	    challenge);
}

struct smtp_step smtp_transition(enum smtp_state from, enum smtp_answers what,
    const struct verb *v, int code, bool trusted)
{
	enum verdict vd = what == SMTP_ANSWERS_GREETING ? greeting_verdict(code) :
	    verb_verdict(what == SMTP_ANSWERS_NOTHING ? NULL : v, code);
	enum smtp_state closed = from == SMTP_ST_DISCONNECTED ? from : SMTP_ST_CLOSED;
	if (code == 421)
		return step(closed, vd, SMTP_EFFECT_CLOSE_421);
	if (code == SMTP_CODE_EOF)
		return step(closed, vd, SMTP_EFFECT_CLOSE_EOF);
	switch (what) {
	case SMTP_ANSWERS_NOTHING:
		return step(from, vd, SMTP_EFFECT_NONE);
	case SMTP_ANSWERS_GREETING:
		if (from == SMTP_ST_CONNECTED && trusted && code == 220)
			return step(SMTP_ST_GREETED, vd, SMTP_EFFECT_GREETED);
		return step(from, vd, SMTP_EFFECT_NONE);
	case SMTP_ANSWERS_BODY:
		/* The reply to the end of the body: the transaction is over. */
		return step(from == SMTP_ST_DATA || from == SMTP_ST_RCPT ? SMTP_ST_READY : from,
		    vd, SMTP_EFFECT_NONE);
	case SMTP_ANSWERS_COMMAND:
		break;
	}
	if (!trusted || v == NULL)
		return step(from, vd, SMTP_EFFECT_NONE);
	return command_step(from, v, code);
}
