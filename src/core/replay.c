/*
 * replay.c - transcripts read back (replay.h): the record reader, and the
 * feed that plays the server's side as a transport.
 *
 * A transcript line is "<stamp> S: <escaped>", "<stamp> C: <escaped>" or
 * "<stamp> #  <escaped note>" (transcript.h); the reader takes one line of
 * at most REPLAY_LINE_MAX bytes at a time and undoes escape_terminal.
 *
 * Owns: the FILE (replay_close), the feed's buffer and pipe
 * (replay_feed_free).
 */
#include "replay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"

/* A transcript record is at most TRANSCRIPT_CHUNK input bytes, escaped
 * (up to 10 bytes each), plus its stamp. */
#define REPLAY_LINE_MAX (1024 * 10 + 256)
/* What is kept of the file's name. */
#define REPLAY_NAME_MAX 256

struct replay {
	FILE *f;
	unsigned long line;
	char name[REPLAY_NAME_MAX]; /* the file, as errors name it (cut) */
	char buf[REPLAY_LINE_MAX + 2];
};

enum smtp_errkind replay_open(struct replay **out, const char *path, struct smtp_error *err)
{
	*out = NULL;
	struct replay *r = calloc(1, sizeof *r);
	if (r == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	r->f = fopen(path, "r");
	if (r->f == NULL) {
		int e = errno;
		free(r);
		return smtp_error_set(err, SMTP_ERR_FILE, e, "cannot read %s: %s", path, strerror(e));
	}
	snprintf(r->name, sizeof r->name, "%s", path);
	*out = r;
	return SMTP_OK;
}

void replay_close(struct replay *r)
{
	if (r == NULL)
		return;
	fclose(r->f);
	free(r);
}

void replay_record_init(struct replay_record *rec)
{
	memset(rec, 0, sizeof *rec);
	strbuf_init(&rec->data, REPLAY_LINE_MAX);
}

void replay_record_free(struct replay_record *rec)
{
	strbuf_free(&rec->data);
}

bool replay_next(struct replay *r, struct replay_record *rec, struct smtp_error *err)
{
	smtp_error_clear(err);
	if (fgets(r->buf, sizeof r->buf, r->f) == NULL)
		return false;
	r->line++;
	size_t n = strlen(r->buf);
	if (n > 0 && r->buf[n - 1] == '\n')
		r->buf[--n] = '\0';
	else if (!feof(r->f)) {
		smtp_error_set(err, SMTP_ERR_FILE, 0, "%s line %lu: longer than a transcript record can be",
		    r->name, r->line);
		return false;
	}
	/* "<stamp> <marker> <text>" */
	const char *sp = strchr(r->buf, ' ');
	if (sp == NULL || (size_t)(sp - r->buf) >= sizeof rec->stamp || strlen(sp) < 3) {
		smtp_error_set(err, SMTP_ERR_FILE, 0, "%s line %lu: not a transcript record",
		    r->name, r->line);
		return false;
	}
	snprintf(rec->stamp, sizeof rec->stamp, "%.*s", (int)(sp - r->buf), r->buf);
	const char *m = sp + 1;
	const char *text;
	if (strncmp(m, "S: ", 3) == 0) {
		rec->kind = REPLAY_SERVER;
		text = m + 3;
	} else if (strncmp(m, "C: ", 3) == 0) {
		rec->kind = REPLAY_CLIENT;
		text = m + 3;
	} else if (strncmp(m, "#  ", 3) == 0) {
		rec->kind = REPLAY_NOTE;
		text = m + 3;
	} else {
		smtp_error_set(err, SMTP_ERR_FILE, 0, "%s line %lu: not a transcript record "
		    "(no S:, C: or # after the time)", r->name, r->line);
		return false;
	}
	rec->line = r->line;
	strbuf_reset(&rec->data);
	if (unescape_terminal(&rec->data, text, strlen(text)) != SMTP_OK) {
		smtp_error_set(err, SMTP_ERR_NOMEM, 0, "%s line %lu: does not fit in memory",
		    r->name, r->line);
		return false;
	}
	return true;
}

/* ---- the server's side as a transport ---- */

struct replay_feed {
	struct strbuf buf;
	size_t pos;
	bool end;
	int pipe[2];              /* never written: a fd that is never ready */
};

enum smtp_errkind replay_feed_new(struct replay_feed **out, struct smtp_error *err)
{
	struct replay_feed *f = calloc(1, sizeof *f);
	if (f == NULL)
		return smtp_error_set(err, SMTP_ERR_NOMEM, 0, "out of memory");
	if (pipe2(f->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		int e = errno;
		free(f);
		return smtp_error_set(err, SMTP_ERR_IO, e, "pipe: %s", strerror(e));
	}
	strbuf_init(&f->buf, REPLAY_FEED_MAX);
	*out = f;
	return SMTP_OK;
}

void replay_feed_free(struct replay_feed *f)
{
	if (f == NULL)
		return;
	close(f->pipe[0]);
	close(f->pipe[1]);
	strbuf_free(&f->buf);
	free(f);
}

int replay_feed_fd(const struct replay_feed *f)
{
	return f->pipe[0];
}

enum smtp_errkind replay_feed_give(struct replay_feed *f, const char *data, size_t len)
{
	if (f->pos > 0 && f->pos == f->buf.len) {
		strbuf_reset(&f->buf);
		f->pos = 0;
	}
	return strbuf_append(&f->buf, data, len);
}

void replay_feed_end(struct replay_feed *f)
{
	f->end = true;
}

static ssize_t feed_read(struct transport *t, void *buf, size_t len, bool *want_write)
{
	struct replay_feed *f = t->ctx;
	*want_write = false;
	size_t have = f->buf.len - f->pos;
	if (have == 0) {
		if (f->end)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	size_t n = have < len ? have : len;
	memcpy(buf, f->buf.data + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static ssize_t feed_write(struct transport *t, const void *buf, size_t len, bool *want_write)
{
	(void)t;
	(void)buf;
	*want_write = false;
	return (ssize_t)len;      /* what the client sent is in the transcript already */
}

static size_t feed_pending(struct transport *t)
{
	struct replay_feed *f = t->ctx;
	return f->buf.len - f->pos + (f->end ? 1 : 0);
}

static void feed_close(struct transport *t)
{
	t->fd = -1;               /* the fd is the feed's */
}

static const struct transport_ops feed_ops = {
	"replay", feed_read, feed_write, feed_pending, feed_close,
};

const struct transport_ops *replay_feed_ops(void)
{
	return &feed_ops;
}
