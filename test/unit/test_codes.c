/*
 * test_codes.c - the reply-code table: every RFC 821 code present with its
 * RFC wording, the extension and local codes, rows complete and unique,
 * digit meanings (RFC 821 4.2.1), and code_explain for known and unknown
 * codes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "verbs.h"
#include "reply.h"

struct want_code {
	int code;
	const char *text;     /* exact table text */
	const char *note_has; /* substring of the note, or NULL for no note */
};

/* RFC 821 4.2.2, wording and bracketed notes as in the RFC. */
static const struct want_code rfc821_codes[] = {
	{ 211, "System status, or system help reply", NULL },
	{ 214, "Help message", "useful only to the human user" },
	{ 220, "<domain> Service ready", NULL },
	{ 221, "<domain> Service closing transmission channel", NULL },
	{ 250, "Requested mail action okay, completed", NULL },
	{ 251, "User not local; will forward to <forward-path>", NULL },
	{ 354, "Start mail input; end with <CRLF>.<CRLF>", NULL },
	{ 421, "<domain> Service not available, closing transmission channel",
	  "must shut down" },
	{ 450, "Requested mail action not taken: mailbox unavailable",
	  "E.g., mailbox busy" },
	{ 451, "Requested action aborted: local error in processing", NULL },
	{ 452, "Requested action not taken: insufficient system storage", "" },
	{ 500, "Syntax error, command unrecognized", "command line too long" },
	{ 501, "Syntax error in parameters or arguments", NULL },
	{ 502, "Command not implemented", NULL },
	{ 503, "Bad sequence of commands", NULL },
	{ 504, "Command parameter not implemented", NULL },
	{ 550, "Requested action not taken: mailbox unavailable",
	  "E.g., mailbox not found, no access" },
	{ 551, "User not local; please try <forward-path>", NULL },
	{ 552, "Requested mail action aborted: exceeded storage allocation", "" },
	{ 553, "Requested action not taken: mailbox name not allowed",
	  "E.g., mailbox syntax incorrect" },
	{ 554, "Transaction failed", "No SMTP service here" },
};

static const struct want_code other_codes[] = {
	{ 235, "Authentication succeeded", "2.7.0" },
	{ 252, "Cannot VRFY user, but will accept message and attempt delivery", "" },
	{ 334, "Server challenge", "base64" },
	{ 432, "A password transition is needed", "4.7.12" },
	{ 454, "Temporary authentication failure", "TLS not available" },
	{ 455, "Server unable to accommodate parameters", NULL },
	{ 521, "Host does not accept mail", "" },
	{ 530, "Authentication required", "STARTTLS" },
	{ 534, "Authentication mechanism is too weak", "5.7.9" },
	{ 535, "Authentication credentials invalid", "5.7.8" },
	{ 538, "Encryption required for requested authentication mechanism", "" },
	{ 555, "MAIL FROM/RCPT TO parameters not recognized or not implemented", NULL },
	{ 556, "Domain does not accept mail", "" },
	{ 600, "Server reply could not be parsed", "" },
	{ 621, "Premature EOF while reading server reply", "" },
};

static void check_want(const struct want_code *w)
{
	const struct code_info *ci = code_lookup(w->code);
	ck_assert_msg(ci != NULL, "%d: missing from the table", w->code);
	ck_assert_msg(ci->code == w->code, "%d: lookup gave %d", w->code, ci->code);
	ck_assert_msg(strcmp(ci->text, w->text) == 0, "%d: text got \"%s\" want \"%s\"",
	    w->code, ci->text, w->text);
	ck_assert_msg(code_meaning(w->code) == ci->text, "%d: code_meaning "
	    "differs from the table", w->code);
	if (w->note_has == NULL) {
		ck_assert_msg(ci->note == NULL, "%d: unexpected note \"%s\"",
		    w->code, ci->note);
	} else {
		ck_assert_msg(ci->note != NULL, "%d: note missing", w->code);
		ck_assert_msg(strstr(ci->note, w->note_has) != NULL,
		    "%d: note \"%s\" lacks \"%s\"", w->code, ci->note, w->note_has);
	}
}

START_TEST(test_rfc821_codes)
{
	const struct want_code *w = &rfc821_codes[_i];
	check_want(w);
	ck_assert_msg(strstr(code_lookup(w->code)->source, "RFC 821") != NULL,
	    "%d: source is %s", w->code, code_lookup(w->code)->source);
}
END_TEST

START_TEST(test_other_codes)
{
	check_want(&other_codes[_i]);
}
END_TEST

START_TEST(test_local_codes_match_reply_h)
{
	ck_assert_str_eq(code_lookup(SMTP_CODE_UNPARSABLE)->source, "local");
	ck_assert_str_eq(code_lookup(SMTP_CODE_EOF)->source, "local");
}
END_TEST

START_TEST(test_table_walk)
{
	size_t n = code_table_count();
	ck_assert_uint_ge(n, sizeof rfc821_codes / sizeof rfc821_codes[0]
	    + sizeof other_codes / sizeof other_codes[0]);
	ck_assert_ptr_null(code_table_at(n));
	for (size_t i = 0; i < n; i++) {
		const struct code_info *ci = code_table_at(i);
		ck_assert_ptr_nonnull(ci);
		ck_assert_msg(ci->code >= 100 && ci->code <= 699, "row %zu: code %d",
		    i, ci->code);
		ck_assert_msg(ci->text != NULL && ci->text[0] != '\0',
		    "%d: no text", ci->code);
		ck_assert_msg(ci->source != NULL && ci->source[0] != '\0',
		    "%d: no source", ci->code);
		ck_assert_msg(ci->note == NULL || ci->note[0] != '\0',
		    "%d: empty note (use NULL)", ci->code);
		ck_assert_msg(strchr(ci->text, '\n') == NULL, "%d: multi-line text",
		    ci->code);
		if (i > 0)
			ck_assert_msg(code_table_at(i - 1)->code < ci->code,
			    "rows %zu/%zu not strictly sorted (%d, %d): duplicate or "
			    "out of order", i - 1, i, code_table_at(i - 1)->code, ci->code);
		ck_assert_msg(code_lookup(ci->code) == ci, "%d: not findable", ci->code);
		ck_assert_msg(code_class_meaning(ci->code) != NULL, "%d: no class",
		    ci->code);
	}
}
END_TEST

struct digit_case {
	int code;
	const char *cls;   /* NULL: none */
	const char *cat;   /* NULL: none */
};

static const struct digit_case digit_cases[] = {
	{ 199, "Positive Preliminary reply", NULL },
	{ 130, "Positive Preliminary reply", "Unspecified as yet" },
	{ 250, "Positive Completion reply", "Mail system" },
	{ 214, "Positive Completion reply", "Information" },
	{ 221, "Positive Completion reply", "Connections" },
	{ 334, "Positive Intermediate reply", "Unspecified as yet" },
	{ 354, "Positive Intermediate reply", "Mail system" },
	{ 421, "Transient Negative Completion reply", "Connections" },
	{ 432, "Transient Negative Completion reply", "Unspecified as yet" },
	{ 500, "Permanent Negative Completion reply", "Syntax" },
	{ 511, "Permanent Negative Completion reply", "Information" },
	{ 470, "Transient Negative Completion reply", NULL },
	{ 299, "Positive Completion reply", NULL },
	{ 600, "local (smtpsh) condition", NULL },
	{ 621, "local (smtpsh) condition", NULL },
	{ 99, NULL, NULL },
	{ 0, NULL, NULL },
	{ 700, NULL, NULL },
	{ -250, NULL, NULL },
};

START_TEST(test_digit_meanings)
{
	const struct digit_case *c = &digit_cases[_i];
	const char *cls = code_class_meaning(c->code);
	const char *cat = code_category_meaning(c->code);
	if (c->cls == NULL)
		ck_assert_msg(cls == NULL, "%d: class got \"%s\" want none", c->code, cls);
	else
		ck_assert_msg(cls != NULL && strcmp(cls, c->cls) == 0,
		    "%d: class got \"%s\" want \"%s\"", c->code, cls ? cls : "(null)", c->cls);
	if (c->cat == NULL)
		ck_assert_msg(cat == NULL, "%d: category got \"%s\" want none", c->code, cat);
	else
		ck_assert_msg(cat != NULL && strcmp(cat, c->cat) == 0,
		    "%d: category got \"%s\" want \"%s\"", c->code, cat ? cat : "(null)", c->cat);
}
END_TEST

struct explain_case {
	int code;
	const char *want;
};

static const struct explain_case explain_cases[] = {
	{ 250, "Requested mail action okay, completed" },
	{ 554, "Transaction failed" },
	{ 600, "Server reply could not be parsed" },
	{ 621, "Premature EOF while reading server reply" },
	{ 299, "Positive Completion reply" },
	{ 470, "Transient Negative Completion reply" },
	{ 459, "Transient Negative Completion reply (Mail system)" },
	{ 509, "Permanent Negative Completion reply (Syntax)" },
	{ 222, "Positive Completion reply (Connections)" },
	{ 130, "Positive Preliminary reply (Unspecified as yet)" },
	{ 699, "local (smtpsh) condition" },
	{ 99, "Not an SMTP reply code (99)" },
	{ 1000, "Not an SMTP reply code (1000)" },
};

START_TEST(test_explain)
{
	const struct explain_case *c = &explain_cases[_i];
	char buf[256];
	size_t n = code_explain(c->code, buf, sizeof buf);
	ck_assert_msg(strcmp(buf, c->want) == 0, "%d: got \"%s\" want \"%s\"",
	    c->code, buf, c->want);
	ck_assert_uint_eq(n, strlen(c->want));
}
END_TEST

START_TEST(test_explain_truncates_like_snprintf)
{
	char buf[8];
	size_t n = code_explain(250, buf, sizeof buf);
	ck_assert_uint_eq(n, strlen("Requested mail action okay, completed"));
	ck_assert_str_eq(buf, "Request");
	ck_assert_uint_eq(code_explain(470, NULL, 0),
	    strlen("Transient Negative Completion reply"));
}
END_TEST

/* Issue 9: meanings that depend on the command, as RFC 3207, RFC 4954,
 * RFC 821 3.3 and RFC 5321 3.1 give them. */
static const struct context_row {
	int code;
	int context;
	const char *want;        /* a phrase the meaning must hold */
	const char *not_want;    /* one it must not, or NULL */
} context_rows[] = {
	{ 220, VERB_STARTTLS, "Ready to start TLS", "Service ready" },
	{ 220, CODE_CTX_GREETING, "Service ready", "TLS" },
	{ 220, CODE_CTX_ANY, "Service ready", NULL },
	{ 454, VERB_STARTTLS, "TLS not available", "uthentication" },
	{ 454, VERB_AUTH, "Temporary authentication failure", "TLS" },
	{ 501, VERB_STARTTLS, "no parameters allowed", NULL },
	{ 501, VERB_MAIL, "Syntax error in parameters or arguments", "no parameters" },
	{ 334, VERB_AUTH, "Server challenge", NULL },
	{ 334, VERB_NOOP, "Positive Intermediate reply", "challenge" },
	{ 334, CODE_CTX_GREETING, "Positive Intermediate reply", "challenge" },
	{ 235, VERB_AUTH, "Authentication succeeded", NULL },
	{ 235, VERB_HELO, "Positive Completion reply", "Authentication" },
	{ 553, VERB_VRFY, "User ambiguous", NULL },
	{ 553, VERB_RCPT, "mailbox name not allowed", "ambiguous" },
	{ 554, CODE_CTX_GREETING, "No SMTP service here", NULL },
	{ 554, VERB_DATA, "Transaction failed", "No SMTP service" },
	{ 503, VERB_AUTH, "already authenticated", NULL },
	{ 504, VERB_AUTH, "Unrecognized authentication type", NULL },
	{ 504, VERB_HELP, "Command parameter not implemented", "authentication" },
};

START_TEST(test_meaning_in_context)
{
	const struct context_row *row = &context_rows[_i];
	char buf[256];
	const char *src = NULL;
	code_explain_in(row->code, row->context, NULL, buf, sizeof buf, &src);
	ck_assert_msg(strstr(buf, row->want) != NULL, "%d in context %d: \"%s\" lacks \"%s\"",
	    row->code, row->context, buf, row->want);
	if (row->not_want != NULL)
		ck_assert_msg(strstr(buf, row->not_want) == NULL, "%d in context %d: \"%s\" has \"%s\"",
		    row->code, row->context, buf, row->not_want);
}
END_TEST

/* Every per-context row is reachable and names its RFC (XCLIENT's: the
 * Postfix document that defines it). */
START_TEST(test_context_table_walk)
{
	ck_assert_uint_gt(code_context_count(), 0);
	for (size_t i = 0; i < code_context_count(); i++) {
		const struct code_context_info *c = code_context_at(i);
		char buf[256];
		const char *src = NULL;
		code_explain_in(c->code, c->context, NULL, buf, sizeof buf, &src);
		ck_assert_str_eq(buf, c->text);
		ck_assert_ptr_nonnull(src);
		ck_assert_msg(strncmp(src, "RFC ", 4) == 0 ||
		    (c->context == VERB_XCLIENT && strcmp(src, "Postfix XCLIENT_README") == 0),
		    "source %s", src);
	}
	ck_assert_ptr_null(code_context_at(code_context_count()));
}
END_TEST

START_TEST(test_unknown_not_in_table)
{
	ck_assert_ptr_null(code_lookup(299));
	ck_assert_ptr_null(code_lookup(470));
	ck_assert_ptr_null(code_meaning(0));
	ck_assert_ptr_null(code_meaning(-1));
}
END_TEST

static Suite *codes_suite(void)
{
	Suite *s = suite_create("codes");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_rfc821_codes, 0,
	    (int)(sizeof rfc821_codes / sizeof rfc821_codes[0]));
	tcase_add_loop_test(tc, test_other_codes, 0,
	    (int)(sizeof other_codes / sizeof other_codes[0]));
	tcase_add_test(tc, test_local_codes_match_reply_h);
	tcase_add_test(tc, test_table_walk);
	tcase_add_loop_test(tc, test_digit_meanings, 0,
	    (int)(sizeof digit_cases / sizeof digit_cases[0]));
	tcase_add_loop_test(tc, test_explain, 0,
	    (int)(sizeof explain_cases / sizeof explain_cases[0]));
	tcase_add_test(tc, test_explain_truncates_like_snprintf);
	tcase_add_test(tc, test_unknown_not_in_table);
	tcase_add_loop_test(tc, test_meaning_in_context, 0,
	    (int)(sizeof context_rows / sizeof context_rows[0]));
	tcase_add_test(tc, test_context_table_walk);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(codes_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
