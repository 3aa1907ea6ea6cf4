/*
 * test_json.c - the --json record: exact text for a plain reply, the banner
 * (command null), hostile bytes escaped, flags listed, all-or-nothing at the
 * buffer's maximum.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void parse(const char *wire, size_t len, struct smtp_reply *out)
{
	struct reply_parser p;
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	size_t used;
	smtp_reply_init(out);
	if (reply_parser_feed(&p, wire, len, &used, out) != REPLY_COMPLETE)
		ck_assert(reply_parser_eof(&p, out));
	reply_parser_free(&p);
}

START_TEST(test_plain)
{
	struct smtp_reply r;
	parse("250 2.1.5 alice ok\r\n", 20, &r);
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	struct json_reply_info info = { "RCPT TO:<alice>", 15, &r,
	    VERDICT_SUCCESS, 1.5, "rcpt", NULL };
	ck_assert_int_eq(json_reply_record(&sb, &info), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&sb),
	    "{\"command\":\"RCPT TO:<alice>\",\"code\":250,\"lines\":[\"2.1.5 alice ok\"],"
	    "\"meaning\":\"Requested mail action okay, completed\",\"verdict\":\"success\","
	    "\"enhanced\":\"2.1.5\",\"elapsed_ms\":1.500,\"state\":\"rcpt\"}\n");
	smtp_reply_free(&r);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_banner_hostile)
{
	static const char wire[] = "220-a\x1b]0;pwn\x07\r\n220-\"q\"\\\r\n220 n\0ul \xff\xfe\n";
	struct smtp_reply r;
	parse(wire, sizeof wire - 1, &r);
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	struct json_reply_info info = { NULL, 0, &r, VERDICT_SUCCESS, 0, NULL, NULL };
	ck_assert_int_eq(json_reply_record(&sb, &info), SMTP_OK);
	const char *s = strbuf_str(&sb);
	ck_assert_msg(strncmp(s, "{\"command\":null,\"code\":220,", 27) == 0, "%s", s);
	for (size_t i = 0; i + 1 < sb.len; i++) {
		unsigned char c = (unsigned char)s[i];
		ck_assert_msg(c >= 0x20 && c != 0x7f, "raw control byte 0x%02x at %zu", c, i);
	}
	ck_assert_ptr_nonnull(strstr(s, "\\u001b]0;pwn\\u0007"));
	ck_assert_ptr_nonnull(strstr(s, "\\\"q\\\"\\\\"));
	ck_assert_ptr_nonnull(strstr(s, "n\\u0000ul"));
	ck_assert_ptr_null(strstr(s, "\xff"));
	ck_assert_ptr_nonnull(strstr(s, "\"flags\":[\"bare_lf\",\"nul\"]"));
	ck_assert_ptr_nonnull(strstr(s, "\"enhanced\":null"));
	ck_assert(s[sb.len - 1] == '\n');
	smtp_reply_free(&r);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_local_codes_and_limit)
{
	struct smtp_reply r;
	parse("250-cut off", 11, &r);            /* EOF mid-reply: 621 */
	ck_assert_int_eq(r.code, 621);
	struct strbuf sb;
	strbuf_init(&sb, 40);                   /* too small for the record */
	strbuf_append(&sb, "keep", 4);
	struct json_reply_info info = { "NOOP", 4, &r, VERDICT_ERROR, 0, NULL, NULL };
	ck_assert_int_ne(json_reply_record(&sb, &info), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&sb), "keep");   /* never half a record */
	strbuf_free(&sb);
	strbuf_init(&sb, 4096);
	ck_assert_int_eq(json_reply_record(&sb, &info), SMTP_OK);
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "\"code\":621"));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "\"verdict\":\"error\""));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "\"eof\""));
	smtp_reply_free(&r);
	strbuf_free(&sb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_banner_hostile);
	tcase_add_test(tc, test_local_codes_and_limit);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
