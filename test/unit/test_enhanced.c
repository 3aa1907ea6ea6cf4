/*
 * test_enhanced.c - RFC 3463 enhanced status codes: parsing (syntax and
 * bounds), the class/subject/detail tables (every RFC 3463 code and the
 * RFC 5248-registry additions), and the one-line explanation.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "enhanced.h"

#define S(x) x, sizeof(x) - 1

struct parse_case {
	const char *name;
	const char *in;
	size_t len;
	int ok;
	int cls, subject, detail;
	size_t consumed;
};

static const struct parse_case parse_cases[] = {
	{ "5.1.1", S("5.1.1"), 1, 5, 1, 1, 5 },
	{ "4.7.0 with text", S("4.7.0 Temporary authentication failure"), 1, 4, 7, 0, 5 },
	{ "2.0.0 with tab", S("2.0.0\tOk"), 1, 2, 0, 0, 5 },
	{ "5.7.26", S("5.7.26 Multiple authentication checks failed"), 1, 5, 7, 26, 6 },
	{ "three digits", S("5.999.999"), 1, 5, 999, 999, 9 },
	{ "leading zero", S("5.01.1"), 1, 5, 1, 1, 6 },
	{ "length bounds the parse", "5.1.12", 5, 1, 5, 1, 1, 5 },
	{ "5.1", S("5.1"), 0, 0, 0, 0, 0 },
	{ "5.1 text", S("5.1 no"), 0, 0, 0, 0, 0 },
	{ "6.1.1", S("6.1.1"), 0, 0, 0, 0, 0 },
	{ "3.1.1", S("3.1.1"), 0, 0, 0, 0, 0 },
	{ "9.9.9", S("9.9.9 x"), 0, 0, 0, 0, 0 },
	{ "5.1.1000", S("5.1.1000"), 0, 0, 0, 0, 0 },
	{ "5.1000.1", S("5.1000.1"), 0, 0, 0, 0, 0 },
	{ "5.01.1x", S("5.01.1x"), 0, 0, 0, 0, 0 },
	{ "5.1.1x", S("5.1.1x"), 0, 0, 0, 0, 0 },
	{ "5.1.1.", S("5.1.1."), 0, 0, 0, 0, 0 },
	{ "5..1", S("5..1"), 0, 0, 0, 0, 0 },
	{ "5.1.", S("5.1. x"), 0, 0, 0, 0, 0 },
	{ ".1.1", S(".1.1"), 0, 0, 0, 0, 0 },
	{ "55.1.1", S("55.1.1"), 0, 0, 0, 0, 0 },
	{ "5-1-1", S("5-1-1"), 0, 0, 0, 0, 0 },
	{ "empty", S(""), 0, 0, 0, 0, 0 },
	{ "leading space", S(" 5.1.1"), 0, 0, 0, 0, 0 },
	{ "signed", S("5.+1.1"), 0, 0, 0, 0, 0 },
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	/* exact-size heap copy: an overread past len is an ASan error */
	char *buf = malloc(c->len ? c->len : 1);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, c->in, c->len);
	struct enhanced_code ec = { -1, -1, -1 };
	size_t used = 999;
	bool ok = enhanced_parse(buf, c->len, &ec, &used);
	ck_assert_msg(ok == (c->ok != 0), "%s: parse got %d want %d", c->name, ok, c->ok);
	if (ok) {
		ck_assert_msg(ec.cls == c->cls && ec.subject == c->subject &&
		    ec.detail == c->detail, "%s: got %d.%d.%d want %d.%d.%d", c->name,
		    ec.cls, ec.subject, ec.detail, c->cls, c->subject, c->detail);
		ck_assert_msg(used == c->consumed, "%s: consumed got %zu want %zu",
		    c->name, used, c->consumed);
	}
	free(buf);
}
END_TEST

struct explain_case {
	struct enhanced_code code;
	const char *detail;     /* NULL: not registered */
	const char *explain;
};

static const struct explain_case explain_cases[] = {
	{ { 5, 1, 1 }, "Bad destination mailbox address",
	  "5.1.1 Permanent Failure: Addressing Status: Bad destination mailbox address" },
	{ { 4, 7, 0 }, "Other or undefined security status",
	  "4.7.0 Persistent Transient Failure: Security or Policy Status: Other or "
	  "undefined security status" },
	{ { 2, 0, 0 }, "Other undefined Status",
	  "2.0.0 Success: Other or Undefined Status: Other undefined Status" },
	{ { 5, 7, 26 }, "Multiple authentication checks failed",
	  "5.7.26 Permanent Failure: Security or Policy Status: Multiple "
	  "authentication checks failed" },
	{ { 2, 1, 5 }, "Destination address valid",
	  "2.1.5 Success: Addressing Status: Destination address valid" },
	{ { 4, 2, 2 }, "Mailbox full",
	  "4.2.2 Persistent Transient Failure: Mailbox Status: Mailbox full" },
	{ { 5, 5, 6 }, "Authentication Exchange line is too long",
	  "5.5.6 Permanent Failure: Mail Delivery Protocol Status: Authentication "
	  "Exchange line is too long" },
	{ { 5, 7, 8 }, "Authentication credentials invalid",
	  "5.7.8 Permanent Failure: Security or Policy Status: Authentication "
	  "credentials invalid" },
	{ { 5, 1, 99 }, NULL, "5.1.99 Permanent Failure: Addressing Status" },
	{ { 4, 4, 999 }, NULL,
	  "4.4.999 Persistent Transient Failure: Network and Routing Status" },
	{ { 5, 9, 1 }, NULL, "5.9.1 Permanent Failure: Unregistered subject" },
};

START_TEST(test_explain)
{
	const struct explain_case *c = &explain_cases[_i];
	const char *d = enhanced_detail_meaning(c->code.subject, c->code.detail);
	if (c->detail == NULL)
		ck_assert_msg(d == NULL, "%d.%d: unexpected detail \"%s\"",
		    c->code.subject, c->code.detail, d);
	else
		ck_assert_msg(d != NULL && strcmp(d, c->detail) == 0,
		    "%d.%d: detail got \"%s\" want \"%s\"", c->code.subject,
		    c->code.detail, d ? d : "(null)", c->detail);
	char buf[256];
	size_t n = enhanced_explain(&c->code, buf, sizeof buf);
	ck_assert_msg(strcmp(buf, c->explain) == 0, "got \"%s\" want \"%s\"", buf,
	    c->explain);
	ck_assert_uint_eq(n, strlen(c->explain));
}
END_TEST

START_TEST(test_explain_truncates)
{
	char buf[6];
	struct enhanced_code c = { 5, 1, 1 };
	size_t n = enhanced_explain(&c, buf, sizeof buf);
	ck_assert_str_eq(buf, "5.1.1");
	ck_assert_uint_eq(n, strlen("5.1.1 Permanent Failure: Addressing Status: "
	    "Bad destination mailbox address"));
}
END_TEST

/* Every code RFC 3463 defines has a meaning: X.0.0, X.1.0-8, X.2.0-4,
 * X.3.0-5, X.4.0-7, X.5.0-5, X.6.0-5, X.7.0-7. */
START_TEST(test_rfc3463_complete)
{
	static const int last_detail[8] = { 0, 8, 4, 5, 7, 5, 5, 7 };
	for (int s = 0; s < 8; s++) {
		ck_assert_msg(enhanced_subject_meaning(s) != NULL, "subject %d", s);
		for (int d = 0; d <= last_detail[s]; d++)
			ck_assert_msg(enhanced_detail_meaning(s, d) != NULL,
			    "X.%d.%d has no meaning", s, d);
	}
	ck_assert_ptr_null(enhanced_subject_meaning(8));
	ck_assert_ptr_null(enhanced_subject_meaning(-1));
	ck_assert_str_eq(enhanced_class_meaning(2), "Success");
	ck_assert_str_eq(enhanced_class_meaning(4), "Persistent Transient Failure");
	ck_assert_str_eq(enhanced_class_meaning(5), "Permanent Failure");
	ck_assert_ptr_null(enhanced_class_meaning(3));
	ck_assert_str_eq(enhanced_subject_meaning(1), "Addressing Status");
	ck_assert_str_eq(enhanced_subject_meaning(7), "Security or Policy Status");
}
END_TEST

/* Later registrations (RFC 5248 registry). */
START_TEST(test_registry_additions)
{
	static const struct { int s, d; const char *want; } t[] = {
		{ 1, 10, "Recipient address has null MX" },
		{ 6, 7, "Non-ASCII addresses not permitted for that sender/recipient" },
		{ 7, 10, "Encryption Needed" },
		{ 7, 11, "Encryption required for requested authentication mechanism" },
		{ 7, 12, "A password transition is needed" },
		{ 7, 13, "User Account Disabled" },
		{ 7, 14, "Trust relationship required" },
		{ 7, 20, "No passing DKIM signature found" },
		{ 7, 23, "SPF validation failed" },
		{ 7, 25, "Reverse DNS validation failed" },
		{ 7, 27, "Sender address has null MX" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *got = enhanced_detail_meaning(t[i].s, t[i].d);
		ck_assert_msg(got != NULL && strcmp(got, t[i].want) == 0,
		    "X.%d.%d got \"%s\" want \"%s\"", t[i].s, t[i].d,
		    got ? got : "(null)", t[i].want);
	}
}
END_TEST

/* Issue 9: each enhanced code names the RFC that registered it. */
START_TEST(test_detail_sources)
{
	ck_assert_str_eq(enhanced_detail_source(1, 1), "RFC 3463");
	ck_assert_str_eq(enhanced_detail_source(1, 10), "RFC 7505");
	ck_assert_str_eq(enhanced_detail_source(7, 26), "RFC 7372");
	ck_assert_str_eq(enhanced_detail_source(7, 8), "RFC 4954");
	ck_assert_str_eq(enhanced_detail_source(7, 13), "RFC 5248");
	ck_assert_str_eq(enhanced_detail_source(6, 7), "RFC 6531");
	ck_assert_str_eq(enhanced_detail_source(7, 30), "RFC 8689");
	ck_assert_ptr_null(enhanced_detail_source(7, 28));
	ck_assert_ptr_null(enhanced_detail_source(9, 9));
}
END_TEST

static Suite *enhanced_suite(void)
{
	Suite *s = suite_create("enhanced");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_parse, 0,
	    (int)(sizeof parse_cases / sizeof parse_cases[0]));
	tcase_add_loop_test(tc, test_explain, 0,
	    (int)(sizeof explain_cases / sizeof explain_cases[0]));
	tcase_add_test(tc, test_explain_truncates);
	tcase_add_test(tc, test_rfc3463_complete);
	tcase_add_test(tc, test_registry_additions);
	tcase_add_test(tc, test_detail_sources);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(enhanced_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
