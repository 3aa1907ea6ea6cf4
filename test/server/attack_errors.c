/*
 * attack_errors.c - the teaching server under attack (issue 10), over real
 * loopback sockets: after too many error replies a session ends with 421, in the server and
 * in the turned receiver (smtpsh after TURN).
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attack.h"

START_TEST(test_error_limit)
{
	struct server_config cfg = { 0 };      /* the default: 20, as Postfix */
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(client_cmd(&c, "BOGUS", &r), 500);
	ck_assert_int_eq(client_reply(&c, &r), 421);
	ck_assert_msg(reply_has(&r, "errors"), "%s", r.lines[0].text);
	ck_assert_msg(client_wait_eof(&c, 5000), "no close after 421");
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

struct turned_run {
	int fd;
	enum smtp_errkind rc;
};

static void *turned_thread(void *arg)
{
	struct turned_run *t = arg;
	struct smtp_error err;
	t->rc = demo_server_receive_turned(t->fd, NULL, 0, NULL, NULL, NULL, -1, &err);
	return NULL;
}

START_TEST(test_turned_error_limit)
{
	/* After TURN, a peer that answers "250 ok" to everything: each of our
	 * replies is a command to us, each 500 gets a 250.  It must end. */
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct turned_run t = { .fd = sv[0] };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, turned_thread, &t), 0);
	struct client peer = { .fd = sv[1] };
	ck_assert_int_eq(reply_parser_init(&peer.p), SMTP_OK);
	struct smtp_reply r;
	smtp_reply_init(&r);
	int answered = 0, last = 0;
	while (answered < 200) {
		last = client_reply(&peer, &r);
		if (last == 0 || last == 421)
			break;
		client_send(&peer, "250 ok\r\n", 8);
		answered++;
	}
	shutdown(sv[1], SHUT_RDWR);
	pthread_join(th, NULL);
	ck_assert_msg(last == 421, "after %d answers the turned receiver still talks (%d)", answered, last);
	ck_assert_int_le(answered, 21);
	smtp_reply_free(&r);
	reply_parser_free(&peer.p);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

TCase *attack_errors_tcase(void)
{
	TCase *tc = tcase_create("errors");
	tcase_add_test(tc, test_error_limit);
	tcase_add_test(tc, test_turned_error_limit);
	tcase_set_timeout(tc, 60);
	return tc;
}
