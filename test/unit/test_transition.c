/*
 * test_transition.c - RFC 821's state diagram as the client walks it: a
 * labelled table of (state, what the reply answers, verb, code) -> (state,
 * verdict, side effect) rows for smtp_transition() (transition.h), the pure
 * step that session_apply_reply() applies to every credited reply.
 *
 * Sources: RFC 821 4.3 (S/F/E per command), RFC 5321 3.1 (554 greeting),
 * 3.3 and 4.1.1.4 (DATA without recipients), 3.8 (421 from any state),
 * 4.1.1.5 (RSET), 4.1.4 (EHLO mid-transaction resets it; VRFY/EXPN/NOOP
 * anywhere), 4.3.2 (codes); RFC 3207 (STARTTLS), RFC 4954 (AUTH), RFC 3030
 * (BDAT); and the contract in verbs.h / transition.h: 421, 600 and 621 are
 * errors for every verb, codes a verb does not list are "unexpected", an
 * untrusted reply (600) never moves the state, the end of a body ends the
 * transaction whatever its code.
 */
#include <check.h>
#include <stdlib.h>

#include "reply.h"
#include "transition.h"

/* Short names, so that a row fits a line. */
#define DISC   SMTP_ST_DISCONNECTED
#define CONN   SMTP_ST_CONNECTED
#define GREET  SMTP_ST_GREETED
#define READY  SMTP_ST_READY
#define MAIL   SMTP_ST_MAIL
#define RCPT   SMTP_ST_RCPT
#define DATA   SMTP_ST_DATA
#define TURNED SMTP_ST_TURNED
#define CLOSED SMTP_ST_CLOSED

#define S VERDICT_SUCCESS
#define I VERDICT_INTERMEDIATE
#define F VERDICT_FAILURE
#define E VERDICT_ERROR
#define U VERDICT_UNEXPECTED

#define NONE    SMTP_EFFECT_NONE
#define BY421   SMTP_EFFECT_CLOSE_421
#define BYEOF   SMTP_EFFECT_CLOSE_EOF
#define BYQUIT  SMTP_EFFECT_CLOSE_QUIT
#define GREETS  SMTP_EFFECT_GREETED
#define HELLO   SMTP_EFFECT_HELLO
#define RCPTFX  SMTP_EFFECT_RECIPIENT
#define TLS     SMTP_EFFECT_TLS_PENDING
#define CHALL   SMTP_EFFECT_CHALLENGE

#define NOVERB (-1)

struct row {
	const char *label;
	enum smtp_state from;
	enum smtp_answers what;
	int verb;              /* enum verb_id, or NOVERB */
	int code;
	bool trusted;
	enum smtp_state want_state;
	enum verdict want_verdict;
	enum smtp_effect want_effect;
};

/* A reply to the greeting, to a command, to the end of a body, to nothing. */
#define G(l, from, code, to, vd, fx) { l, from, SMTP_ANSWERS_GREETING, NOVERB, code, true, to, vd, fx }
#define C(l, from, verb, code, to, vd, fx) { l, from, SMTP_ANSWERS_COMMAND, verb, code, true, to, vd, fx }
#define B(l, from, verb, code, to, vd, fx) { l, from, SMTP_ANSWERS_BODY, verb, code, true, to, vd, fx }
#define N(l, from, code, to, vd, fx) { l, from, SMTP_ANSWERS_NOTHING, NOVERB, code, true, to, vd, fx }
/* An untrusted reply (mixed codes or a line that did not parse: 600). */
#define X(l, from, what, verb, to, vd) { l, from, what, verb, SMTP_CODE_UNPARSABLE, false, to, vd, NONE }

static const struct row rows[] = {
	/* Connection establishment: RFC 821 S: 220; RFC 5321 3.1, 4.3.2 E: 554.
	 * RFC 821 draws 421 here as F; smtpsh makes 421 an error everywhere. */
	G("greeting 220",                  CONN, 220, GREET, S, GREETS),
	G("greeting 554: no service",      CONN, 554, CONN, F, NONE),
	G("greeting 521: no mail (7504)",  CONN, 521, CONN, F, NONE),
	G("greeting 421: closing",         CONN, 421, CLOSED, E, BY421),
	G("greeting lost (621)",           CONN, SMTP_CODE_EOF, CLOSED, E, BYEOF),
	X("greeting unparsable",           CONN, SMTP_ANSWERS_GREETING, NOVERB, CONN, E),
	G("greeting 220 twice",            GREET, 220, GREET, S, NONE),

	/* HELO / EHLO / LHLO: RFC 821 S: 250 E: 500 501 504 421; RFC 5321 550, 502. */
	C("HELO 250 greeted",              GREET, VERB_HELO, 250, READY, S, HELLO),
	C("EHLO 250 greeted",              GREET, VERB_EHLO, 250, READY, S, HELLO),
	C("LHLO 250 greeted",              GREET, VERB_LHLO, 250, READY, S, HELLO),
	C("HELO 250 ready (again)",        READY, VERB_HELO, 250, READY, S, HELLO),
	C("EHLO 250 ready (again)",        READY, VERB_EHLO, 250, READY, S, HELLO),
	C("EHLO 250 mid-transaction",      RCPT, VERB_EHLO, 250, READY, S, HELLO),
	C("HELO 501 greeted",              GREET, VERB_HELO, 501, GREET, E, NONE),
	C("HELO 504 greeted",              GREET, VERB_HELO, 504, GREET, E, NONE),
	C("EHLO 500 greeted: old server",  GREET, VERB_EHLO, 500, GREET, E, NONE),
	C("EHLO 502 greeted: old server",  GREET, VERB_EHLO, 502, GREET, E, NONE),
	C("EHLO 550 greeted",              GREET, VERB_EHLO, 550, GREET, F, NONE),
	C("EHLO 550 ready",                READY, VERB_EHLO, 550, READY, F, NONE),
	C("HELO 220: not a HELO code",     GREET, VERB_HELO, 220, GREET, U, NONE),

	/* MAIL: RFC 821 S: 250 F: 552 451 452 E: 500 501 421; RFC 5321 550 553 503 455 555. */
	C("MAIL 250",                      READY, VERB_MAIL, 250, MAIL, S, NONE),
	C("MAIL 550",                      READY, VERB_MAIL, 550, READY, F, NONE),
	C("MAIL 553",                      READY, VERB_MAIL, 553, READY, F, NONE),
	C("MAIL 552",                      READY, VERB_MAIL, 552, READY, F, NONE),
	C("MAIL 451",                      READY, VERB_MAIL, 451, READY, F, NONE),
	C("MAIL 452",                      READY, VERB_MAIL, 452, READY, F, NONE),
	C("MAIL 455",                      READY, VERB_MAIL, 455, READY, F, NONE),
	C("MAIL 500",                      READY, VERB_MAIL, 500, READY, E, NONE),
	C("MAIL 501",                      READY, VERB_MAIL, 501, READY, E, NONE),
	C("MAIL 503",                      READY, VERB_MAIL, 503, READY, E, NONE),
	C("MAIL 555",                      READY, VERB_MAIL, 555, READY, E, NONE),
	C("MAIL 354: not a MAIL code",     READY, VERB_MAIL, 354, READY, U, NONE),
	C("SEND 250",                      READY, VERB_SEND, 250, MAIL, S, NONE),
	C("SOML 250",                      READY, VERB_SOML, 250, MAIL, S, NONE),
	C("SAML 250",                      READY, VERB_SAML, 250, MAIL, S, NONE),
	C("SEND 502",                      READY, VERB_SEND, 502, READY, E, NONE),

	/* RCPT: RFC 821 S: 250 251 F: 550 551 552 553 450 451 452 E: 500 501 503 421. */
	C("RCPT 250 after MAIL",           MAIL, VERB_RCPT, 250, RCPT, S, RCPTFX),
	C("RCPT 251 after MAIL",           MAIL, VERB_RCPT, 251, RCPT, S, RCPTFX),
	C("RCPT 550 after MAIL",           MAIL, VERB_RCPT, 550, MAIL, F, NONE),
	C("RCPT 551 after MAIL",           MAIL, VERB_RCPT, 551, MAIL, F, NONE),
	C("RCPT 450 after MAIL",           MAIL, VERB_RCPT, 450, MAIL, F, NONE),
	C("RCPT 452 after MAIL",           MAIL, VERB_RCPT, 452, MAIL, F, NONE),
	C("RCPT 553 after MAIL",           MAIL, VERB_RCPT, 553, MAIL, F, NONE),
	C("RCPT 250 after RCPT",           RCPT, VERB_RCPT, 250, RCPT, S, RCPTFX),
	C("RCPT 251 after RCPT",           RCPT, VERB_RCPT, 251, RCPT, S, RCPTFX),
	C("RCPT 550 after RCPT",           RCPT, VERB_RCPT, 550, RCPT, F, NONE),
	C("RCPT 551 after RCPT",           RCPT, VERB_RCPT, 551, RCPT, F, NONE),
	C("RCPT 501 after RCPT",           RCPT, VERB_RCPT, 501, RCPT, E, NONE),
	C("RCPT 503 without MAIL",         READY, VERB_RCPT, 503, READY, E, NONE),

	/* DATA: RFC 821 I: 354 F: 451 554 E: 500 501 503 421. */
	C("DATA 354",                      RCPT, VERB_DATA, 354, DATA, I, NONE),
	C("DATA 503",                      RCPT, VERB_DATA, 503, RCPT, E, NONE),
	C("DATA 554",                      RCPT, VERB_DATA, 554, RCPT, F, NONE),
	C("DATA 451",                      RCPT, VERB_DATA, 451, RCPT, F, NONE),
	C("DATA 503 without recipients",   MAIL, VERB_DATA, 503, MAIL, E, NONE),
	C("DATA 554 without recipients",   MAIL, VERB_DATA, 554, MAIL, F, NONE),

	/* The end of the data: RFC 821 S: 250 F: 552 554 451 452; the
	 * transaction is over either way (RFC 5321 4.1.1.4). */
	B("end of data 250",               DATA, VERB_DATA, 250, READY, S, NONE),
	B("end of data 554",               DATA, VERB_DATA, 554, READY, F, NONE),
	B("end of data 552",               DATA, VERB_DATA, 552, READY, F, NONE),
	B("end of data 451",               DATA, VERB_DATA, 451, READY, F, NONE),
	B("end of data 452",               DATA, VERB_DATA, 452, READY, F, NONE),
	B("end of data 421",               DATA, VERB_DATA, 421, CLOSED, E, BY421),
	B("end of data lost (621)",        DATA, VERB_DATA, SMTP_CODE_EOF, CLOSED, E, BYEOF),
	C("BDAT 250: more chunks",         RCPT, VERB_BDAT, 250, RCPT, S, NONE),
	B("BDAT LAST 250",                 RCPT, VERB_BDAT, 250, READY, S, NONE),
	B("BDAT LAST 554",                 RCPT, VERB_BDAT, 554, READY, F, NONE),

	/* RSET: RFC 821 S: 250 E: 500 501 504 421; it ends a transaction, it
	 * does not stand for HELO (RFC 5321 4.1.1.5). */
	C("RSET 250 ready",                READY, VERB_RSET, 250, READY, S, NONE),
	C("RSET 250 after MAIL",           MAIL, VERB_RSET, 250, READY, S, NONE),
	C("RSET 250 after RCPT",           RCPT, VERB_RSET, 250, READY, S, NONE),
	C("RSET 250 greeted",              GREET, VERB_RSET, 250, GREET, S, NONE),
	C("RSET 500 after RCPT",           RCPT, VERB_RSET, 500, RCPT, E, NONE),

	/* VRFY / EXPN: RFC 821 S: 250 251 F: 550 551 553 E: 500 501 502 504 421;
	 * RFC 5321 3.5 adds 252.  They never move the state (RFC 5321 4.1.4). */
	C("VRFY 250",                      READY, VERB_VRFY, 250, READY, S, NONE),
	C("VRFY 251",                      READY, VERB_VRFY, 251, READY, S, NONE),
	C("VRFY 252",                      READY, VERB_VRFY, 252, READY, S, NONE),
	C("VRFY 550",                      READY, VERB_VRFY, 550, READY, F, NONE),
	C("VRFY 551",                      READY, VERB_VRFY, 551, READY, F, NONE),
	C("VRFY 553",                      READY, VERB_VRFY, 553, READY, F, NONE),
	C("VRFY 502",                      READY, VERB_VRFY, 502, READY, E, NONE),
	C("VRFY 250 mid-transaction",      RCPT, VERB_VRFY, 250, RCPT, S, NONE),
	C("VRFY 252 greeted",              GREET, VERB_VRFY, 252, GREET, S, NONE),
	C("EXPN 250",                      READY, VERB_EXPN, 250, READY, S, NONE),
	C("EXPN 252",                      READY, VERB_EXPN, 252, READY, S, NONE),
	C("EXPN 550",                      READY, VERB_EXPN, 550, READY, F, NONE),
	C("EXPN 502",                      READY, VERB_EXPN, 502, READY, E, NONE),

	/* HELP: S: 211 214; NOOP: S: 250 E: 500 421; neither moves the state. */
	C("HELP 214",                      READY, VERB_HELP, 214, READY, S, NONE),
	C("HELP 211 greeted",              GREET, VERB_HELP, 211, GREET, S, NONE),
	C("NOOP 250 greeted",              GREET, VERB_NOOP, 250, GREET, S, NONE),
	C("NOOP 250 ready",                READY, VERB_NOOP, 250, READY, S, NONE),
	C("NOOP 250 after MAIL",           MAIL, VERB_NOOP, 250, MAIL, S, NONE),
	C("NOOP 250 after RCPT",           RCPT, VERB_NOOP, 250, RCPT, S, NONE),
	C("NOOP 500",                      READY, VERB_NOOP, 500, READY, E, NONE),

	/* QUIT: RFC 821 S: 221 E: 500. */
	C("QUIT 221 greeted",              GREET, VERB_QUIT, 221, CLOSED, S, BYQUIT),
	C("QUIT 221 ready",                READY, VERB_QUIT, 221, CLOSED, S, BYQUIT),
	C("QUIT 221 mid-transaction",      RCPT, VERB_QUIT, 221, CLOSED, S, BYQUIT),
	C("QUIT 221 before the greeting",  CONN, VERB_QUIT, 221, CLOSED, S, BYQUIT),
	C("QUIT 500",                      READY, VERB_QUIT, 500, READY, E, NONE),

	/* TURN: RFC 821 S: 250 F: 502 E: 500 503. */
	C("TURN 250",                      READY, VERB_TURN, 250, TURNED, S, NONE),
	C("TURN 502",                      READY, VERB_TURN, 502, READY, F, NONE),
	C("TURN 500",                      READY, VERB_TURN, 500, READY, E, NONE),
	C("TURN 503",                      READY, VERB_TURN, 503, READY, E, NONE),

	/* STARTTLS (RFC 3207): S: 220 F: 454 E: 501; the state moves to
	 * greeted only after the handshake (starttls.c). */
	C("STARTTLS 220 ready",            READY, VERB_STARTTLS, 220, READY, S, TLS),
	C("STARTTLS 220 greeted",          GREET, VERB_STARTTLS, 220, GREET, S, TLS),
	C("STARTTLS 454",                  READY, VERB_STARTTLS, 454, READY, F, NONE),
	C("STARTTLS 501",                  READY, VERB_STARTTLS, 501, READY, E, NONE),
	C("STARTTLS 502",                  READY, VERB_STARTTLS, 502, READY, E, NONE),

	/* AUTH (RFC 4954): S: 235 I: 334 F: 432 454 534 535 538 E: 500 501 502 503 504. */
	C("AUTH 334: a challenge",         READY, VERB_AUTH, 334, READY, I, CHALL),
	C("AUTH 235",                      READY, VERB_AUTH, 235, READY, S, NONE),
	C("AUTH 535",                      READY, VERB_AUTH, 535, READY, F, NONE),
	C("AUTH 534",                      READY, VERB_AUTH, 534, READY, F, NONE),
	C("AUTH 454",                      READY, VERB_AUTH, 454, READY, F, NONE),
	C("AUTH 504: unknown mechanism",   READY, VERB_AUTH, 504, READY, E, NONE),
	C("AUTH 503: already done",        READY, VERB_AUTH, 503, READY, E, NONE),

	/* 421 from any state closes (RFC 5321 3.8), answering anything. */
	C("HELO 421",                      GREET, VERB_HELO, 421, CLOSED, E, BY421),
	C("EHLO 421",                      GREET, VERB_EHLO, 421, CLOSED, E, BY421),
	C("MAIL 421",                      READY, VERB_MAIL, 421, CLOSED, E, BY421),
	C("RCPT 421 after MAIL",           MAIL, VERB_RCPT, 421, CLOSED, E, BY421),
	C("RCPT 421 after RCPT",           RCPT, VERB_RCPT, 421, CLOSED, E, BY421),
	C("DATA 421",                      RCPT, VERB_DATA, 421, CLOSED, E, BY421),
	C("NOOP 421",                      READY, VERB_NOOP, 421, CLOSED, E, BY421),
	C("QUIT 421",                      READY, VERB_QUIT, 421, CLOSED, E, BY421),
	C("STARTTLS 421",                  READY, VERB_STARTTLS, 421, CLOSED, E, BY421),
	C("AUTH 421",                      READY, VERB_AUTH, 421, CLOSED, E, BY421),
	N("unsolicited 421 ready",         READY, 421, CLOSED, E, BY421),
	N("unsolicited 421 mid-transaction", RCPT, 421, CLOSED, E, BY421),
	C("raw line 421",                  READY, NOVERB, 421, CLOSED, E, BY421),

	/* The connection lost (621) mid-command closes too. */
	C("MAIL lost (621)",               READY, VERB_MAIL, SMTP_CODE_EOF, CLOSED, E, BYEOF),
	C("QUIT lost (621)",               READY, VERB_QUIT, SMTP_CODE_EOF, CLOSED, E, BYEOF),

	/* Untrusted replies (mixed codes, unparsable: 600) never move. */
	X("MAIL unparsable",               READY, SMTP_ANSWERS_COMMAND, VERB_MAIL, READY, E),
	X("DATA unparsable",               RCPT, SMTP_ANSWERS_COMMAND, VERB_DATA, RCPT, E),
	X("EHLO unparsable",               GREET, SMTP_ANSWERS_COMMAND, VERB_EHLO, GREET, E),
	X("QUIT unparsable",               READY, SMTP_ANSWERS_COMMAND, VERB_QUIT, READY, E),

	/* Unsolicited replies and raw lines (no known verb): verdict by the
	 * digits (x0z negatives are errors, RFC 821 4.2.1), no move. */
	N("unsolicited 250",               READY, 250, READY, S, NONE),
	N("unsolicited 554",               RCPT, 554, RCPT, F, NONE),
	N("unsolicited 500",               READY, 500, READY, E, NONE),
	C("raw line 250",                  READY, NOVERB, 250, READY, S, NONE),
	C("raw line 354",                  RCPT, NOVERB, 354, RCPT, I, NONE),
	C("raw line 502",                  READY, NOVERB, 502, READY, E, NONE),
	C("raw line 550",                  MAIL, NOVERB, 550, MAIL, F, NONE),
};

static const char *effect_name(enum smtp_effect fx)
{
	static const char *const names[] = {
		[SMTP_EFFECT_NONE] = "none", [SMTP_EFFECT_CLOSE_421] = "close-421",
		[SMTP_EFFECT_CLOSE_EOF] = "close-eof", [SMTP_EFFECT_CLOSE_QUIT] = "close-quit",
		[SMTP_EFFECT_GREETED] = "greeted", [SMTP_EFFECT_HELLO] = "hello",
		[SMTP_EFFECT_RECIPIENT] = "recipient", [SMTP_EFFECT_TLS_PENDING] = "tls-pending",
		[SMTP_EFFECT_CHALLENGE] = "challenge",
	};
	return (unsigned)fx < sizeof names / sizeof names[0] ? names[fx] : "?";
}

START_TEST(test_row)
{
	const struct row *r = &rows[_i];
	const struct verb *v = r->verb == NOVERB ? NULL : verb_by_id((enum verb_id)r->verb);
	ck_assert_msg(r->verb == NOVERB || v != NULL, "%s: no such verb", r->label);
	struct smtp_step st = smtp_transition(r->from, r->what, v, r->code, r->trusted);
	ck_assert_msg(st.state == r->want_state, "%s (from %s): state %s, want %s", r->label,
	    smtp_state_name(r->from), smtp_state_name(st.state), smtp_state_name(r->want_state));
	ck_assert_msg(st.verdict == r->want_verdict, "%s (from %s): verdict %s, want %s",
	    r->label, smtp_state_name(r->from), verdict_name(st.verdict),
	    verdict_name(r->want_verdict));
	ck_assert_msg(st.effect == r->want_effect, "%s (from %s): effect %s, want %s",
	    r->label, smtp_state_name(r->from), effect_name(st.effect),
	    effect_name(r->want_effect));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transition");
	TCase *tc = tcase_create("diagram");
	tcase_add_loop_test(tc, test_row, 0, (int)(sizeof rows / sizeof rows[0]));
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
