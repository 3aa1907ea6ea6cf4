/*
 * attack_slow.c - the teaching server under attack (issue 10), over real
 * loopback sockets: a drip-fed command line is cut off with 421; a full server still serves
 * a new client; one address cannot take every slot; a reconnecting crowd
 * leaves a slot for a newcomer from an address of its own (issue 20); a
 * stalled STARTTLS handshake is cut off like a drip-fed line (issue 21).
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

START_TEST(test_drip_fed_command_gets_421)
{
	struct server_config cfg = { .command_timeout_s = 1, .idle_timeout_s = 60 };
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	/* A byte every 200 ms, never a line end: idle never trips, the
	 * command deadline must. */
	int got = 0;
	uint64_t deadline = tclient_now_ms() + 10000;
	while (got == 0 && tclient_now_ms() < deadline) {
		client_send(&c, "N", 1);
		got = client_reply_within(&c, &r, 200);
	}
	ck_assert_int_eq(got, 421);
	ck_assert_msg(client_wait_eof(&c, 5000), "no close after 421");
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

START_TEST(test_full_server_still_serves)
{
	enum { SLOTS = 4 };
	struct server_config cfg = { .max_clients = SLOTS, .max_per_addr = SLOTS,
	    .command_timeout_s = 60, .idle_timeout_s = 60 };
	struct demo_server *srv = start(&cfg);
	const char *port = demo_server_port(srv);
	static struct client drip[SLOTS - 1];
	struct client busy, fresh;
	struct smtp_reply r;
	smtp_reply_init(&r);
	for (int i = 0; i < SLOTS - 1; i++) {
		greet(&drip[i], &r, port, "127.0.0.2");
		client_send(&drip[i], "NOO", 3);  /* a line begun, never ended */
	}
	greet(&busy, &r, port, "127.0.0.3");
	ck_assert_int_eq(client_cmd(&busy, "NOOP", &r), 250);
	/* Every slot is taken.  While every client has completed a line within
	 * the last second a newcomer gets 421 (busy clients are never cut off);
	 * once the drips have stalled that long, a newcomer is served at once. */
	uint64_t deadline = tclient_now_ms() + 10000, t0 = 0;
	int got = 0;
	while (got != 220 && tclient_now_ms() < deadline) {
		if (got == 421) {
			client_close(&fresh);
			poll(NULL, 0, 100);
		}
		t0 = tclient_now_ms();
		client_open_from(&fresh, port, "127.0.0.4");
		got = client_reply(&fresh, &r);
		ck_assert_msg(got == 220 || got == 421, "newcomer got %d", got);
	}
	ck_assert_int_eq(got, 220);
	ck_assert_int_eq(client_cmd(&fresh, "NOOP", &r), 250);
	ck_assert_uint_lt(tclient_now_ms() - t0, 1000);
	/* ... in the slot of the client stalled the longest, who got 421. */
	ck_assert_int_eq(client_reply_within(&drip[0], &r, 5000), 421);
	ck_assert_msg(client_wait_eof(&drip[0], 5000), "evicted client not closed");
	ck_assert_int_eq(client_cmd(&busy, "NOOP", &r), 250);
	for (int i = 0; i < SLOTS - 1; i++)
		client_close(&drip[i]);
	client_close(&busy);
	client_close(&fresh);
	smtp_reply_free(&r);
	demo_server_free(srv);
}
END_TEST

START_TEST(test_connections_per_address)
{
	struct server_config cfg = { .max_clients = 16, .max_per_addr = 3 };
	struct demo_server *srv = start(&cfg);
	const char *port = demo_server_port(srv);
	struct client c[3], over, other;
	struct smtp_reply r;
	smtp_reply_init(&r);
	for (int i = 0; i < 3; i++)
		greet(&c[i], &r, port, "127.0.0.2");
	client_open_from(&over, port, "127.0.0.2");
	ck_assert_int_eq(client_reply(&over, &r), 421);
	ck_assert_msg(client_wait_eof(&over, 5000), "refused client not closed");
	greet(&other, &r, port, "127.0.0.3");
	ck_assert_int_eq(client_cmd(&other, "NOOP", &r), 250);
	/* A slot given back is usable again by that address. */
	ck_assert_int_eq(client_cmd(&c[0], "QUIT", &r), 221);
	ck_assert_msg(client_wait_eof(&c[0], 5000), "no close after QUIT");
	client_close(&c[0]);
	client_close(&over);
	greet(&over, &r, port, "127.0.0.2");
	for (int i = 1; i < 3; i++)
		client_close(&c[i]);
	client_close(&over);
	client_close(&other);
	smtp_reply_free(&r);
	demo_server_free(srv);
}
END_TEST

/* Issue 20: a crowd that reconnects as fast as it is refused takes every
 * slot it can; a student from an address of its own still gets 220 and a
 * 250 to NOOP at once, in a slot kept for new addresses. */
START_TEST(test_crowd_leaves_room_for_a_newcomer)
{
	enum { SLOTS = 8 };
	struct server_config cfg = { .max_clients = SLOTS, .max_per_addr = SLOTS,
	    .command_timeout_s = 60, .idle_timeout_s = 60 };
	struct demo_server *srv = start(&cfg);
	const char *port = demo_server_port(srv);
	static struct client crowd[SLOTS];
	struct client fresh;
	struct smtp_reply r;
	smtp_reply_init(&r);
	int held = 0;
	for (int i = 0; i < SLOTS; i++) {
		client_open_from(&crowd[i], port, "127.0.0.2");
		int got = client_reply(&crowd[i], &r);
		ck_assert_msg(got == 220 || got == 421, "crowd member got %d", got);
		if (got == 220) {
			held++;
			ck_assert_int_eq(client_cmd(&crowd[i], "NOOP", &r), 250);  /* busy, not stalled */
		}
	}
	ck_assert_int_lt(held, SLOTS);          /* the crowd could not take the last slot */
	uint64_t t0 = tclient_now_ms();
	client_open_from(&fresh, port, "127.0.0.3");
	ck_assert_int_eq(client_reply(&fresh, &r), 220);
	ck_assert_int_eq(client_cmd(&fresh, "NOOP", &r), 250);
	ck_assert_uint_lt(tclient_now_ms() - t0, 1000);
	for (int i = 0; i < SLOTS; i++)
		client_close(&crowd[i]);
	client_close(&fresh);
	smtp_reply_free(&r);
	demo_server_free(srv);
}
END_TEST

/* STARTTLS's handshake has the line deadline too: a client that says
 * STARTTLS, gets 220 and then drips a ClientHello is cut off (no reply
 * can be read mid-handshake: the connection just closes), and the server
 * answers others meanwhile. */
START_TEST(test_stalled_handshake_is_cut_off)
{
	struct server_config cfg = { .command_timeout_s = 1, .idle_timeout_s = 60 };
	struct demo_server *srv = start(&cfg);
	struct client c, other;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	ck_assert_int_eq(client_cmd(&c, "EHLO slow.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "STARTTLS", &r), 220);
	uint64_t t0 = tclient_now_ms();
	client_send(&c, "\x16\x03", 2);     /* a record header begun */
	greet(&other, &r, demo_server_port(srv), NULL);
	ck_assert_int_eq(client_cmd(&other, "NOOP", &r), 250);
	bool gone = false;
	while (!gone && tclient_now_ms() - t0 < 5000) {
		client_send(&c, "\x01", 1);      /* a byte every 200 ms: idle never trips */
		gone = client_wait_eof(&c, 200);
	}
	ck_assert_msg(gone, "a stalled handshake was not cut off");
	ck_assert_int_eq(client_cmd(&other, "NOOP", &r), 250);
	smtp_reply_free(&r);
	client_close(&c);
	client_close(&other);
	demo_server_free(srv);
}
END_TEST

TCase *attack_slow_tcase(void)
{
	TCase *tc = tcase_create("slow");
	tcase_add_test(tc, test_drip_fed_command_gets_421);
	tcase_add_test(tc, test_stalled_handshake_is_cut_off);
	tcase_add_test(tc, test_full_server_still_serves);
	tcase_add_test(tc, test_connections_per_address);
	tcase_add_test(tc, test_crowd_leaves_room_for_a_newcomer);
	tcase_set_timeout(tc, 60);
	return tc;
}
