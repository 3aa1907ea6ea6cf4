/*
 * message.c - the test message (message.h), built one piece at a time.
 *
 * The pieces, in order: the header block; the body (text, or a file read
 * in slices); for each attachment its part header and its base64 lines
 * (RFC 2045 6.8: 76 characters, from 57-byte slices); the closing
 * boundary.  Each step fills m->piece (bounded by MESSAGE_PIECE_MAX) and
 * message_read() hands it out, so memory does not grow with the message.
 *
 * Owns: the piece buffer, the open body and attachment files (closed by
 * message_close).  Errors: SMTP_ERR_REFUSED (CR/LF/NUL in user text, too
 * many list items), SMTP_ERR_FILE (a file missing, unreadable, not
 * regular), SMTP_ERR_NOMEM.
 */
#include "message.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "mailbox.h"
#include "mime.h"
#include "smtp_limits.h"
#include "strbuf.h"

#define MESSAGE_B64_SLICE (57 * 1000)       /* 1000 lines of 76 per piece */
#define MESSAGE_TEXT_SLICE (64 * 1024)

enum message_step { STEP_HEAD, STEP_BODY, STEP_PART_HEAD, STEP_PART_DATA, STEP_TAIL, STEP_DONE };

struct message_text_scan {
	unsigned long long bytes, bare_lf, bare_cr;
	bool eight_bit;
	bool ends_with_newline;
};

struct message {
	struct strbuf piece;
	size_t piece_pos;
	enum message_step step;
	bool multipart;
	char boundary[80];
	const char *body_text;
	size_t body_len, body_pos;
	int body_fd;
	struct message_text_scan body_scan;
	const char *const *attach;
	size_t nattach, cur;
	int att_fd;
	unsigned char *raw;             /* MESSAGE_B64_SLICE bytes of a file */
	unsigned long long size;
	char head[16384];               /* the header block, prepared at open */
	size_t head_len;
};

static const char *const message_types[][2] = {
	{ ".txt", "text/plain" }, { ".html", "text/html" }, { ".htm", "text/html" },
	{ ".csv", "text/csv" }, { ".pdf", "application/pdf" }, { ".png", "image/png" },
	{ ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" }, { ".gif", "image/gif" },
	{ ".svg", "image/svg+xml" }, { ".zip", "application/zip" },
	{ ".gz", "application/gzip" }, { ".json", "application/json" },
	{ ".xml", "application/xml" }, { ".ics", "text/calendar" },
	{ ".eml", "message/rfc822" }, { ".doc", "application/msword" },
	{ ".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
};

const char *message_media_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot != NULL && (slash == NULL || dot > slash))
		for (size_t i = 0; i < sizeof message_types / sizeof message_types[0]; i++)
			if (strcasecmp(dot, message_types[i][0]) == 0)
				return message_types[i][1];
	return "application/octet-stream";
}

static void message_scan(const unsigned char *p, size_t n, unsigned char *prev,
    struct message_text_scan *sc)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '\n' && *prev != '\r')
			sc->bare_lf++;
		if (*prev == '\r' && c != '\n')
			sc->bare_cr++;
		if (c >= 0x80)
			sc->eight_bit = true;
		*prev = c;
	}
	sc->bytes += n;
}

/* Bytes a scanned text takes on the wire (bare LF and CR become CRLF,
 * and it ends with a line end). */
static unsigned long long message_text_wire(struct message_text_scan *sc, unsigned char last)
{
	if (last == '\r')
		sc->bare_cr++;
	sc->ends_with_newline = sc->bytes > 0 && (last == '\n' || last == '\r');
	return sc->bytes + sc->bare_lf + sc->bare_cr + (sc->ends_with_newline ? 0 : 2);
}

static enum smtp_errkind message_open_file(const char *path, int *fd, struct stat *st,
    struct smtp_error *err)
{
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0)
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "cannot read %s: %s", path, strerror(errno));
	if (fstat(*fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(*fd);
		*fd = -1;
		return smtp_error_set(err, SMTP_ERR_FILE, 0, "%s is not a regular file", path);
	}
	(void)fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
	return SMTP_OK;
}

static void message_date(time_t t, char *out, size_t cap)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void message_unique(const struct message_spec *spec, char *out, size_t cap)
{
	if (spec->unique != NULL) {
		snprintf(out, cap, "%s", spec->unique);
		return;
	}
	unsigned char r[12];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		memset(r, 0x5a, sizeof r);
	size_t n = 0;
	for (size_t i = 0; i < sizeof r && n + 3 < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%02x", r[i]);
}

/* The header block (and, for multipart, the first part's header). */
static enum smtp_errkind message_build_head(struct message *m, const struct message_spec *spec,
    struct smtp_error *err)
{
	struct strbuf sb;
	strbuf_init(&sb, sizeof m->head - 1);
	char date[64], unique[64];
	message_date(spec->date != 0 ? spec->date : time(NULL), date, sizeof date);
	message_unique(spec, unique, sizeof unique);
	snprintf(m->boundary, sizeof m->boundary, "=_smtpsh_%s", unique);
	(void)strbuf_appendf(&sb, "Date: %s\r\nFrom: %s\r\nTo: ", date, spec->from);
	for (size_t i = 0; i < spec->nto; i++)
		(void)strbuf_appendf(&sb, "%s%s", i > 0 ? ",\r\n " : "", spec->to[i]);
	(void)strbuf_appendf(&sb, "\r\nSubject: ");
	mime_put_word(&sb, spec->subject != NULL ? spec->subject : "smtpsh test message");
	(void)strbuf_appendf(&sb, "\r\nMessage-ID: <%s.smtpsh@%s>\r\nMIME-Version: 1.0\r\n"
	    "X-Mailer: smtpsh\r\n", unique, spec->hostname != NULL ? spec->hostname : "localhost");
	for (size_t i = 0; i < spec->nheaders; i++) {
		/* Checked: "Name:" then text without controls but TAB. */
		const char *h = spec->headers[i];
		const char *value = strchr(h, ':') + 1;
		(void)strbuf_appendf(&sb, "%.*s:", (int)(value - h - 1), h);
		if (mime_ascii(value)) {
			(void)strbuf_appendf(&sb, "%s\r\n", value);
		} else {
			(void)strbuf_appendf(&sb, " ");
			mime_put_word(&sb, value + strspn(value, " \t"));
			(void)strbuf_appendf(&sb, "\r\n");
		}
	}
	const char *cte = m->body_scan.eight_bit ? "8bit" : "7bit";
	if (m->multipart)
		(void)strbuf_appendf(&sb, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
		    "This is a message in MIME format.\r\n\r\n--%s\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: %s\r\n\r\n",
		    m->boundary, m->boundary, cte);
	else
		(void)strbuf_appendf(&sb, "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: %s\r\n\r\n", cte);
	if (sb.len >= sizeof m->head - 2) {
		strbuf_free(&sb);
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the message headers are too long "
		    "(more than %zu bytes)", sizeof m->head - 2);
	}
	memcpy(m->head, strbuf_str(&sb), sb.len);
	m->head_len = sb.len;
	strbuf_free(&sb);
	return SMTP_OK;
}

static void message_part_head(const struct message *m, const char *path, struct strbuf *sb)
{
	const char *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	(void)strbuf_appendf(sb, "--%s\r\nContent-Type: %s", m->boundary, message_media_type(path));
	mime_put_param(sb, "name", base);
	(void)strbuf_appendf(sb, "\r\nContent-Disposition: attachment");
	mime_put_param(sb, "filename", base);
	(void)strbuf_appendf(sb, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
}

static unsigned long long message_b64_wire(unsigned long long n)
{
	unsigned long long chars = (n + 2) / 3 * 4;
	return chars + (chars + 75) / 76 * 2;
}

enum smtp_errkind message_spec_check(const struct message_spec *spec, struct smtp_error *err)
{
	const char *why = mailbox_check(spec->from, spec->from != NULL ? strlen(spec->from) : 0, 0);
	if (why != NULL)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the sender is not an RFC 5321 "
		    "mailbox (%s)", why);
	if (spec->subject != NULL && !mime_header_text_ok(spec->subject))
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "the subject holds a control "
		    "character (only TAB may stand in a header)");
	if (spec->nto == 0)
		return smtp_error_set(err, SMTP_ERR_USAGE, 0, "a message needs at least one recipient (--to)");
	if (spec->nto > MESSAGE_LIST_MAX || spec->nheaders > MESSAGE_LIST_MAX ||
	    spec->nattach > MESSAGE_LIST_MAX)
		return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "more than %d recipients, headers "
		    "or attachments", MESSAGE_LIST_MAX);
	for (size_t i = 0; i < spec->nto; i++)
		if ((why = mailbox_check(spec->to[i], strlen(spec->to[i]), 0)) != NULL)
			return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "recipient %zu is not an RFC 5321 "
			    "mailbox (%s)", i + 1, why);
	for (size_t i = 0; i < spec->nheaders; i++) {
		const char *h = spec->headers[i];
		const char *colon = strchr(h, ':');
		if (colon == NULL || !mime_header_name_ok(h, (size_t)(colon - h)) ||
		    !mime_header_text_ok(colon + 1))
			return smtp_error_set(err, SMTP_ERR_REFUSED, 0, "a header must be one line "
			    "\"Name: value\" with no control character but TAB (header %zu)", i + 1);
	}
	return SMTP_OK;
}

enum smtp_errkind message_open(struct message **out, const struct message_spec *spec,
    struct smtp_error *err)
{
	*out = NULL;
	enum smtp_errkind k = message_spec_check(spec, err);
	if (k != SMTP_OK)
		return k;
	struct message *m = calloc(1, sizeof *m);
	if (m == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	m->body_fd = m->att_fd = -1;
	strbuf_init(&m->piece, MESSAGE_PIECE_MAX);
	m->raw = malloc(MESSAGE_B64_SLICE);
	if (m->raw == NULL) {
		free(m);
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	}
	m->attach = spec->attach;
	m->nattach = spec->nattach;
	m->multipart = spec->nattach > 0;
	unsigned char prev = 0;
	unsigned long long body_wire;
	if (spec->body_file != NULL) {
		struct stat st;
		k = message_open_file(spec->body_file, &m->body_fd, &st, err);
		if (k != SMTP_OK)
			goto fail;
		unsigned char buf[SMTP_DATA_CHUNK];
		ssize_t n;
		while ((n = read(m->body_fd, buf, sizeof buf)) > 0)
			message_scan(buf, (size_t)n, &prev, &m->body_scan);
		if (n < 0 || lseek(m->body_fd, 0, SEEK_SET) != 0) {
			k = smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %s: %s", spec->body_file,
			    strerror(errno));
			goto fail;
		}
	} else {
		m->body_text = spec->body_text != NULL ? spec->body_text
		    : "This is a test message sent by smtpsh.\r\n";
		m->body_len = strlen(m->body_text);
		message_scan((const unsigned char *)m->body_text, m->body_len, &prev, &m->body_scan);
	}
	body_wire = message_text_wire(&m->body_scan, prev);
	k = message_build_head(m, spec, err);
	if (k != SMTP_OK)
		goto fail;
	m->size = m->head_len + body_wire;
	for (size_t i = 0; i < spec->nattach; i++) {
		struct stat st;
		int fd;
		k = message_open_file(spec->attach[i], &fd, &st, err);
		if (k != SMTP_OK)
			goto fail;
		close(fd);
		struct strbuf ph;
		strbuf_init(&ph, 4096);
		message_part_head(m, spec->attach[i], &ph);
		m->size += ph.len + message_b64_wire((unsigned long long)st.st_size);
		strbuf_free(&ph);
	}
	if (m->multipart)
		m->size += strlen(m->boundary) + 6;       /* "--B--\r\n" */
	*out = m;
	return SMTP_OK;
fail:
	message_close(m);
	return k;
}

void message_close(struct message *m)
{
	if (m == NULL)
		return;
	if (m->body_fd >= 0)
		close(m->body_fd);
	if (m->att_fd >= 0)
		close(m->att_fd);
	strbuf_free(&m->piece);
	free(m->raw);
	free(m);
}

unsigned long long message_size(const struct message *m)
{
	return m->size;
}

bool message_8bit(const struct message *m)
{
	return m->body_scan.eight_bit;
}

/* One base64 piece of the current attachment; false at its end. */
static enum smtp_errkind message_b64_piece(struct message *m, bool *more, struct smtp_error *err)
{
	unsigned char *raw = m->raw;
	size_t have = 0;
	ssize_t n = 0;
	while (have < MESSAGE_B64_SLICE &&
	    (n = read(m->att_fd, raw + have, MESSAGE_B64_SLICE - have)) > 0)
		have += (size_t)n;
	if (n < 0)
		return smtp_error_set(err, SMTP_ERR_FILE, errno, "reading %s: %s", m->attach[m->cur],
		    strerror(errno));
	for (size_t off = 0; off < have; off += 57) {
		char line[80];
		size_t len = have - off < 57 ? have - off : 57, outlen = 0;
		if (base64_encode(raw + off, len, line, sizeof line, &outlen) != SMTP_OK ||
		    strbuf_append(&m->piece, line, outlen) != SMTP_OK ||
		    strbuf_append(&m->piece, "\r\n", 2) != SMTP_OK)
			return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "base64 piece does not fit");
	}
	*more = have == MESSAGE_B64_SLICE;
	return SMTP_OK;
}

/* Prepare the next piece in m->piece. */
static enum smtp_errkind message_next(struct message *m, struct smtp_error *err)
{
	strbuf_reset(&m->piece);
	m->piece_pos = 0;
	switch (m->step) {
	case STEP_HEAD:
		m->step = STEP_BODY;
		return strbuf_append(&m->piece, m->head, m->head_len);
	case STEP_BODY: {
		if (m->body_fd >= 0) {
			char buf[MESSAGE_TEXT_SLICE];
			ssize_t n = read(m->body_fd, buf, sizeof buf);
			if (n < 0)
				return smtp_error_set(err, SMTP_ERR_FILE, errno, "reading the body: %s",
				    strerror(errno));
			if (n > 0)
				return strbuf_append(&m->piece, buf, (size_t)n);
		} else if (m->body_pos < m->body_len) {
			size_t n = m->body_len - m->body_pos;
			if (n > MESSAGE_TEXT_SLICE)
				n = MESSAGE_TEXT_SLICE;
			m->body_pos += n;
			return strbuf_append(&m->piece, m->body_text + m->body_pos - n, n);
		}
		if (!m->body_scan.ends_with_newline)
			(void)strbuf_append(&m->piece, "\r\n", 2);
		m->step = m->multipart ? STEP_PART_HEAD : STEP_DONE;
		return SMTP_OK;
	}
	case STEP_PART_HEAD: {
		if (m->cur == m->nattach) {
			m->step = STEP_TAIL;
			return message_next(m, err);
		}
		struct stat st;
		enum smtp_errkind k = message_open_file(m->attach[m->cur], &m->att_fd, &st, err);
		if (k != SMTP_OK)
			return k;
		message_part_head(m, m->attach[m->cur], &m->piece);
		m->step = STEP_PART_DATA;
		return SMTP_OK;
	}
	case STEP_PART_DATA: {
		bool more = false;
		enum smtp_errkind k = message_b64_piece(m, &more, err);
		if (k == SMTP_OK && !more) {
			close(m->att_fd);
			m->att_fd = -1;
			m->cur++;
			m->step = STEP_PART_HEAD;
		}
		return k;
	}
	case STEP_TAIL:
		m->step = STEP_DONE;
		return strbuf_appendf(&m->piece, "--%s--\r\n", m->boundary);
	case STEP_DONE:
		break;
	}
	return SMTP_OK;
}

enum smtp_errkind message_read(void *ctx, char *buf, size_t cap, size_t *got,
    struct smtp_error *err)
{
	struct message *m = ctx;
	*got = 0;
	while (m->piece_pos == m->piece.len) {
		if (m->step == STEP_DONE)
			return SMTP_OK;
		enum smtp_errkind k = message_next(m, err);
		if (k != SMTP_OK)
			return k;
	}
	size_t n = m->piece.len - m->piece_pos;
	if (n > cap)
		n = cap;
	memcpy(buf, m->piece.data + m->piece_pos, n);
	m->piece_pos += n;
	*got = n;
	return SMTP_OK;
}
