/*
 * test_tls.c - real TLS handshakes on 127.0.0.1 against an OpenSSL server in
 * a forked child, with certificates made by the openssl CLI at test time in
 * a temporary directory (TV-01..TV-05, ST-07):
 *   trusted chain (name and IP) succeeds and reports version, cipher,
 *   subject, issuer, SANs and dates; a self-signed leaf, a leaf from an
 *   unknown CA, a wrong name, an IP mismatch, an expired and a not-yet-valid
 *   leaf each fail with their own reason, close the connection and send the
 *   server nothing; --insecure goes on and still reports; plaintext instead
 *   of a ServerHello, a silent server (timeout) and a cancel all fail; SNI
 *   carries the name typed and is absent for an IP literal (TV-04).
 * The child's exit status tells what the server saw.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "clock.h"
#include "tls.h"
#include "transport.h"

#include "testcerts.h"

/* What the child server does. */
enum server_mode {
	SERVE_TLS,          /* handshake, then "hello\r\n", read what comes */
	SERVE_PLAINTEXT,    /* answer the ClientHello with "250 OK\r\n" (ST-07) */
	SERVE_SILENT,       /* accept and say nothing */
};

/* Child exit codes. */
enum { CHILD_GOT_DATA = 10, CHILD_NO_DATA = 20, CHILD_HANDSHAKE_FAILED = 30,
       CHILD_SETUP = 40 };

struct server {
	pid_t pid;
	int port;
};

static int listen_loopback(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int child_tls(int c, const char *leaf)
{
	char crt[128], key[128], buf[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl;
	size_t n = 0;

	cert_path(crt, sizeof crt, leaf, "pem");
	cert_path(key, sizeof key, leaf, "key");
	if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, crt) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return CHILD_SETUP;
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) != 1)
		return CHILD_HANDSHAKE_FAILED;
	/* Tell the client which SNI arrived (TV-04), "-" for none. */
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	int hl = snprintf(buf, sizeof buf, "hello %s\r\n", sni != NULL ? sni : "-");
	if (SSL_write(ssl, buf, hl) != hl)
		return CHILD_NO_DATA;
	if (SSL_read_ex(ssl, buf, sizeof buf, &n) == 1 && n > 0) {
		/* echo it back so the client can check the round trip */
		SSL_write(ssl, buf, (int)n);
		SSL_shutdown(ssl);
		return CHILD_GOT_DATA;
	}
	return CHILD_NO_DATA;
}

static void server_start(struct server *s, enum server_mode mode, const char *leaf)
{
	int lfd = listen_loopback(&s->port);

	s->pid = fork();
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		struct timeval tv = { .tv_sec = 5 };
		char buf[512];
		int c;

		alarm(15);
		c = accept(lfd, NULL, NULL);
		if (c < 0)
			_exit(CHILD_SETUP);
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		switch (mode) {
		case SERVE_TLS:
			_exit(child_tls(c, leaf));
		case SERVE_PLAINTEXT:
			if (read(c, buf, sizeof buf) <= 0)
				_exit(CHILD_SETUP);
			if (write(c, "250 OK\r\n", 8) != 8)
				_exit(CHILD_SETUP);
			/* Hold the connection until the client gives up on it
			 * (not a fixed time: a slow client would see EOF). */
			while (read(c, buf, sizeof buf) > 0)
				;
			_exit(CHILD_NO_DATA);
		case SERVE_SILENT:
			/* wait until the client goes away */
			while (read(c, buf, sizeof buf) > 0)
				;
			_exit(CHILD_NO_DATA);
		}
		_exit(CHILD_SETUP);
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

static void client_connect(struct transport *t, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	transport_init(t);
	transport_adopt(t, fd);
}

static const struct verify_row {
	const char *name;
	const char *leaf;        /* server certificate */
	const char *host;        /* what the user typed */
	bool insecure;
	enum smtp_errkind want;
	unsigned want_fail;      /* exact failure bits */
	const char *want_text;   /* in verify_text (and err.msg on failure) */
} verify_rows[] = {
	{ "trusted chain by name", "good", "localhost", false, SMTP_OK, 0, "ok" },
	{ "trusted chain by IP", "good", "127.0.0.1", false, SMTP_OK, 0, "ok" },
	{ "IP literal in brackets", "good", "[127.0.0.1]", false, SMTP_OK, 0, "ok" },
	{ "self-signed", "self", "localhost", false, SMTP_ERR_TLS,
	  TLS_FAIL_SELF_SIGNED, "self-signed certificate" },
	{ "unknown CA", "unknown", "localhost", false, SMTP_ERR_TLS,
	  TLS_FAIL_UNTRUSTED, "untrusted chain" },
	{ "wrong host name", "wrong", "localhost", false, SMTP_ERR_TLS,
	  TLS_FAIL_HOSTNAME, "host name mismatch (certificate is not for localhost)" },
	{ "name typed differs", "good", "mail.example.org", false, SMTP_ERR_TLS,
	  TLS_FAIL_HOSTNAME, "host name mismatch (certificate is not for mail.example.org)" },
	{ "IP not in the SANs", "good", "192.0.2.25", false, SMTP_ERR_TLS,
	  TLS_FAIL_HOSTNAME, "host name mismatch (certificate is not for 192.0.2.25)" },
	{ "expired", "expired", "localhost", false, SMTP_ERR_TLS,
	  TLS_FAIL_EXPIRED, "expired (not after 2020-01-02 00:00:00 UTC)" },
	{ "not yet valid", "notyet", "localhost", false, SMTP_ERR_TLS,
	  TLS_FAIL_NOT_YET, "not yet valid (not before 2099-01-01 00:00:00 UTC)" },
	{ "insecure wrong name goes on", "wrong", "localhost", true, SMTP_OK,
	  TLS_FAIL_HOSTNAME, "host name mismatch" },
	{ "insecure self-signed goes on", "self", "localhost", true, SMTP_OK,
	  TLS_FAIL_SELF_SIGNED, "self-signed" },
	{ "insecure expired goes on", "expired", "localhost", true, SMTP_OK,
	  TLS_FAIL_EXPIRED, "expired" },
};

START_TEST(test_verify_table)
{
	const struct verify_row *row = &verify_rows[_i];
	struct server srv;
	struct transport t;
	struct tls_info info;
	struct smtp_error err = { 0 };
	char ca[128];
	struct tls_options o = { .host = row->host, .cafile = ca, .insecure = row->insecure,
	                         .timeout_ms = 5000 };
	enum smtp_errkind k;

	cert_path(ca, sizeof ca, "ca", "pem");
	server_start(&srv, SERVE_TLS, row->leaf);
	client_connect(&t, srv.port);
	k = tls_start(&t, &o, &info, &err);
	ck_assert_msg(k == row->want, "%s: got %s (%s) want %s", row->name,
	    smtp_errkind_name(k), err.msg, smtp_errkind_name(row->want));
	ck_assert_msg(info.failures == row->want_fail, "%s: failures got 0x%x want 0x%x (%s)",
	    row->name, info.failures, row->want_fail, info.verify_text);
	ck_assert_msg(strstr(info.verify_text, row->want_text) != NULL,
	    "%s: verify_text \"%s\" lacks \"%s\"", row->name, info.verify_text, row->want_text);
	ck_assert_msg(info.verified == (row->want_fail == 0), "%s: verified", row->name);

	if (k == SMTP_OK) {
		char buf[64];
		size_t got = 0;
		ck_assert(tls_active(&t));
		ck_assert_str_eq(info.version, "TLSv1.3");
		ck_assert_msg(info.cipher[0] != '\0', "%s: no cipher", row->name);
		ck_assert_msg(strstr(info.chain[0].sans, "DNS:") != NULL, "%s: sans \"%s\"", row->name,
		    info.chain[0].sans);
		ck_assert_msg(info.chain[0].not_after[0] >= '0' && info.chain[0].not_after[0] <= '9',
		    "%s: not_after \"%s\"", row->name, info.chain[0].not_after);
		/* Days to expiry: negative once expired. */
		ck_assert_msg((info.chain[0].days_left < 0) == ((row->want_fail & TLS_FAIL_EXPIRED) != 0),
		    "%s: days_left %ld", row->name, info.chain[0].days_left);
		/* Data flows through the ops both ways. */
		char want_hello[300];
		/* TV-04: SNI is the name typed, and absent for an IP literal. */
		snprintf(want_hello, sizeof want_hello, "hello %s\r\n",
		    info.name_is_ip ? "-" : row->host);
		ck_assert_int_eq(transport_read_some(&t, buf, sizeof buf - 1, &got, clock_now_ms() + 5000, &err), SMTP_OK);
		buf[got] = '\0';
		ck_assert_msg(strcmp(buf, want_hello) == 0, "%s: got \"%s\" want \"%s\"",
		    row->name, buf, want_hello);
		ck_assert(info.name_is_ip == (row->host[0] == '1' || row->host[0] == '['));
		ck_assert_int_eq(transport_write_all(&t, "ping\r\n", 6, clock_now_ms() + 5000, NULL, &err), SMTP_OK);
		ck_assert_int_eq(transport_read_some(&t, buf, sizeof buf, &got, clock_now_ms() + 5000, &err), SMTP_OK);
		ck_assert_msg(got == 6 && memcmp(buf, "ping\r\n", 6) == 0, "%s: echo %zu", row->name, got);
		transport_close(&t);
		ck_assert(!transport_is_open(&t));
		ck_assert_int_eq(server_wait(&srv), CHILD_GOT_DATA);
	} else {
		/* The failure names the check, the connection is closed, and the
		 * server never received a byte of application data. */
		ck_assert_msg(strstr(err.msg, row->want_text) != NULL,
		    "%s: err \"%s\" lacks \"%s\"", row->name, err.msg, row->want_text);
		ck_assert_msg(!transport_is_open(&t), "%s: still open", row->name);
		ck_assert(!tls_active(&t));
		int st = server_wait(&srv);
		ck_assert_msg(st == CHILD_NO_DATA || st == CHILD_HANDSHAKE_FAILED,
		    "%s: server child status %d", row->name, st);
	}
}
END_TEST

START_TEST(test_info_fields)
{
	struct server srv;
	struct transport t;
	struct tls_info info;
	struct smtp_error err = { 0 };
	char ca[128];
	struct tls_options o = { .host = "localhost", .cafile = ca, .timeout_ms = 5000 };

	cert_path(ca, sizeof ca, "ca", "pem");
	server_start(&srv, SERVE_TLS, "good");
	client_connect(&t, srv.port);
	ck_assert_int_eq(tls_start(&t, &o, &info, &err), SMTP_OK);
	ck_assert_uint_eq(info.nchain, 1);
	ck_assert_str_eq(info.chain[0].subject, "CN=localhost");
	ck_assert_str_eq(info.chain[0].issuer, "CN=smtpsh-test-CA");
	ck_assert_str_eq(info.chain[0].sans, "DNS:localhost, IP:127.0.0.1");
	ck_assert_str_eq(info.checked_name, "localhost");
	ck_assert_str_eq(info.sni, "localhost");
	/* A 30-day certificate made a moment ago: 29 whole days left (30
	 * within the second it was made). */
	ck_assert_msg(info.chain[0].days_left == 29 || info.chain[0].days_left == 30,
	    "days_left %ld", info.chain[0].days_left);
	/* The fingerprint the openssl CLI gives for the same file. */
	char cmd[256], want[160] = "";
	snprintf(cmd, sizeof cmd, "openssl x509 -in %s/good.pem -noout -fingerprint -sha256",
	    cert_dir);
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(want, sizeof want, f));
	pclose(f);
	want[strcspn(want, "\n")] = '\0';
	ck_assert_ptr_nonnull(strchr(want, '='));
	ck_assert_str_eq(info.chain[0].sha256, strchr(want, '=') + 1);
	ck_assert(!info.name_is_ip);
	/* The key and signature the audit weighs: P-256, ECDSA with SHA-256. */
	ck_assert_str_eq(info.chain[0].key_type, "EC");
	ck_assert_int_eq(info.chain[0].key_bits, 256);
	ck_assert_str_eq(info.chain[0].signature, "ecdsa-with-SHA256");
	/* A second STARTTLS on a TLS connection is refused (RFC 3207 4.2). */
	ck_assert_int_eq(tls_start(&t, &o, &info, &err), SMTP_ERR_STATE);
	transport_close(&t);
	server_wait(&srv);
}
END_TEST

START_TEST(test_system_store_rejects_test_ca)
{
	/* Without --cafile the system store is used: our test CA is not in it. */
	struct server srv;
	struct transport t;
	struct tls_info info;
	struct smtp_error err = { 0 };
	struct tls_options o = { .host = "localhost", .timeout_ms = 5000 };

	server_start(&srv, SERVE_TLS, "good");
	client_connect(&t, srv.port);
	ck_assert_int_eq(tls_start(&t, &o, &info, &err), SMTP_ERR_TLS);
	ck_assert_msg(info.failures & TLS_FAIL_UNTRUSTED, "failures 0x%x", info.failures);
	server_wait(&srv);
}
END_TEST

START_TEST(test_bad_cafile)
{
	struct server srv;
	struct transport t;
	struct smtp_error err = { 0 };
	struct tls_options o = { .host = "localhost", .cafile = "/nonexistent/ca.pem",
	                         .timeout_ms = 5000 };

	server_start(&srv, SERVE_SILENT, NULL);
	client_connect(&t, srv.port);
	ck_assert_int_eq(tls_start(&t, &o, NULL, &err), SMTP_ERR_FILE);
	ck_assert_msg(strstr(err.msg, "/nonexistent/ca.pem") != NULL, "msg %s", err.msg);
	ck_assert(!transport_is_open(&t));
	server_wait(&srv);
}
END_TEST

START_TEST(test_plaintext_instead_of_tls)
{
	/* ST-07: 220, then plaintext instead of a ServerHello. */
	struct server srv;
	struct transport t;
	struct smtp_error err = { 0 };
	char ca[128];
	struct tls_options o = { .host = "localhost", .cafile = ca, .timeout_ms = 5000 };

	cert_path(ca, sizeof ca, "ca", "pem");
	server_start(&srv, SERVE_PLAINTEXT, NULL);
	client_connect(&t, srv.port);
	ck_assert_int_eq(tls_start(&t, &o, NULL, &err), SMTP_ERR_TLS);
	ck_assert_msg(strstr(err.msg, "did not answer with TLS") != NULL, "msg %s", err.msg);
	ck_assert(!transport_is_open(&t));
	server_wait(&srv);
}
END_TEST

START_TEST(test_timeout_and_cancel)
{
	struct server srv;
	struct transport t;
	struct smtp_error err = { 0 };
	char ca[128];
	struct tls_options o = { .host = "localhost", .cafile = ca, .timeout_ms = 300 };
	int pfd[2];

	cert_path(ca, sizeof ca, "ca", "pem");
	server_start(&srv, SERVE_SILENT, NULL);
	client_connect(&t, srv.port);
	ck_assert_int_eq(tls_start(&t, &o, NULL, &err), SMTP_ERR_TIMEOUT);
	ck_assert(!transport_is_open(&t));
	server_wait(&srv);

	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], "x", 1), 1);
	o.timeout_ms = 10000;
	server_start(&srv, SERVE_SILENT, NULL);
	client_connect(&t, srv.port);
	t.cancel_fd = pfd[0];
	ck_assert_int_eq(tls_start(&t, &o, NULL, &err), SMTP_ERR_CANCELLED);
	ck_assert(!transport_is_open(&t));
	server_wait(&srv);
	close(pfd[0]);
	close(pfd[1]);
}
END_TEST

START_TEST(test_sni_option)
{
	/* --sni: the name sent, even to an address (checked as an address). */
	struct server srv;
	struct transport t;
	struct tls_info info;
	struct smtp_error err = { 0 };
	char ca[128], buf[128];
	size_t got = 0;
	struct tls_options o = { .host = "127.0.0.1", .cafile = ca, .timeout_ms = 5000,
	                         .sni = "mx.example.test" };

	cert_path(ca, sizeof ca, "ca", "pem");
	server_start(&srv, SERVE_TLS, "good");
	client_connect(&t, srv.port);
	ck_assert_int_eq(tls_start(&t, &o, &info, &err), SMTP_OK);
	ck_assert(info.verified && info.name_is_ip);
	ck_assert_str_eq(info.sni, "mx.example.test");
	ck_assert_int_eq(transport_read_some(&t, buf, sizeof buf - 1, &got,
	    clock_now_ms() + 5000, &err), SMTP_OK);
	buf[got] = '\0';
	ck_assert_str_eq(buf, "hello mx.example.test\r\n");
	transport_close(&t);
	server_wait(&srv);
}
END_TEST

static const struct { const char *ciphers; const char *version; } cipher_rows[] = {
	{ "TLS_CHACHA20_POLY1305_SHA256", "TLSv1.3" },
	{ "ECDHE-ECDSA-AES128-GCM-SHA256", "TLSv1.2" },   /* a TLS 1.2 list caps at 1.2 */
};

START_TEST(test_cipher_option)
{
	struct server srv;
	struct transport t;
	struct tls_info info;
	struct smtp_error err = { 0 };
	char ca[128];
	struct tls_options o = { .host = "localhost", .cafile = ca, .timeout_ms = 5000,
	                         .ciphers = cipher_rows[_i].ciphers };

	cert_path(ca, sizeof ca, "ca", "pem");
	server_start(&srv, SERVE_TLS, "good");
	client_connect(&t, srv.port);
	ck_assert_int_eq(tls_start(&t, &o, &info, &err), SMTP_OK);
	ck_assert_str_eq(info.cipher, cipher_rows[_i].ciphers);
	ck_assert_str_eq(info.version, cipher_rows[_i].version);
	transport_close(&t);
	server_wait(&srv);
}
END_TEST

START_TEST(test_check_options)
{
	struct smtp_error err = { 0 };
	char good[128], goodkey[128], wrongkey[128];
	cert_path(good, sizeof good, "good", "pem");
	cert_path(goodkey, sizeof goodkey, "good", "key");
	cert_path(wrongkey, sizeof wrongkey, "wrong", "key");
	struct tls_options o = { .ciphers = "NO-SUCH-CIPHER" };
	ck_assert_int_eq(tls_check_options(&o, &err), SMTP_ERR_USAGE);
	o = (struct tls_options){ .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256",
	    .min_version = TLS_VERSION_1_3 };
	ck_assert_int_eq(tls_check_options(&o, &err), SMTP_ERR_USAGE);
	o = (struct tls_options){ .cert_file = "/nonexistent.pem" };
	ck_assert_int_eq(tls_check_options(&o, &err), SMTP_ERR_FILE);
	o = (struct tls_options){ .cert_file = good, .key_file = wrongkey };
	ck_assert_int_eq(tls_check_options(&o, &err), SMTP_ERR_FILE);
	ck_assert_msg(strstr(err.msg, "is not the certificate's") != NULL, "%s", err.msg);
	o = (struct tls_options){ .cert_file = good, .key_file = goodkey,
	    .min_version = TLS_VERSION_1_3, .ciphers = "TLS_AES_128_GCM_SHA256" };
	ck_assert_int_eq(tls_check_options(&o, &err), SMTP_OK);
	static const struct { const char *s; bool ok; unsigned v; } vrows[] = {
		{ "1.2", true, TLS_VERSION_1_2 }, { "TLSv1.3", true, TLS_VERSION_1_3 },
		{ "tls1.2", true, TLS_VERSION_1_2 }, { "1.1", false, 0 }, { "", false, 0 },
	};
	for (size_t i = 0; i < sizeof vrows / sizeof vrows[0]; i++) {
		unsigned v = 0;
		ck_assert_int_eq(tls_version_parse(vrows[i].s, &v), vrows[i].ok);
		ck_assert_uint_eq(v, vrows[i].v);
	}
	/* The audit's probes: what this OpenSSL can put in a client hello. */
	o = (struct tls_options){ .probe = true, .min_version = TLS_VERSION_1_2,
	    .max_version = TLS_VERSION_1_2 };
	ck_assert(tls_can_offer(&o));
	o.ciphers = "NO-SUCH-CIPHER";
	ck_assert(!tls_can_offer(&o));
	o = (struct tls_options){ .probe = true, .min_version = TLS_VERSION_1_2,
	    .ciphers = "eNULL" };
	ck_assert(tls_can_offer(&o));           /* level 0: NULL suites exist */
	/* The list the shell completion offers is what the parse accepts. */
	ck_assert_str_eq(tls_version_name_at(0), "1.2");
	ck_assert_str_eq(tls_version_name_at(1), "1.3");
	ck_assert_ptr_null(tls_version_name_at(2));
	for (size_t i = 0; tls_version_name_at(i) != NULL; i++) {
		unsigned v = 0;
		ck_assert(tls_version_parse(tls_version_name_at(i), &v));
	}
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("handshake");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_verify_table, 0,
	    (int)(sizeof verify_rows / sizeof verify_rows[0]));
	tcase_add_test(tc, test_info_fields);
	tcase_add_test(tc, test_system_store_rejects_test_ca);
	tcase_add_test(tc, test_bad_cafile);
	tcase_add_test(tc, test_plaintext_instead_of_tls);
	tcase_add_test(tc, test_timeout_and_cancel);
	tcase_add_test(tc, test_sni_option);
	tcase_add_loop_test(tc, test_cipher_option, 0,
	    (int)(sizeof cipher_rows / sizeof cipher_rows[0]));
	tcase_add_test(tc, test_check_options);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	make_certs();
	SRunner *sr = srunner_create(tls_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_certs();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
