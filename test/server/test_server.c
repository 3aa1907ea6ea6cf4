/*
 * test_server.c - the teaching server over real loopback sockets: every
 * documented input gives its documented code (the table in
 * docs/teaching-server.md is checked by test/server/check_docs.py against
 * the same inputs), a transaction with dotted lines arrives intact, long
 * lines get 500 and the connection survives, TURN works end to end, 50
 * concurrent clients plus an idle one are all served, a silent client is
 * timed out with 421, a disabled verb gets 502.
 */
#include <check.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "reply.h"
#include "server.h"
#include "strbuf.h"
#include "verbs.h"

struct client {
	int fd;
	struct reply_parser p;
	char buf[65536];
	size_t len;
};

static void client_open(struct client *c, const char *port)
{
	memset(c, 0, sizeof *c);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(c->fd, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(reply_parser_init(&c->p), SMTP_OK);
}

static void client_close(struct client *c)
{
	close(c->fd);
	reply_parser_free(&c->p);
}

/* Read one reply (5 s deadline); code 0 on EOF/timeout. */
static int client_reply(struct client *c, struct smtp_reply *r)
{
	for (;;) {
		size_t used = 0;
		if (c->len > 0 && reply_parser_feed(&c->p, c->buf, c->len, &used, r) == REPLY_COMPLETE) {
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			return r->code;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		struct pollfd pf = { .fd = c->fd, .events = POLLIN };
		if (poll(&pf, 1, 5000) <= 0)
			return 0;
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		if (n <= 0)
			return 0;
		c->len += (size_t)n;
	}
}

static int client_cmd(struct client *c, const char *line, struct smtp_reply *r)
{
	size_t n = strlen(line);
	char *out = malloc(n + 2);
	ck_assert_ptr_nonnull(out);
	memcpy(out, line, n);
	memcpy(out + n, "\r\n", 2);
	ck_assert_int_eq(send(c->fd, out, n + 2, MSG_NOSIGNAL), (ssize_t)(n + 2));
	free(out);
	return client_reply(c, r);
}

static struct demo_server *start(const struct server_config *cfg)
{
	struct demo_server *srv;
	struct smtp_error err;
	struct server_config def = { 0 };
	ck_assert_int_eq(demo_server_create(&srv, cfg != NULL ? cfg : &def, &err), SMTP_OK);
	ck_assert_int_eq(demo_server_start_thread(srv, &err), SMTP_OK);
	return srv;
}

/* Each row: commands sent in order; the last one's reply code is checked. */
struct doc_case {
	const char *name;
	const char *cmds[8];
	int want;
};

static const struct doc_case doc_cases[] = {
	{ "211 help status", { "HELP STATUS" }, 211 },
	{ "214 help", { "HELP" }, 214 },
	{ "214 help topic", { "help vrfy" }, 214 },
	{ "221 quit", { "QUIT" }, 221 },
	{ "250 helo", { "HELO client.example" }, 250 },
	{ "250 ehlo", { "EHLO client.example" }, 250 },
	{ "250 vrfy alice", { "HELO c.example", "VRFY alice" }, 250 },
	{ "250 expn staff", { "HELO c.example", "EXPN staff" }, 250 },
	{ "251 vrfy dave", { "HELO c.example", "VRFY dave" }, 251 },
	{ "251 rcpt dave", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<dave>" }, 251 },
	{ "252 vrfy remote", { "HELO c.example", "VRFY x@far.example" }, 252 },
	{ "354 data", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<alice>", "DATA" }, 354 },
	{ "421 vrfy shutdown", { "HELO c.example", "VRFY shutdown" }, 421 },
	{ "450 rcpt busy", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<busy>" }, 450 },
	{ "450 send bob", { "HELO c.example", "SEND FROM:<a@b.example>", "RCPT TO:<bob>" }, 450 },
	{ "451 rcpt crash", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<crash>" }, 451 },
	{ "452 rcpt full", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<full>" }, 452 },
	{ "500 unknown", { "BOGUS" }, 500 },
	{ "501 mail alice", { "HELO c.example", "MAIL alice" }, 501 },
	{ "501 helo no domain", { "HELO" }, 501 },
	{ "501 noop arg to data", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<alice>", "DATA now" }, 501 },
	{ "502 turn nothing queued", { "HELO nobody.example", "TURN" }, 502 },
	{ "220 starttls", { "HELO c.example", "STARTTLS" }, 220 },
	{ "501 starttls arg", { "EHLO c.example", "STARTTLS now" }, 501 },
	{ "502 bdat", { "EHLO c.example", "BDAT 1 LAST" }, 502 },
	{ "530 rcpt vault", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<vault>" }, 530 },
	{ "538 auth before tls", { "EHLO c.example", "AUTH PLAIN" }, 538 },
	{ "503 auth in transaction", { "EHLO c.example", "MAIL FROM:<a@b.example>", "AUTH PLAIN" }, 503 },
	{ "503 rcpt before mail", { "HELO c.example", "RCPT TO:<alice>" }, 503 },
	{ "503 data before rcpt", { "HELO c.example", "MAIL FROM:<a@b.example>", "DATA" }, 503 },
	{ "503 mail before helo", { "MAIL FROM:<a@b.example>" }, 503 },
	{ "555 mail parameter", { "HELO c.example", "MAIL FROM:<a@b.example> FOO=1" }, 555 },
	{ "555 rcpt parameter", { "HELO c.example", "MAIL FROM:<a@b.example>",
	    "RCPT TO:<alice@demo.smtpsh.test> NOTIFY=NEVER" }, 555 },
	{ "504 help topic", { "HELP nothing" }, 504 },
	{ "550 rcpt unknown", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<nobody>" }, 550 },
	{ "550 vrfy unknown", { "HELO c.example", "VRFY nobody" }, 550 },
	{ "550 expn user", { "HELO c.example", "EXPN alice" }, 550 },
	{ "551 rcpt erin", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<erin>" }, 551 },
	{ "552 size", { "EHLO c.example", "MAIL FROM:<a@b.example> SIZE=999999999" }, 552 },
	{ "552 quota", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<quota>", "DATA", "hi", "." }, 552 },
	{ "553 vrfy smith", { "HELO c.example", "VRFY smith" }, 553 },
	{ "553 bad mailbox", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<a@@b>" }, 553 },
	{ "554 spamtrap", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<spamtrap>", "DATA", "hi", "." }, 554 },
	{ "250 end of data", { "HELO c.example", "MAIL FROM:<a@b.example>", "RCPT TO:<alice>", "DATA", "hi", "." }, 250 },
	{ "250 case-insensitive verbs", { "helo c.example", "mail from:<a@b.example>", "rcpt to:<ALICE>" }, 250 },
};

static struct demo_server *shared_srv;

START_TEST(test_documented_inputs)
{
	const struct doc_case *dc = &doc_cases[_i];
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	client_open(&c, demo_server_port(shared_srv));
	ck_assert_int_eq(client_reply(&c, &r), 220);
	/* Body lines after DATA get no reply until the final "." */
	bool in_data = false;
	int got = 0;
	for (size_t i = 0; i < 8 && dc->cmds[i] != NULL; i++) {
		const char *cmd = dc->cmds[i];
		if (in_data && strcmp(cmd, ".") != 0) {
			char out[1100];
			int n = snprintf(out, sizeof out, "%s\r\n", cmd);
			ck_assert_int_eq(send(c.fd, out, (size_t)n, 0), n);
			continue;
		}
		got = client_cmd(&c, cmd, &r);
		in_data = got == 354;
	}
	ck_assert_msg(got == dc->want, "%s: got %d want %d (%s)", dc->name, got, dc->want,
	    r.nlines > 0 ? r.lines[0].text : "");
	smtp_reply_free(&r);
	client_close(&c);
}
END_TEST

START_TEST(test_transaction_intact)
{
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	client_open(&c, demo_server_port(shared_srv));
	ck_assert_int_eq(client_reply(&c, &r), 220);
	ck_assert_int_eq(client_cmd(&c, "HELO c.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "MAIL FROM:<teacher@c.example>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "RCPT TO:<staff>", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "DATA", &r), 354);
	static const char body[] = "Subject: dots\r\n\r\n..starts with a dot\r\n...two\r\nend\r\n.\r\n";
	ck_assert_int_eq(send(c.fd, body, sizeof body - 1, 0), (ssize_t)(sizeof body - 1));
	ck_assert_int_eq(client_reply(&c, &r), 250);
	struct strbuf sb;
	strbuf_init(&sb, 1 << 20);
	demo_server_mailbox(shared_srv, "bob", &sb);
	ck_assert_msg(strstr(strbuf_str(&sb), "Subject: dots\r\n\r\n.starts with a dot\r\n..two\r\nend\r\n") != NULL,
	    "bob's mailbox: %s", strbuf_str(&sb));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&sb), "from <teacher@c.example>"));
	strbuf_free(&sb);
	ck_assert_int_eq(client_cmd(&c, "QUIT", &r), 221);
	smtp_reply_free(&r);
	client_close(&c);
}
END_TEST

START_TEST(test_send_soml_saml)
{
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	client_open(&c, demo_server_port(shared_srv));
	ck_assert_int_eq(client_reply(&c, &r), 220);
	ck_assert_int_eq(client_cmd(&c, "HELO c.example", &r), 250);
	static const char *const kinds[] = { "SEND", "SOML", "SAML" };
	for (int k = 0; k < 3; k++) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "%s FROM:<t@c.example>", kinds[k]);
		ck_assert_int_eq(client_cmd(&c, cmd, &r), 250);
		ck_assert_int_eq(client_cmd(&c, "RCPT TO:<alice>", &r), 250);
		ck_assert_int_eq(client_cmd(&c, "DATA", &r), 354);
		char body[64];
		int n = snprintf(body, sizeof body, "via %s\r\n.\r\n", kinds[k]);
		ck_assert_int_eq(send(c.fd, body, (size_t)n, 0), n);
		ck_assert_int_eq(client_reply(&c, &r), 250);
	}
	struct strbuf term, box;
	strbuf_init(&term, 1 << 20);
	strbuf_init(&box, 1 << 20);
	demo_server_terminal(shared_srv, "alice", &term);
	demo_server_mailbox(shared_srv, "alice", &box);
	/* alice is logged in: SEND and SOML reach her terminal, SAML both. */
	ck_assert_ptr_nonnull(strstr(strbuf_str(&term), "via SEND"));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&term), "via SOML"));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&term), "via SAML"));
	ck_assert_ptr_null(strstr(strbuf_str(&box), "via SEND"));
	ck_assert_ptr_null(strstr(strbuf_str(&box), "via SOML"));
	ck_assert_ptr_nonnull(strstr(strbuf_str(&box), "via SAML"));
	strbuf_free(&term);
	strbuf_free(&box);
	smtp_reply_free(&r);
	client_close(&c);
}
END_TEST

START_TEST(test_long_line_survives)
{
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	client_open(&c, demo_server_port(shared_srv));
	ck_assert_int_eq(client_reply(&c, &r), 220);
	char line[5000];
	memset(line, 'A', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	memcpy(line, "VRFY ", 5);
	ck_assert_int_eq(client_cmd(&c, line, &r), 500);
	ck_assert_int_eq(client_cmd(&c, "NOOP", &r), 250);
	smtp_reply_free(&r);
	client_close(&c);
}
END_TEST

struct turn_log {
	struct strbuf text;
	int exchanges;
};

static void on_turn_exchange(void *ctx, const char *cmd, size_t cmdlen, const char *reply, size_t replylen)
{
	struct turn_log *log = ctx;
	log->exchanges++;
	strbuf_appendf(&log->text, "C: ");
	if (cmd != NULL)
		strbuf_append(&log->text, cmd, cmdlen);
	strbuf_appendf(&log->text, "\nS: ");
	strbuf_append(&log->text, reply, replylen);
}

START_TEST(test_turn_end_to_end)
{
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	client_open(&c, demo_server_port(shared_srv));
	ck_assert_int_eq(client_reply(&c, &r), 220);
	ck_assert_int_eq(client_cmd(&c, "HELO client.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "TURN", &r), 250);
	struct turn_log log = { .exchanges = 0 };
	strbuf_init(&log.text, 1 << 20);
	struct smtp_error err;
	ck_assert_int_eq(demo_server_receive_turned(c.fd, c.buf, c.len, NULL, on_turn_exchange,
	    &log, -1, &err), SMTP_OK);
	const char *t = strbuf_str(&log.text);
	ck_assert_msg(strstr(t, "C: HELO demo.smtpsh.test") != NULL, "%s", t);
	ck_assert_msg(strstr(t, "C: MAIL FROM:<postmaster@demo.smtpsh.test>") != NULL, "%s", t);
	ck_assert_msg(strstr(t, "C: RCPT TO:<student@client.example>") != NULL, "%s", t);
	ck_assert_msg(strstr(t, "\r\n.A line that starts with a dot arrives intact.\r\n") != NULL, "%s", t);
	ck_assert_msg(strstr(t, "S: 221 ") != NULL, "%s", t);
	ck_assert_int_ge(log.exchanges, 6);
	strbuf_free(&log.text);
	smtp_reply_free(&r);
	client_close(&c);
	/* The queue is empty now: TURN is refused. */
	client_open(&c, demo_server_port(shared_srv));
	ck_assert_int_eq(client_reply(&c, &r), 220);
	ck_assert_int_eq(client_cmd(&c, "HELO client.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "TURN", &r), 502);
	smtp_reply_free(&r);
	client_close(&c);
}
END_TEST

#define NCLIENTS 50

START_TEST(test_fifty_concurrent_and_idle)
{
	static struct client cl[NCLIENTS];
	struct client idle;
	struct smtp_reply r;
	smtp_reply_init(&r);
	client_open(&idle, demo_server_port(shared_srv));
	ck_assert_int_eq(client_reply(&idle, &r), 220);
	for (int i = 0; i < NCLIENTS; i++)
		client_open(&cl[i], demo_server_port(shared_srv));
	for (int i = 0; i < NCLIENTS; i++)
		ck_assert_int_eq(client_reply(&cl[i], &r), 220);
	static const char *const steps[] = { "HELO c.example", "MAIL FROM:<a@c.example>",
	    "RCPT TO:<postmaster>", "DATA" };
	static const int want[] = { 250, 250, 250, 354 };
	for (size_t s = 0; s < 4; s++) {
		for (int i = 0; i < NCLIENTS; i++) {
			char out[128];
			int n = snprintf(out, sizeof out, "%s\r\n", steps[s]);
			ck_assert_int_eq(send(cl[i].fd, out, (size_t)n, 0), n);
		}
		for (int i = 0; i < NCLIENTS; i++)
			ck_assert_int_eq(client_reply(&cl[i], &r), want[s]);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		char out[128];
		int n = snprintf(out, sizeof out, "client %d\r\n.\r\n", i);
		ck_assert_int_eq(send(cl[i].fd, out, (size_t)n, 0), n);
	}
	for (int i = 0; i < NCLIENTS; i++) {
		ck_assert_int_eq(client_reply(&cl[i], &r), 250);
		client_close(&cl[i]);
	}
	ck_assert_int_eq(client_cmd(&idle, "NOOP", &r), 250);
	smtp_reply_free(&r);
	client_close(&idle);
}
END_TEST

START_TEST(test_idle_timeout_and_disabled_verb)
{
	struct server_config cfg = { .idle_timeout_s = 1, .disabled_verbs = 1u << VERB_VRFY };
	struct demo_server *srv = start(&cfg);
	struct client c;
	struct smtp_reply r;
	smtp_reply_init(&r);
	client_open(&c, demo_server_port(srv));
	ck_assert_int_eq(client_reply(&c, &r), 220);
	ck_assert_int_eq(client_cmd(&c, "HELO c.example", &r), 250);
	ck_assert_int_eq(client_cmd(&c, "VRFY alice", &r), 502);
	ck_assert_int_eq(client_reply(&c, &r), 421);     /* then silence: 421 */
	smtp_reply_free(&r);
	client_close(&c);
	demo_server_free(srv);
}
END_TEST

static void setup(void)
{
	shared_srv = start(NULL);
}

static void teardown(void)
{
	demo_server_free(shared_srv);
}

int main(void)
{
	Suite *s = suite_create("server");
	TCase *tc = tcase_create("server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_documented_inputs, 0, (int)(sizeof doc_cases / sizeof doc_cases[0]));
	tcase_add_test(tc, test_transaction_intact);
	tcase_add_test(tc, test_send_soml_saml);
	tcase_add_test(tc, test_long_line_survives);
	tcase_add_test(tc, test_turn_end_to_end);
	tcase_add_test(tc, test_fifty_concurrent_and_idle);
	tcase_add_test(tc, test_idle_timeout_and_disabled_verb);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
