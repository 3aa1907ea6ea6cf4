/*
 * test_render.c - the renderers as a table (render.h): each format is a
 * record in, bytes out.  A reply as text and as JSON; a server's escape
 * sequence never reaches the text; the formats that say nothing (NULL
 * entries) are the ones documented; notes, warnings and errors each in
 * their format; a lookup row as text, JSON and CSV, with a formula
 * neutralised in CSV; the closing summary in JSON only.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static struct output out_text(void)
{
	struct output o;
	memset(&o, 0, sizeof o);
	o.col_ok = o.col_mid = o.col_warn = o.col_bad = "";
	o.col_local = o.col_dim = o.col_off = "";
	return o;
}

static void parse(const char *wire, struct smtp_reply *out)
{
	struct reply_parser p;
	ck_assert_int_eq(reply_parser_init(&p), SMTP_OK);
	size_t used;
	smtp_reply_init(out);
	ck_assert_int_eq(reply_parser_feed(&p, wire, strlen(wire), &used, out), REPLY_COMPLETE);
	reply_parser_free(&p);
}

static void rcpt_reply(struct session_reply *r, const char *wire)
{
	session_reply_init(r);
	parse(wire, &r->reply);
	r->origin = SESSION_REPLY_COMMAND;
	r->verb = verb_by_id(VERB_RCPT);
	snprintf(r->command, sizeof r->command, "RCPT TO:<alice@example.org>");
	r->command_len = strlen(r->command);
	r->verdict = r->reply.code / 100 == 2 ? VERDICT_SUCCESS : VERDICT_FAILURE;
	r->prior = SMTP_ST_MAIL;
	r->state = r->reply.code / 100 == 2 ? SMTP_ST_RCPT : SMTP_ST_MAIL;
}

START_TEST(test_reply_as_text)
{
	struct output o = out_text();
	struct session_reply r;
	rcpt_reply(&r, "550 5.1.1 no such user\r\n");
	struct strbuf sb;
	strbuf_init(&sb, 65536);
	render_text.reply(&o, &r, NULL, &sb);
	const char *t = strbuf_str(&sb);
	ck_assert_ptr_nonnull(strstr(t, "< 550 5.1.1 no such user\n"));
	ck_assert_ptr_nonnull(strstr(t, "= 550 "));
	ck_assert_ptr_nonnull(strstr(t, "failure for RCPT; state: mail"));
	strbuf_free(&sb);
	session_reply_free(&r);
}
END_TEST

START_TEST(test_reply_as_json)
{
	struct output o = out_text();
	o.json = true;
	struct session_reply r;
	rcpt_reply(&r, "250 2.1.5 ok\r\n");
	struct strbuf sb;
	strbuf_init(&sb, 65536);
	render_for(&o)->reply(&o, &r, NULL, &sb);
	const char *t = strbuf_str(&sb);
	ck_assert_msg(strncmp(t, "{\"type\":\"reply\",", 16) == 0, "%s", t);
	ck_assert_ptr_nonnull(strstr(t, "\"code\":250"));
	ck_assert_ptr_nonnull(strstr(t, "\"verdict\":\"success\""));
	ck_assert_ptr_nonnull(strstr(t, "\"command\":\"RCPT TO:<alice@example.org>\""));
	ck_assert_int_eq(t[sb.len - 1], '\n');
	ck_assert_ptr_eq(strchr(t, '\n'), t + sb.len - 1);   /* one line */
	strbuf_free(&sb);
	session_reply_free(&r);
}
END_TEST

START_TEST(test_escape_never_reaches_text)
{
	struct output o = out_text();
	struct session_reply r;
	rcpt_reply(&r, "550 evil \033]0;owned\007 \033[2J\r\n");
	struct strbuf sb;
	strbuf_init(&sb, 65536);
	render_text.reply(&o, &r, NULL, &sb);
	ck_assert_ptr_null(memchr(sb.data, 0x1b, sb.len));
	ck_assert_ptr_null(memchr(sb.data, 0x07, sb.len));
	strbuf_reset(&sb);
	render_text.line(&o, "note", "a \033[31mred\033[0m note", &sb);
	ck_assert_ptr_null(memchr(sb.data, 0x1b, sb.len));
	strbuf_free(&sb);
	session_reply_free(&r);
}
END_TEST

START_TEST(test_formats_that_say_nothing)
{
	/* JSON: no echo of the line sent, no table header, no progress bar;
	 * text: no closing summary; CSV: lookup rows only. */
	ck_assert(render_json.sent == NULL);
	ck_assert(render_json.lookup_header == NULL);
	ck_assert(render_json.progress == NULL);
	ck_assert(render_text.summary == NULL);
	ck_assert(render_csv.lookup != NULL);
	ck_assert(render_csv.lookup_header != NULL);
	ck_assert(render_csv.reply == NULL);
	ck_assert(render_csv.lookup_summary == NULL);
	ck_assert(render_text.person);
	ck_assert(!render_json.person);
	/* Every entry the session's records use is there in text and JSON. */
	ck_assert(render_text.reply != NULL);
	ck_assert(render_json.reply != NULL);
	ck_assert(render_json.summary != NULL);
}
END_TEST

START_TEST(test_notes_warnings_errors)
{
	struct output o = out_text();
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	render_text.line(&o, "note", "hello", &sb);
	ck_assert_str_eq(strbuf_str(&sb), "! hello\n");
	strbuf_reset(&sb);
	render_text.line(&o, "warning", "careful", &sb);
	ck_assert_str_eq(strbuf_str(&sb), "smtpsh: warning: careful\n");
	strbuf_reset(&sb);
	render_json.line(&o, "warning", "careful", &sb);
	ck_assert_str_eq(strbuf_str(&sb), "{\"type\":\"warning\",\"message\":\"careful\"}\n");
	strbuf_reset(&sb);
	struct smtp_error e;
	smtp_error_set(&e, SMTP_ERR_CONNECT, 0, "refused");
	render_json.error(&o, "connect", &e, &sb);
	ck_assert_str_eq(strbuf_str(&sb),
	    "{\"type\":\"error\",\"kind\":\"connect\",\"message\":\"refused\",\"stage\":\"connect\"}\n");
	strbuf_reset(&sb);
	render_text.error(&o, "connect", &e, &sb);
	ck_assert_str_eq(strbuf_str(&sb), "smtpsh: refused\n");
	strbuf_reset(&sb);
	render_json.summary(&o, 5, "rcpt", &sb);
	ck_assert_str_eq(strbuf_str(&sb), "{\"type\":\"summary\",\"status\":5,\"failed_stage\":\"rcpt\"}\n");
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_lookup_row_in_three_formats)
{
	struct output o = out_text();
	struct lookup_result r;
	memset(&r, 0, sizeof r);
	r.name = "=cmd|' /C calc'!A0";
	r.method = LOOKUP_VRFY;
	r.verdict = LOOKUP_EXISTS;
	r.code = 250;
	snprintf(r.enhanced, sizeof r.enhanced, "2.1.5");
	snprintf(r.lines[0].text, sizeof r.lines[0].text, "Alice <alice@example.org>");
	r.lines[0].len = strlen(r.lines[0].text);
	r.nlines = 1;
	struct strbuf sb;
	strbuf_init(&sb, 65536);
	render_csv.lookup(&o, &r, &sb);
	ck_assert_msg(strncmp(strbuf_str(&sb), "'=cmd", 5) == 0 ||
	    strncmp(strbuf_str(&sb), "\"'=cmd", 6) == 0, "%s", strbuf_str(&sb));
	strbuf_reset(&sb);
	render_json.lookup(&o, &r, &sb);
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "\"name\":\"=cmd|' /C calc'!A0\""));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "\"code\":250"));
	strbuf_reset(&sb);
	render_text.lookup(&o, &r, &sb);
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "=cmd|' /C calc'!A0"));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "250"));
	strbuf_free(&sb);
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_reply_as_text);
	tcase_add_test(tc, test_reply_as_json);
	tcase_add_test(tc, test_escape_never_reaches_text);
	tcase_add_test(tc, test_formats_that_say_nothing);
	tcase_add_test(tc, test_notes_warnings_errors);
	tcase_add_test(tc, test_lookup_row_in_three_formats);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(render_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
