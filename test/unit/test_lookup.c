/*
 * test_lookup.c - the lookup verdicts (lookup_verdict.c): every reply a
 * server gives to VRFY, EXPN and RCPT, and the verdict, addresses and lines
 * kept for it; the names of methods and verdicts and their parse; the RCPT
 * address made from a name.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "reply.h"

/* Parse one raw reply (CRLF lines). */
static void parse_reply(const char *raw, struct smtp_reply *out)
{
	struct reply_parser p;
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	size_t used = 0;
	smtp_reply_init(out);
	ck_assert_int_eq(reply_parser_feed(&p, raw, strlen(raw), &used, out), REPLY_COMPLETE);
	reply_parser_free(&p);
}

struct verdict_row {
	const char *label;
	enum lookup_method method;
	const char *raw;
	bool catch_all;
	enum lookup_verdict want;
	const char *addr0;            /* first address, or NULL for none */
	size_t naddr;
};

static const struct verdict_row verdict_rows[] = {
	{ "vrfy 250", LOOKUP_VRFY, "250 Alice Example <alice@demo.test>\r\n", false,
	  LOOKUP_EXISTS, "alice@demo.test", 1 },
	{ "vrfy 250 bare address", LOOKUP_VRFY, "250 2.1.5 alice@demo.test\r\n", false,
	  LOOKUP_EXISTS, "alice@demo.test", 1 },
	{ "vrfy 251 forward", LOOKUP_VRFY, "251 User not local; will forward to <dave@new.example>\r\n",
	  false, LOOKUP_EXISTS, "dave@new.example", 1 },
	{ "vrfy 551 elsewhere", LOOKUP_VRFY, "551 User not local; please try <erin@elsewhere.example>\r\n",
	  false, LOOKUP_UNKNOWN, "erin@elsewhere.example", 1 },
	{ "vrfy 553 ambiguous", LOOKUP_VRFY, "553-User ambiguous; possibilities are\r\n"
	  "553-John Smith <jsmith@demo.test>\r\n553 Mary Smith <msmith@demo.test>\r\n", false,
	  LOOKUP_AMBIGUOUS, "jsmith@demo.test", 2 },
	{ "vrfy 553 one line says ambiguous", LOOKUP_VRFY, "553 5.1.4 smith is ambiguous\r\n", false,
	  LOOKUP_AMBIGUOUS, NULL, 0 },
	{ "vrfy 550", LOOKUP_VRFY, "550 5.1.1 <nobody@x>: Recipient address rejected\r\n", false,
	  LOOKUP_UNKNOWN, NULL, 0 },
	{ "vrfy 252 postfix", LOOKUP_VRFY, "252 2.0.0 alice@postfix.test\r\n", false,
	  LOOKUP_CANNOT_VERIFY, NULL, 0 },
	{ "vrfy 252 catch-all stays", LOOKUP_VRFY, "252 Cannot VRFY user\r\n", true,
	  LOOKUP_CANNOT_VERIFY, NULL, 0 },
	{ "vrfy 502 not implemented", LOOKUP_VRFY, "502 5.5.1 VRFY disabled\r\n", false,
	  LOOKUP_CANNOT_VERIFY, NULL, 0 },
	{ "vrfy 550 5.7.1 policy", LOOKUP_VRFY, "550 5.7.1 Access denied\r\n", false,
	  LOOKUP_REJECTED, NULL, 0 },
	{ "vrfy 554", LOOKUP_VRFY, "554 Too many nonmail commands\r\n", false,
	  LOOKUP_REJECTED, NULL, 0 },
	{ "vrfy 450", LOOKUP_VRFY, "450 4.2.1 busy\r\n", false, LOOKUP_TEMPORARY, NULL, 0 },
	{ "vrfy 600 malformed", LOOKUP_VRFY, "2x0 what\r\n", false, LOOKUP_UNTESTED, NULL, 0 },
	{ "expn 250 list", LOOKUP_EXPN, "250-Alice <alice@d.test>\r\n250 Bob <bob@d.test>\r\n", false,
	  LOOKUP_EXISTS, "alice@d.test", 2 },
	{ "expn 500", LOOKUP_EXPN, "500 5.5.2 command not recognized\r\n", false,
	  LOOKUP_CANNOT_VERIFY, NULL, 0 },
	{ "rcpt 250", LOOKUP_RCPT, "250 2.1.5 Ok\r\n", false, LOOKUP_EXISTS, NULL, 0 },
	{ "rcpt 250 catch-all", LOOKUP_RCPT, "250 2.1.5 Ok\r\n", true, LOOKUP_ACCEPTED, NULL, 0 },
	{ "rcpt 251 catch-all", LOOKUP_RCPT, "251 will forward to <a@b.test>\r\n", true,
	  LOOKUP_ACCEPTED, "a@b.test", 1 },
	{ "rcpt 550 5.1.1", LOOKUP_RCPT, "550 5.1.1 <x@y>: User unknown\r\n", false,
	  LOOKUP_UNKNOWN, NULL, 0 },
	{ "rcpt 553 syntax", LOOKUP_RCPT, "553 5.1.3 bad address syntax\r\n", false,
	  LOOKUP_UNKNOWN, NULL, 0 },
	{ "rcpt 501 syntax", LOOKUP_RCPT, "501 5.1.3 Bad recipient address syntax\r\n", false,
	  LOOKUP_UNKNOWN, NULL, 0 },
	{ "rcpt 554 relay", LOOKUP_RCPT, "554 5.7.1 <x@y>: Relay access denied\r\n", false,
	  LOOKUP_REJECTED, NULL, 0 },
	{ "rcpt 550 no enhanced", LOOKUP_RCPT, "550 no such user\r\n", false,
	  LOOKUP_UNKNOWN, NULL, 0 },
	{ "rcpt 452", LOOKUP_RCPT, "452 4.5.3 Too many recipients\r\n", false,
	  LOOKUP_TEMPORARY, NULL, 0 },
	{ "rcpt 503", LOOKUP_RCPT, "503 5.5.1 need MAIL\r\n", false, LOOKUP_REJECTED, NULL, 0 },
};

START_TEST(test_verdicts)
{
	const struct verdict_row *row = &verdict_rows[_i];
	struct smtp_reply r;
	parse_reply(row->raw, &r);
	struct lookup_result res;
	memset(&res, 0, sizeof res);
	enum lookup_verdict got = lookup_classify(row->method, &r, row->catch_all, &res);
	ck_assert_msg(got == row->want, "%s: got %s, want %s", row->label,
	    lookup_verdict_name(got), lookup_verdict_name(row->want));
	ck_assert_msg(res.verdict == got, "%s: result verdict differs", row->label);
	ck_assert_int_eq(res.code, r.code);
	ck_assert_msg(res.naddresses == row->naddr, "%s: %zu addresses, want %zu", row->label,
	    res.naddresses, row->naddr);
	if (row->addr0 != NULL)
		ck_assert_msg(strcmp(res.addresses[0].text, row->addr0) == 0, "%s: address %s, want %s",
		    row->label, res.addresses[0].text, row->addr0);
	ck_assert_uint_eq(res.nlines, r.nlines);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_lines_and_enhanced_kept)
{
	struct smtp_reply r;
	parse_reply("550-5.1.1 first\r\n550 5.1.1 second\r\n", &r);
	struct lookup_result res;
	memset(&res, 0, sizeof res);
	(void)lookup_classify(LOOKUP_RCPT, &r, false, &res);
	ck_assert_str_eq(res.enhanced, "5.1.1");
	ck_assert_uint_eq(res.nlines, 2);
	ck_assert_uint_eq(res.lines[1].len, strlen(r.lines[1].text));
	ck_assert_mem_eq(res.lines[1].text, r.lines[1].text, res.lines[1].len);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_many_lines_bounded)
{
	char raw[8192] = "";
	for (int i = 0; i < 40; i++)
		strcat(raw, i < 39 ? "250-Someone <a@b.test>\r\n" : "250 Last <z@b.test>\r\n");
	struct smtp_reply r;
	parse_reply(raw, &r);
	struct lookup_result res;
	memset(&res, 0, sizeof res);
	(void)lookup_classify(LOOKUP_EXPN, &r, false, &res);
	ck_assert_uint_eq(res.nlines, LOOKUP_LINES_KEEP);
	ck_assert_uint_eq(res.lines_dropped, 40 - LOOKUP_LINES_KEEP);
	ck_assert_uint_eq(res.naddresses, LOOKUP_ADDRESSES_MAX);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_long_line_cut)
{
	char raw[2048] = "250 ";
	memset(raw + 4, 'x', 1000);
	strcpy(raw + 1004, "\r\n");
	struct smtp_reply r;
	parse_reply(raw, &r);
	struct lookup_result res;
	memset(&res, 0, sizeof res);
	(void)lookup_classify(LOOKUP_VRFY, &r, false, &res);
	ck_assert_uint_eq(res.lines[0].len, LOOKUP_LINE_KEEP - 1);
	ck_assert_int_eq(res.lines[0].text[LOOKUP_LINE_KEEP - 1], '\0');
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_names)
{
	const char *verdicts[] = { "exists", "ambiguous", "unknown", "cannot-verify", "accepted",
	    "rejected", "temporary", "untested" };
	ck_assert_uint_eq(sizeof verdicts / sizeof verdicts[0], LOOKUP_VERDICT__COUNT);
	for (int v = 0; v < LOOKUP_VERDICT__COUNT; v++) {
		ck_assert_str_eq(lookup_verdict_name((enum lookup_verdict)v), verdicts[v]);
		enum lookup_verdict back;
		ck_assert(lookup_verdict_parse(verdicts[v], strlen(verdicts[v]), &back));
		ck_assert_int_eq(back, v);
		ck_assert_msg(strlen(lookup_verdict_meaning((enum lookup_verdict)v)) > 20,
		    "%s: no meaning", verdicts[v]);
	}
	enum lookup_verdict vd;
	ck_assert(!lookup_verdict_parse("exist", 5, &vd));
	const char *methods[] = { "auto", "vrfy", "expn", "rcpt" };
	for (int m = 0; m < LOOKUP_METHOD__COUNT; m++) {
		ck_assert_str_eq(lookup_method_name((enum lookup_method)m), methods[m]);
		enum lookup_method back;
		ck_assert(lookup_method_parse(methods[m], &back));
		ck_assert_int_eq(back, m);
	}
	enum lookup_method m;
	ck_assert(!lookup_method_parse("smtp", &m));
	ck_assert(lookup_method_parse("VRFY", &m) && m == LOOKUP_VRFY);
}
END_TEST

struct addr_row {
	const char *name, *domain, *want;
};

static const struct addr_row addr_rows[] = {
	{ "alice", "example.org", "alice@example.org" },
	{ "alice", NULL, "alice" },
	{ "alice@other.org", "example.org", "alice@other.org" },
	{ "<bob@x.org>", "example.org", "bob@x.org" },
	{ "<bob>", "example.org", "bob@example.org" },
	{ "postmaster", "", "postmaster" },
};

START_TEST(test_rcpt_address)
{
	const struct addr_row *row = &addr_rows[_i];
	char out[LOOKUP_NAME_MAX * 2];
	ck_assert(lookup_rcpt_address(row->name, row->domain, out, sizeof out));
	ck_assert_str_eq(out, row->want);
}
END_TEST

START_TEST(test_rcpt_address_too_long)
{
	char out[16];
	ck_assert(!lookup_rcpt_address("a-rather-long-name", "example.org", out, sizeof out));
}
END_TEST

struct domain_row {
	const char *raw;
	bool wants;
};

/* A 501 asking for a domain is no answer about the name (Exim). */
static const struct domain_row domain_rows[] = {
	{ "501 5.5.2 VRFY argument must contain a domain\r\n", true },
	{ "501 recipient address must contain a domain\r\n", true },
	{ "501 <alice>: domain missing or malformed\r\n", true },
	{ "501 5.1.3 Bad recipient address syntax\r\n", false },
	{ "550 5.1.1 <alice@domain.test>: unknown\r\n", false },
	{ "553 5.1.2 domain not found\r\n", false },
};

START_TEST(test_wants_domain)
{
	const struct domain_row *row = &domain_rows[_i];
	struct smtp_reply r;
	parse_reply(row->raw, &r);
	ck_assert_msg(lookup_wants_domain(&r) == row->wants, "%s", row->raw);
	smtp_reply_free(&r);
}
END_TEST

static Suite *lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc = tcase_create("verdicts");
	tcase_add_loop_test(tc, test_verdicts, 0,
	    (int)(sizeof verdict_rows / sizeof verdict_rows[0]));
	tcase_add_test(tc, test_lines_and_enhanced_kept);
	tcase_add_test(tc, test_many_lines_bounded);
	tcase_add_test(tc, test_long_line_cut);
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_rcpt_address, 0, (int)(sizeof addr_rows / sizeof addr_rows[0]));
	tcase_add_test(tc, test_rcpt_address_too_long);
	tcase_add_loop_test(tc, test_wants_domain, 0, (int)(sizeof domain_rows / sizeof domain_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lookup_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
