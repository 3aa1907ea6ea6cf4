/*
 * test_transcript.c - the transcript file: created 0600 and exclusively
 * (CR-05), one timestamped record per line each way, server bytes escaped
 * (no raw control byte in the file), secrets replaced (CR-01, CR-02) even
 * when the line is split across writes, nothing lost on kill -9, long lines
 * cut into bounded records, a write failure kept rather than raised, and a
 * secret the server echoes masked even when split across reads.
 */
#include <check.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secret_mask.h"
#include "transcript.h"

/* A string literal and its length (without the NUL). */
#define LIT(s) (s), (sizeof(s) - 1)

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/smtpsh-tr-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void path_in(char *dst, size_t cap, const char *name)
{
	snprintf(dst, cap, "%s/%s", dir, name);
}

/* Whole file into a NUL-terminated heap buffer. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(f);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Count the records (lines) whose marker and text are exactly these. */
static int count_records(const char *file, const char *marker, const char *text)
{
	int n = 0;
	const char *p = file;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		/* "YYYY-MM-DDTHH:MM:SS.mmmZ " is 25 bytes */
		if (l > 25 && strncmp(p + 25, marker, strlen(marker)) == 0) {
			const char *t = p + 25 + strlen(marker) + 1;
			if ((size_t)(p + l - t) == strlen(text) && strncmp(t, text, strlen(text)) == 0)
				n++;
		}
		p += l + (nl ? 1 : 0);
	}
	return n;
}

START_TEST(test_create_private_and_exclusive)
{
	struct transcript tr;
	struct smtp_error err = { 0 };
	struct stat st;
	char p[128], link[128];

	umask(022);
	path_in(p, sizeof p, "t.log");
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_APPEND, &err), SMTP_OK);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_msg((st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
	transcript_close(&tr);

	/* Exists: appended to, what it held kept. */
	ck_assert_int_eq(stat(p, &st), 0);
	off_t before = st.st_size;
	ck_assert_int_gt(before, 0);
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_APPEND, &err), SMTP_OK);
	transcript_close(&tr);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_gt(st.st_size, before);
	/* A pre-existing 0644 file overwritten becomes 0600, and holds only
	 * the new session. */
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_OVERWRITE, &err), SMTP_OK);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_msg((st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
	ck_assert_int_eq(st.st_size, before);
	transcript_close(&tr);

	/* A planted symbolic link is refused, in either mode. */
	path_in(link, sizeof link, "planted");
	ck_assert_int_eq(symlink(p, link), 0);
	ck_assert_int_eq(transcript_open(&tr, link, TRANSCRIPT_APPEND, &err), SMTP_ERR_FILE);
	ck_assert_int_eq(transcript_open(&tr, link, TRANSCRIPT_OVERWRITE, &err), SMTP_ERR_FILE);
	ck_assert_msg(strstr(err.msg, "symbolic link") != NULL, "msg %s", err.msg);
}
END_TEST

START_TEST(test_records_each_way_and_escaped)
{
	struct transcript tr;
	struct smtp_error err = { 0 };
	char p[128];
	size_t len;
	regex_t re;

	path_in(p, sizeof p, "t.log");
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_APPEND, &err), SMTP_OK);
	transcript_wire_hook(&tr, WIRE_IN, LIT("220 mx ESMTP\r\n"));
	transcript_wire_hook(&tr, WIRE_OUT, LIT("EHLO me\r\n"));
	/* Two lines in one read, the second split across reads. */
	transcript_wire_hook(&tr, WIRE_IN, LIT("250-mx\r\n250 SI"));
	transcript_wire_hook(&tr, WIRE_IN, LIT("ZE 100\r\n"));
	/* TO-02: an OSC title sequence with BEL, and a C1 byte. */
	transcript_wire_hook(&tr, WIRE_IN, LIT("250 \x1b]0;pwned\x07 \xc2\x9b\r\n"));
	transcript_note(&tr, "TLS started: %s", "TLSv1.3");
	transcript_close(&tr);

	char *f = slurp(p, &len);
	ck_assert_int_eq(count_records(f, "S:", "220 mx ESMTP\\r\\n"), 1);
	ck_assert_int_eq(count_records(f, "C:", "EHLO me\\r\\n"), 1);
	ck_assert_int_eq(count_records(f, "S:", "250-mx\\r\\n"), 1);
	ck_assert_int_eq(count_records(f, "S:", "250 SI"), 1);
	ck_assert_int_eq(count_records(f, "S:", "ZE 100\\r\\n"), 1);
	ck_assert_int_eq(count_records(f, "# ", "TLS started: TLSv1.3"), 1);
	/* No raw control byte (other than the record's own LF), no raw ESC. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)f[i];
		ck_assert_msg(c == '\n' || (c >= 0x20 && c != 0x7f),
		    "raw byte 0x%02x at offset %zu", c, i);
	}
	ck_assert_ptr_null(memchr(f, 0x9b, len));
	/* Every record starts with a UTC timestamp and a marker. */
	ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	    "\\.[0-9]{3}Z (S:|C:|# ) ", REG_EXTENDED | REG_NOSUB), 0);
	for (char *line = strtok(f, "\n"); line != NULL; line = strtok(NULL, "\n"))
		ck_assert_msg(regexec(&re, line, 0, NULL, 0) == 0, "bad record \"%s\"", line);
	regfree(&re);
	free(f);
}
END_TEST

START_TEST(test_secret_replaced)
{
	struct transcript tr;
	struct smtp_error err = { 0 };
	char p[128];
	size_t len;

	path_in(p, sizeof p, "t.log");
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_APPEND, &err), SMTP_OK);
	/* CR-01: the line with its initial response, written in two pieces. */
	transcript_redact_next_out(&tr, "AUTH PLAIN <secret>");
	transcript_wire_hook(&tr, WIRE_OUT, LIT("AUTH PLAIN AHVzZX"));
	transcript_wire_hook(&tr, WIRE_OUT, LIT("IAcGFzcw==\r\n"));
	transcript_wire_hook(&tr, WIRE_IN, LIT("334 VXNlcm5hbWU6\r\n"));
	/* CR-02: a response line. */
	transcript_redact_next_out(&tr, "<secret>");
	transcript_wire_hook(&tr, WIRE_OUT, LIT("cGFzcw==\r\n"));
	/* Not redacted any more. */
	transcript_wire_hook(&tr, WIRE_OUT, LIT("QUIT\r\n"));
	ck_assert_uint_eq(tr.redacted, 2);
	transcript_close(&tr);

	char *f = slurp(p, &len);
	ck_assert_msg(strstr(f, "AHVzZX") == NULL && strstr(f, "IAcGFzcw") == NULL,
	    "secret in transcript:\n%s", f);
	ck_assert_msg(strstr(f, "cGFzcw") == NULL, "secret in transcript:\n%s", f);
	ck_assert_int_eq(count_records(f, "C:", "AUTH PLAIN <secret>\\r\\n"), 1);
	ck_assert_int_eq(count_records(f, "C:", "<secret>\\r\\n"), 1);
	ck_assert_int_eq(count_records(f, "S:", "334 VXNlcm5hbWU6\\r\\n"), 1);
	ck_assert_int_eq(count_records(f, "C:", "QUIT\\r\\n"), 1);
	free(f);
}
END_TEST

START_TEST(test_survives_kill_9)
{
	char p[128];
	size_t len;
	pid_t pid;
	int st;

	path_in(p, sizeof p, "t.log");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct transcript tr;
		struct smtp_error err;
		if (transcript_open(&tr, p, TRANSCRIPT_APPEND, &err) != SMTP_OK)
			_exit(1);
		transcript_wire_hook(&tr, WIRE_IN, LIT("220 before the kill\r\n"));
		raise(SIGKILL);
		_exit(2);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	char *f = slurp(p, &len);
	ck_assert_int_eq(count_records(f, "S:", "220 before the kill\\r\\n"), 1);
	free(f);
}
END_TEST

START_TEST(test_long_line_bounded_records)
{
	struct transcript tr;
	struct smtp_error err = { 0 };
	char p[128];
	size_t len, n = 3000;
	char *big = malloc(n);

	memset(big, 'A', n);
	path_in(p, sizeof p, "t.log");
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_APPEND, &err), SMTP_OK);
	unsigned long before = tr.records;
	transcript_wire_hook(&tr, WIRE_IN, big, n);
	ck_assert_uint_eq(tr.records - before, 3);   /* 1024 + 1024 + 952 */
	transcript_close(&tr);
	char *f = slurp(p, &len);
	size_t as = 0;
	for (size_t i = 0; i < len; i++)
		as += f[i] == 'A';
	ck_assert_uint_eq(as, n);
	free(f);
	free(big);
}
END_TEST

START_TEST(test_write_failure_kept)
{
	struct transcript tr;
	struct smtp_error err = { 0 };
	char p[128];

	path_in(p, sizeof p, "t.log");
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_APPEND, &err), SMTP_OK);
	/* Swap in a read-only descriptor: the next write fails. */
	int ro = open(p, O_RDONLY);
	ck_assert_int_ge(ro, 0);
	close(tr.fd);
	tr.fd = ro;
	ck_assert(!transcript_error(&tr, &err));
	transcript_wire_hook(&tr, WIRE_IN, LIT("220 x\r\n"));
	ck_assert(transcript_error(&tr, &err));
	ck_assert_int_eq(err.kind, SMTP_ERR_FILE);
	ck_assert_msg(strstr(err.msg, "recording stopped") != NULL, "msg %s", err.msg);
	transcript_close(&tr);
}
END_TEST

/* The server's bytes with every "S:" record's text joined, escapes kept. */
static void server_text(const char *file, char *out, size_t cap)
{
	size_t n = 0;
	const char *p = file;
	out[0] = '\0';
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l > 28 && strncmp(p + 25, "S: ", 3) == 0 && n + l - 28 < cap) {
			memcpy(out + n, p + 28, l - 28);
			n += l - 28;
			out[n] = '\0';
		}
		p += l + (nl ? 1 : 0);
	}
}

/* Issue 17: a secret the server echoes is masked in "S:" records, split
 * across reads at every offset, and a partial match that does not complete
 * is recorded as it came. */
START_TEST(test_echoed_secret_masked_at_every_split)
{
	static const char line[] = "535 5.7.8 bad credentials for alice/hunter2 (hunte)\r\n";
	size_t n = sizeof line - 1;
	for (size_t cut = 0; cut <= n; cut++) {
		struct transcript tr;
		struct secret_mask m;
		struct smtp_error err = { 0 };
		char p[128], text[512];
		size_t len;
		secret_mask_init(&m);
		ck_assert_int_eq(secret_mask_add(&m, "hunter2", 7, true, &err), SMTP_OK);
		path_in(p, sizeof p, "t.log");
		ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_OVERWRITE, &err), SMTP_OK);
		transcript_set_mask(&tr, &m);
		transcript_wire_hook(&tr, WIRE_IN, line, cut);
		transcript_wire_hook(&tr, WIRE_IN, line + cut, n - cut);
		transcript_close(&tr);
		char *f = slurp(p, &len);
		server_text(f, text, sizeof text);
		ck_assert_msg(strcmp(text, "535 5.7.8 bad credentials for alice/<secret> (hunte)\\r\\n")
		    == 0, "cut %zu: got \"%s\"", cut, text);
		ck_assert_ptr_null(strstr(f, "hunter2"));
		free(f);
		secret_mask_clear(&m);
	}
}
END_TEST

/* Held bytes that may start a secret are recorded before the client's
 * next line, a note, and at close: nothing is lost or reordered. */
START_TEST(test_held_bytes_recorded_in_order)
{
	struct transcript tr;
	struct secret_mask m;
	struct smtp_error err = { 0 };
	char p[128];
	size_t len;
	secret_mask_init(&m);
	ck_assert_int_eq(secret_mask_add(&m, "hunter2", 7, false, &err), SMTP_OK);
	path_in(p, sizeof p, "t.log");
	ck_assert_int_eq(transcript_open(&tr, p, TRANSCRIPT_OVERWRITE, &err), SMTP_OK);
	transcript_set_mask(&tr, &m);
	transcript_wire_hook(&tr, WIRE_IN, LIT("250 hun"));
	transcript_wire_hook(&tr, WIRE_OUT, LIT("NOOP\r\n"));
	transcript_wire_hook(&tr, WIRE_IN, LIT("250 ok hunt"));
	transcript_close(&tr);
	char *f = slurp(p, &len);
	char text[256];
	server_text(f, text, sizeof text);
	ck_assert_str_eq(text, "250 hun250 ok hunt");
	/* "hun" was held (it may have been "hunter2"), recorded before NOOP. */
	const char *a = strstr(f, "S: hun\n"), *b = strstr(f, "C: NOOP");
	ck_assert(a != NULL && b != NULL && a < b);
	free(f);
	secret_mask_clear(&m);
}
END_TEST

static Suite *transcript_suite(void)
{
	Suite *s = suite_create("transcript");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_private_and_exclusive);
	tcase_add_test(tc, test_records_each_way_and_escaped);
	tcase_add_test(tc, test_secret_replaced);
	tcase_add_test(tc, test_survives_kill_9);
	tcase_add_test(tc, test_long_line_bounded_records);
	tcase_add_test(tc, test_write_failure_kept);
	tcase_add_test(tc, test_echoed_secret_masked_at_every_split);
	tcase_add_test(tc, test_held_bytes_recorded_in_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(transcript_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
