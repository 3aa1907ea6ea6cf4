/*
 * test_ehlo.c - EHLO extension parsing through the real reply reader:
 * keywords upper-cased, parameters kept, malformed keywords dropped
 * (RP-11: STARTTLSX is not STARTTLS), bounded storage.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ehlo.h"
#include "reply.h"
#include "strbuf.h"

static void parse_reply(const char *wire, struct smtp_reply *out)
{
	struct reply_parser p;
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	size_t used = 0;
	smtp_reply_init(out);
	ck_assert_int_eq(reply_parser_feed(&p, wire, strlen(wire), &used, out), REPLY_COMPLETE);
	reply_parser_free(&p);
}

START_TEST(test_typical)
{
	struct smtp_reply r;
	parse_reply("250-mx.example.org Hello\r\n250-SIZE 52428800\r\n250-8bitmime\r\n"
	    "250-AUTH PLAIN LOGIN\r\n250-STARTTLSX\r\n250-AUTH=LOGIN\r\n"
	    "250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n", &r);
	struct ehlo_set set;
	ehlo_set_parse(&set, &r);
	ck_assert(set.valid);
	ck_assert_uint_eq(set.count, 6);
	ck_assert_uint_eq(set.dropped, 1);   /* AUTH=LOGIN */
	const struct ehlo_ext *e = ehlo_find(&set, "size");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e->params, "52428800");
	ck_assert_ptr_nonnull(ehlo_find(&set, "8BITMIME"));
	ck_assert_str_eq(ehlo_find(&set, "AUTH")->params, "PLAIN LOGIN");
	ck_assert_ptr_null(ehlo_find(&set, "STARTTLS"));
	ck_assert_ptr_nonnull(ehlo_find(&set, "STARTTLSX"));
	ck_assert_str_eq(ehlo_find(&set, "PIPELINING")->params, "");
	ck_assert_ptr_nonnull(ehlo_keyword_meaning("starttls"));
	ck_assert_ptr_nonnull(ehlo_keyword_meaning("SIZE"));
	ck_assert_ptr_null(ehlo_keyword_meaning("STARTTLSX"));
	smtp_reply_free(&r);
}
END_TEST

struct domain_row {
	const char *wire, *want;
};

/* The first line's Domain is kept only when it is a host name: it may go
 * into a command (a lookup's name@domain). */
static const struct domain_row domain_rows[] = {
	{ "250-mx.example.org Hello\r\n250 SIZE 10\r\n", "mx.example.org" },
	{ "250 fake.test\r\n", "fake.test" },
	{ "250-[192.0.2.1] hi\r\n250 SIZE 10\r\n", "" },
	{ "250-bad<name>.org\r\n250 SIZE 10\r\n", "" },
	{ "250-a\rb.org\r\n250 SIZE 10\r\n", "" },
	{ "250--lead.org\r\n250 SIZE 10\r\n", "" },
};

START_TEST(test_domain)
{
	const struct domain_row *row = &domain_rows[_i];
	struct smtp_reply r;
	parse_reply(row->wire, &r);
	struct ehlo_set set;
	ehlo_set_parse(&set, &r);
	ck_assert_msg(strcmp(set.domain, row->want) == 0, "%s: got \"%s\", want \"%s\"", row->wire,
	    set.domain, row->want);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_not_250)
{
	struct smtp_reply r;
	parse_reply("502-nope\r\n502 SIZE 10\r\n", &r);
	struct ehlo_set set;
	ehlo_set_parse(&set, &r);
	ck_assert(!set.valid);
	ck_assert_uint_eq(set.count, 0);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_bounds)
{
	struct strbuf sb;
	strbuf_init(&sb, 1 << 20);
	strbuf_appendf(&sb, "250-hi\r\n");
	for (int i = 0; i < EHLO_MAX_EXT + 5; i++)
		strbuf_appendf(&sb, "250-X%d\r\n", i);
	strbuf_appendf(&sb, "250-LONG ");
	for (int i = 0; i < EHLO_PARAMS_MAX + 50; i++)
		strbuf_appendc(&sb, 'p');
	strbuf_appendf(&sb, "\r\n250-CTRL a\x1b[31mb\r\n250 END\r\n");
	struct smtp_reply r;
	parse_reply(strbuf_str(&sb), &r);
	struct ehlo_set set;
	ehlo_set_parse(&set, &r);
	ck_assert_uint_eq(set.count, EHLO_MAX_EXT);
	ck_assert_uint_eq(set.dropped, 8);     /* 5 X's + LONG + CTRL + END */
	smtp_reply_free(&r);

	strbuf_reset(&sb);
	strbuf_appendf(&sb, "250-hi\r\n250-LONG ");
	for (int i = 0; i < EHLO_PARAMS_MAX + 50; i++)
		strbuf_appendc(&sb, 'p');
	strbuf_appendf(&sb, "\r\n250 CTRL a\x1b[31mb\r\n");
	parse_reply(strbuf_str(&sb), &r);
	ehlo_set_parse(&set, &r);
	const struct ehlo_ext *e = ehlo_find(&set, "LONG");
	ck_assert(e->params_cut);
	ck_assert_uint_eq(strlen(e->params), EHLO_PARAMS_MAX);
	ck_assert_str_eq(ehlo_find(&set, "CTRL")->params, "a?[31mb");
	smtp_reply_free(&r);
	strbuf_free(&sb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ehlo");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_typical);
	tcase_add_test(tc, test_not_250);
	tcase_add_loop_test(tc, test_domain, 0, (int)(sizeof domain_rows / sizeof domain_rows[0]));
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
