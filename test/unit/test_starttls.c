/*
 * test_starttls.c - STARTTLS through a real session against a forked server
 * on 127.0.0.1 that speaks plaintext SMTP, then TLS with a test certificate:
 *  - ST-03: "220 go ahead\r\n250 injected\r\n" in one write: the injected
 *    line is discarded and counted, never read as a reply; the first reply
 *    after TLS is the real EHLO answer.
 *  - ST-04: a partial line after the 220 is discarded too.
 *  - ST-05: EHLO state forgotten, state back to GREETED.
 *  - ST-08: the client sent exactly "STARTTLS\r\n" before its ClientHello.
 *  - ST-02: a 454 leaves the session in plaintext and says so.
 *  - ST-07 / TV-02: a failed verification closes the session.
 *  - ST-06: a second STARTTLS is refused locally.
 *  - --tls: implicit TLS through session_options.after_connect, verified
 *    before the greeting; an expired certificate fails the open.
 */
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "clock.h"
#include "session.h"
#include "starttls.h"
#include "testcerts.h"
#include "verbs.h"

#define LIT(s) (s), (sizeof(s) - 1)

enum { CHILD_OK = 10, CHILD_NO_EHLO = 20, CHILD_BAD_STARTTLS = 21,
       CHILD_HANDSHAKE_FAILED = 30, CHILD_SETUP = 40, CHILD_REFUSED_DONE = 50 };

struct script {
	const char *after_starttls;  /* written in one write after STARTTLS */
	const char *leaf;            /* NULL: no TLS (refusal) */
	bool implicit;               /* TLS from the first byte (port 465) */
};

static int child_implicit(int c, const struct script *sc)
{
	char crt[128], key[128], line[256];
	size_t n = 0;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	cert_path(crt, sizeof crt, sc->leaf, "pem");
	cert_path(key, sizeof key, sc->leaf, "key");
	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return CHILD_SETUP;
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) != 1)
		return CHILD_HANDSHAKE_FAILED;
	if (SSL_write(ssl, LIT("220 localhost implicit TLS\r\n")) <= 0)
		return CHILD_NO_EHLO;   /* the client already left */
	if (SSL_read_ex(ssl, line, sizeof line, &n) != 1 || n != 6 || memcmp(line, "NOOP\r\n", 6) != 0)
		return CHILD_NO_EHLO;
	if (SSL_write(ssl, LIT("250 2.0.0 ok over TLS\r\n")) <= 0)
		return CHILD_SETUP;
	while (SSL_read_ex(ssl, line, sizeof line, &n) == 1)
		;
	return CHILD_OK;
}

/* Read one line byte by byte (so nothing after it is consumed). */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0)
			return -1;
		n++;
		if (buf[n - 1] == '\n')
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static int child_serve(int c, const struct script *sc)
{
	static const char ehlo_plain[] =
	    "250-localhost greets you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n";
	static const char ehlo_tls[] = "250-localhost over TLS\r\n250 AUTH CRAM-MD5\r\n";
	char line[512], crt[128], key[128];
	unsigned char first;

	if (write(c, LIT("220 localhost test ESMTP\r\n")) < 0)
		return CHILD_SETUP;
	if (read_line(c, line, sizeof line) < 0 || strncmp(line, "EHLO ", 5) != 0)
		return CHILD_NO_EHLO;
	if (write(c, ehlo_plain, sizeof ehlo_plain - 1) < 0)
		return CHILD_SETUP;
	if (read_line(c, line, sizeof line) < 0 || strcmp(line, "STARTTLS\r\n") != 0)
		return CHILD_BAD_STARTTLS;
	if (write(c, sc->after_starttls, strlen(sc->after_starttls)) < 0)
		return CHILD_SETUP;
	if (sc->leaf == NULL) {
		/* refused: wait for the client to leave */
		while (read(c, line, sizeof line) > 0)
			;
		return CHILD_REFUSED_DONE;
	}
	/* ST-08: the next byte must be a TLS handshake record, not plaintext. */
	if (recv(c, &first, 1, MSG_PEEK) != 1 || first != 0x16)
		return CHILD_BAD_STARTTLS;

	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	cert_path(crt, sizeof crt, sc->leaf, "pem");
	cert_path(key, sizeof key, sc->leaf, "key");
	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return CHILD_SETUP;
	SSL *ssl = SSL_new(ctx);
	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) != 1)
		return CHILD_HANDSHAKE_FAILED;
	size_t n = 0, have = 0;
	while (have < sizeof line - 1 && SSL_read_ex(ssl, line + have, sizeof line - 1 - have, &n) == 1) {
		have += n;
		if (memchr(line, '\n', have) != NULL)
			break;
	}
	line[have] = '\0';
	if (strncmp(line, "EHLO ", 5) != 0)
		return CHILD_NO_EHLO;
	SSL_write(ssl, ehlo_tls, sizeof ehlo_tls - 1);
	/* until the client goes */
	while (SSL_read_ex(ssl, line, sizeof line, &n) == 1)
		;
	return CHILD_OK;
}

struct server {
	pid_t pid;
	char port[8];
};

static void server_start(struct server *s, const struct script *sc)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
	snprintf(s->port, sizeof s->port, "%d", ntohs(a.sin_port));
	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		struct timeval tv = { .tv_sec = 5 };
		alarm(15);
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			_exit(CHILD_SETUP);
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		_exit(sc->implicit ? child_implicit(c, sc) : child_serve(c, sc));
	}
	close(lfd);
}

static int server_wait(struct server *s)
{
	int st = 0;
	ck_assert_int_eq(waitpid(s->pid, &st, 0), s->pid);
	ck_assert_msg(WIFEXITED(st), "server child died (status %d)", st);
	return WEXITSTATUS(st);
}

/* Connect, read the greeting and EHLO; the EHLO set must be valid. */
static struct session *open_and_ehlo(struct server *srv)
{
	struct session_options opt = { .family = AF_INET, .cancel_fd = -1,
	                               .reply_timeout_s = 5, .connect_timeout_s = 5 };
	struct session_reply r;
	struct smtp_error err = { 0 };

	session_reply_init(&r);
	struct session *s = session_new(&opt);
	ck_assert_msg(session_open(s, "localhost", srv->port, &err) == SMTP_OK, "open: %s",
	    err.msg);
	ck_assert_int_eq(session_next_reply(s, SESSION_WAIT_OWED, &r, &err), SMTP_OK);
	ck_assert_int_eq(r.reply.code, 220);
	ck_assert_msg(session_command(s, verb_by_id(VERB_EHLO), LIT("EHLO client.test"), &r,
	    NULL, NULL, &err) == SMTP_OK, "ehlo: %s", err.msg);
	ck_assert_int_eq(r.reply.code, 250);
	ck_assert(session_extensions(s)->valid);
	ck_assert_ptr_nonnull(ehlo_find(session_extensions(s), "STARTTLS"));
	session_reply_free(&r);
	return s;
}

/* STARTTLS as the shell does it: the command and its reply like any
 * other, then the handshake if the reply was a trusted 220. */
static enum smtp_errkind starttls(struct session *s, const struct tls_options *o,
    struct session_reply *r, struct tls_info *info, size_t *discarded, struct strbuf *inj,
    struct smtp_error *err)
{
	enum smtp_errkind k = session_command(s, verb_by_id(VERB_STARTTLS), LIT("STARTTLS"), r,
	    NULL, NULL, err);
	if (k != SMTP_OK)
		return k;
	if (!session_tls_pending(s))
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "STARTTLS refused (%d): the "
		    "connection is still plaintext", r->reply.code);
	return session_start_tls(s, o, info, discarded, inj, err);
}

static const struct inject_row {
	const char *name;
	const char *after;      /* what follows STARTTLS, one write */
	size_t want_discarded;
	const char *want_injected;
} inject_rows[] = {
	{ "clean 220", "220 go ahead\r\n", 0, "" },
	{ "ST-03 whole line injected", "220 go ahead\r\n250 injected\r\n", 14, "250 injected\r\n" },
	{ "ST-03 EAST B_1", "220 Ready to start TLS\r\n250-example.org\r\n250 AUTH LOGIN\r\n",
	  33, "250-example.org\r\n250 AUTH LOGIN\r\n" },
	{ "ST-04 partial line", "220 ready\r\n250-AUTH PLAIN XOAUTH2", 22, "250-AUTH PLAIN XOAUTH2" },
};

START_TEST(test_injection_discarded)
{
	const struct inject_row *row = &inject_rows[_i];
	struct script sc = { .after_starttls = row->after, .leaf = "good" };
	struct server srv;
	struct session *s;
	struct session_reply r;
	struct smtp_error err = { 0 };
	struct tls_info info;
	struct strbuf inj;
	char ca[128];
	struct tls_options o = { .cafile = ca, .timeout_ms = 5000 };
	size_t discarded = 99;

	cert_path(ca, sizeof ca, "ca", "pem");
	strbuf_init(&inj, 4096);
	session_reply_init(&r);
	server_start(&srv, &sc);
	s = open_and_ehlo(&srv);

	ck_assert_msg(starttls(s, &o, &r, &info, &discarded, &inj, &err) == SMTP_OK,
	    "%s: %s", row->name, err.msg);
	ck_assert_int_eq(r.reply.code, 220);
	ck_assert_msg(discarded == row->want_discarded, "%s: discarded got %zu want %zu",
	    row->name, discarded, row->want_discarded);
	ck_assert_msg(strcmp(strbuf_str(&inj), row->want_injected) == 0,
	    "%s: injected got \"%s\" want \"%s\"", row->name, strbuf_str(&inj), row->want_injected);
	ck_assert(info.verified);
	ck_assert(session_tls_active(s));
	/* ST-05: pre-TLS knowledge gone, EHLO expected again. */
	ck_assert(!session_extensions(s)->valid);
	ck_assert_ptr_null(ehlo_find(session_extensions(s), "AUTH"));
	ck_assert_int_eq(session_state(s), SMTP_ST_GREETED);
	/* TLS 1.3 session tickets make the socket readable with no SMTP data:
	 * looking for unsolicited replies must not wait for them. */
	long long t0 = clock_now_ms();
	ck_assert_int_eq(session_next_reply(s, 0, &r, &err), SMTP_ERR_AGAIN);
	ck_assert_msg(clock_now_ms() - t0 < 500, "waited %lld ms", clock_now_ms() - t0);

	/* The first reply read after TLS is the real one. */
	ck_assert_msg(session_command(s, verb_by_id(VERB_EHLO), LIT("EHLO client.test"), &r, NULL,
	    NULL, &err) == SMTP_OK, "%s: ehlo after tls: %s", row->name, err.msg);
	ck_assert_int_eq(r.reply.code, 250);
	ck_assert_int_eq(r.origin, SESSION_REPLY_COMMAND);
	ck_assert_uint_eq(r.reply.nlines, 2);
	ck_assert_str_eq(r.reply.lines[0].text, "localhost over TLS");
	const struct ehlo_ext *auth = ehlo_find(session_extensions(s), "AUTH");
	ck_assert_ptr_nonnull(auth);
	ck_assert_str_eq(auth->params, "CRAM-MD5");

	/* ST-06: no second handshake. */
	ck_assert_int_eq(session_start_tls(s, &o, &info, &discarded, NULL, &err), SMTP_ERR_STATE);

	session_close(s);
	session_free(s);
	ck_assert_int_eq(server_wait(&srv), CHILD_OK);
	session_reply_free(&r);
	strbuf_free(&inj);
}
END_TEST

START_TEST(test_refused_stays_plaintext)
{
	struct script sc = { .after_starttls = "454 4.7.0 TLS not available\r\n", .leaf = NULL };
	struct server srv;
	struct session *s;
	struct session_reply r;
	struct smtp_error err = { 0 };
	char ca[128];
	struct tls_options o = { .cafile = ca, .timeout_ms = 5000 };
	size_t discarded = 99;

	cert_path(ca, sizeof ca, "ca", "pem");
	session_reply_init(&r);
	server_start(&srv, &sc);
	s = open_and_ehlo(&srv);
	ck_assert_int_eq(starttls(s, &o, &r, NULL, &discarded, NULL, &err), SMTP_ERR_REFUSED);
	ck_assert_int_eq(r.reply.code, 454);
	ck_assert_int_eq(r.verdict, VERDICT_FAILURE);
	ck_assert_msg(strstr(err.msg, "still plaintext") != NULL, "msg %s", err.msg);
	ck_assert(!session_tls_active(s));
	ck_assert(!session_tls_pending(s));
	ck_assert(session_is_open(s));
	/* The handshake cannot start without a 220. */
	ck_assert_int_eq(session_start_tls(s, &o, NULL, &discarded, NULL, &err), SMTP_ERR_STATE);
	session_close(s);
	session_free(s);
	ck_assert_int_eq(server_wait(&srv), CHILD_REFUSED_DONE);
	session_reply_free(&r);
}
END_TEST

START_TEST(test_verification_failure_closes)
{
	struct script sc = { .after_starttls = "220 go ahead\r\n", .leaf = "wrong" };
	struct server srv;
	struct session *s;
	struct session_reply r;
	struct smtp_error err = { 0 };
	struct tls_info info;
	char ca[128];
	struct tls_options o = { .cafile = ca, .timeout_ms = 5000 };
	size_t discarded = 99;

	cert_path(ca, sizeof ca, "ca", "pem");
	session_reply_init(&r);
	server_start(&srv, &sc);
	s = open_and_ehlo(&srv);
	ck_assert_int_eq(starttls(s, &o, &r, &info, &discarded, NULL, &err), SMTP_ERR_TLS);
	ck_assert_msg(strstr(err.msg, "host name mismatch") != NULL, "msg %s", err.msg);
	ck_assert(!session_is_open(s));
	ck_assert_int_eq(session_state(s), SMTP_ST_CLOSED);
	session_free(s);
	/* The server saw a handshake and then no SMTP byte. */
	int st = server_wait(&srv);
	ck_assert_msg(st == CHILD_NO_EHLO || st == CHILD_HANDSHAKE_FAILED, "child %d", st);
	session_reply_free(&r);
}
END_TEST

START_TEST(test_implicit_tls)
{
	/* --tls: the handshake runs between connect and the greeting. */
	const char *leaves[] = { "good", "expired" };
	for (size_t i = 0; i < 2; i++) {
		struct script sc = { .leaf = leaves[i], .implicit = true };
		struct server srv;
		struct session *s;
		struct session_reply r;
		struct smtp_error err = { 0 };
		char ca[128];
		struct implicit_tls it = { .opt = { .host = "localhost", .cafile = ca,
		                                    .timeout_ms = 5000 } };
		struct session_options opt = { .family = AF_INET, .cancel_fd = -1,
		    .reply_timeout_s = 5, .connect_timeout_s = 5,
		    .after_connect = implicit_tls_after_connect, .after_connect_ctx = &it };

		cert_path(ca, sizeof ca, "ca", "pem");
		session_reply_init(&r);
		server_start(&srv, &sc);
		s = session_new(&opt);
		enum smtp_errkind k = session_open(s, "localhost", srv.port, &err);
		if (k == SMTP_OK)
			k = session_next_reply(s, SESSION_WAIT_OWED, &r, &err);
		ck_assert(it.done);
		if (i == 0) {
			ck_assert_msg(k == SMTP_OK, "open: %s", err.msg);
			ck_assert_int_eq(r.reply.code, 220);
			ck_assert_str_eq(r.reply.lines[0].text, "localhost implicit TLS");
			ck_assert(it.info.verified);
			ck_assert(session_tls_active(s));
			ck_assert_int_eq(session_command(s, verb_by_id(VERB_NOOP), LIT("NOOP"), &r,
			    NULL, NULL, &err), SMTP_OK);
			ck_assert_int_eq(r.reply.code, 250);
			session_close(s);
			ck_assert_int_eq(server_wait(&srv), CHILD_OK);
		} else {
			ck_assert_int_eq(k, SMTP_ERR_TLS);
			ck_assert_msg(strstr(err.msg, "expired") != NULL, "msg %s", err.msg);
			ck_assert(!session_is_open(s));
			int st = server_wait(&srv);
			ck_assert_msg(st == CHILD_NO_EHLO || st == CHILD_HANDSHAKE_FAILED, "child %d", st);
		}
		session_free(s);
		session_reply_free(&r);
	}
}
END_TEST

static Suite *starttls_suite(void)
{
	Suite *s = suite_create("starttls");
	TCase *tc = tcase_create("session");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_injection_discarded, 0,
	    (int)(sizeof inject_rows / sizeof inject_rows[0]));
	tcase_add_test(tc, test_refused_stays_plaintext);
	tcase_add_test(tc, test_verification_failure_closes);
	tcase_add_test(tc, test_implicit_tls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	make_certs();
	SRunner *sr = srunner_create(starttls_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_certs();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
