/*
 * attack_turn.c - the teaching server under attack (issue 10), over real
 * loopback sockets: TURN streams a queued message larger than the output buffer.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

struct turn_log {
	size_t longest;        /* the longest command, i.e. the body */
	bool body_intact;      /* its lines are client_send_body's */
	int got_221;
};

static void on_turn(void *ctx, const char *cmd, size_t cmdlen, const char *reply, size_t replylen)
{
	struct turn_log *log = ctx;
	if (cmd != NULL && cmdlen > log->longest) {
		log->longest = cmdlen;
		/* client_send_body: 1000-octet lines of 'a', 'b', ... 'z', 'a' ... */
		log->body_intact = cmdlen > 2000;
		for (size_t k = 0; k + 1000 <= cmdlen && log->body_intact; k += 1000)
			log->body_intact = cmd[k] == 'a' + (int)((k / 1000) % 64 % 26) &&
			    cmd[k + 997] == cmd[k] && memcmp(cmd + k + 998, "\r\n", 2) == 0;
	}
	if (replylen >= 4 && memcmp(reply, "221 ", 4) == 0)
		log->got_221 = 1;
}

START_TEST(test_turn_streams_large_message)
{
	struct server_config cfg = { 0 };
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	ck_assert_int_eq(client_cmd(&c, "HELO c.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<a@c.example>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "RCPT TO:<student@big.example>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "DATA", &r), 354);
	size_t body = 3u * MIB;                 /* 3x the output buffer */
	client_send_body(&c, body);
	ck_assert_int_eq(client_reply_within(&c, &r, 20000), 250);
	client_close(&c);
	greet(&c, &r, demo_server_port(srv), NULL);
	ck_assert_int_eq(client_cmd(&c, "HELO big.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "TURN", &r), 250);
	struct turn_log log = { 0 };
	struct server_config rcfg = { .idle_timeout_s = 5 };
	struct smtp_error err;
	ck_assert_msg(demo_server_receive_turned(c.fd, c.buf, c.len, &rcfg, on_turn, &log, -1,
	    &err) == SMTP_OK, "receive_turned: %s", err.msg);
	ck_assert_uint_eq(log.longest, body);
	ck_assert_msg(log.body_intact, "the body arrived changed");
	ck_assert_int_eq(log.got_221, 1);
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

TCase *attack_turn_tcase(void)
{
	TCase *tc = tcase_create("turn");
	tcase_add_test(tc, test_turn_streams_large_message);
	tcase_set_timeout(tc, 60);
	return tc;
}
