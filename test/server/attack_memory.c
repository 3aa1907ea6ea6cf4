/*
 * attack_memory.c - the teaching server under attack (issue 10), over real
 * loopback sockets: one message to 100 recipients is stored once, and the server's memory
 * has a ceiling: 452 at MAIL/RCPT, 552 at the end of DATA, old mail dropped
 * to make room.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

/* A field of /proc/self/status, in KiB (-1 when absent). */
static long status_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL)
		return -1;
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

START_TEST(test_hundred_recipients_one_copy)
{
	struct server_config cfg = { 0 };
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	ck_assert_int_eq(client_cmd(&c, "HELO c.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<a@c.example>", &r), 250);
	/* Mailboxes and the relay queue each keep 50: 100 recipients spread
	 * over four of them would be 100 copies if each got its own. */
	static const char *const to[] = { "alice", "bob", "postmaster" };
	for (int i = 0; i < 100; i++) {
		char rcpt[64];
		if (i % 4 == 3)
			snprintf(rcpt, sizeof rcpt, "RCPT TO:<r%d@far.example>", i);
		else
			snprintf(rcpt, sizeof rcpt, "RCPT TO:<%s>", to[i % 4]);
		ck_assert_int_eq(client_cmd(&c, rcpt, &r), 250);
	}
	ck_assert_int_eq(client_cmd(&c, "DATA", &r), 354);
	/* Peak RSS from here on (clear_refs 5 resets VmHWM to the current RSS). */
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f != NULL) {
		fputs("5", f);
		fclose(f);
	}
	long base = status_kib("VmRSS");
	ck_assert_int_gt(base, 0);
	size_t body = 99u * MIB / 10u;          /* 9.9 MiB, under the 10 MiB limit */
	client_send_body(&c, body);
	ck_assert_int_eq(client_reply_within(&c, &r, 30000), 250);
	long peak = status_kib("VmHWM");
	long grew_mib = (peak - base) / 1024;
	/* One stored copy is 10 MiB; 100 copies would be a gigabyte.  The
	 * ceiling leaves room for the sanitizers' quarantine and shadow. */
	ck_assert_msg(grew_mib < 80, "9.9 MiB to 100 recipients grew the process by %ld MiB", grew_mib);
	struct strbuf sb;
	strbuf_init(&sb, 64u * MIB);
	demo_server_mailbox(srv, "bob", &sb);
	ck_assert_msg(strstr(strbuf_str(&sb), "mailbox bob: 25 messages held") != NULL, "%.200s",
	    strbuf_str(&sb));
	strbuf_free(&sb);
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

START_TEST(test_memory_ceiling_552)
{
	struct server_config cfg = { .max_memory_bytes = 1 * MIB };
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	ck_assert_int_eq(client_cmd(&c, "HELO c.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<a@c.example>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "RCPT TO:<alice>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "DATA", &r), 354);
	client_send_body(&c, 3 * MIB / 2);       /* under the 10 MiB message limit */
	ck_assert_int_eq(client_reply_within(&c, &r, 20000), 552);
	ck_assert_msg(reply_has(&r, "storage"), "%s", r.lines[0].text);
	/* The connection survives, and a small message still fits. */
	ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<a@c.example>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "RCPT TO:<alice>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "DATA", &r), 354);
	client_send_body(&c, 4000);
	ck_assert_int_eq(client_reply(&c, &r), 250);
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

START_TEST(test_old_mail_makes_room)
{
	struct server_config cfg = { .max_memory_bytes = 1 * MIB };
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	greet(&c, &r, demo_server_port(srv), NULL);
	ck_assert_int_eq(client_cmd(&c, "HELO c.example", &r), 250);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<a@c.example>", &r), 250);
		ck_assert_int_eq(client_cmd(&c, "RCPT TO:<alice>", &r), 250);
		ck_assert_int_eq(client_cmd(&c, "DATA", &r), 354);
		client_send_body(&c, 300 * 1000);
		ck_assert_int_eq(client_reply_within(&c, &r, 20000), 250);
	}
	struct strbuf sb;
	strbuf_init(&sb, 8u * MIB);
	demo_server_mailbox(srv, "alice", &sb);
	/* Stored mail never blocks new mail: the oldest went. */
	ck_assert_msg(strstr(strbuf_str(&sb), "(4 delivered)") != NULL &&
	    strstr(strbuf_str(&sb), "4 messages held") == NULL, "%.200s", strbuf_str(&sb));
	strbuf_free(&sb);
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

START_TEST(test_memory_ceiling_452)
{
	struct server_config cfg = { .max_memory_bytes = 2 * MIB };
	struct demo_server *srv = start(&cfg);
	const char *port = demo_server_port(srv);
	struct client a, b, c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	/* RFC 1870 6.1: a declared size that does not fit now is 452. */
	greet(&c, &r, port, NULL);
	ck_assert_int_eq(client_cmd(&c, "EHLO c.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<a@c.example> SIZE=3000000", &r), 452);
	ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<a@c.example> SIZE=30000", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "RSET", &r), 250);
	/* b opens a transaction; a's unfinished body then takes the memory. */
	greet(&b, &r, port, NULL);
	ck_assert_int_eq(client_cmd(&b, "HELO b.example", &r), 250);
	ck_assert_int_eq(client_cmd(&b, "MAIL FROM:<b@b.example>", &r), 250);
	greet(&a, &r, port, NULL);
	ck_assert_int_eq(client_cmd(&a, "HELO a.example", &r), 250);
	ck_assert_int_eq(client_cmd(&a, "MAIL FROM:<a@a.example>", &r), 250);
	ck_assert_int_eq(client_cmd(&a, "RCPT TO:<alice>", &r), 250);
	ck_assert_int_eq(client_cmd(&a, "DATA", &r), 354);
	static char lines[1000 * 100];
	for (size_t k = 0; k < sizeof lines; k += 1000) {
		memset(lines + k, 'x', 998);
		memcpy(lines + k + 998, "\r\n", 2);
	}
	for (int i = 0; i < 19; i++)            /* 1.9 MB, not ended */
		client_send(&a, lines, sizeof lines);
	/* c asks until the server has read a's body (bounded wait). */
	int got = 0;
	uint64_t deadline = tclient_now_ms() + 10000;
	while (tclient_now_ms() < deadline) {
		got = client_cmd(&c, "MAIL FROM:<a@c.example>", &r);
		if (got != 250)
			break;
		ck_assert_int_eq(client_cmd(&c, "RSET", &r), 250);
	}
	ck_assert_int_eq(got, 452);
	ck_assert_msg(reply_has(&r, "storage"), "%s", r.lines[0].text);
	ck_assert_int_eq(client_cmd(&b, "RCPT TO:<bob>", &r), 452);
	/* a's message still completes or is refused cleanly; then all is free. */
	client_send(&a, ".\r\n", 3);
	got = client_reply_within(&a, &r, 10000);
	ck_assert_msg(got == 250 || got == 552, "end of a's DATA: %d", got);
	ck_assert_int_eq(client_cmd(&b, "RCPT TO:<bob>", &r), 250);
	smtp_reply_free(&r);
	client_close(&a);
	client_close(&b);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

TCase *attack_memory_tcase(void)
{
	TCase *tc = tcase_create("memory");
	tcase_add_test(tc, test_hundred_recipients_one_copy);
	tcase_add_test(tc, test_memory_ceiling_552);
	tcase_add_test(tc, test_old_mail_makes_room);
	tcase_add_test(tc, test_memory_ceiling_452);
	tcase_set_timeout(tc, 60);
	return tc;
}
