/*
 * attack_help.c - the teaching server under attack (issue 10), over real
 * loopback sockets: HELP shows the SMTP syntax of RFC 821, not the shell's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

static const struct { const char *topic, *want; } help_rows[] = {
	{ "DATA", "DATA" },
	{ "MAIL", "MAIL FROM:<reverse-path>" },
	{ "RCPT", "RCPT TO:<forward-path>" },
	{ "VRFY", "VRFY <string>" },
	{ "EXPN", "EXPN <string>" },
	{ "HELO", "HELO <domain>" },
	{ "SEND", "SEND FROM:<reverse-path>" },
	{ "HELP", "HELP [<string>]" },
	{ "TURN", "TURN" },
	{ "STARTTLS", "STARTTLS" },
	{ "AUTH", "AUTH <mechanism> [<initial-response>]" },
};

START_TEST(test_help_shows_smtp_syntax)
{
	struct server_config cfg = { 0 };
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	for (size_t i = 0; i < sizeof help_rows / sizeof help_rows[0]; i++) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "HELP %s", help_rows[i].topic);
		ck_assert_int_eq(client_cmd(&c, cmd, &r), 214);
		size_t n = strlen(help_rows[i].want);
		const char *t = r.lines[0].text;
		ck_assert_msg(strncmp(t, help_rows[i].want, n) == 0 && (t[n] == ' ' || t[n] == '\0'),
		    "HELP %s: got \"%s\", want \"%s ...\"", help_rows[i].topic, t, help_rows[i].want);
	}
	/* Every verb the server implements is explained, starting with its own
	 * upper-case name; the others get 504 to HELP and 502 when sent. */
	for (size_t i = 0; i < verb_count(); i++) {
		const struct verb *v = verb_at(i);
		char cmd[64];
		snprintf(cmd, sizeof cmd, "HELP %s", v->name);
		bool implemented = (v->flags & (VERB_F_RFC821 | VERB_F_STARTS_TLS | VERB_F_CHALLENGE)) ||
		    ((v->flags & VERB_F_EXTENSIONS) && !(v->flags & VERB_F_LMTP));
		if (!implemented) {
			ck_assert_int_eq(client_cmd(&c, cmd, &r), 504);
			continue;
		}
		ck_assert_int_eq(client_cmd(&c, cmd, &r), 214);
		ck_assert_msg(strncmp(r.lines[0].text, v->name, strlen(v->name)) == 0,
		    "HELP %s: \"%s\"", v->name, r.lines[0].text);
	}
	/* A 501 names the SMTP syntax too. */
	ck_assert_int_eq(client_cmd(&c, "VRFY", &r), 501);
	ck_assert_msg(reply_has(&r, "VRFY <string>"), "%s", r.lines[0].text);
	ck_assert_int_eq(client_cmd(&c, "HELP", &r), 214);
	ck_assert_msg(reply_has(&r, "MAIL FROM:<reverse-path>"), "HELP lists no syntax");
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

TCase *attack_help_tcase(void)
{
	TCase *tc = tcase_create("help");
	tcase_add_test(tc, test_help_shows_smtp_syntax);
	tcase_set_timeout(tc, 60);
	return tc;
}
