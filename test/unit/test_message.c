/*
 * test_message.c - the test message builder (message.h): exact bytes of a
 * plain message, the size announced equal to the bytes on the wire (bare
 * LFs counted as CRLF), MIME parts whose base64 decodes to the files,
 * media types, RFC 2047 subjects, the 8-bit flag, and every refusal
 * (CR/LF in user text, a malformed header, a missing or non-regular file).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "dsn.h"
#include "message.h"

/* Read the whole message (bounded by cap) through message_read's pieces. */
static size_t read_all(struct message *m, char *out, size_t cap, size_t chunk)
{
	size_t n = 0;
	for (;;) {
		size_t got = 0;
		struct smtp_error err;
		ck_assert_int_eq(message_read(m, out + n, chunk < cap - n ? chunk : cap - n, &got, &err),
		    SMTP_OK);
		if (got == 0)
			break;
		n += got;
		ck_assert_uint_lt(n, cap);
	}
	out[n] = '\0';
	return n;
}

/* Bytes on the wire: bare LF and bare CR become CRLF. */
static size_t wire_len(const char *p, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			w++;
		if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			w++;
		w++;
	}
	return w;
}

static const char *const one_to[] = { "bob@example.org" };

START_TEST(test_plain_exact)
{
	struct message_spec sp = { .from = "alice@example.org", .to = one_to, .nto = 1,
	    .subject = "hello", .body_text = "Hi Bob.\r\n", .hostname = "client.example",
	    .date = 1700000000, .unique = "u1" };
	struct message *m;
	struct smtp_error err;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_OK);
	static char buf[1 << 16];
	size_t n = read_all(m, buf, sizeof buf, 7);
	ck_assert_str_eq(buf,
	    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	    "From: alice@example.org\r\n"
	    "To: bob@example.org\r\n"
	    "Subject: hello\r\n"
	    "Message-ID: <u1.smtpsh@client.example>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "X-Mailer: smtpsh\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n"
	    "Hi Bob.\r\n");
	ck_assert_uint_eq(message_size(m), n);
	ck_assert(!message_8bit(m));
	message_close(m);
}
END_TEST

START_TEST(test_size_counts_bare_lf_and_adds_a_last_line_end)
{
	char path[] = "/tmp/smtpsh-msg-XXXXXX";
	int fd = mkstemp(path);
	static const char body[] = "line one\nline two\r\nno end";
	ck_assert_int_eq(write(fd, body, sizeof body - 1), (ssize_t)(sizeof body - 1));
	close(fd);
	static const char *const to[] = { "a@x.example", "b@x.example" };
	struct message_spec sp = { .from = "s@x.example", .to = to, .nto = 2,
	    .body_file = path, .date = 1, .unique = "u2", .headers = NULL };
	struct message *m;
	struct smtp_error err;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_OK);
	static char buf[1 << 16];
	size_t n = read_all(m, buf, sizeof buf, 1000);
	ck_assert_uint_eq(message_size(m), wire_len(buf, n));
	ck_assert_ptr_nonnull(strstr(buf, "To: a@x.example,\r\n b@x.example\r\n"));
	ck_assert(n >= 8 && strcmp(buf + n - 8, "no end\r\n") == 0);
	message_close(m);
	unlink(path);
}
END_TEST

START_TEST(test_attachments_decode_to_the_files)
{
	char dir[] = "/tmp/smtpsh-att-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char a[256], b[256];
	snprintf(a, sizeof a, "%s/report.pdf", dir);
	snprintf(b, sizeof b, "%s/empty.bin", dir);
	size_t big = 200000;
	unsigned char *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 7 + 3);
	FILE *f = fopen(a, "wb");
	ck_assert_uint_eq(fwrite(data, 1, big, f), big);
	fclose(f);
	f = fopen(b, "wb");
	fclose(f);
	const char *att[] = { a, b };
	static const char *const hdr[] = { "X-Test: yes" };
	struct message_spec sp = { .from = "s@x.example", .to = one_to, .nto = 1,
	    .subject = "Привет", .body_text = "текст", .attach = att, .nattach = 2,
	    .headers = hdr, .nheaders = 1, .date = 1, .unique = "u3" };
	struct message *m;
	struct smtp_error err;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_OK);
	ck_assert(message_8bit(m));
	char *buf = malloc(1 << 20);
	size_t n = read_all(m, buf, 1 << 20, 4096);
	ck_assert_uint_eq(message_size(m), n);
	ck_assert_ptr_nonnull(strstr(buf, "Subject: =?UTF-8?B?0J/RgNC40LLQtdGC?=\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "X-Test: yes\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Content-Type: multipart/mixed; boundary=\"=_smtpsh_u3\""));
	ck_assert_ptr_nonnull(strstr(buf, "Content-Transfer-Encoding: 8bit\r\n\r\nтекст\r\n--=_smtpsh_u3\r\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Content-Type: application/pdf; name=\"report.pdf\""));
	ck_assert_ptr_nonnull(strstr(buf, "Content-Type: application/octet-stream; name=\"empty.bin\""));
	ck_assert(strcmp(buf + n - strlen("--=_smtpsh_u3--\r\n"), "--=_smtpsh_u3--\r\n") == 0);
	/* The first attachment's base64 lines decode to the file. */
	char *p = strstr(buf, "filename=\"report.pdf\"");
	p = strstr(p, "\r\n\r\n") + 4;
	unsigned char *dec = malloc(big + 64);
	size_t got = 0;
	while (strncmp(p, "--", 2) != 0) {
		char *eol = strstr(p, "\r\n");
		ck_assert_uint_le((size_t)(eol - p), 76);
		size_t outlen = 0;
		ck_assert_int_eq(base64_decode(p, (size_t)(eol - p), dec + got, big + 64 - got, &outlen,
		    &err), SMTP_OK);
		got += outlen;
		p = eol + 2;
	}
	ck_assert_uint_eq(got, big);
	ck_assert(memcmp(dec, data, big) == 0);
	free(dec);
	free(buf);
	free(data);
	message_close(m);
	unlink(a);
	unlink(b);
	rmdir(dir);
}
END_TEST

START_TEST(test_refusals)
{
	struct message *m = NULL;
	struct smtp_error err;
	static const char *const bad_to[] = { "bob@example.org\r\nBcc: eve@example.org" };
	struct message_spec sp = { .from = "a@b", .to = bad_to, .nto = 1 };
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	sp.to = one_to;
	sp.subject = "x\nBcc: eve@example.org";
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	sp.subject = NULL;
	static const char *const bad_hdr[] = { "no colon here" };
	sp.headers = bad_hdr;
	sp.nheaders = 1;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	sp.headers = NULL;
	sp.nheaders = 0;
	sp.nto = 0;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_USAGE);
	sp.nto = 1;
	const char *missing[] = { "/nonexistent/file.txt" };
	sp.attach = missing;
	sp.nattach = 1;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_FILE);
	const char *dir[] = { "/tmp" };
	sp.attach = dir;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_FILE);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
	ck_assert_ptr_null(m);
	ck_assert_str_eq(message_media_type("a/b.JPG"), "image/jpeg");
	ck_assert_str_eq(message_media_type("dir.pdf/file"), "application/octet-stream");
}
END_TEST

/* Issue 17: a file name is a MIME parameter, never header text: a name
 * with CR LF (legal on Linux) adds no header line; quotes and non-ASCII
 * become RFC 2231's percent-encoded UTF-8. */
START_TEST(test_attachment_names_cannot_inject)
{
	char dir[] = "/tmp/smtpsh-att-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char evil[256], quoted[256];
	snprintf(evil, sizeof evil, "%s/x\r\nX-Evil: yes\r\n.txt", dir);
	snprintf(quoted, sizeof quoted, "%s/a\"b \xd0\xb6.txt", dir);
	FILE *f = fopen(evil, "wb");
	ck_assert_ptr_nonnull(f);
	fputs("x", f);
	fclose(f);
	f = fopen(quoted, "wb");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	const char *att[] = { evil, quoted };
	struct message_spec sp = { .from = "s@x.example", .to = one_to, .nto = 1,
	    .attach = att, .nattach = 2, .date = 1, .unique = "u9" };
	struct message *m;
	struct smtp_error err;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_OK);
	char *buf = malloc(1 << 16);
	size_t n = read_all(m, buf, 1 << 16, 4096);
	ck_assert_uint_eq(message_size(m), n);
	ck_assert_msg(strstr(buf, "\r\nX-Evil") == NULL, "a header line was injected:\n%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "filename*0*=UTF-8''x%0D%0AX-Evil%3A%20yes%0D%0A.txt"));
	ck_assert_ptr_nonnull(strstr(buf, "name*0*=UTF-8''a%22b%20%D0%B6.txt"));
	/* Every line of the part headers is a header or its folding. */
	for (char *line = strstr(buf, "--=_smtpsh_u9\r\nContent-Type: text/plain"); line != NULL;) {
		line = strstr(line, "\r\n");
		if (line == NULL || strncmp(line + 2, "\r\n", 2) == 0)
			break;
		line += 2;
		if (strncmp(line, "--", 2) == 0 || line[0] == ' ')
			continue;
		ck_assert_msg(strncmp(line, "Content-", 8) == 0, "unexpected line: %.40s", line);
	}
	free(buf);
	message_close(m);
	unlink(evil);
	unlink(quoted);
	rmdir(dir);
}
END_TEST

/* Issue 17: controls in a subject or header value are refused; addresses
 * are mailboxes; non-ASCII header values are encoded-words of at most 75
 * characters that never split a character. */
START_TEST(test_header_text_rules)
{
	struct message *m = NULL;
	struct smtp_error err;
	struct message_spec sp = { .from = "a@b.example", .to = one_to, .nto = 1, .date = 1,
	    .unique = "u8" };
	sp.subject = "x\x1b]0;owned\x07";
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	sp.subject = "tab\tis fine";
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_OK);
	message_close(m);
	static const char *const esc_hdr[] = { "X-A: \x1b[2J" };
	sp.headers = esc_hdr;
	sp.nheaders = 1;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	static const char *const sp_name[] = { "X A: b" };
	sp.headers = sp_name;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	sp.headers = NULL;
	sp.nheaders = 0;
	sp.from = "a@x.test> SIZE=1 <y";
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "mailbox"));
	sp.from = "a@b.example";
	static const char *const bad_to[] = { "alice> NOTIFY=SUCCESS" };
	sp.to = bad_to;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_ERR_REFUSED);
	sp.to = one_to;
	/* 40 two-byte letters: more than one encoded-word's worth. */
	char subj[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(subj, "\xd0\xb6");
	sp.subject = subj;
	static const char *const utf_hdr[] = { "X-Name: \xd0\x9f\xd1\x91\xd1\x82\xd1\x80" };
	sp.headers = utf_hdr;
	sp.nheaders = 1;
	ck_assert_int_eq(message_open(&m, &sp, &err), SMTP_OK);
	char buf[4096];
	read_all(m, buf, sizeof buf, 512);
	ck_assert_ptr_nonnull(strstr(buf, "X-Name: =?UTF-8?B?0J/RkdGC0YA=?=\r\n"));
	char *p = strstr(buf, "Subject: ") + 9;
	int words = 0;
	while (strncmp(p, "=?UTF-8?B?", 10) == 0) {
		char *end = strstr(p, "?=");
		ck_assert_uint_le((size_t)(end + 2 - p), 75);
		/* Each word decodes to whole characters: an even byte count. */
		size_t outlen = 0;
		unsigned char dec[64];
		ck_assert_int_eq(base64_decode(p + 10, (size_t)(end - p - 10), dec, sizeof dec, &outlen,
		    &err), SMTP_OK);
		ck_assert_uint_eq(outlen % 2, 0);
		words++;
		p = end + 2;
		if (strncmp(p, "\r\n ", 3) == 0)
			p += 3;
	}
	ck_assert_int_ge(words, 2);
	message_close(m);
}
END_TEST

/* The DSN keywords the shell completion offers are the ones the checks
 * accept, and only those. */
START_TEST(test_dsn_words_are_what_the_checks_accept)
{
	ck_assert_str_eq(dsn_notify_word(0), "NEVER");
	ck_assert_ptr_null(dsn_notify_word(4));
	for (size_t i = 0; dsn_notify_word(i) != NULL; i++)
		ck_assert_ptr_null(dsn_notify_check(dsn_notify_word(i)));
	ck_assert_ptr_null(dsn_notify_check("success,FAILURE,Delay"));
	ck_assert_ptr_nonnull(dsn_notify_check("NEVER,SUCCESS"));
	ck_assert_ptr_nonnull(dsn_notify_check("SUCCESS,SUCCESS"));
	ck_assert_ptr_nonnull(dsn_notify_check("SOMETIMES"));
	ck_assert_str_eq(dsn_ret_word(0), "FULL");
	ck_assert_str_eq(dsn_ret_word(1), "HDRS");
	ck_assert_ptr_null(dsn_ret_word(2));
	ck_assert_ptr_null(dsn_ret_check("hdrs"));
	ck_assert_ptr_nonnull(dsn_ret_check("HEADERS"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("message");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain_exact);
	tcase_add_test(tc, test_size_counts_bare_lf_and_adds_a_last_line_end);
	tcase_add_test(tc, test_attachments_decode_to_the_files);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_attachment_names_cannot_inject);
	tcase_add_test(tc, test_header_text_rules);
	tcase_add_test(tc, test_dsn_words_are_what_the_checks_accept);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
