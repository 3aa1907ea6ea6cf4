/*
 * body.c - the DATA body in the shell: `data FILE` (streamed, dot-stuffed,
 * in constant memory by the core) and `data` alone (the lines typed until a
 * lone "."), with the checks a body needs before anything is sent:
 *
 *  - FILE must be a regular file: a FIFO, a device or a directory is
 *    refused before DATA is sent, and never blocks the shell (it is opened
 *    non-blocking and checked with fstat).
 *  - NUL bytes and lines over 998 octets (RFC 5321 4.5.3.1.6) are reported
 *    and the body refused unless `data --force FILE`; 8-bit bytes without
 *    8BITMIME advertised (RFC 6152) are warned about.
 *  - A server that speaks in the middle of the body has stopped reading:
 *    its reply is shown and the connection closed (session.h), never a
 *    300 s hang and never half a message completed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shell.h"
#include "smtp_limits.h"

/* RFC 5321 4.5.3.1.6: 1000 octets with the CRLF. */
#define BODY_LINE_MAX (SMTP_TEXT_LINE_MAX - 2)

struct body_scan {
	unsigned long long bytes;
	unsigned long nul;             /* NUL bytes */
	unsigned long long first_nul_line;
	unsigned long long long_lines; /* lines over BODY_LINE_MAX octets */
	unsigned long long first_long_line;
	size_t longest;
	bool eight_bit;
};

/* One pass over the file, in fixed chunks. */
static enum smtp_errkind body_scan_file(FILE *f, const char *name, struct body_scan *sc,
    struct smtp_error *err)
{
	char buf[SMTP_DATA_CHUNK];
	size_t n, cur = 0;
	unsigned long long line = 1;
	unsigned char prev = 0;
	memset(sc, 0, sizeof *sc);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		sc->bytes += n;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)buf[i];
			unsigned char before = prev;
			prev = c;
			if (c == '\n') {
				size_t len = cur > 0 && before == '\r' ? cur - 1 : cur;
				if (len > BODY_LINE_MAX && sc->long_lines++ == 0)
					sc->first_long_line = line;
				if (len > sc->longest)
					sc->longest = len;
				cur = 0;
				line++;
				continue;
			}
			cur++;
			if (c == '\0' && sc->nul++ == 0)
				sc->first_nul_line = line;
			if (c >= 0x80)
				sc->eight_bit = true;
		}
	}
	if (ferror(f))
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %s: %s", name, strerror(errno));
	if (cur > BODY_LINE_MAX && sc->long_lines++ == 0)
		sc->first_long_line = line;
	if (cur > sc->longest)
		sc->longest = cur;
	rewind(f);
	return SMTP_OK;
}

/* Open a body file: a regular file only, never blocking on a FIFO. */
static FILE *body_open(struct shell *sh, const char *name)
{
	struct smtp_error err;
	int fd = open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot read %s: %s; nothing was sent",
		    name, strerror(errno));
		shell_fail(sh, "data", &err);
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		const char *what = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
		    S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" :
		    S_ISSOCK(st.st_mode) ? "a socket" : "something else";
		close(fd);
		smtp_error_set(&err, SMTP_ERR_FILE, 0, "%s is not a regular file (it is %s); "
		    "nothing was sent", name, what);
		shell_fail(sh, "data", &err);
		return NULL;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	FILE *f = fdopen(fd, "rb");
	if (f == NULL) {
		close(fd);
		smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot read %s: %s; nothing was sent",
		    name, strerror(errno));
		shell_fail(sh, "data", &err);
	}
	return f;
}

static bool body_has(struct shell *sh, const char *keyword)
{
	const struct ehlo_set *ext = session_extensions(sh->sess);
	return ext->valid && ehlo_find(ext, keyword) != NULL;
}

/* What the scan found: false when the body must not be sent. */
static bool body_judge(struct shell *sh, const char *name, const struct body_scan *sc, bool force)
{
	bool bad = sc->nul > 0 || sc->long_lines > 0;
	if (sc->nul > 0)
		out_warning(&sh->out, N_("%s holds NUL bytes (%lu; the first on line %llu): RFC 5321 "
		    "text has none"), name, sc->nul, sc->first_nul_line);
	if (sc->long_lines > 0)
		out_warning(&sh->out, N_("%s has lines longer than 998 octets, past RFC 5321 "
		    "4.5.3.1.6's limit (%llu; the first: line %llu; the longest: %zu octets)"), name,
		    sc->long_lines, sc->first_long_line, sc->longest);
	if (bad && !force) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_REFUSED, 0, "the body was not sent (servers may reject "
		    "or mangle it); send it anyway with: data --force %s", name);
		shell_fail(sh, "data", &err);
		return false;
	}
	if (sc->eight_bit && !body_has(sh, "8BITMIME"))
		out_warning(&sh->out, N_("%s holds 8-bit bytes but the server did not advertise 8BITMIME "
		    "(RFC 6152): it may mangle or refuse them"), name);
	return true;
}

struct file_reader {
	FILE *f;
	const char *name;
};

static enum smtp_errkind body_read(void *ctx, char *buf, size_t cap, size_t *got,
    struct smtp_error *err)
{
	struct file_reader *fr = ctx;
	*got = fread(buf, 1, cap, fr->f);
	if (*got == 0 && ferror(fr->f))
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %s: %s", fr->name,
		    strerror(errno));
	return SMTP_OK;
}

bool shell_send_body(struct shell *sh, body_reader_fn read, void *ctx, const char *name,
    unsigned long *seq)
{
	struct smtp_error err;
	bool interrupted;
	char what[300];
	snprintf(what, sizeof what, "[message body from %.200s, dot-stuffed, then <CRLF>.<CRLF>]", name);
	if (!sh->quiet_echo)
		out_sent(&sh->out, what, strlen(what));
	if (session_send_body(sh->sess, read, ctx, seq, &interrupted, &err) != SMTP_OK) {
		bool spoke = session_is_open(sh->sess) && session_state(sh->sess) == SMTP_ST_DATA;
		if (err.kind == SMTP_ERR_CANCELLED)
			shell_cancelled(sh, "body");
		shell_fail(sh, "body", &err);
		if (spoke) {
			(void)shell_settle(sh);
			shell_close(sh, N_("connection closed: the server is waiting for a body that was "
			    "not sent, and an empty one must not be delivered"));
		}
		return false;
	}
	if (interrupted)
		out_note(&sh->out, N_("the server answered in the middle of the body: the rest was not "
		    "sent, and the connection is closed after its reply so that no half message is "
		    "delivered"));
	return true;
}

/* After the 354: stream the body and show its reply (under LMTP, one per
 * recipient: shell_collect shows each on the way to the last). */
static void body_send(struct shell *sh, FILE *f, const char *name)
{
	struct file_reader fr = { f, name };
	unsigned long seq;
	if (!shell_send_body(sh, body_read, &fr, name, &seq))
		return;
	struct session_reply r;
	session_reply_init(&r);
	if (shell_collect(sh, seq, &r) != 0)
		shell_maybe_stop(sh, &r);
	session_reply_free(&r);
}

/* RFC 3030: chunks of the file as they are, the last marked LAST. */
#define BODY_BDAT_CHUNK (1024 * 1024)

void shell_bdat(struct shell *sh, const char *arg, size_t arglen)
{
	char name[4096];
	snprintf(name, sizeof name, "%.*s", (int)arglen, arg);
	if (arglen == 0) {
		shell_usage_error(sh, N_("usage: bdat FILE"));
		return;
	}
	FILE *f = body_open(sh, name);
	if (f == NULL)
		return;
	char *buf = malloc(BODY_BDAT_CHUNK);
	struct session_reply r;
	session_reply_init(&r);
	for (bool last = false; buf != NULL && !last;) {
		size_t n = fread(buf, 1, BODY_BDAT_CHUNK, f);
		if (n < BODY_BDAT_CHUNK && ferror(f)) {
			struct smtp_error err;
			smtp_error_set(&err, SMTP_ERR_FILE, errno, "reading %s: %s", name, strerror(errno));
			shell_fail(sh, "body", &err);
			break;
		}
		int c = getc(f);
		last = c == EOF;
		if (!last)
			ungetc(c, f);
		unsigned long seq;
		if (!shell_send_chunk(sh, buf, n, last, &seq))
			break;
		if (shell_collect(sh, seq, &r) == 0)
			break;
		if (!last && r.verdict != VERDICT_SUCCESS) {
			/* RFC 3030 2: no more chunks after a refusal. */
			(void)shell_exchange(sh, verb_by_id(VERB_RSET), "RSET", 4, NULL);
			break;
		}
	}
	if (r.reply.code != 0)
		shell_maybe_stop(sh, &r);
	session_reply_free(&r);
	free(buf);
	fclose(f);
}

void shell_data(struct shell *sh, const char *arg, size_t arglen)
{
	bool force = false;
	if (arglen >= 7 && strncmp(arg, "--force", 7) == 0 && (arglen == 7 || arg[7] == ' ')) {
		force = true;
		arg += arglen > 7 ? 8 : 7;
		arglen -= arglen > 7 ? 8 : 7;
	}
	char name[4096];
	FILE *f = NULL;
	if (arglen > 0) {
		snprintf(name, sizeof name, "%.*s", (int)arglen, arg);
		f = body_open(sh, name);
		if (f == NULL)
			return;
		struct body_scan sc;
		struct smtp_error err;
		if (body_scan_file(f, name, &sc, &err) != SMTP_OK) {
			shell_fail(sh, "data", &err);
			fclose(f);
			return;
		}
		if (!body_judge(sh, name, &sc, force)) {
			fclose(f);
			return;
		}
	} else if (force) {
		shell_usage_error(sh, N_("data --force needs a FILE; nothing was sent"));
		return;
	}
	struct session_reply r;
	session_reply_init(&r);
	int code = shell_exchange(sh, verb_by_id(VERB_DATA), "DATA", 4, &r);
	if (code == 354 && session_state(sh->sess) == SMTP_ST_DATA) {
		if (f != NULL) {
			body_send(sh, f, name);
		} else {
			if (!shell_body_begin(sh)) {
				struct smtp_error err;
				smtp_error_set(&err, SMTP_ERR_FILE, errno, "no temporary file for the body: %s",
				    strerror(errno));
				shell_fail(sh, "data", &err);
				shell_close(sh, N_("connection closed: the body could not be kept"));
			} else if (sh->interactive) {
				out_note(&sh->out, N_("type the message; a line with a lone \".\" ends it"));
			}
		}
	} else if (code != 0) {
		shell_maybe_stop(sh, &r);
	}
	session_reply_free(&r);
	if (f != NULL)
		fclose(f);
}

bool shell_body_begin(struct shell *sh)
{
	sh->body.file = tmpfile();
	sh->body.on = sh->body.file != NULL;
	sh->body.has_8bit = false;
	return sh->body.on;
}

void shell_body_abandon(struct shell *sh, const char *why)
{
	if (sh->body.file != NULL)
		fclose(sh->body.file);
	sh->body.file = NULL;
	sh->body.on = false;
	if (session_is_open(sh->sess)) {
		char msg[300];
		snprintf(msg, sizeof msg, "%s: the connection was closed so that no half-written "
		    "message is delivered", why);
		shell_close(sh, msg);
	}
}

void shell_body_line(struct shell *sh, const char *line, size_t len)
{
	if (len == 1 && line[0] == '.') {
		sh->body.on = false;
		rewind(sh->body.file);
		if (sh->body.has_8bit && !body_has(sh, "8BITMIME"))
			out_warning(&sh->out, N_("the body holds 8-bit bytes but the server did not advertise "
			    "8BITMIME (RFC 6152): it may mangle or refuse them"));
		body_send(sh, sh->body.file, "the lines typed");
		fclose(sh->body.file);
		sh->body.file = NULL;
		return;
	}
	if (len > BODY_LINE_MAX) {
		shell_usage_error(sh, N_("this line is %zu octets; RFC 5321 4.5.3.1.6 allows 998 in a "
		    "message: it was not kept (type it shorter)"), len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] >= 0x80)
			sh->body.has_8bit = true;
	if (fwrite(line, 1, len, sh->body.file) != len || fputc('\n', sh->body.file) == EOF) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_FILE, errno, "cannot keep the body: %s", strerror(errno));
		shell_fail(sh, "data", &err);
	}
}
