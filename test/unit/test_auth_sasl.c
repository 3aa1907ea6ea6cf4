/*
 * test_auth_sasl.c - XOAUTH2, OAUTHBEARER (RFC 7628) and SCRAM-SHA-256
 * (RFC 5802, RFC 7677) from auth.h: the published vectors byte for byte
 * (RFC 7677 3's SCRAM exchange, RFC 7628 4.1's OAUTHBEARER message,
 * Google's XOAUTH2 example), the steps of each exchange driven by 334
 * replies (errors acknowledged as each mechanism says, a server that does
 * not prove it knows the password cancelled), hostile server-first
 * messages refused, and a token too long for an AUTH command line sent
 * after the first 334 instead (RFC 4954 4).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

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

static void b64(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	ck_assert_int_eq(base64_encode(s, strlen(s), out, cap, &n), SMTP_OK);
}

/* RFC 7677 3. */
#define SCRAM_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define SCRAM_SERVER_FIRST \
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define SCRAM_CLIENT_FINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SCRAM_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

START_TEST(test_scram_rfc7677_vector)
{
	struct auth_scram sc;
	struct strbuf out;
	struct smtp_error err = { 0 };
	strbuf_init(&out, 4096);
	ck_assert_int_eq(auth_scram_client_first(&sc, "user", SCRAM_CNONCE, &out, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&out), "n,,n=user,r=" SCRAM_CNONCE);
	strbuf_reset(&out);
	ck_assert_int_eq(auth_scram_client_final(&sc, "pencil", SCRAM_SERVER_FIRST,
	    strlen(SCRAM_SERVER_FIRST), &out, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&out), SCRAM_CLIENT_FINAL);
	ck_assert_int_eq(auth_scram_verify_server(&sc, SCRAM_SERVER_FINAL,
	    strlen(SCRAM_SERVER_FINAL), &err), SMTP_OK);
	/* One bit off, or the server's error: not trusted. */
	const char *bad[] = { "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", "e=invalid-proof", "", "x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_int_eq(auth_scram_verify_server(&sc, bad[i], strlen(bad[i]), &err),
		    SMTP_ERR_REFUSED);
	/* A wrong password gives another proof. */
	strbuf_reset(&out);
	ck_assert_int_eq(auth_scram_client_final(&sc, "pencil2", SCRAM_SERVER_FIRST,
	    strlen(SCRAM_SERVER_FIRST), &out, &err), SMTP_OK);
	ck_assert_str_ne(strbuf_str(&out), SCRAM_CLIENT_FINAL);
	strbuf_free(&out);
}
END_TEST

/* RFC 4013 3's examples, and RFC 5802 2.2: the password is SASLprep'd as
 * a stored string, so one typed with a soft hyphen, or as a compatibility
 * character, gives RFC 7677's proof for "pencil". */
START_TEST(test_scram_saslprep)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "I\xc2\xadX", "IX" },            /* SOFT HYPHEN mapped to nothing */
		{ "user", "user" },                 /* no transformation */
		{ "USER", "USER" },                 /* case preserved */
		{ "\xc2\xaa", "a" },                /* NFKC: FEMININE ORDINAL INDICATOR */
		{ "\xe2\x85\xa8", "IX" },           /* NFKC: ROMAN NUMERAL NINE */
		{ "a\xc2\xa0" "b", "a b" },            /* NO-BREAK SPACE to SPACE */
	};
	char out[64];
	struct smtp_error err = { 0 };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_int_eq(auth_saslprep(ok[i].in, true, out, sizeof out, "the password", &err),
		    SMTP_OK);
		ck_assert_str_eq(out, ok[i].out);
	}
	/* Prohibited: a control (C.2.1), a bidi mix (RFC 3454 6). */
	static const char *const bad[] = { "pen\x07" "cil", "\xd8\xa7" "1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(auth_saslprep(bad[i], true, out, sizeof out, "the password", &err),
		    SMTP_ERR_USAGE);
		ck_assert_msg(strstr(err.msg, "SASLprep") != NULL, "%s", err.msg);
	}
	/* Unassigned code points: refused in a stored string only (U+0221). */
	ck_assert_int_eq(auth_saslprep("\xc8\xa1", true, out, sizeof out, "the password", &err),
	    SMTP_ERR_USAGE);
	ck_assert_int_eq(auth_saslprep("\xc8\xa1", false, out, sizeof out, "the user", &err),
	    SMTP_OK);

	struct auth_scram sc;
	struct strbuf msg;
	strbuf_init(&msg, 4096);
	ck_assert_int_eq(auth_scram_client_first(&sc, "user", SCRAM_CNONCE, &msg, &err), SMTP_OK);
	strbuf_reset(&msg);
	ck_assert_int_eq(auth_scram_client_final(&sc, "pen\xc2\xad" "cil", SCRAM_SERVER_FIRST,
	    strlen(SCRAM_SERVER_FIRST), &msg, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&msg), SCRAM_CLIENT_FINAL);
	strbuf_reset(&msg);
	ck_assert_int_eq(auth_scram_client_final(&sc, "pen\x07" "cil", SCRAM_SERVER_FIRST,
	    strlen(SCRAM_SERVER_FIRST), &msg, &err), SMTP_ERR_USAGE);
	strbuf_free(&msg);
}
END_TEST

START_TEST(test_scram_user_escaped)
{
	struct auth_scram sc;
	struct strbuf out;
	strbuf_init(&out, 4096);
	ck_assert_int_eq(auth_scram_client_first(&sc, "a,b=c", "N", &out, NULL), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&out), "n,,n=a=2Cb=3Dc,r=N");
	strbuf_free(&out);
}
END_TEST

static const char *const hostile_first[] = {
	"r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",        /* not our nonce */
	"r=" SCRAM_CNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",   /* nothing added */
	"r=" SCRAM_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
	"r=" SCRAM_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1000001",  /* CPU burner */
	"r=" SCRAM_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x",
	"r=" SCRAM_CNONCE "x,s=not*base64,i=4096",
	"r=" SCRAM_CNONCE "x,i=4096",
	"m=ext,r=" SCRAM_CNONCE "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	"e=unknown-user",
};

START_TEST(test_scram_hostile_server_first)
{
	struct auth_scram sc;
	struct strbuf out;
	struct smtp_error err = { 0 };
	strbuf_init(&out, 4096);
	ck_assert_int_eq(auth_scram_client_first(&sc, "user", SCRAM_CNONCE, &out, &err), SMTP_OK);
	strbuf_reset(&out);
	const char *m = hostile_first[_i];
	ck_assert_int_eq(auth_scram_client_final(&sc, "pencil", m, strlen(m), &out, &err),
	    SMTP_ERR_REFUSED);
	ck_assert_uint_eq(out.len, 0);
	strbuf_free(&out);
}
END_TEST

START_TEST(test_oauth_vectors)
{
	struct strbuf out;
	strbuf_init(&out, 16384);
	/* RFC 7628 4.1 */
	ck_assert_int_eq(auth_oauthbearer_response("user@example.com",
	    "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "server.example.com", "143", &out, NULL),
	    SMTP_OK);
	ck_assert_str_eq(strbuf_str(&out), "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUu"
	    "Y29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	/* Google's XOAUTH2 example */
	strbuf_reset(&out);
	ck_assert_int_eq(auth_xoauth2_response("someuser@example.com",
	    "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", &out, NULL), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&out), "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5"
	    "LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
	strbuf_free(&out);
}
END_TEST

/* The error dance: the 334 carrying the server's JSON is acknowledged
 * (OAUTHBEARER: one ^A; XOAUTH2: an empty line), a further 334 cancels. */
START_TEST(test_oauth_error_acknowledged)
{
	static const struct { enum auth_mech m; const char *ack; } rows[] = {
		{ AUTH_MECH_OAUTHBEARER, "AQ==" }, { AUTH_MECH_XOAUTH2, "" },
	};
	struct auth_exchange ax;
	struct strbuf line, ch;
	struct fake_reply f;
	struct smtp_error err = { 0 };
	char json[128];
	strbuf_init(&line, 16384);
	strbuf_init(&ch, AUTH_CHALLENGE_B64_MAX);
	b64("{\"status\":\"invalid_token\"}", json, sizeof json);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(auth_begin_at(&ax, rows[i].m, NULL, "u", "tok", "mx.test", "25", true,
		    &line, &err), SMTP_OK);
		ck_assert(ax.initial_sent);
		fake_334(&f, json);
		ck_assert_int_eq(auth_step(&ax, &f.r, &line, &ch, &err), SMTP_OK);
		ck_assert_str_eq(strbuf_str(&line), rows[i].ack);
		ck_assert_str_eq(strbuf_str(&ch), "{\"status\":\"invalid_token\"}");
		ck_assert_int_eq(auth_step(&ax, &f.r, &line, &ch, &err), SMTP_ERR_REFUSED);
		ck_assert_str_eq(strbuf_str(&line), "*");
	}
	strbuf_free(&line);
	strbuf_free(&ch);
}
END_TEST

START_TEST(test_long_token_after_the_first_334)
{
	/* A token whose AUTH line would pass 512 octets goes after the 334. */
	char *token = malloc(AUTH_TOKEN_MAX + 2);
	memset(token, 't', AUTH_TOKEN_MAX);
	token[AUTH_TOKEN_MAX] = '\0';
	struct auth_exchange ax;
	struct strbuf line, ch;
	struct fake_reply f;
	struct smtp_error err = { 0 };
	strbuf_init(&line, 16384);
	strbuf_init(&ch, AUTH_CHALLENGE_B64_MAX);
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_XOAUTH2, NULL, "u", token, true, &line, &err),
	    SMTP_OK);
	ck_assert_str_eq(strbuf_str(&line), "AUTH XOAUTH2");
	ck_assert(!ax.initial_sent);
	fake_334(&f, "");
	ck_assert_int_eq(auth_step(&ax, &f.r, &line, &ch, &err), SMTP_OK);
	ck_assert_uint_gt(line.len, 512);
	ck_assert_uint_le(line.len, AUTH_RESPONSE_LINE_MAX - 2);
	/* One byte more than AUTH_TOKEN_MAX is refused before anything is sent. */
	token[AUTH_TOKEN_MAX] = 't';
	token[AUTH_TOKEN_MAX + 1] = '\0';
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_XOAUTH2, NULL, "u", token, true, &line, &err),
	    SMTP_ERR_USAGE);
	free(token);
	strbuf_free(&line);
	strbuf_free(&ch);
}
END_TEST

START_TEST(test_scram_exchange_steps)
{
	/* Without an initial response: 334 "" -> client-first; then the
	 * server-first -> client-final; a wrong v= cancels. */
	struct auth_exchange ax;
	struct strbuf line, ch;
	struct fake_reply f;
	struct smtp_error err = { 0 };
	char dec[256], msg[512];
	size_t n = 0;
	strbuf_init(&line, 16384);
	strbuf_init(&ch, AUTH_CHALLENGE_B64_MAX);
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_SCRAM_SHA_256, NULL, "user", "pencil", false,
	    &line, &err), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&line), "AUTH SCRAM-SHA-256");
	fake_334(&f, "");
	ck_assert_int_eq(auth_step(&ax, &f.r, &line, &ch, &err), SMTP_OK);
	ck_assert_int_eq(base64_decode(line.data, line.len, (unsigned char *)dec, sizeof dec - 1,
	    &n, &err), SMTP_OK);
	dec[n] = '\0';
	ck_assert_msg(strncmp(dec, "n,,n=user,r=", 12) == 0 && strlen(dec) == 12 + 24, "%s", dec);
	char first[320];
	snprintf(first, sizeof first, "r=%sSERVER,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", dec + 12);
	b64(first, msg, sizeof msg);
	fake_334(&f, msg);
	ck_assert_int_eq(auth_step(&ax, &f.r, &line, &ch, &err), SMTP_OK);
	ck_assert_int_eq(base64_decode(line.data, line.len, (unsigned char *)dec, sizeof dec - 1,
	    &n, &err), SMTP_OK);
	dec[n] = '\0';
	ck_assert_msg(strstr(dec, "c=biws,r=") == dec && strstr(dec, "SERVER,p=") != NULL, "%s", dec);
	b64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", msg, sizeof msg);
	fake_334(&f, msg);
	ck_assert_int_eq(auth_step(&ax, &f.r, &line, &ch, &err), SMTP_ERR_REFUSED);
	ck_assert_str_eq(strbuf_str(&line), "*");
	ck_assert_ptr_nonnull(strstr(err.msg, "did not prove"));
	strbuf_free(&line);
	strbuf_free(&ch);
}
END_TEST

/* Issue 17: a 235 before the server-final was verified (the server
 * skipped v=) is not a success for SCRAM; for the other mechanisms, and
 * for SCRAM once v= matched, the final reply stands as it is. */
START_TEST(test_scram_235_needs_the_servers_proof)
{
	struct auth_exchange ax;
	struct strbuf line;
	struct smtp_error err = { 0 };
	strbuf_init(&line, 16384);
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_SCRAM_SHA_256, NULL, "user", "pencil", true,
	    &line, &err), SMTP_OK);
	ck_assert_int_eq(auth_check_final(&ax, 235, &err), SMTP_ERR_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "did not prove it knows the password"));
	ck_assert_ptr_nonnull(strstr(err.msg, "RFC 5802"));
	ck_assert_int_eq(auth_check_final(&ax, 535, &err), SMTP_OK);   /* a refusal is one */
	ax.scram.server_verified = true;
	ck_assert_int_eq(auth_check_final(&ax, 235, &err), SMTP_OK);
	ck_assert_int_eq(auth_begin(&ax, AUTH_MECH_PLAIN, NULL, "user", "pencil", true, &line,
	    &err), SMTP_OK);
	ck_assert_int_eq(auth_check_final(&ax, 235, &err), SMTP_OK);
	auth_wipe(&line);
	strbuf_free(&line);
}
END_TEST

START_TEST(test_display_redacts_new_forms)
{
	struct strbuf shown;
	strbuf_init(&shown, 256);
	static const struct { const char *line, *want; } rows[] = {
		{ "AUTH XOAUTH2 dXNlcj1zb21l", "AUTH XOAUTH2 " AUTH_PLACEHOLDER },
		{ "AUTH OAUTHBEARER bixhPXVz", "AUTH OAUTHBEARER " AUTH_PLACEHOLDER },
		{ "AUTH SCRAM-SHA-256 biwsbj11", "AUTH SCRAM-SHA-256 " AUTH_PLACEHOLDER },
		{ "AQ==", AUTH_PLACEHOLDER }, { "", AUTH_PLACEHOLDER },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		ck_assert_int_eq(auth_line_display(rows[i].line, strlen(rows[i].line), &shown), SMTP_OK);
		ck_assert_str_eq(strbuf_str(&shown), rows[i].want);
	}
	strbuf_free(&shown);
}
END_TEST

static Suite *sasl_suite(void)
{
	Suite *s = suite_create("auth_sasl");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_scram_rfc7677_vector);
	tcase_add_test(tc, test_scram_user_escaped);
	tcase_add_test(tc, test_scram_saslprep);
	tcase_add_loop_test(tc, test_scram_hostile_server_first, 0,
	    (int)(sizeof hostile_first / sizeof hostile_first[0]));
	tcase_add_test(tc, test_oauth_vectors);
	tcase_add_test(tc, test_oauth_error_acknowledged);
	tcase_add_test(tc, test_long_token_after_the_first_334);
	tcase_add_test(tc, test_scram_exchange_steps);
	tcase_add_test(tc, test_scram_235_needs_the_servers_proof);
	tcase_add_test(tc, test_display_redacts_new_forms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sasl_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
