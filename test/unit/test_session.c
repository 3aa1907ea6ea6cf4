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

#include "session.h"

/* Script step: "<text" = read one line from the client, "." = read a message
 * body through its CRLF.CRLF, ">text" = send, "!" = close, "~" = stay silent
 * for 300 ms, "R" = reset (SO_LINGER 0) after reading a little. */
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

static void open_session(struct session *s, struct fake *f, struct smtp_reply *r, unsigned timeout_s)
{
	struct session_options o = { .cancel_fd = -1, .reply_timeout_s = timeout_s };
	struct smtp_error err;
	session_init(s, &o);
	smtp_reply_init(r);
	ck_assert_int_eq(session_open(s, "127.0.0.1", f->port, r, &err), SMTP_OK);
}

static enum smtp_errkind cmd(struct session *s, const char *line, struct smtp_reply *r,
    enum verdict *vd, struct smtp_error *err)
{
	return session_command(s, NULL, line, strlen(line), r, vd, err);
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
	struct session s;
	struct smtp_reply r;
	struct smtp_error err;
	enum verdict vd;
	open_session(&s, &f, &r, 5);
	ck_assert_int_eq(r.code, 220);
	ck_assert_int_eq(s.state, SMTP_ST_GREETED);
	ck_assert_int_eq(cmd(&s, "EHLO me.example", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(s.state, SMTP_ST_READY);
	ck_assert_ptr_nonnull(ehlo_find(&s.ehlo, "SIZE"));
	ck_assert_str_eq(s.helo_domain, "me.example");
	ck_assert_int_eq(cmd(&s, "MAIL FROM:<a@b>", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(s.state, SMTP_ST_MAIL);
	ck_assert_int_eq(cmd(&s, "RCPT TO:<c@d>", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(cmd(&s, "RCPT TO:<e@f>", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(vd, VERDICT_SUCCESS);        /* 251 */
	ck_assert_int_eq(s.state, SMTP_ST_RCPT);
	ck_assert_uint_eq(s.nrcpt, 2);
	ck_assert_int_eq(cmd(&s, "DATA", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(vd, VERDICT_INTERMEDIATE);
	ck_assert_int_eq(s.state, SMTP_ST_DATA);
	struct body_src b = { ".dot\nbare lf\r\n.\n", 16, 3 };
	ck_assert_int_eq(session_send_body(&s, body_read, &b, &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(s.state, SMTP_ST_READY);
	ck_assert_uint_eq(s.nrcpt, 0);
	ck_assert_int_eq(cmd(&s, "QUIT", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(s.state, SMTP_ST_CLOSED);
	ck_assert(!session_is_open(&s));
	const char *got = fake_finish(&f, NULL);
	ck_assert_str_eq(got, "EHLO me.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
	    "RCPT TO:<e@f>\r\nDATA\r\n..dot\r\nbare lf\r\n..\r\n.\r\nQUIT\r\n");
	smtp_reply_free(&r);
	session_free(&s);
}
END_TEST

START_TEST(test_421_closes)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">421 going down\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session s;
	struct smtp_reply r;
	struct smtp_error err;
	enum verdict vd;
	open_session(&s, &f, &r, 5);
	ck_assert_int_eq(cmd(&s, "NOOP", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(r.code, 421);
	ck_assert_int_eq(vd, VERDICT_ERROR);
	ck_assert_int_eq(s.state, SMTP_ST_CLOSED);
	ck_assert_int_eq(cmd(&s, "NOOP", &r, &vd, &err), SMTP_ERR_STATE);
	fake_finish(&f, NULL);
	smtp_reply_free(&r);
	session_free(&s);
}
END_TEST

START_TEST(test_eof_mid_reply_and_plain_close)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">250-part\r\n250-more", "!", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session s;
	struct smtp_reply r;
	struct smtp_error err;
	enum verdict vd;
	open_session(&s, &f, &r, 5);
	ck_assert_int_eq(cmd(&s, "EHLO x", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(r.code, SMTP_CODE_EOF);
	ck_assert_uint_eq(r.nlines, 2);
	ck_assert_int_eq(s.state, SMTP_ST_CLOSED);
	fake_finish(&f, NULL);

	static const char *const script2[] = { ">220 hi\r\n", "<", "!", NULL };
	fake_start(&f, script2);
	session_free(&s);
	smtp_reply_free(&r);
	open_session(&s, &f, &r, 5);
	ck_assert_int_eq(cmd(&s, "NOOP", &r, &vd, &err), SMTP_ERR_CLOSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "without 221/421"));
	ck_assert_int_eq(s.state, SMTP_ST_CLOSED);
	fake_finish(&f, NULL);
	smtp_reply_free(&r);
	session_free(&s);
}
END_TEST

START_TEST(test_two_replies_one_segment)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">250 first\r\n250 second\r\n", "<", ">221 bye\r\n", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session s;
	struct smtp_reply r;
	struct smtp_error err;
	enum verdict vd;
	open_session(&s, &f, &r, 5);
	ck_assert_int_eq(cmd(&s, "NOOP", &r, &vd, &err), SMTP_OK);
	ck_assert_str_eq(r.lines[0].text, "first");
	ck_assert(session_unsolicited_pending(&s));
	ck_assert_int_eq(session_read_reply(&s, 5, &r, &err), SMTP_OK);
	ck_assert_str_eq(r.lines[0].text, "second");
	ck_assert(!session_unsolicited_pending(&s));
	ck_assert_int_eq(cmd(&s, "QUIT", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(r.code, 221);
	fake_finish(&f, NULL);
	smtp_reply_free(&r);
	session_free(&s);
}
END_TEST

START_TEST(test_timeout_and_cancel)
{
	static const char *const script[] = { ">220 hi\r\n", "<", "~", "~", "~", "~", ">250 late\r\n", "<", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session s;
	struct smtp_reply r;
	struct smtp_error err;
	enum verdict vd;
	open_session(&s, &f, &r, 1);
	ck_assert_int_eq(cmd(&s, "NOOP", &r, &vd, &err), SMTP_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "timeout"));
	/* Cancel: a readable pipe ends the wait at once. */
	int pfd[2];
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], "x", 1), 1);
	s.tr.cancel_fd = pfd[0];
	s.inpos = s.inlen = 0;
	ck_assert_int_eq(cmd(&s, "NOOP", &r, &vd, &err), SMTP_ERR_CANCELLED);
	close(pfd[0]);
	close(pfd[1]);
	session_free(&s);
	fake_finish(&f, NULL);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_refusals)
{
	struct session s;
	struct smtp_reply r;
	struct smtp_error err;
	struct session_options o = { .cancel_fd = -1, .connect_timeout_s = 2 };
	smtp_reply_init(&r);
	session_init(&s, &o);
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
	ck_assert_int_eq(session_open(&s, "127.0.0.1", port, &r, &err), SMTP_ERR_CONNECT);
	ck_assert_ptr_nonnull(strstr(err.msg, "refused"));
	close(fd);
	ck_assert_int_eq(session_open(&s, "no-such-host.invalid", "25", &r, &err), SMTP_ERR_RESOLVE);
	ck_assert_int_eq(session_command(&s, NULL, "NOOP", 4, &r, NULL, &err), SMTP_ERR_STATE);
	ck_assert_int_eq(session_command(&s, NULL, "NOOP\r\nQUIT", 10, &r, NULL, &err), SMTP_ERR_REFUSED);
	struct body_src b = { "x", 1, 0 };
	ck_assert_int_eq(session_send_body(&s, body_read, &b, &r, NULL, &err), SMTP_ERR_STATE);
	session_free(&s);
	smtp_reply_free(&r);
}
END_TEST

START_TEST(test_reset_during_body)
{
	static const char *const script[] = { ">220 hi\r\n", "<", ">354 go\r\n", "R", NULL };
	struct fake f;
	fake_start(&f, script);
	struct session s;
	struct smtp_reply r;
	struct smtp_error err;
	enum verdict vd;
	open_session(&s, &f, &r, 5);
	ck_assert_int_eq(cmd(&s, "DATA", &r, &vd, &err), SMTP_OK);
	ck_assert_int_eq(s.state, SMTP_ST_DATA);
	size_t big = 64u << 20;
	char *body = malloc(big);
	memset(body, 'a', big);
	struct body_src b = { body, big, 0 };
	enum smtp_errkind k = session_send_body(&s, body_read, &b, &r, &vd, &err);
	ck_assert_msg(k == SMTP_ERR_CLOSED || k == SMTP_ERR_IO, "got %d: %s", k, err.msg);
	ck_assert_int_eq(s.state, SMTP_ST_CLOSED);
	free(body);
	fake_finish(&f, NULL);
	smtp_reply_free(&r);
	session_free(&s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_test(tc, test_transaction_states_and_bytes);
	tcase_add_test(tc, test_421_closes);
	tcase_add_test(tc, test_eof_mid_reply_and_plain_close);
	tcase_add_test(tc, test_two_replies_one_segment);
	tcase_add_test(tc, test_timeout_and_cancel);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_reset_during_body);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
