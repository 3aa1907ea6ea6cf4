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
	struct json_reply_info info = { .origin = "command", .stage = "rcpt",
	    .command = "RCPT TO:<alice>", .command_len = 15, .reply = &r,
	    .verdict = VERDICT_SUCCESS, .elapsed_ms = 1.5, .state = "rcpt" };
	ck_assert_int_eq(json_reply_record(&sb, &info), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&sb),
	    "{\"type\":\"reply\",\"origin\":\"command\",\"stage\":\"rcpt\","
	    "\"command\":\"RCPT TO:<alice>\",\"code\":250,\"lines\":[\"2.1.5 alice ok\"],"
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
	struct json_reply_info info = { .origin = "greeting", .stage = "greeting", .reply = &r,
	    .verdict = VERDICT_SUCCESS };
	ck_assert_int_eq(json_reply_record(&sb, &info), SMTP_OK);
	const char *s = strbuf_str(&sb);
	ck_assert_ptr_nonnull(strstr(s, "\"origin\":\"greeting\""));
	ck_assert_ptr_nonnull(strstr(s, "\"command\":null,\"code\":220,"));
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
	struct json_reply_info info = { .command = "NOOP", .command_len = 4, .reply = &r,
	    .verdict = VERDICT_ERROR };
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

/* A reply bigger than the budget is still one valid record: the lines that
 * fit, and how many were left out. */
START_TEST(test_budget_cuts_lines_not_the_record)
{
	struct smtp_reply r;
	smtp_reply_init(&r);
	r.code = 250;
	r.nlines = 300;
	r.lines = calloc(r.nlines, sizeof *r.lines);
	char *text = malloc(4001);
	memset(text, '\x1b', 4000);              /* escapes to 6 bytes each */
	text[4000] = '\0';
	for (size_t i = 0; i < r.nlines; i++) {
		r.lines[i].text = strdup(text);
		r.lines[i].len = 4000;
		r.lines[i].code = 250;
	}
	struct strbuf sb;
	strbuf_init(&sb, 2u << 20);
	struct json_reply_info info = { .command = "EHLO x", .command_len = 6, .reply = &r,
	    .verdict = VERDICT_SUCCESS, .lines_budget = 1u << 20 };
	ck_assert_int_eq(json_reply_record(&sb, &info), SMTP_OK);
	const char *s = strbuf_str(&sb);
	ck_assert(sb.len > 0 && sb.len < (2u << 20));
	ck_assert(s[sb.len - 2] == '}' && s[sb.len - 1] == '\n');
	const char *om = strstr(s, "\"lines_omitted\":");
	ck_assert_ptr_nonnull(om);
	long omitted = strtol(om + 16, NULL, 10);
	ck_assert_int_gt(omitted, 0);
	ck_assert_int_lt(omitted, 300);
	free(text);
	smtp_reply_free(&r);
	strbuf_free(&sb);
}
END_TEST

/* json_valid_object: whole objects only, so a record cut by a killed run
 * is never copied into a --resume's output. */
START_TEST(test_valid_object)
{
	static const char *const good[] = {
		"{}", " {\"a\":1} ",
		("{\"type\":\"lookup\",\"name\":\"al\\u00e9\\n\",\"n\":-1.5e3,"
		 "\"l\":[true,false,null,{\"x\":[]}]}\n"),
	};
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\":1", "{\"a\":1}}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":tru}",
		"{\"a\":\"x}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}", "{\"a\":[1,]}", "{,}",
		"{\"a\":1}{\"b\":2}", "{\"a\":\"\x01\"}",
		"{\"type\":\"lookup\",\"name\":\"alice\",\"verdict\":\"exists\"",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(json_valid_object(good[i], strlen(good[i])), "refused: %s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!json_valid_object(bad[i], strlen(bad[i])), "accepted: %s", bad[i]);
	char deep[200];
	memset(deep, '[', sizeof deep);
	deep[0] = '{';
	ck_assert(!json_valid_object(deep, sizeof deep));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_banner_hostile);
	tcase_add_test(tc, test_local_codes_and_limit);
	tcase_add_test(tc, test_budget_cuts_lines_not_the_record);
	tcase_add_test(tc, test_valid_object);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
