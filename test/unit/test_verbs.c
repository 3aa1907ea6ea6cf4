/*
 * test_verbs.c - the verb table: completeness, lookup, verdicts from RFC
 * 821's diagram, allowed states, and the wire formatting rules with their
 * refusals (nothing written on failure).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_limits.h"
#include "verbs.h"

static const char *const rfc821[] = {
	"HELO", "MAIL", "RCPT", "DATA", "RSET", "SEND", "SOML", "SAML",
	"VRFY", "EXPN", "HELP", "NOOP", "QUIT", "TURN",
};

START_TEST(test_table_complete)
{
	ck_assert_uint_eq(verb_count(), VERB__COUNT);
	for (size_t i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);
		ck_assert_msg(v->id == (enum verb_id)i, "row %zu out of order", i);
		ck_assert_ptr_eq(verb_by_id(v->id), v);
		ck_assert_msg(v->name && v->usage && v->summary && v->rfc,
		    "%s: text missing", v->name);
		ck_assert_msg(v->syntax != NULL && strncmp(v->syntax, v->name, strlen(v->name)) == 0,
		    "%s: no wire syntax", v->name);
		ck_assert_msg((v->flags & VERB_F_RFC821) == 0 || verb_in_rfc821(v),
		    "%s: RFC 821's but no RFC 821 reply list", v->name);
		ck_assert_msg(v->success[0] != 0, "%s: no success code", v->name);
		ck_assert_msg(v->allowed_states != 0, "%s: allowed nowhere", v->name);
		ck_assert_msg(v->timeout_s > 0, "%s: no timeout", v->name);
	}
	size_t n821 = 0;
	for (size_t i = 0; i < sizeof rfc821 / sizeof rfc821[0]; i++) {
		const struct verb *v = verb_lookup(rfc821[i], strlen(rfc821[i]));
		ck_assert_msg(v != NULL, "%s missing", rfc821[i]);
		ck_assert_msg(v->flags & VERB_F_RFC821, "%s not marked RFC 821", rfc821[i]);
	}
	for (size_t i = 0; i < verb_count(); i++)
		n821 += (verb_at(i)->flags & VERB_F_RFC821) != 0;
	ck_assert_uint_eq(n821, 14);
	ck_assert_ptr_nonnull(verb_lookup("EHLO", 4));
}
END_TEST

START_TEST(test_lookup_case)
{
	ck_assert_ptr_eq(verb_lookup("vrfy", 4), verb_by_id(VERB_VRFY));
	ck_assert_ptr_eq(verb_lookup("VrFy", 4), verb_by_id(VERB_VRFY));
	ck_assert_ptr_eq(verb_lookup("starttls", 8), verb_by_id(VERB_STARTTLS));
	ck_assert_ptr_null(verb_lookup("vrf", 3));
	ck_assert_ptr_null(verb_lookup("vrfyx", 5));
	ck_assert_ptr_null(verb_lookup("open", 4));
	ck_assert_ptr_null(verb_lookup(NULL, 0));
}
END_TEST

struct verdict_case {
	enum verb_id verb;
	int code;
	enum verdict want;
};

static const struct verdict_case verdict_cases[] = {
	{ VERB_RCPT, 250, VERDICT_SUCCESS }, { VERB_RCPT, 251, VERDICT_SUCCESS },
	{ VERB_RCPT, 550, VERDICT_FAILURE }, { VERB_RCPT, 551, VERDICT_FAILURE },
	{ VERB_RCPT, 552, VERDICT_FAILURE }, { VERB_RCPT, 553, VERDICT_FAILURE },
	{ VERB_RCPT, 450, VERDICT_FAILURE }, { VERB_RCPT, 451, VERDICT_FAILURE },
	{ VERB_RCPT, 452, VERDICT_FAILURE }, { VERB_RCPT, 500, VERDICT_ERROR },
	{ VERB_RCPT, 501, VERDICT_ERROR }, { VERB_RCPT, 503, VERDICT_ERROR },
	{ VERB_RCPT, 421, VERDICT_ERROR }, { VERB_RCPT, 354, VERDICT_UNEXPECTED },
	{ VERB_DATA, 354, VERDICT_INTERMEDIATE }, { VERB_DATA, 250, VERDICT_SUCCESS },
	{ VERB_DATA, 554, VERDICT_FAILURE }, { VERB_DATA, 503, VERDICT_ERROR },
	{ VERB_HELO, 250, VERDICT_SUCCESS }, { VERB_HELO, 504, VERDICT_ERROR },
	{ VERB_MAIL, 552, VERDICT_FAILURE }, { VERB_MAIL, 501, VERDICT_ERROR },
	{ VERB_VRFY, 252, VERDICT_SUCCESS }, { VERB_VRFY, 553, VERDICT_FAILURE },
	{ VERB_VRFY, 502, VERDICT_ERROR }, { VERB_EXPN, 550, VERDICT_FAILURE },
	{ VERB_HELP, 214, VERDICT_SUCCESS }, { VERB_HELP, 211, VERDICT_SUCCESS },
	{ VERB_NOOP, 250, VERDICT_SUCCESS }, { VERB_QUIT, 221, VERDICT_SUCCESS },
	{ VERB_QUIT, 421, VERDICT_ERROR }, { VERB_TURN, 250, VERDICT_SUCCESS },
	{ VERB_TURN, 502, VERDICT_FAILURE }, { VERB_TURN, 503, VERDICT_ERROR },
	{ VERB_SEND, 502, VERDICT_ERROR }, { VERB_SOML, 451, VERDICT_FAILURE },
	{ VERB_SAML, 250, VERDICT_SUCCESS }, { VERB_AUTH, 334, VERDICT_INTERMEDIATE },
	{ VERB_AUTH, 535, VERDICT_FAILURE }, { VERB_STARTTLS, 220, VERDICT_SUCCESS },
	{ VERB_STARTTLS, 454, VERDICT_FAILURE }, { VERB_NOOP, 600, VERDICT_ERROR },
	{ VERB_NOOP, 621, VERDICT_ERROR }, { VERB_NOOP, 299, VERDICT_UNEXPECTED },
};

START_TEST(test_verdicts)
{
	const struct verdict_case *c = &verdict_cases[_i];
	const struct verb *v = verb_by_id(c->verb);
	enum verdict got = verb_verdict(v, c->code);
	ck_assert_msg(got == c->want, "%s %d: got %s want %s", v->name, c->code,
	    verdict_name(got), verdict_name(c->want));
}
END_TEST

START_TEST(test_verdict_unknown_verb)
{
	ck_assert_int_eq(verb_verdict(NULL, 500), VERDICT_ERROR);
	ck_assert_int_eq(verb_verdict(NULL, 502), VERDICT_ERROR);
	ck_assert_int_eq(verb_verdict(NULL, 550), VERDICT_FAILURE);
	ck_assert_int_eq(verb_verdict(NULL, 451), VERDICT_FAILURE);
	ck_assert_int_eq(verb_verdict(NULL, 250), VERDICT_SUCCESS);
	ck_assert_int_eq(verb_verdict(NULL, 354), VERDICT_INTERMEDIATE);
	ck_assert_int_eq(verb_verdict(NULL, 421), VERDICT_ERROR);
	ck_assert_int_eq(verb_verdict(NULL, 600), VERDICT_ERROR);
}
END_TEST

START_TEST(test_allowed_states)
{
	const struct verb *mail = verb_by_id(VERB_MAIL);
	const struct verb *rcpt = verb_by_id(VERB_RCPT);
	const struct verb *data = verb_by_id(VERB_DATA);
	ck_assert(verb_allowed_in(mail, SMTP_ST_READY));
	ck_assert(!verb_allowed_in(mail, SMTP_ST_GREETED));
	ck_assert(!verb_allowed_in(mail, SMTP_ST_MAIL));
	ck_assert(!verb_allowed_in(rcpt, SMTP_ST_READY));
	ck_assert(verb_allowed_in(rcpt, SMTP_ST_MAIL));
	ck_assert(verb_allowed_in(rcpt, SMTP_ST_RCPT));
	ck_assert(!verb_allowed_in(data, SMTP_ST_MAIL));
	ck_assert(verb_allowed_in(data, SMTP_ST_RCPT));
	ck_assert(verb_allowed_in(verb_by_id(VERB_HELO), SMTP_ST_GREETED));
	ck_assert(!verb_allowed_in(verb_by_id(VERB_NOOP), SMTP_ST_DISCONNECTED));
	ck_assert(!verb_allowed_in(NULL, SMTP_ST_READY));
	ck_assert_int_eq(verb_by_id(VERB_MAIL)->success_state, SMTP_ST_MAIL);
	ck_assert_int_eq(verb_by_id(VERB_RCPT)->success_state, SMTP_ST_RCPT);
	ck_assert_int_eq(verb_by_id(VERB_QUIT)->success_state, SMTP_ST_CLOSED);
	ck_assert_int_eq(verb_by_id(VERB_VRFY)->success_state, SMTP_ST__COUNT);
}
END_TEST

struct fmt_case {
	const char *name;
	const char *verb;
	const char *arg;
	const char *want;   /* NULL: refused */
	enum smtp_errkind want_err;
};

static const struct fmt_case fmt_cases[] = {
	{ "mail bare", "mail", "bob@x", "MAIL FROM:<bob@x>", SMTP_OK },
	{ "mail bracketed", "mail", "<bob@x>", "MAIL FROM:<bob@x>", SMTP_OK },
	{ "mail null sender", "mail", "", "MAIL FROM:<>", SMTP_OK },
	{ "mail full form", "mail", "from:<a@b> SIZE=10", "MAIL from:<a@b> SIZE=10", SMTP_OK },
	{ "mail params", "mail", "a@b SIZE=10 BODY=8BITMIME", "MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME", SMTP_OK },
	{ "rcpt postmaster", "rcpt", "postmaster", "RCPT TO:<postmaster>", SMTP_OK },
	{ "rcpt full", "RCPT", "TO:<c@d>", "RCPT TO:<c@d>", SMTP_OK },
	{ "send", "send", "a@b", "SEND FROM:<a@b>", SMTP_OK },
	{ "soml", "Soml", "a@b", "SOML FROM:<a@b>", SMTP_OK },
	{ "saml", "saml", "a@b", "SAML FROM:<a@b>", SMTP_OK },
	{ "vrfy words", "vrfy", "John Smith", "VRFY John Smith", SMTP_OK },
	{ "expn", "expn", "staff", "EXPN staff", SMTP_OK },
	{ "helo", "helo", "client.example", "HELO client.example", SMTP_OK },
	{ "help topic", "help", "MAIL", "HELP MAIL", SMTP_OK },
	{ "help bare", "help", "", "HELP", SMTP_OK },
	{ "noop", "noop", "", "NOOP", SMTP_OK },
	{ "quit", "quit", "", "QUIT", SMTP_OK },
	{ "turn", "turn", "", "TURN", SMTP_OK },
	{ "data", "data", "", "DATA", SMTP_OK },
	{ "helo needs domain", "helo", "", NULL, SMTP_ERR_USAGE },
	{ "rcpt needs arg", "rcpt", "", NULL, SMTP_ERR_USAGE },
	{ "vrfy needs arg", "vrfy", "", NULL, SMTP_ERR_USAGE },
	{ "quit takes none", "quit", "now", NULL, SMTP_ERR_USAGE },
	{ "cr refused", "vrfy", "a\rb", NULL, SMTP_ERR_REFUSED },
	{ "lf refused", "mail", "a@b\nRCPT TO:<x>", NULL, SMTP_ERR_REFUSED },
	/* Issue 17: the bare form's address is an RFC 5321 Mailbox, so ">" or a
	 * quote cannot end the path and smuggle parameters in. */
	{ "mail > injects", "mail", "a@x.test>SIZE=1", NULL, SMTP_ERR_REFUSED },
	{ "rcpt > injects", "rcpt", "alice>", NULL, SMTP_ERR_REFUSED },
	{ "rcpt bracket inside", "rcpt", "<a@b> NOTIFY=NEVER", "RCPT TO:<a@b> NOTIFY=NEVER", SMTP_OK },
	{ "rcpt bad bracket", "rcpt", "<a@b>>", NULL, SMTP_ERR_REFUSED },
	{ "rcpt bad domain", "rcpt", "a@b_c", NULL, SMTP_ERR_REFUSED },
	{ "rcpt quoted local", "rcpt", "\"a>b\"@x", "RCPT TO:<\"a>b\"@x>", SMTP_OK },
	{ "rcpt literal", "rcpt", "a@[127.0.0.1]", "RCPT TO:<a@[127.0.0.1]>", SMTP_OK },
	{ "rcpt utf8", "rcpt", "\xd0\xbf\xd1\x91\xd1\x82\xd1\x80@x.example", "RCPT TO:<\xd0\xbf\xd1\x91\xd1\x82\xd1\x80@x.example>", SMTP_OK },
	{ "mail null bracketed", "mail", "<>", "MAIL FROM:<>", SMTP_OK },
	{ "rcpt empty bracketed", "rcpt", "<>", NULL, SMTP_ERR_REFUSED },
	{ "send escape", "send", "a\x1b[2J@b", NULL, SMTP_ERR_REFUSED },
};

START_TEST(test_format)
{
	const struct fmt_case *c = &fmt_cases[_i];
	const struct verb *v = verb_lookup(c->verb, strlen(c->verb));
	char out[SMTP_COMMAND_LINE_MAX];
	memset(out, 'Z', sizeof out);
	out[sizeof out - 1] = '\0';
	size_t len = 999;
	struct smtp_error err;
	smtp_error_clear(&err);
	enum smtp_errkind e = verb_format_command(v, c->arg, strlen(c->arg), out,
	    sizeof out, &len, &err);
	ck_assert_msg(e == c->want_err, "%s: got error %d want %d (%s)", c->name,
	    e, c->want_err, err.msg);
	if (c->want != NULL) {
		ck_assert_msg(strcmp(out, c->want) == 0, "%s: got \"%s\" want \"%s\"",
		    c->name, out, c->want);
		ck_assert_uint_eq(len, strlen(c->want));
	} else {
		ck_assert_msg(out[0] == 'Z', "%s: output written on refusal", c->name);
		ck_assert_msg(err.msg[0] != '\0', "%s: no message", c->name);
	}
}
END_TEST

START_TEST(test_format_nul_and_length)
{
	const struct verb *v = verb_by_id(VERB_VRFY);
	char out[SMTP_COMMAND_LINE_MAX * 2];
	struct smtp_error err;
	ck_assert_int_eq(verb_format_command(v, "a\0b", 3, out, sizeof out, NULL, &err),
	    SMTP_ERR_REFUSED);
	/* "VRFY " + 505 = 510 octets: the longest line that fits with CRLF. */
	char arg[600];
	memset(arg, 'a', sizeof arg);
	size_t len;
	ck_assert_int_eq(verb_format_command(v, arg, 505, out, sizeof out, &len, &err),
	    SMTP_OK);
	ck_assert_uint_eq(len, 510);
	ck_assert_int_eq(verb_format_command(v, arg, 506, out, sizeof out, &len, &err),
	    SMTP_ERR_REFUSED);
}
END_TEST

static Suite *verbs_suite(void)
{
	Suite *s = suite_create("verbs");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_table_complete);
	tcase_add_test(tc, test_lookup_case);
	tcase_add_loop_test(tc, test_verdicts, 0,
	    (int)(sizeof verdict_cases / sizeof verdict_cases[0]));
	tcase_add_test(tc, test_verdict_unknown_verb);
	tcase_add_test(tc, test_allowed_states);
	tcase_add_loop_test(tc, test_format, 0,
	    (int)(sizeof fmt_cases / sizeof fmt_cases[0]));
	tcase_add_test(tc, test_format_nul_and_length);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(verbs_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
