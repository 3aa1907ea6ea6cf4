/*
 * test_session.c - transport and session over real loopback sockets: a
 * forked scripted server sends exact bytes and records what it received.
 * (The transport's own cases -- refused, unresolvable, timeout, cancel,
 * reset -- are here too.)  Covers the state after each step of a
 * transaction, exact body bytes,
 * 421, EOF inside a reply (621), a close without 221, two replies in one
 * segment, timeout, cancel, refused/unresolvable hosts, a body refused
 * outside DATA, and a peer reset during a large body (no SIGPIPE death).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "session.h"

/* Script step: "<text" = read one line from the client, "." = read a message
 * body through its CRLF.CRLF, ">text" = send, "!" = close, "~" = stay silent
 * for 300 ms, "R" = reset (SO_LINGER 0) after reading a little, "B" = read
 * and drop at least 64 KiB (a body has begun),
 * "F" = flood: send 1 MiB of "250-xxxx" lines. */
struct fake {
	pid_t pid;
	char port[16];
	int record[2];     /* child -> parent: bytes received */
};

static void fake_child(int lfd, const char *const *script, int out)
{
	int c = accept(lfd, NULL, NULL);
	if (c < 0)
		_exit(1);
	char buf[65536];
	size_t have = 0;
	for (size_t i = 0; script[i] != NULL; i++) {
		const char *st = script[i];
		if (st[0] == '>') {
			if (send(c, st + 1, strlen(st + 1), MSG_NOSIGNAL) < 0)
				break;
		} else if (st[0] == '<') {
			for (;;) {
				char *lf = memchr(buf, '\n', have);
				if (lf != NULL) {
					size_t n = (size_t)(lf - buf) + 1;
					(void)!write(out, buf, n);
					memmove(buf, buf + n, have - n);
					have -= n;
					break;
				}
				ssize_t n = recv(c, buf + have, sizeof buf - have, 0);
				if (n <= 0)
					goto done;
				have += (size_t)n;
			}
		} else if (st[0] == 'B') {
			/* Read (not recorded: the record pipe would fill) at
			 * least 64 KiB of what the client sends: its body has
			 * begun. */
			size_t total = 0;
			while (total < 65536) {
				ssize_t n = recv(c, buf, sizeof buf, 0);
				if (n <= 0)
					goto done;
				total += (size_t)n;
			}
		} else if (st[0] == '.') {
			/* Search only the new bytes (and the 4 before them: the
			 * marker may span two reads). */
			size_t from = 0;
			for (;;) {
				char *end = memmem(buf + from, have - from, "\r\n.\r\n", 5);
				if (end != NULL) {
					size_t n = (size_t)(end - buf) + 5;
					(void)!write(out, buf, n);
					memmove(buf, buf + n, have - n);
					have -= n;
					break;
				}
				if (have == sizeof buf) {
					(void)!write(out, buf, have - 4);
					memmove(buf, buf + have - 4, 4);
					have = 4;
				}
				from = have > 4 ? have - 4 : 0;
				ssize_t n = recv(c, buf + have, sizeof buf - have, 0);
				if (n <= 0)
					goto done;
				have += (size_t)n;
			}
		} else if (st[0] == '!') {
			close(c);
			c = -1;
			break;
		} else if (st[0] == '~') {
			usleep(300000);
		} else if (st[0] == 'F') {
			static char flood[1 << 16];
			for (size_t k = 0; k + 10 <= sizeof flood; k += 10)
				memcpy(flood + k, "250-xxxx\r\n", 10);
			for (int k = 0; k < 16; k++)
				if (send(c, flood, sizeof flood, MSG_NOSIGNAL) < 0)
					break;
		} else if (st[0] == 'R') {
			ssize_t n = recv(c, buf, sizeof buf, 0);
			(void)n;
			struct linger lg = { 1, 0 };
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
			close(c);
			c = -1;
			break;
		}
	}
done:
	if (c >= 0) {
		ssize_t n;
		if (have > 0)
			(void)!write(out, buf, have);
		while ((n = recv(c, buf, sizeof buf, 0)) > 0)
			(void)!write(out, buf, (size_t)n);
		close(c);
	}
	_exit(0);
}

static void fake_start(struct fake *f, const char *const *script)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	socklen_t sl = sizeof sa;
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	snprintf(f->port, sizeof f->port, "%u", ntohs(sa.sin_port));
	ck_assert_int_eq(pipe(f->record), 0);
	f->pid = fork();
	ck_assert_int_ge(f->pid, 0);
	if (f->pid == 0) {
		close(f->record[0]);
		fake_child(lfd, script, f->record[1]);
	}
	close(lfd);
	close(f->record[1]);
}

/* Wait for the server; returns what it received (static buffer). */
static const char *fake_finish(struct fake *f, size_t *len)
{
	static char got[1 << 20];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof got - 1 && (r = read(f->record[0], got + n, sizeof got - 1 - n)) > 0)
		n += (size_t)r;
	got[n] = '\0';
	close(f->record[0]);
	waitpid(f->pid, NULL, 0);
	if (len != NULL)
		*len = n;
	return got;
}


/* Connect with these options and read the greeting. */
static struct session *open_session_with(struct fake *f, struct session_reply *r,
    const struct session_options *o)
{
	struct smtp_error err;
	struct session *s = session_new(o);
	ck_assert_ptr_nonnull(s);
	session_reply_init(r);
	ck_assert_int_eq(session_open(s, "127.0.0.1", f->port, &err), SMTP_OK);
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, r, &err), SMTP_OK);
	ck_assert_int_eq(r->origin, SESSION_REPLY_GREETING);
	return s;
}

static struct session *open_session(struct fake *f, struct session_reply *r,
    unsigned timeout_s)
{
	struct session_options o = { .cancel_fd = -1, .reply_timeout_s = timeout_s };
	return open_session_with(f, r, &o);
}

static enum smtp_errkind cmd(struct session *s, const char *line, struct session_reply *r,
    struct smtp_error *err)
{
	return session_command(s, NULL, line, strlen(line), r, NULL, NULL, err);
}

/* Send a body and wait for its reply. */
static enum smtp_errkind body(struct session *s, body_reader_fn rd, void *ctx,
    struct session_reply *r, bool *interrupted, struct smtp_error *err)
{
	unsigned long seq;
	enum smtp_errkind k = session_send_body(s, rd, ctx, &seq, interrupted, err);
	while (k == SMTP_OK) {
		k = session_next_reply(s, SESSION_WAIT_OWED, r, err);
		if (k != SMTP_OK || r->seq == seq)
			break;
	}
	return k;
}

struct body_src {
	const char *p;
	size_t left;
	size_t chunk;
};

static enum smtp_errkind body_read(void *ctx, char *buf, size_t cap, size_t *got,
    struct smtp_error *err)
{
	struct body_src *b = ctx;
	size_t n = b->left < cap ? b->left : cap;
	if (b->chunk != 0 && n > b->chunk)
		n = b->chunk;
	memcpy(buf, b->p, n);
	b->p += n;
	b->left -= n;
	*got = n;
	(void)err;
	return SMTP_OK;
}

START_TEST(test_transaction_states_and_bytes)
{
	static const char *const script[] = { ">220 fake ready\r\n",
		"<", ">250-fake\r\n250-SIZE 1000\r\n250 PIPELINING\r\n",
		"<", ">250 ok\r\n", "<", ">250 ok\r\n", "<", ">251 forwarding\r\n",
		"<", ">354 go\r\n", ".", ">250 queued\r\n", "<", ">221 bye\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	ck_assert_int_eq(r.reply.code, 220);
	ck_assert_int_eq(session_state(s), SMTP_ST_GREETED);
	ck_assert_int_eq(cmd(s, "EHLO me.example", &r, &err), SMTP_OK);
	ck_assert_int_eq(session_state(s), SMTP_ST_READY);
	ck_assert_ptr_nonnull(ehlo_find(session_extensions(s), "SIZE"));
	ck_assert_str_eq(session_helo_domain(s), "me.example");
	ck_assert_int_eq(cmd(s, "MAIL FROM:<a@b>", &r, &err), SMTP_OK);
	ck_assert_int_eq(session_state(s), SMTP_ST_MAIL);
	ck_assert_int_eq(cmd(s, "RCPT TO:<c@d>", &r, &err), SMTP_OK);
	ck_assert_int_eq(cmd(s, "RCPT TO:<e@f>", &r, &err), SMTP_OK);
	ck_assert_int_eq(r.verdict, VERDICT_SUCCESS);        /* 251 */
	ck_assert_str_eq(r.command, "RCPT TO:<e@f>");
	ck_assert_int_eq(session_state(s), SMTP_ST_RCPT);
	ck_assert_uint_eq(session_recipients(s), 2);
	ck_assert_int_eq(cmd(s, "DATA", &r, &err), SMTP_OK);
	ck_assert_int_eq(r.verdict, VERDICT_INTERMEDIATE);
	ck_assert_int_eq(session_state(s), SMTP_ST_DATA);
	struct body_src b = { ".dot\nbare lf\r\n.\n", 16, 3 };
	bool interrupted;
	ck_assert_int_eq(body(s, body_read, &b, &r, &interrupted, &err), SMTP_OK);
	ck_assert(!interrupted);
	ck_assert_int_eq(r.reply.code, 250);
	ck_assert(r.body_end);
	ck_assert_int_eq(session_state(s), SMTP_ST_READY);
	ck_assert_uint_eq(session_recipients(s), 0);
	ck_assert_int_eq(cmd(s, "QUIT", &r, &err), SMTP_OK);
	ck_assert_int_eq(session_state(s), SMTP_ST_CLOSED);
	ck_assert_int_eq(session_end(s), SESSION_END_QUIT);
	ck_assert(!session_is_open(s));
	const char *got = fake_finish(&f, NULL);
	ck_assert_str_eq(got, "EHLO me.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "RCPT TO:<e@f>\r\nDATA\r\n..dot\r\nbare lf\r\n..\r\n.\r\nQUIT\r\n");
	session_reply_free(&r);
	session_free(s);
}
END_TEST

START_TEST(test_421_closes)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">421 going down\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	ck_assert_int_eq(cmd(s, "NOOP", &r, &err), SMTP_OK);
	ck_assert_int_eq(r.reply.code, 421);
	ck_assert_int_eq(r.verdict, VERDICT_ERROR);
	ck_assert(r.closed);
	ck_assert_int_eq(session_state(s), SMTP_ST_CLOSED);
	ck_assert_int_eq(session_end(s), SESSION_END_421);
	ck_assert_int_eq(cmd(s, "NOOP", &r, &err), SMTP_ERR_STATE);
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

START_TEST(test_eof_mid_reply_and_plain_close)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">250-part\r\n250-more", "!", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	ck_assert_int_eq(cmd(s, "EHLO x", &r, &err), SMTP_OK);
	ck_assert_int_eq(r.reply.code, SMTP_CODE_EOF);
	ck_assert_uint_eq(r.reply.nlines, 2);
	ck_assert_int_eq(session_state(s), SMTP_ST_CLOSED);
	fake_finish(&f, NULL);
	session_free(s);

	static const char *const script2[] = { ">220 hi\r\n", "<", "!", NULL };
	fake_start(&f, script2);
	session_reply_free(&r);
	s = open_session(&f, &r, 5);
	ck_assert_int_eq(cmd(s, "NOOP", &r, &err), SMTP_ERR_CLOSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "without 221/421"));
	ck_assert_int_eq(session_end(s), SESSION_END_DROPPED);
	ck_assert_int_eq(session_state(s), SMTP_ST_CLOSED);
	fake_finish(&f, NULL);
	session_free(s);

	/* A close right after a permanent refusal: the server ended it. */
	static const char *const script3[] = { ">220 hi\r\n", "<", ">554 5.7.0 Too many\r\n", "!", NULL };
	fake_start(&f, script3);
	session_reply_free(&r);
	s = open_session(&f, &r, 5);
	ck_assert_int_eq(cmd(s, "VRFY a", &r, &err), SMTP_OK);
	ck_assert_int_eq(r.reply.code, 554);
	enum smtp_errkind k = cmd(s, "VRFY b", &r, &err);
	ck_assert_msg(k == SMTP_ERR_CLOSED, "got %d: %s", k, err.msg);
	ck_assert_int_eq(session_end(s), SESSION_END_AFTER_REFUSAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "ended the session"));
	ck_assert_ptr_null(strstr(err.msg, "transient"));
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

START_TEST(test_extra_reply_is_unsolicited)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">250 first\r\n250 second\r\n",
		"<", ">221 bye\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	ck_assert_int_eq(cmd(s, "NOOP", &r, &err), SMTP_OK);
	ck_assert_str_eq(r.reply.lines[0].text, "first");
	ck_assert_int_eq(r.origin, SESSION_REPLY_COMMAND);
	ck_assert(session_input_pending(s));
	ck_assert_int_eq(session_next_reply(s, 0, &r, &err), SMTP_OK);
	ck_assert_str_eq(r.reply.lines[0].text, "second");
	ck_assert_int_eq(r.origin, SESSION_REPLY_UNSOLICITED);
	ck_assert_uint_eq(r.seq, 0);
	ck_assert_int_eq(r.command_len, 0);
	ck_assert(!session_input_pending(s));
	ck_assert_int_eq(session_next_reply(s, 0, &r, &err), SMTP_ERR_AGAIN);
	ck_assert_int_eq(cmd(s, "QUIT", &r, &err), SMTP_OK);
	ck_assert_int_eq(r.reply.code, 221);
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

/* Issue 9: "550 inj" arrives with the greeting, "ected" after NOOP: the 550
 * started before NOOP was sent and cannot be its reply. */
START_TEST(test_partial_line_before_a_command)
{
	static const char *const script[] = { ">220 hi\r\n550 inj", "<", ">ected\r\n250 ok\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	unsigned long seq;
	ck_assert_int_eq(session_send(s, NULL, "NOOP", 4, &seq, NULL, &err), SMTP_OK);
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert_int_eq(r.reply.code, 550);
	ck_assert_str_eq(r.reply.lines[0].text, "injected");
	ck_assert_int_eq(r.origin, SESSION_REPLY_UNSOLICITED);
	ck_assert_int_eq(session_owed(s), 1);
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert_int_eq(r.reply.code, 250);
	ck_assert_int_eq(r.origin, SESSION_REPLY_COMMAND);
	ck_assert_uint_eq(r.seq, seq);
	ck_assert_str_eq(r.command, "NOOP");
	session_close(s);
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

/* Issue 9: a cancelled wait keeps the command owed; its reply comes late
 * and is credited to it, never to the next command. */
START_TEST(test_late_reply_after_cancel)
{
	static const char *const script[] = { ">220 hi\r\n", "<", "~", ">250 late noop\r\n", "<",
		">252 vrfy answer\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	struct session_options o = { .cancel_fd = pfd[0], .reply_timeout_s = 5 };
	struct smtp_error err;
	struct session_reply r;
	struct session *s = open_session_with(&f, &r, &o);
	unsigned long noop;
	ck_assert_int_eq(session_send(s, NULL, "NOOP", 4, &noop, NULL, &err), SMTP_OK);
	ck_assert_int_eq(write(pfd[1], "I", 1), 1);          /* Ctrl-C */
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_ERR_CANCELLED);
	char c;
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	ck_assert_int_eq(session_owed(s), 1);
	ck_assert_str_eq(session_owed_command(s, 0), "NOOP");
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert_int_eq(r.origin, SESSION_REPLY_LATE);
	ck_assert_uint_eq(r.seq, noop);
	ck_assert_str_eq(r.command, "NOOP");
	ck_assert_str_eq(r.reply.lines[0].text, "late noop");
	unsigned long vrfy;
	ck_assert_int_eq(session_send(s, NULL, "VRFY bob", 8, &vrfy, NULL, &err), SMTP_OK);
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert_uint_eq(r.seq, vrfy);
	ck_assert_int_eq(r.reply.code, 252);
	ck_assert_int_eq(r.origin, SESSION_REPLY_COMMAND);
	close(pfd[0]);
	close(pfd[1]);
	session_close(s);
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

/* Issue 9: the deadline counts from the send, not from the last byte: a
 * server dripping a byte every 300 ms does not stretch a 1 s deadline. */
START_TEST(test_deadline_is_absolute)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">2", "~", ">5", "~", ">0", "~",
		">-", "~", ">a", "~", ">b", "~", ">c", "~", ">\r\n250 done\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 1);
	long long t0 = clock_now_ms();
	ck_assert_int_eq(cmd(s, "NOOP", &r, &err), SMTP_ERR_TIMEOUT);
	long long took = clock_now_ms() - t0;
	ck_assert_msg(took < 1900, "took %lld ms", took);
	ck_assert(!session_is_open(s));
	ck_assert_int_eq(session_end(s), SESSION_END_LOCAL);
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

START_TEST(test_budget_and_flood)
{
	static const char *const script[] = { ">220 hi\r\n", "<", "F", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_options o = { .cancel_fd = -1, .reply_timeout_s = 10,
	    .reply_budget_bytes = 64 * 1024 };
	struct smtp_error err;
	struct session_reply r;
	struct session *s = open_session_with(&f, &r, &o);
	ck_assert_int_eq(cmd(s, "NOOP", &r, &err), SMTP_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "budget"));
	ck_assert(!session_is_open(s));
	fake_finish(&f, NULL);
	session_free(s);

	/* More unsolicited replies in a row than SESSION_UNSOLICITED_MAX. */
	static char flood[(SESSION_UNSOLICITED_MAX + 8) * 8 + 16];
	size_t n = (size_t)snprintf(flood, sizeof flood, ">220 hi\r\n");
	for (int i = 0; i < SESSION_UNSOLICITED_MAX + 8; i++)
		n += (size_t)snprintf(flood + n, sizeof flood - n, "250 x\r\n");
	const char *script2[] = { flood, "<", NULL };
	fake_start(&f, script2);
	session_reply_free(&r);
	s = open_session(&f, &r, 5);
	enum smtp_errkind k = SMTP_OK;
	int got = 0;
	while ((k = session_next_reply(s, clock_now_ms() + 2000, &r, &err)) == SMTP_OK)
		got++;
	ck_assert_int_eq(k, SMTP_ERR_LIMIT);
	ck_assert_int_eq(got, SESSION_UNSOLICITED_MAX + 1);
	ck_assert(!session_is_open(s));
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

/* A cancel is honoured while bytes keep arriving. */
START_TEST(test_cancel_while_data_flows)
{
	static const char *const script[] = { ">220 hi\r\n", "<", "F", NULL };
	struct fake f;
	fake_start(&f, script);
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	struct session_options o = { .cancel_fd = pfd[0], .reply_timeout_s = 10 };
	struct smtp_error err;
	struct session_reply r;
	struct session *s = open_session_with(&f, &r, &o);
	ck_assert_int_eq(session_send(s, NULL, "NOOP", 4, NULL, NULL, &err), SMTP_OK);
	usleep(200000);                         /* let the flood fill the socket */
	ck_assert_int_eq(write(pfd[1], "T", 1), 1);
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_ERR_CANCELLED);
	close(pfd[0]);
	close(pfd[1]);
	session_free(s);
	fake_finish(&f, NULL);
	session_reply_free(&r);
}
END_TEST

/* Secrets are decided from the wire text and shown redacted. */
START_TEST(test_secret_lines_shown_redacted)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">334 VXNlcm5hbWU6\r\n", "<",
		">334 UGFzc3dvcmQ6\r\n", "<", ">501 cancelled\r\n", "<", ">235 ok\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	char shown[SESSION_SHOWN_MAX];
	ck_assert_int_eq(session_send(s, NULL, "AUTH LOGIN", 10, NULL, shown, &err), SMTP_OK);
	ck_assert_str_eq(shown, "AUTH LOGIN");
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert(session_in_auth(s));
	ck_assert_int_eq(session_send(s, NULL, "YWxpY2U=", 8, NULL, shown, &err), SMTP_OK);
	ck_assert_str_eq(shown, "<secret>");
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert_str_eq(r.command, "<secret>");
	ck_assert_int_eq(r.verb->id, VERB_AUTH);
	ck_assert_int_eq(session_send(s, NULL, "*", 1, NULL, shown, &err), SMTP_OK);
	ck_assert_str_eq(shown, "*");
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert(!session_in_auth(s));
	ck_assert_int_eq(session_send(s, NULL, "AUTH PLAIN AGEAYg==", 19, NULL, shown, &err), SMTP_OK);
	ck_assert_str_eq(shown, "AUTH PLAIN <secret>");
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert_str_eq(r.command, "AUTH PLAIN <secret>");
	session_close(s);
	const char *got = fake_finish(&f, NULL);
	ck_assert_str_eq(got, "AUTH LOGIN\r\nYWxpY2U=\r\n*\r\nAUTH PLAIN AGEAYg==\r\n");
	session_reply_free(&r);
	session_free(s);
}
END_TEST

START_TEST(test_timeout_and_cancel)
{
	static const char *const script[] = { ">220 hi\r\n", "<", "~", "~", "~", "~", ">250 late\r\n", "<", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 1);
	ck_assert_int_eq(cmd(s, "NOOP", &r, &err), SMTP_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "timeout"));
	ck_assert_ptr_nonnull(strstr(err.msg, "NOOP"));
	ck_assert(!session_is_open(s));
	session_free(s);
	fake_finish(&f, NULL);
	session_reply_free(&r);
}
END_TEST

START_TEST(test_refusals)
{
	struct session_reply r;
	struct smtp_error err;
	struct session_options o = { .cancel_fd = -1, .connect_timeout_s = 2 };
	session_reply_init(&r);
	struct session *s = session_new(&o);
	/* A port bound but not listening: refused, and ours until the close
	 * below, so no other process can start listening on it meanwhile. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	bind(fd, (struct sockaddr *)&sa, sizeof sa);
	socklen_t sl = sizeof sa;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	char port[16];
	snprintf(port, sizeof port, "%u", ntohs(sa.sin_port));
	ck_assert_int_eq(session_open(s, "127.0.0.1", port, &err), SMTP_ERR_CONNECT);
	ck_assert_ptr_nonnull(strstr(err.msg, "refused"));
	close(fd);
	ck_assert_int_eq(session_open(s, "no-such-host.invalid", "25", &err), SMTP_ERR_RESOLVE);
	/* Ports outside 1..65535 never reach connect(). */
	static const char *const bad[] = { "0", "65536", "111671", "99999999999", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(session_open(s, "127.0.0.1", bad[i], &err), SMTP_ERR_USAGE);
		ck_assert_ptr_nonnull(strstr(err.msg, "1..65535"));
	}
	ck_assert_int_eq(session_command(s, NULL, "NOOP", 4, &r, NULL, NULL, &err), SMTP_ERR_STATE);
	ck_assert_int_eq(session_command(s, NULL, "NOOP\r\nQUIT", 10, &r, NULL, NULL, &err),
	    SMTP_ERR_REFUSED);
	struct body_src b = { "x", 1, 0 };
	unsigned long seq;
	bool interrupted;
	ck_assert_int_eq(session_send_body(s, body_read, &b, &seq, &interrupted, &err),
	    SMTP_ERR_STATE);
	session_free(s);
	session_reply_free(&r);
}
END_TEST

START_TEST(test_reset_during_body)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">354 go\r\n", "R", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	ck_assert_int_eq(cmd(s, "DATA", &r, &err), SMTP_OK);
	ck_assert_int_eq(session_state(s), SMTP_ST_DATA);
	size_t big = 64u << 20;
	char *data = malloc(big);
	memset(data, 'a', big);
	struct body_src b = { data, big, 0 };
	bool interrupted;
	enum smtp_errkind k = body(s, body_read, &b, &r, &interrupted, &err);
	ck_assert_msg(k == SMTP_ERR_CLOSED || k == SMTP_ERR_IO, "got %d: %s", k, err.msg);
	ck_assert_int_eq(session_state(s), SMTP_ST_CLOSED);
	free(data);
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

/* A server that answers in the middle of the body (it stopped reading):
 * sending stops, its reply is the body's, and the connection is closed. */
START_TEST(test_reply_in_the_middle_of_a_body)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">354 go\r\n", "B",
		">552 5.3.4 too big\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session_reply r;
	struct smtp_error err;
	struct session *s = open_session(&f, &r, 5);
	ck_assert_int_eq(cmd(s, "DATA", &r, &err), SMTP_OK);
	size_t big = 64u << 20;
	char *data = malloc(big);
	memset(data, 'a', big);
	struct body_src b = { data, big, 0 };
	bool interrupted = false;
	ck_assert_int_eq(body(s, body_read, &b, &r, &interrupted, &err), SMTP_OK);
	ck_assert(interrupted);
	ck_assert_int_eq(r.reply.code, 552);
	ck_assert(r.body_end);
	ck_assert_int_eq(r.verdict, VERDICT_FAILURE);
	ck_assert(!session_is_open(s));
	ck_assert_msg(b.left > 0, "the whole body was sent");
	free(data);
	fake_finish(&f, NULL);
	session_reply_free(&r);
	session_free(s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_test(tc, test_transaction_states_and_bytes);
	tcase_add_test(tc, test_421_closes);
	tcase_add_test(tc, test_eof_mid_reply_and_plain_close);
	tcase_add_test(tc, test_extra_reply_is_unsolicited);
	tcase_add_test(tc, test_partial_line_before_a_command);
	tcase_add_test(tc, test_late_reply_after_cancel);
	tcase_add_test(tc, test_deadline_is_absolute);
	tcase_add_test(tc, test_budget_and_flood);
	tcase_add_test(tc, test_cancel_while_data_flows);
	tcase_add_test(tc, test_secret_lines_shown_redacted);
	tcase_add_test(tc, test_timeout_and_cancel);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_reset_during_body);
	tcase_add_test(tc, test_reply_in_the_middle_of_a_body);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
