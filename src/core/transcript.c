/*
 * transcript.c - the `--transcript FILE` writer (see transcript.h): records
 * with a UTC timestamp and a direction marker, bytes escaped by
 * escape_terminal(), one write(2) per record, secrets replaced.
 *
 * Owns the file descriptor (closed by transcript_close).  Memory: one
 * strbuf per record, bounded by TRANSCRIPT_CHUNK input bytes.
 */
#include "libs.h"
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "escape.h"
#include "strbuf.h"

/* An escaped byte takes at most 10 output bytes ("\u{XXXXXX}"-style for a
 * code point that needs several input bytes, or "\xNN" per byte). */
#define RECORD_MAX (TRANSCRIPT_CHUNK * 10 + 128)

void transcript_init(struct transcript *tr)
{
	memset(tr, 0, sizeof *tr);
	tr->fd = -1;
}

bool transcript_is_open(const struct transcript *tr)
{
	return tr->fd >= 0;
}

static void stamp(char *dst, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(dst, cap, "0000-00-00T00:00:00.000Z");
		return;
	}
	snprintf(dst, cap, "%.20s.%03dZ", base, (int)(ts.tv_nsec / 1000000 % 1000));
}

/* One write(2) per record (looping only on a short write or EINTR). */
static void write_record(struct transcript *tr, const struct strbuf *rec)
{
	const char *p = rec->data;
	size_t left = rec->len;

	while (left > 0) {
		ssize_t n = write(tr->fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			tr->failed = true;
			smtp_error_set(&tr->error, SMTP_ERR_FILE, errno,
			    "transcript write failed: %s; recording stopped", strerror(errno));
			return;
		}
		p += n;
		left -= (size_t)n;
	}
	tr->records++;
}

/* "<stamp> <marker> <escaped bytes>\n" */
static void emit(struct transcript *tr, const char *marker, const char *buf, size_t len,
    bool escape)
{
	struct strbuf rec;
	char ts[48];
	enum smtp_errkind k;

	if (tr->fd < 0 || tr->failed)
		return;
	strbuf_init(&rec, RECORD_MAX);
	stamp(ts, sizeof ts);
	k = strbuf_appendf(&rec, "%s %s ", ts, marker);
	if (k == SMTP_OK)
		k = escape ? escape_terminal(&rec, buf, len) : strbuf_append(&rec, buf, len);
	if (k == SMTP_OK)
		k = strbuf_appendc(&rec, '\n');
	if (k != SMTP_OK) {
		tr->failed = true;
		smtp_error_set(&tr->error, k, 0, "transcript record too large; recording stopped");
	} else {
		write_record(tr, &rec);
	}
	strbuf_free(&rec);
}

/* Bytes that may be longer than TRANSCRIPT_CHUNK (a line with secrets
 * replaced), as records of at most that many. */
static void emit_sliced(struct transcript *tr, const char *marker, const char *buf, size_t len)
{
	while (len > 0) {
		size_t take = len < TRANSCRIPT_CHUNK ? len : TRANSCRIPT_CHUNK;
		emit(tr, marker, buf, take, true);
		buf += take;
		len -= take;
	}
}

/* The server's bytes: a record per line (per TRANSCRIPT_CHUNK bytes of a
 * longer one), secrets masked.  Unless final, the tail of a partial line
 * that may be the start of a secret is held for the next bytes. */
static void record_in(struct transcript *tr, const char *buf, size_t len, bool final)
{
	struct strbuf joined;
	strbuf_init(&joined, sizeof tr->held + len + 1);
	if (tr->held_len > 0) {
		if (strbuf_append(&joined, tr->held, tr->held_len) != SMTP_OK ||
		    strbuf_append(&joined, buf, len) != SMTP_OK) {
			tr->failed = true;
			smtp_error_set(&tr->error, SMTP_ERR_NOMEM, 0, "transcript: out of memory; "
			    "recording stopped");
		}
		libs_wipe(tr->held, tr->held_len);
		tr->held_len = 0;
		buf = joined.data;
		len = joined.len;
	}
	while (len > 0 && !tr->failed) {
		const char *lf = memchr(buf, '\n', len < TRANSCRIPT_CHUNK ? len : TRANSCRIPT_CHUNK);
		size_t take = lf != NULL ? (size_t)(lf - buf) + 1
		                         : (len < TRANSCRIPT_CHUNK ? len : TRANSCRIPT_CHUNK);
		bool may_hold = !final && lf == NULL && take == len;
		struct strbuf out;
		size_t used = 0;
		strbuf_init(&out, 2 * take + 16);
		if (secret_mask_feed(tr->mask, buf, take, !may_hold, &out, &used, NULL) != SMTP_OK) {
			tr->failed = true;       /* never record what could not be masked */
			smtp_error_set(&tr->error, SMTP_ERR_NOMEM, 0, "transcript: cannot mask a "
			    "secret; recording stopped");
		} else {
			emit_sliced(tr, "S:", out.data, out.len);
			if (used < take) {
				memcpy(tr->held, buf + used, take - used);
				tr->held_len = take - used;
			}
		}
		libs_wipe(out.data, out.len);
		strbuf_free(&out);
		buf += take;
		len -= take;
	}
	if (joined.data != NULL)
		libs_wipe(joined.data, joined.len);
	strbuf_free(&joined);
}

/* Held server bytes are recorded before anything that comes after them. */
static void flush_held(struct transcript *tr)
{
	if (tr->held_len > 0)
		record_in(tr, "", 0, true);
}

void transcript_set_mask(struct transcript *tr, const struct secret_mask *mask)
{
	tr->mask = mask;
}

enum smtp_errkind transcript_open(struct transcript *tr, const char *path,
    enum transcript_mode mode, struct smtp_error *err)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    (mode == TRANSCRIPT_OVERWRITE ? O_TRUNC : O_APPEND);
	struct stat st;
	int fd;

	transcript_init(tr);
	fd = open(path, flags, 0600);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP)
			return smtp_error_set(err, SMTP_ERR_FILE, e,
			    "transcript %s is a symbolic link; refused", path);
		return smtp_error_set(err, SMTP_ERR_FILE, e, "cannot create transcript %s: %s",
		    path, strerror(e));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return smtp_error_set(err, SMTP_ERR_FILE, 0,
		    "transcript %s is not a regular file; refused", path);
	}
	if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) != 0) {
		int e = errno;
		close(fd);
		return smtp_error_set(err, SMTP_ERR_FILE, e,
		    "cannot make transcript %s private: %s", path, strerror(e));
	}
	tr->fd = fd;
	/* (No backslash here: notes are escaped, and "\\r\\n" came out doubled.) */
	transcript_note(tr, "smtpsh transcript: S: server bytes, C: client bytes (escaped as in "
	    "C: a line's CR LF ends it as backslash-r backslash-n), secrets shown as <secret>");
	return SMTP_OK;
}

void transcript_close(struct transcript *tr)
{
	flush_held(tr);
	if (tr->fd >= 0)
		close(tr->fd);
	tr->fd = -1;
}

void transcript_redact_hook(void *ctx, const char *shown)
{
	transcript_redact_next_out(ctx, shown);
}

void transcript_redact_next_out(struct transcript *tr, const char *shown)
{
	snprintf(tr->shown, sizeof tr->shown, "%s", shown != NULL ? shown : "<secret>");
	tr->redact_pending = true;
}

void transcript_record(struct transcript *tr, enum wire_dir dir, const char *buf, size_t len)
{
	const char *marker = dir == WIRE_IN ? "S:" : "C:";

	if (dir == WIRE_IN) {
		record_in(tr, buf, len, false);
		return;
	}
	flush_held(tr);
	while (len > 0) {
		if (dir == WIRE_OUT && (tr->redact_pending || tr->redacting)) {
			const char *lf = memchr(buf, '\n', len);
			size_t take = lf != NULL ? (size_t)(lf - buf) + 1 : len;
			if (!tr->redacting) {
				/* The stand-in is ours, not the wire's, but it
				 * goes through the same escape. */
				struct strbuf s;
				strbuf_init(&s, sizeof tr->shown + 8);
				if (strbuf_appendf(&s, "%s\r\n", tr->shown) == SMTP_OK)
					emit(tr, marker, s.data, s.len, true);
				strbuf_free(&s);
				tr->redacting = true;
				tr->redacted++;
			}
			if (lf != NULL) {
				tr->redacting = false;
				tr->redact_pending = false;
			}
			buf += take;
			len -= take;
			continue;
		}
		const char *lf = memchr(buf, '\n', len < TRANSCRIPT_CHUNK ? len : TRANSCRIPT_CHUNK);
		size_t take = lf != NULL ? (size_t)(lf - buf) + 1
		                         : (len < TRANSCRIPT_CHUNK ? len : TRANSCRIPT_CHUNK);
		emit(tr, marker, buf, take, true);
		buf += take;
		len -= take;
	}
}

void transcript_wire_hook(void *ctx, enum wire_dir dir, const char *buf, size_t len)
{
	transcript_record(ctx, dir, buf, len);
}

void transcript_note(struct transcript *tr, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	flush_held(tr);
	/* Notes may quote server text: escape them too. */
	emit(tr, "# ", text, strlen(text), true);
}

bool transcript_error(const struct transcript *tr, struct smtp_error *err)
{
	if (tr->failed && err != NULL)
		*err = tr->error;
	return tr->failed;
}
