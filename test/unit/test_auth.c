/*
 * test_auth.c - base64 (RFC 4648 section 10 vectors, strict rejection, RL-04
 * bounds) and the AUTH mechanisms byte for byte against RFC 4616 section 4,
 * RFC 4954 section 4 and RFC 2195 section 2 examples; the cancel ("*") paths
 * (RL-03, RL-04, CR-07) and the display redaction (CR-01, CR-02).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

static const struct {
	const char *name, *plain, *b64;
} b64_rows[] = {
	{ "empty", "", "" },
	{ "f", "f", "Zg==" },
	{ "fo", "fo", "Zm8=" },
	{ "foo", "foo", "Zm9v" },
	{ "foob", "foob", "Zm9vYg==" },
	{ "fooba", "fooba", "Zm9vYmE=" },
	{ "foobar", "foobar", "Zm9vYmFy" },
	{ "Username:", "Username:", "VXNlcm5hbWU6" },
	{ "Password:", "Password:", "UGFzc3dvcmQ6" },
};

START_TEST(test_base64_rfc4648_vectors)
{
	char enc[64];
	unsigned char dec[64];
	size_t n = 0;
	const char *name = b64_rows[_i].name;

	ck_assert_int_eq(base64_encode(b64_rows[_i].plain, strlen(b64_rows[_i].plain),
	    enc, sizeof enc, &n), SMTP_OK);
	ck_assert_msg(strcmp(enc, b64_rows[_i].b64) == 0, "%s: encode got \"%s\" want \"%s\"",
	    name, enc, b64_rows[_i].b64);
	ck_assert_uint_eq(n, strlen(b64_rows[_i].b64));

	struct smtp_error err = { 0 };
	ck_assert_int_eq(base64_decode(b64_rows[_i].b64, strlen(b64_rows[_i].b64), dec,
	    sizeof dec, &n, &err), SMTP_OK);
	ck_assert_msg(n == strlen(b64_rows[_i].plain) && memcmp(dec, b64_rows[_i].plain, n) == 0,
	    "%s: decode got %zu bytes want \"%s\"", name, n, b64_rows[_i].plain);
}
END_TEST

static const struct {
	const char *name, *in;
	size_t len;   /* 0: strlen(in) */
} b64_bad[] = {
	{ "not base64 at all", "###not-base64###", 0 },
	{ "length not multiple of 4", "Zm9vY", 0 },
	{ "inner padding", "Zg==Zm9v", 0 },
	{ "three pads", "Z===", 0 },
	{ "space inside", "Zm9v Zm9v", 0 },
	{ "CR LF inside", "Zm9v\r\nZm9v", 0 },
	{ "url-safe alphabet", "Zm9-", 0 },
	{ "NUL inside", "Zm\0v", 4 },
};

START_TEST(test_base64_rejects_invalid)
{
	unsigned char dec[64];
	size_t n = 99;
	struct smtp_error err = { 0 };
	size_t len = b64_bad[_i].len ? b64_bad[_i].len : strlen(b64_bad[_i].in);

	ck_assert_msg(base64_decode(b64_bad[_i].in, len, dec, sizeof dec, &n, &err)
	    == SMTP_ERR_REFUSED, "%s: accepted", b64_bad[_i].name);
	ck_assert_msg(n == 0, "%s: outlen %zu", b64_bad[_i].name, n);
	ck_assert_msg(strstr(err.msg, "invalid base64") != NULL, "%s: msg \"%s\"",
	    b64_bad[_i].name, err.msg);
}
END_TEST

START_TEST(test_base64_bounds)
{
	unsigned char dec[4];
	char enc[16];
	size_t n = 0;
	struct smtp_error err = { 0 };

	memset(dec, 0xAA, sizeof dec);
	/* "foobar" needs 6 bytes: refused before anything is written. */
	ck_assert_int_eq(base64_decode("Zm9vYmFy", 8, dec, 4, &n, &err), SMTP_ERR_NOMEM);
	for (size_t i = 0; i < sizeof dec; i++)
		ck_assert_uint_eq(dec[i], 0xAA);
	/* Exactly fits. */
	ck_assert_int_eq(base64_decode("Zm9v", 4, dec, 3, &n, &err), SMTP_OK);
	ck_assert_uint_eq(n, 3);
	/* Encode: 8 chars + NUL do not fit in 8. */
	ck_assert_int_eq(base64_encode("foobar", 6, enc, 8, &n), SMTP_ERR_NOMEM);
	ck_assert_int_eq(base64_encode("foobar", 6, enc, 9, &n), SMTP_OK);
	ck_assert_str_eq(enc, "Zm9vYmFy");
	/* RFC 4954's "=" is the empty response. */
	ck_assert_int_eq(base64_decode("=", 1, dec, sizeof dec, &n, &err), SMTP_OK);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* A one-line reply "334 text". */
struct fake_reply {
	char text[AUTH_CHALLENGE_B64_MAX * 2];
	struct reply_line line;
	struct smtp_reply r;
};

static void fake_334(struct fake_reply *f, const char *text)
{
	memset(f, 0, sizeof *f);
	snprintf(f->text, sizeof f->text, "%s", text);
	f->line.text = f->text;
	f->line.len = strlen(f->text);
	f->line.code = 334;
	f->r.code = 334;
	f->r.lines = &f->line;
	f->r.nlines = 1;
}

static const struct {
	const char *name, *authzid, *user, *pass, *want;
} plain_rows[] = {
	/* RFC 4616 section 4 */
	{ "RFC 4616 tim", NULL, "tim", "tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm" },
	{ "RFC 4616 Ursel/Kurt", "Ursel", "Kurt", "xipj3plmq", "VXJzZWwAS3VydAB4aXBqM3BsbXE=" },
	/* RFC 4954 section 4: authzid "test", authcid "test", password "1234" */
	{ "RFC 4954 test/test/1234", "test", "test", "1234", "dGVzdAB0ZXN0ADEyMzQ=" },
	/* Go net/smtp TestAuthPlain, the CR-01 vector */
	{ "Go user/pass", "", "user", "pass", "AHVzZXIAcGFzcw==" },
};

START_TEST(test_plain_vectors)
{
	struct strbuf line, got;
	struct auth_exchange ax;
	struct smtp_error err = { 0 };
	char want_line[128];
	const char *name = plain_rows[_i].name;

	strbuf_init(&line, 4096);
	strbuf_init(&got, 4096);
	ck_assert_int_eq(auth_plain_response(plain_rows[_i].authzid, plain_rows[_i].user,
	    plain_rows[_i].pass, &got, &err), SMTP_OK);
	ck_assert_msg(strcmp(strbuf_str(&got), plain_rows[_i].want) == 0,
	    "%s: got %s want %s", name, strbuf_str(&got), plain_rows[_i].want);

	/* With the initial response: "AUTH PLAIN <b64>" in one line. */
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_PLAIN, plain_rows[_i].authzid,
	    plain_rows[_i].user, plain_rows[_i].pass, true, &line, &err), SMTP_OK);
	snprintf(want_line, sizeof want_line, "AUTH PLAIN %s", plain_rows[_i].want);
	ck_assert_msg(strcmp(strbuf_str(&line), want_line) == 0, "%s: got %s want %s",
	    name, strbuf_str(&line), want_line);

	/* Without: "AUTH PLAIN", then "334 " and the response (RFC 4954 example). */
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_PLAIN, plain_rows[_i].authzid,
	    plain_rows[_i].user, plain_rows[_i].pass, false, &line, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&line), "AUTH PLAIN");
	struct fake_reply *f = malloc(sizeof *f);
	fake_334(f, "");
	ck_assert_int_eq(auth_step(&ax, &f->r, &line, NULL, &err), SMTP_OK);
	ck_assert_msg(strcmp(strbuf_str(&line), plain_rows[_i].want) == 0,
	    "%s: step got %s want %s", name, strbuf_str(&line), plain_rows[_i].want);
	free(f);
	strbuf_free(&line);
	strbuf_free(&got);
}
END_TEST

START_TEST(test_login_exchange)
{
	struct strbuf line, ch;
	struct auth_exchange ax;
	struct smtp_error err = { 0 };
	struct fake_reply *f = malloc(sizeof *f);

	strbuf_init(&line, 4096);
	strbuf_init(&ch, 4096);
	/* CR-02: AUTH LOGIN, 334 VXNlcm5hbWU6, dXNlcg==, 334 UGFzc3dvcmQ6, cGFzcw== */
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_LOGIN, NULL, "user", "pass", true,
	    &line, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&line), "AUTH LOGIN");
	fake_334(f, "VXNlcm5hbWU6");
	ck_assert_int_eq(auth_step(&ax, &f->r, &line, &ch, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&ch), "Username:");
	ck_assert_str_eq(strbuf_str(&line), "dXNlcg==");
	fake_334(f, "UGFzc3dvcmQ6");
	ck_assert_int_eq(auth_step(&ax, &f->r, &line, &ch, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&ch), "Password:");
	ck_assert_str_eq(strbuf_str(&line), "cGFzcw==");
	/* A third challenge is a protocol violation: cancel. */
	fake_334(f, "UGFzc3dvcmQ6");
	ck_assert_int_eq(auth_step(&ax, &f->r, &line, &ch, &err), SMTP_ERR_REFUSED);
	ck_assert_str_eq(strbuf_str(&line), "*");
	ck_assert(ax.cancelled);
	free(f);
	strbuf_free(&line);
	strbuf_free(&ch);
}
END_TEST

START_TEST(test_cram_md5_rfc2195)
{
	struct strbuf line, ch;
	struct auth_exchange ax;
	struct smtp_error err = { 0 };
	struct fake_reply *f = malloc(sizeof *f);

	strbuf_init(&line, 4096);
	strbuf_init(&ch, 4096);
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_CRAM_MD5, NULL, "tim", "tanstaaftanstaaf",
	    true, &line, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&line), "AUTH CRAM-MD5");
	fake_334(f, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
	ck_assert_msg(auth_step(&ax, &f->r, &line, &ch, &err) == SMTP_OK, "%s", err.msg);
	ck_assert_str_eq(strbuf_str(&ch), "<1896.697170952@postoffice.reston.mci.net>");
	ck_assert_str_eq(strbuf_str(&line), "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	free(f);
	strbuf_free(&line);
	strbuf_free(&ch);
}
END_TEST

START_TEST(test_bad_challenges_cancel)
{
	struct strbuf line;
	struct auth_exchange ax;
	struct smtp_error err = { 0 };
	struct fake_reply *f = malloc(sizeof *f);
	char *huge = malloc(AUTH_CHALLENGE_B64_MAX + 5);

	strbuf_init(&line, 4096);
	/* RL-04 / curl test935: "334 Rubbish" and "###not-base64###". */
	const char *bad[] = { "Rubbish", "###not-base64###" };
	for (size_t i = 0; i < 2; i++) {
		auth_begin(&ax, AUTH_MECH_CRAM_MD5, NULL, "u", "p", false, &line, &err);
		fake_334(f, bad[i]);
		ck_assert_msg(auth_step(&ax, &f->r, &line, NULL, &err) == SMTP_ERR_REFUSED,
		    "%s accepted", bad[i]);
		ck_assert_str_eq(strbuf_str(&line), "*");
		ck_assert_msg(strstr(err.msg, "cancelled") != NULL, "msg %s", err.msg);
	}
	/* RL-04: a challenge beyond the bound is cancelled without decoding. */
	memset(huge, 'A', AUTH_CHALLENGE_B64_MAX + 4);
	huge[AUTH_CHALLENGE_B64_MAX + 4] = '\0';
	auth_begin(&ax, AUTH_MECH_CRAM_MD5, NULL, "u", "p", false, &line, &err);
	fake_334(f, huge);
	ck_assert_int_eq(auth_step(&ax, &f->r, &line, NULL, &err), SMTP_ERR_REFUSED);
	ck_assert_str_eq(strbuf_str(&line), "*");
	ck_assert_msg(strstr(err.msg, "too large") != NULL, "msg %s", err.msg);
	free(huge);
	free(f);
	strbuf_free(&line);
}
END_TEST

START_TEST(test_endless_continuation_capped)
{
	/* RL-03: "334 " forever: LOGIN stops after its two steps; the round cap
	 * holds for any mechanism. */
	struct strbuf line;
	struct auth_exchange ax;
	struct smtp_error err = { 0 };
	struct fake_reply *f = malloc(sizeof *f);
	unsigned ok = 0;

	strbuf_init(&line, 4096);
	auth_begin(&ax, AUTH_MECH_LOGIN, NULL, "u", "p", false, &line, &err);
	fake_334(f, "QnVnZ3lCdWdneQ==");
	for (unsigned i = 0; i < 100; i++) {
		if (auth_step(&ax, &f->r, &line, NULL, &err) != SMTP_OK)
			break;
		ok++;
	}
	ck_assert_uint_eq(ok, 2);
	ck_assert_str_eq(strbuf_str(&line), "*");
	ax.rounds = AUTH_MAX_ROUNDS;
	ck_assert_int_eq(auth_step(&ax, &f->r, &line, NULL, &err), SMTP_ERR_REFUSED);
	ck_assert_msg(strstr(err.msg, "more than") != NULL, "msg %s", err.msg);
	free(f);
	strbuf_free(&line);
}
END_TEST

static const struct {
	const char *name, *line, *want;
} display_rows[] = {
	{ "plain with IR", "AUTH PLAIN AHVzZXIAcGFzcw==", "AUTH PLAIN " AUTH_PLACEHOLDER },
	{ "lower case", "auth plain AHVzZXIAcGFzcw==", "auth plain " AUTH_PLACEHOLDER },
	{ "login no IR", "AUTH LOGIN", "AUTH LOGIN" },
	{ "response", "dXNlcg==", AUTH_PLACEHOLDER },
	{ "cancel", "*", "*" },
};

START_TEST(test_line_display_redacts)
{
	struct strbuf shown;

	strbuf_init(&shown, 256);
	ck_assert_int_eq(auth_line_display(display_rows[_i].line, strlen(display_rows[_i].line),
	    &shown), SMTP_OK);
	ck_assert_msg(strcmp(strbuf_str(&shown), display_rows[_i].want) == 0,
	    "%s: got \"%s\" want \"%s\"", display_rows[_i].name, strbuf_str(&shown),
	    display_rows[_i].want);
	strbuf_free(&shown);
}
END_TEST

START_TEST(test_mech_names_and_nul_user)
{
	enum auth_mech m;
	struct strbuf line;
	struct auth_exchange ax;
	struct smtp_error err = { 0 };

	ck_assert(auth_mech_parse("cram-md5", &m) && m == AUTH_MECH_CRAM_MD5);
	ck_assert(auth_mech_parse("Plain", &m) && m == AUTH_MECH_PLAIN);
	ck_assert(auth_mech_parse("xoauth2", &m) && m == AUTH_MECH_XOAUTH2);
	ck_assert(auth_mech_parse("SCRAM-SHA-256", &m) && m == AUTH_MECH_SCRAM_SHA_256);
	ck_assert(!auth_mech_parse("GSSAPI", &m));
	ck_assert_str_eq(auth_mech_name(AUTH_MECH_LOGIN), "LOGIN");
	strbuf_init(&line, 4096);
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_PLAIN, NULL, NULL, "p", true, &line, &err),
	    SMTP_ERR_USAGE);
	strbuf_free(&line);
}
END_TEST

static Suite *auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_base64_rfc4648_vectors, 0,
	    (int)(sizeof b64_rows / sizeof b64_rows[0]));
	tcase_add_loop_test(tc, test_base64_rejects_invalid, 0,
	    (int)(sizeof b64_bad / sizeof b64_bad[0]));
	tcase_add_test(tc, test_base64_bounds);
	tcase_add_loop_test(tc, test_plain_vectors, 0,
	    (int)(sizeof plain_rows / sizeof plain_rows[0]));
	tcase_add_test(tc, test_login_exchange);
	tcase_add_test(tc, test_cram_md5_rfc2195);
	tcase_add_test(tc, test_bad_challenges_cancel);
	tcase_add_test(tc, test_endless_continuation_capped);
	tcase_add_loop_test(tc, test_line_display_redacts, 0,
	    (int)(sizeof display_rows / sizeof display_rows[0]));
	tcase_add_test(tc, test_mech_names_and_nul_user);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
